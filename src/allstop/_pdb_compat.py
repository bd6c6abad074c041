"""``allstop.Debugger``: the face of ``pdb.Pdb`` that tools which take a debugger class use
(pytest's ``--pdbcls``, and ``pytest --allstop``).

Design note: those tools call ``set_trace(frame)``, ``interaction(frame, tb_or_exc)`` and
``runcall(func)``, and expect to hear how the user left through ``do_continue`` and
``do_quit`` (pytest resumes its output capture in its subclass's ``do_continue``, and ends the
test session in ``do_quit``).  So every stop made here is synchronous: it happens inside the
call, every thread frozen as usual, and when the user resumes, ``do_continue`` or ``do_quit`` is
called on this object in the stopped thread.  ``quit`` does not end the process here: the
world resumes and pdb's way of quitting follows (pytest raises its ``Exit``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any, TypeVar

from ._engine import Engine
from ._model import StopReason
from ._stops import Quit
from .session import Session

T = TypeVar("T")


class Debugger:
    """A pdb-compatible debugger whose stops freeze every thread."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # pdb.Pdb's arguments (completekey, stdin, stdout, skip, nosigint, readrc) are
        # accepted and not used: allstop has its own front ends.
        self.quitting = False

    def reset(self) -> None:
        """Nothing to reset (pdb's ``reset`` forgets its stack; allstop reads it afresh)."""
        self.quitting = False

    def set_trace(self, frame: FrameType | None = None) -> None:
        """Stop every thread now, on ``frame`` (default: the caller's)."""
        target = frame if frame is not None else sys._getframe(1)
        self._stop(lambda engine: engine.stop_now(target, StopReason.TRACE))

    def interaction(
        self, frame: FrameType | None, traceback: TracebackType | BaseException | None
    ) -> None:
        """A post-mortem of ``traceback`` (an exception on 3.13), or a stop on ``frame``."""
        from ._postmortem import exception_of

        exc = exception_of(traceback) if traceback is not None else None
        if exc is not None:
            self._stop(lambda engine: engine.post_mortem(exc, crashed=False))
        elif frame is not None:
            self._stop(lambda engine: engine.stop_now(frame, StopReason.TRACE))

    def runcall(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """Call ``func``, stopping at its first event (pdb's ``runcall``)."""
        from . import _wiring

        engine = _wiring.engine()
        session = _session_of(engine)
        session.quit_raises = True
        engine.step_from(sys._getframe())
        try:
            result = func(*args, **kwargs)
        except Quit:
            self.do_quit("")
            return None
        finally:
            engine.cancel_step()
            session.quit_raises = False
        self.do_continue("")
        return result

    def do_continue(self, arg: str) -> int:
        """Called when the user resumed (pytest's subclass resumes its capture here)."""
        return 1

    do_c = do_cont = do_continue

    def do_quit(self, arg: str) -> int:
        """Called when the user quit (pytest's subclass ends the test session here)."""
        self.quitting = True
        return 1

    do_q = do_exit = do_quit

    def _stop(self, stop: Callable[[Engine], None]) -> None:
        from . import _wiring

        engine = _wiring.engine()
        session = _session_of(engine)
        session.quit_raises = True
        try:
            stop(engine)
        except Quit:
            self.do_quit("")
            return
        finally:
            session.quit_raises = False
        self.do_continue("")


def _session_of(engine: Engine) -> Session:
    session = engine.handler
    assert isinstance(session, Session)
    return session
