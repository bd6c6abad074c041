"""allstop: a Python debugger for threaded programs.  When one thread stops, every thread stops.

Public API (everything else is private)::

    import allstop
    allstop.breakpoint()          # or PYTHONBREAKPOINT=allstop.set_trace, then breakpoint()
    allstop.install()             # arm the debugger: a crashing thread stops the world
    allstop.post_mortem(exc)      # or allstop.pm(): pdb's, with every thread frozen
    allstop.listen(5678)          # let an editor attach through debugpy; stops then show there

``import allstop`` is light: the engine and the session are imported on first use.
"""

from __future__ import annotations

import sys
from types import FrameType, TracebackType

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._engine import Engine

__all__ = ["Debugger", "breakpoint", "install", "listen", "pm", "post_mortem", "set_trace"]
__version__ = "0.1.0"


def set_trace(frame: FrameType | None = None, *, header: str | None = None) -> None:
    """Stop every thread of the program where pdb's ``set_trace()`` stops in the caller (or in
    ``frame``): at its next line (3.10-3.12) or on this call's line (3.13), and open the
    debugger, on ``sys.stdin``/``sys.stdout`` if they were replaced, running the commands of
    ``.pdbrc`` first (as pdb).  ``header`` is printed first.  Use it as
    ``PYTHONBREAKPOINT=allstop.set_trace``."""
    from ._armed import QuickSwitch

    # The first stop imports the debugger while the other threads still run: see _armed.
    with QuickSwitch():
        from . import _wiring
        from ._pdb_compat import Debugger

        _wiring.session()
    debugger = Debugger()  # as pdb.set_trace() makes a pdb.Pdb()
    if header is not None:
        debugger.message(header)
    debugger.set_trace(frame if frame is not None else sys._getframe(1))


breakpoint = set_trace


def install(*, children: bool = False) -> None:
    """Set up the debugger without stopping: from now on ``breakpoint()`` stops every thread
    (unless ``PYTHONBREAKPOINT`` says otherwise), a thread that dies of an exception stops
    the world for a post-mortem, and ``allstop pause PID`` stops it from outside (when called
    on the main thread).  With ``children``, as under ``allstop run``: the Python processes
    the program starts from now on have allstop set up too, and a stop in any process pauses
    the others (see the README's "Child processes")."""
    from . import _armed

    _armed.arm(_process_engine)
    if children:
        from . import _children

        _children.export([], "crash")


def _process_engine() -> Engine:
    """The engine of this process, built on first use (see ``_armed``)."""
    from ._armed import QuickSwitch

    with QuickSwitch():
        from . import _wiring

        return _wiring.engine()


def listen(
    port: int = 5678, host: str = "127.0.0.1", *, wait_for_client: bool = False
) -> tuple[str, int]:
    """Start debugpy's server in this process, so that an editor can attach (VS Code:
    "Python Debugger: Remote Attach" to ``host:port``).  While an editor is attached, every
    stop (``breakpoint()``, a post-mortem, a pause) shows there, with every thread stopped;
    once it detaches, stops open the terminal again.  Port 0 picks a free port.  A host off
    the loopback is reachable by others, who could then run code in this process: it is
    allowed, with a warning.  ``wait_for_client`` blocks until the editor has attached.
    Returns the address listened on.  Calling it again returns the same server."""
    from . import _debugpy, _wiring

    warning = _debugpy.exposure_warning(host)
    if warning is not None:
        print(f"allstop: {warning}", file=sys.stderr)
    listener = _debugpy.listen(_wiring.engine(), host, port)
    if wait_for_client:
        listener.wait_for_client()
    return listener.host, listener.port


def post_mortem(t: BaseException | TracebackType | None = None) -> None:
    """Stop every thread and open the debugger on an exception's traceback (default: the
    exception being handled), as ``pdb.post_mortem`` does."""
    from . import _postmortem, _wiring

    exc = _postmortem.exception_of(t)
    if exc is None:
        raise ValueError("A valid traceback must be passed if no exception is being handled")
    _wiring.engine().post_mortem(exc, crashed=False)


def pm() -> None:
    """Post-mortem of the last uncaught exception, as ``pdb.pm``: the one the last thread
    died of (seen since allstop was set up), or the main thread's (``sys.last_exc``) if it
    came later."""
    from . import _postmortem

    exc = _postmortem.last_exception()
    if exc is None:
        raise RuntimeError("no uncaught exception to look at (sys.last_exc is not set)")
    post_mortem(exc)


def __getattr__(name: str) -> object:
    # Debugger (pdb's face, for pytest --pdbcls=allstop:Debugger) is imported on first use.
    if name == "Debugger":
        from ._pdb_compat import Debugger

        return Debugger
    raise AttributeError(f"module 'allstop' has no attribute {name!r}")
