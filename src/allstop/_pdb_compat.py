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

import builtins
import functools
import io
import os
import signal
import sys
from collections.abc import Callable
from contextlib import suppress
from types import CodeType, FrameType, TracebackType
from typing import IO, Any, TypeVar

from . import _wiring
from ._breakpoints import canonic
from ._locations import LocationError, check_line
from ._model import StopReason
from ._stops import Quit
from .session.core import forget_file_times

T = TypeVar("T")


class Debugger:
    """A pdb-compatible debugger whose stops freeze every thread."""

    _previous_sigint_handler: Any = None
    """The SIGINT handler ``do_continue`` replaced, until the next stop (pdb's)."""

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
        self.nosigint = nosigint
        self.rcLines: list[str] = _rc_lines() if readrc else []
        """Commands run at the first stop, as pdb runs them: ``.pdbrc`` in the home folder
        then in the current one, then ``python -m pdb -c`` commands."""
        self.quitting = False
        self._user_requested_quit = False
        self.mainpyfile = ""

    def reset(self) -> None:
        """Nothing to reset (pdb's ``reset`` forgets its stack; allstop reads it afresh)."""
        self.quitting = False

    # -- pdb's output ----------------------------------------------------------------------
    def message(self, msg: str) -> None:
        print(msg, file=self.stdout)

    def error(self, msg: str) -> None:
        print("***", msg, file=self.stdout)

    # -- entering --------------------------------------------------------------------------
    def enter(self) -> Any:
        """Show the next stops on this object's streams; the engine."""
        engine = _wiring.engine()
        front_end = _wiring.pdb_front_end(self.stdin, self.stdout, rawinput=self.use_rawinput)
        _wiring.session().use_front_end(front_end, self)
        return engine

    def set_trace(
        self, frame: FrameType | None = None, *, header: str | None = None, **options: Any
    ) -> None:
        """Stop every thread, in ``frame`` (default: the caller's), where pdb would."""
        engine = self.enter()
        if header is not None:
            self.message(header)
        skip = tuple(self.skip or ())
        _wiring.trace(engine, frame if frame is not None else sys._getframe(1), skip)

    def interaction(
        self, frame: FrameType | None, traceback: TracebackType | BaseException | None
    ) -> None:
        """A post-mortem of ``traceback`` (an exception on 3.13), or a stop on ``frame``."""
        from ._postmortem import exception_of

        exc = exception_of(traceback) if traceback is not None else None
        engine = self.enter()
        if exc is not None:
            engine.post_mortem(exc, crashed=False)
        elif frame is not None:
            engine.stop_now(frame, StopReason.TRACE)

    # -- running code under the debugger (bdb's run, runeval, runctx, runcall) -------------
    def run(self, cmd: str | CodeType, globals: Any = None, locals: Any = None) -> None:
        """Run ``cmd`` (source or code) with ``exec``, stopping at its first line."""
        globals, locals = _namespaces(globals, locals)
        code = compile(cmd, "<string>", "exec") if isinstance(cmd, str) else cmd
        self._under_debugger(code, lambda: exec(code, globals, locals))

    def runeval(self, expr: str | CodeType, globals: Any = None, locals: Any = None) -> Any:
        """Evaluate ``expr`` (source or code), stopping at its first line; its value."""
        globals, locals = _namespaces(globals, locals)
        code = compile(expr, "<string>", "eval") if isinstance(expr, str) else expr
        return self._under_debugger(code, lambda: eval(code, globals, locals))

    def runctx(self, cmd: str | CodeType, globals: Any, locals: Any) -> None:
        """``run`` with both namespaces given."""
        self.run(cmd, globals, locals)

    def runcall(self, func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T | None:
        """Call ``func``, stopping at its first line (pdb's ``runcall``)."""
        inner: Any = func
        while isinstance(inner, functools.partial):  # pytest --trace hands over a partial
            inner = inner.func
        code = getattr(inner, "__code__", None)
        return self._under_debugger(code, lambda: func(*args, **kwargs))

    def _under_debugger(self, code: CodeType | None, run: Callable[[], T]) -> T | None:
        """``run()``, stopping at the first line of ``code``; pdb's quit returns None."""
        engine = self.enter()
        if isinstance(code, CodeType):
            engine.stop_on_entry(code.co_filename, code)
        else:  # not Python code: its first event, wherever it is
            engine.step_from(sys._getframe())
        try:
            return run()
        except Quit:
            return None
        finally:
            self.quitting = True
            engine.cancel_entry_stop()
            engine.cancel_step()

    # -- python -m pdb's way in (pdb.main calls these) -------------------------------------
    def _run(self, target: Any) -> None:
        """Run the target of ``python -m pdb`` (a script or module, 3.11+) in ``__main__``,
        stopping at its first line."""
        self._run_main(target.filename, target.namespace, target.code)

    def _runscript(self, filename: str) -> None:
        """3.10's ``python -m pdb script``."""
        with io.open_code(filename) as source:
            code = f"exec(compile({source.read()!r}, {filename!r}, 'exec'))"
        namespace = {"__name__": "__main__", "__file__": filename, "__builtins__": builtins}
        self._run_main(filename, namespace, code)

    def _runmodule(self, module_name: str) -> None:
        """3.10's ``python -m pdb -m module``."""
        import runpy

        _, spec, code = runpy._get_module_details(module_name)  # type: ignore[attr-defined]
        namespace = {
            "__name__": "__main__",
            "__file__": code.co_filename,
            "__package__": spec.parent,
            "__loader__": spec.loader,
            "__spec__": spec,
            "__builtins__": builtins,
        }
        self._run_main(code.co_filename, namespace, code)

    def _run_main(self, filename: str, namespace: dict[str, Any], code: str | CodeType) -> None:
        """pdb's ``_run``: the program runs in the ``__main__`` module's namespace (imports
        of ``__main__`` find it there), and stops at its first line in ``filename``."""
        self._user_requested_quit = False
        self.mainpyfile = canonic(filename)
        forget_file_times()
        import __main__

        __main__.__dict__.clear()
        __main__.__dict__.update(namespace)
        compiled = compile(code, "<string>", "exec") if isinstance(code, str) else code
        engine = self.enter()
        engine.stop_on_entry(filename)
        try:
            exec(compiled, __main__.__dict__)
        except Quit:
            pass
        finally:
            self.quitting = True
            engine.cancel_entry_stop()

    def checkline(self, filename: str, lineno: int, module_globals: Any = None) -> int:
        """``lineno`` if a breakpoint can stop there, else 0 after saying why (pdb's)."""
        try:
            check_line(filename, lineno, module_globals)
        except LocationError as exc:
            self.error(str(exc))
            return 0
        return lineno

    # -- what pdb's subclasses override ----------------------------------------------------
    @property
    def handles_quit(self) -> bool:
        """Whether a subclass (pytest's) ends things its own way when the user quits."""
        return type(self).do_quit is not Debugger.do_quit

    def do_continue(self, arg: str) -> int:
        """Called when the user continued (pytest's subclass resumes its capture here).  As
        pdb's, unless made with ``nosigint=True``: Ctrl-C stops the program again (every
        thread) until the next stop."""
        if not self.nosigint:
            with suppress(ValueError):  # not the main thread: pdb goes on without it too
                handler = signal.signal(signal.SIGINT, self.sigint_handler)
                Debugger._previous_sigint_handler = handler
        return 1

    def sigint_handler(self, signum: int, frame: FrameType | None) -> None:
        """Ctrl-C after ``continue``: stop where the main thread is (pdb's)."""
        self.message("\nProgram interrupted. (Use 'cont' to resume).")
        if frame is not None:
            self.set_trace(frame)

    def interaction_begins(self) -> None:
        """A stop is shown: Ctrl-C is the program's again (pdb's ``interaction``)."""
        previous = Debugger._previous_sigint_handler
        if previous is not None:
            try:
                signal.signal(signal.SIGINT, previous)
            except ValueError:  # not the main thread
                return
            Debugger._previous_sigint_handler = None

    do_c = do_cont = do_continue

    def do_quit(self, arg: str) -> int:
        """Called when the user quit (pytest's subclass ends the test session here)."""
        self._user_requested_quit = True
        self.quitting = True
        return 1

    do_q = do_exit = do_quit


def _namespaces(globals: Any, locals: Any) -> tuple[Any, Any]:
    """bdb's defaults: ``__main__``'s namespace, and locals the same as globals."""
    if globals is None:
        import __main__

        globals = __main__.__dict__
    return globals, globals if locals is None else locals


def _rc_lines() -> list[str]:
    """The lines of ``~/.pdbrc`` then ``./.pdbrc``, as pdb reads them (missing files skipped)."""
    lines: list[str] = []
    for path in (os.path.expanduser("~/.pdbrc"), ".pdbrc"):
        try:
            with open(path, encoding="utf-8") as rc_file:
                lines.extend(rc_file)
        except OSError:
            pass
    return lines
