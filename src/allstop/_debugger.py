"""The process-wide debugger: one engine, one session, one front end, set up once.

Everything the session needs is imported here, before the first freeze (see ``_session``).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable

from ._backends import default_name
from ._engine import Engine
from ._session import Session, SessionIO
from .ui.line import LineIO

_setup_lock = threading.Lock()
_engine: Engine | None = None


def engine() -> Engine:
    """The engine of this process, set up and hooked in on first use."""
    global _engine
    with _setup_lock:
        if _engine is None:
            _engine = build(_front_end)
        _engine.start()
        return _engine


def build(front_end: Callable[[Engine], SessionIO]) -> Engine:
    """An engine with its session on ``front_end(engine)``, hooked in.  ``engine()`` builds
    the process's one; tests and benchmarks build theirs on a given front end."""
    try:
        engine = Engine()
    except (ValueError, RuntimeError) as exc:  # a bad ALLSTOP_BACKEND
        print(f"allstop: {exc}; using the default backend", file=sys.stderr)
        engine = Engine(default_name())
    session = Session(engine, front_end(engine))
    engine.handler = session
    session.evaluator.start()
    engine.wake_signal = _install_wake_signal()
    engine.start()
    return engine


def _wake(signum: int, frame: object) -> None:
    """The wake signal's handler: running it is what parks the main thread."""


def _install_wake_signal() -> int | None:
    """Handle ``$ALLSTOP_WAKE_SIGNAL`` (default SIGURG, which Python programs leave alone) in
    the main thread, unless the program handles it already or we are not on the main thread
    (only it may set handlers)."""
    name = os.environ.get("ALLSTOP_WAKE_SIGNAL", "SIGURG")
    number = getattr(signal, name, None) if not name.isdigit() else int(name)
    if not isinstance(number, int) or threading.current_thread() is not threading.main_thread():
        return None
    try:
        if signal.getsignal(number) not in (signal.SIG_DFL, None):
            return None
        signal.signal(number, _wake)
    except (OSError, ValueError):
        return None
    return number


def _front_end(engine: Engine) -> SessionIO:
    """The full-screen UI on the controlling terminal when stdin is a terminal (or with
    ``ALLSTOP_UI=tui``), line mode otherwise (or with ``ALLSTOP_UI=line``)."""
    mode = os.environ.get("ALLSTOP_UI", "").lower()
    if mode != "line" and (mode == "tui" or os.isatty(0)):
        try:
            from .ui.tui.app import Tui

            return Tui(engine)
        except OSError:  # no controlling terminal after all
            pass
    return LineIO()
