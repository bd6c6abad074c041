"""Interpreter mechanisms behind one small interface.

A backend turns interpreter events into calls of the engine's hot-path methods
(``checkpoint``, ``on_line``, ``on_call``, ``on_return``) and arranges for those events to
happen only where the engine's state needs them: breakpoints, stepping threads, a world being
frozen, blocked threads that must park when they return.  It never decides anything itself.

``sys.monitoring`` (3.12+) is the default where it exists; ``sys.settrace`` everywhere else.
``ALLSTOP_BACKEND=settrace|monitoring`` forces one (tests run both on 3.12+).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from .base import Backend, Host

__all__ = ["Backend", "Host", "backend_class", "default_name"]


def default_name() -> str:
    """The best backend for this Python."""
    return "monitoring" if hasattr(sys, "monitoring") else "settrace"


def backend_class(name: str | None = None) -> Callable[[Host], Backend]:
    """The backend named ``name``, ``$ALLSTOP_BACKEND``, or the best for this Python;
    ValueError when there is no such backend here."""
    wanted = name or os.environ.get("ALLSTOP_BACKEND") or default_name()
    if wanted == "monitoring":
        if not hasattr(sys, "monitoring"):
            raise ValueError("the monitoring backend needs Python 3.12 or newer")
        from .monitoring import MonitoringBackend

        return MonitoringBackend
    if wanted == "settrace":
        from .settrace import SettraceBackend

        return SettraceBackend
    raise ValueError(f"unknown backend {wanted!r}: use 'monitoring' or 'settrace'")
