"""``allstop.Debugger``: ``pdb.Pdb``'s face, for code and tools that make a pdb object (pytest's
``--pdbcls``, ``pytest --allstop``, doctests, programs that call ``pdb.Pdb(...).set_trace()``).

Design note: pdb's behaviour is the contract.  A ``Debugger`` remembers the streams pdb would use
(``stdin``/``stdout`` given, else ``sys.stdin``/``sys.stdout`` when it is made) and its stops
show there, through ``ui.stream``, unless they are the process's own streams (then the
debugger's own front end shows them: line mode on file descriptors, or the full-screen UI).
Where a stop lands follows the running Python's pdb: ``set_trace()`` stops at the next event
after the call on 3.10-3.12 and on the ``set_trace()`` line itself on 3.13.  When the user
continues or quits, ``do_continue`` / ``do_quit`` of this object are called in the stopped
thread once the world runs again, as pdb's subclasses expect (pytest resumes its output
capture there, or ends the test session), and quitting raises pdb's ``BdbQuit`` in that thread.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import IO, Any, TypeVar

from . import _wiring
from ._locations import LocationError, check_line
from ._model import StopReason
from ._stops import Quit

T = TypeVar("T")


class Debugger:
    """A pdb-compatible debugger whose stops freeze every thread."""

    def __init__(  # noqa: PLR0917 - pdb.Pdb's signature, positional as there
        self,
        completekey: str = "tab",
        stdin: IO[str] | None = None,
        stdout: IO[str] | None = None,
        skip: Any = None,
        nosigint: bool = False,
        readrc: bool = True,
    ) -> None:
        self.stdin = stdin if stdin is not None else sys.stdin
        self.stdout = stdout if stdout is not None else sys.stdout
        self.use_rawinput = stdout is None
        """pdb reads with ``input()`` unless it was given a ``stdout``."""
        self.skip = set(skip) if skip else None
        self.rcLines: list[str] = []
        self.quitting = False

    def reset(self) -> None:
        """Nothing to reset (pdb's ``reset`` forgets its stack; allstop reads it afresh)."""
        self.quitting = False

    # -- pdb's output ----------------------------------------------------------------------
    def message(self, msg: str) -> None:
        print(msg, file=self.stdout)

    def error(self, msg: str) -> None:
        print("***", msg, file=self.stdout)

    # -- entering --------------------------------------------------------------------------
    def _enter(self) -> Any:
        """Show the next stops on this object's streams; the engine."""
        engine = _wiring.engine()
        front_end = _wiring.pdb_front_end(self.stdin, self.stdout, rawinput=self.use_rawinput)
        _wiring.session().use_front_end(front_end, self)
        return engine

    def set_trace(
        self, frame: FrameType | None = None, *, header: str | None = None, **options: Any
    ) -> None:
        """Stop every thread, in ``frame`` (default: the caller's), where pdb would."""
        engine = self._enter()
        if header is not None:
            self.message(header)
        _wiring.trace(engine, frame if frame is not None else sys._getframe(1))

    def interaction(
        self, frame: FrameType | None, traceback: TracebackType | BaseException | None
    ) -> None:
        """A post-mortem of ``traceback`` (an exception on 3.13), or a stop on ``frame``."""
        from ._postmortem import exception_of

        exc = exception_of(traceback) if traceback is not None else None
        engine = self._enter()
        if exc is not None:
            engine.post_mortem(exc, crashed=False)
        elif frame is not None:
            engine.stop_now(frame, StopReason.TRACE)

    def runcall(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """Call ``func``, stopping at its first event (pdb's ``runcall``)."""
        engine = self._enter()
        engine.step_from(sys._getframe())
        try:
            return func(*args, **kwargs)
        except Quit:
            return None
        finally:
            engine.cancel_step()

    def checkline(self, filename: str, lineno: int, module_globals: Any = None) -> int:
        """``lineno`` if a breakpoint can stop there, else 0 after saying why (pdb's)."""
        try:
            check_line(filename, lineno, module_globals)
        except LocationError as exc:
            self.error(str(exc))
            return 0
        return lineno

    # -- what pdb's subclasses override ----------------------------------------------------
    def do_continue(self, arg: str) -> int:
        """Called when the user continued (pytest's subclass resumes its capture here)."""
        return 1

    do_c = do_cont = do_continue

    def do_quit(self, arg: str) -> int:
        """Called when the user quit (pytest's subclass ends the test session here)."""
        self.quitting = True
        return 1

    do_q = do_exit = do_quit
