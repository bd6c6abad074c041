"""The process-wide debugger: one engine, one session, one front end, set up once.

Everything the session needs is imported here, before the first freeze (see ``_session``).
"""

from __future__ import annotations

import os
import sys
import threading

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
            try:
                engine = Engine()
            except (ValueError, RuntimeError) as exc:  # a bad ALLSTOP_BACKEND
                print(f"allstop: {exc}; using the default backend", file=sys.stderr)
                engine = Engine(default_name())
            session = Session(engine, _front_end(engine))
            engine.handler = session
            session.evaluator.start()
            _engine = engine
        _engine.start()
        return _engine


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
