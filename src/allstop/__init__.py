"""allstop: a Python debugger for threaded programs.  When one thread stops, every thread stops.

Public API (everything else is private)::

    import allstop
    allstop.breakpoint()          # or PYTHONBREAKPOINT=allstop.set_trace, then breakpoint()
    allstop.install()             # arm the debugger without stopping

``import allstop`` is light: the engine and the session are imported on first use.
"""

from __future__ import annotations

import sys
from types import FrameType

__all__ = ["breakpoint", "install", "set_trace"]
__version__ = "0.1.0"


def set_trace(frame: FrameType | None = None) -> None:
    """Stop every thread of the program at the next line of the caller (or of ``frame``) and
    open the debugger.  Use it as ``PYTHONBREAKPOINT=allstop.set_trace``."""
    from . import _debugger

    _debugger.engine().stop_soon(frame if frame is not None else sys._getframe(1))


breakpoint = set_trace


def install() -> None:
    """Set up the debugger (hooks, front end, helper thread) without stopping."""
    from . import _debugger

    _debugger.engine()
