"""The UI-agnostic session: the debugging state of one stop and every command.

Design note
-----------
The engine hands the session a ``StopEvent`` in the presenter's thread (inside the interpreter
hook, where no events arrive) with every other thread frozen.  The session owns the current
thread and frame, the displays, aliases and scheduler-locking, and runs commands until one of
them resumes.  Commands are ``do_<name>`` methods with pdb's names; a command's docstring is its
``help`` text.  A front end is only a sink and source of text, the ``SessionIO`` seam:
``message()``, ``error()``, ``read_command()`` (as CPython 3.14's remote pdb reuses ``Pdb``).

Nothing here may block on a lock a frozen thread holds: output goes through the front end's own
file descriptor, user code runs through the ``Evaluator`` guard, and every module the commands
use is imported when this module is (before any freeze).  Bad input never escapes a command: it
becomes a one-line ``*** error``.  An exception that does escape is an allstop bug: the engine
prints it through ``on_internal_error`` and resumes the world.
"""

from __future__ import annotations

import _thread
import code as code_module
import dataclasses
import inspect
import itertools
import linecache
import os
import pprint
import re
import sys
import traceback
import types
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sized
from contextlib import contextmanager, suppress
from types import CodeType, FrameType
from typing import TYPE_CHECKING, Any, Protocol

from . import _debugpy, _format, _snapshot, _waits
from ._breakpoints import Breakpoint, canonic
from ._evaluate import EvaluationAbandoned, Evaluator, evaluate, execute
from ._locations import find_file, find_qualified_function, parse_break_spec, resolve_line
from ._model import FrameView, StopEvent, StopReason, ThreadState, ThreadView, VariableRow
from ._stops import CONTINUE, Resume, ResumeHow, StepKind, StepRequest

if TYPE_CHECKING:
    from ._engine import Engine


class SessionIO(Protocol):
    """What a front end provides: somewhere to write, somewhere to read commands from."""

    def message(self, text: str) -> None: ...

    def error(self, text: str) -> None: ...

    def read_command(self, prompt: str) -> str | None:
        """One line without its newline, or None at end of input."""

    def enter(self, session: Session) -> None:
        """A stop begins: the front end may show the session's state until ``leave``."""

    def leave(self) -> None:
        """The stop ends (the world resumes next): give the terminal back."""


_ALIASES = {
    "h": "help",
    "w": "where",
    "bt": "where",
    "u": "up",
    "d": "down",
    "s": "step",
    "n": "next",
    "r": "return",
    "unt": "until",
    "c": "continue",
    "cont": "continue",
    "j": "jump",
    "l": "list",
    "ll": "longlist",
    "a": "args",
    "b": "break",
    "cl": "clear",
    "rv": "retval",
    "q": "quit",
    "exit": "quit",
}
_RESUMING = {"continue", "step", "next", "return", "until", "quit", "detach", "jump"}
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


class Session:
    """One debugging session (one per process) driven through a ``SessionIO``."""

    prompt = "(allstop) "

    def __init__(self, engine: Engine, io: SessionIO) -> None:
        self.engine = engine
        self.io = io
        self.evaluator = Evaluator(engine)
        self.aliases: dict[str, str] = {}
        self.scheduler_locking = True
        self.displaying: dict[FrameType, dict[str, object]] = {}
        self.lastcmd = ""
        self.cmdqueue: list[str] = []
        self.stop: StopEvent | None = None
        self.threads: list[ThreadView] = []
        self.current = 0
        self.frame_index: dict[int, int] = {}
        self.list_lineno: int | None = None
        self.exception_index = -1
        self.quit_raises = False
        """quit resumes and raises ``Quit`` in the stopped thread instead of ending the
        process (set by ``Debugger``, the pdb-compatible face used by pytest)."""
        self._resume: Resume | None = None

    def spawn(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on a thread of the debugger's own, never frozen (a front end's)."""
        self.engine.spawn_exempt(fn)

    # -- the I/O seam ----------------------------------------------------------------------
    def message(self, text: str) -> None:
        self.io.message(text)

    def error(self, text: str) -> None:
        self.io.error("*** " + text)

    def _error_exc(self, exc: BaseException) -> None:
        self.error(traceback.format_exception_only(type(exc), exc)[-1].strip())

    # -- stops -----------------------------------------------------------------------------
    def on_stop(self, stop: StopEvent) -> Resume:
        """Show ``stop`` and run commands until one resumes; return how to resume."""
        self.stop = stop
        self.current = stop.ident
        self.frame_index = {}
        self.list_lineno = None
        self._resume = None
        self.exception_index = len(self.exception_chain_of(stop)) - 1
        self.refresh()
        self._forget_finished_frames()
        self.io.enter(self)
        try:
            bp = self.engine.breakpoints.get(stop.breakpoint) if stop.breakpoint else None
            self._announce(stop)
            if bp is not None and bp.commands:
                self._run_bp_commands(bp)
            else:
                self.print_location()
                self._show_displays()
            while self._resume is None:
                line = self._next_line()
                if line is None:
                    self.do_EOF("")
                    break
                self.onecmd(line)
            return self._resume or CONTINUE
        finally:
            self.io.leave()
            for thread in self.threads:
                if thread.state is ThreadState.FINISHED:
                    self.engine.registry.forget(thread.ident)
            self.stop = None

    def on_internal_error(self, exc: BaseException) -> None:
        lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
        self.io.error("".join(lines).rstrip())
        self.io.error("*** internal error in allstop: the program goes on running")

    def stop_reason(self) -> str:
        """Why the world is stopped: ``breakpoint 1``, ``step``, ``breakpoint()``..."""
        stop = self.stop
        if stop is None:
            return ""
        if stop.breakpoint == 0:
            return "the start of the program"
        return {
            StopReason.BREAKPOINT: f"breakpoint {stop.breakpoint}",
            StopReason.STEP: "step",
            StopReason.TRACE: "breakpoint()",
            StopReason.CALL: "call",
            StopReason.RETURN: "return",
            StopReason.PAUSE: "pause",
            StopReason.EXCEPTION: "crash" if stop.crashed else "exception",
        }[stop.reason]

    def others(self) -> tuple[int, int]:
        """(frozen, blocked in C): the other threads of the stop being shown."""
        ident = self.stop.ident if self.stop else None
        others = [t for t in self.threads if t.ident != ident]
        frozen = sum(t.state in (ThreadState.FROZEN, ThreadState.NEW) for t in others)
        return frozen, sum(t.state is ThreadState.BLOCKED for t in others)

    @staticmethod
    def editor_status() -> str:
        """Where an editor stands (see ``listen``): '' when no server was started."""
        listener = _debugpy.listener()
        if listener is None:
            return ""
        if listener.attached:
            return "editor attached: continue moves this stop there"
        return f"listening on {listener.host}:{listener.port} for an editor"

    def stop_summary(self) -> str:
        """One line on the stop being shown: the thread, why, and the state of the others."""
        stop = self.stop
        if stop is None:
            return ""
        thread = self.thread_view(stop.ident)
        title = _format.thread_title(thread) if thread else f"[thread {stop.ident}]"
        frozen, blocked = self.others()
        plural = "" if frozen == 1 else "s"
        why = f"stopped at {self.stop_reason()}"
        if stop.exception is not None:
            what = _snapshot.exception_line(stop.exception)
            why = f"crashed: {what}" if stop.crashed else f"post-mortem: {what}"
        summary = f"{title} {why}; {frozen} other thread{plural} frozen"
        if blocked:
            summary += f", {blocked} blocked in C"
        return summary

    def _announce(self, stop: StopEvent) -> None:
        self.message(self.stop_summary())
        pending = [t for t in self.threads if t.state is ThreadState.BREAKPOINT]
        if pending:
            numbers = ", ".join(str(t.number) for t in pending)
            self.message(f"also stopped, shown after you continue: thread {numbers}")
        bp = self.engine.breakpoints.get(stop.breakpoint) if stop.breakpoint else None
        if stop.breakpoint and bp is None and stop.reason is StopReason.BREAKPOINT:
            self.message(f"Deleted temporary breakpoint {stop.breakpoint}")
        if stop.exception is not None:
            for line in _format.exception_lines(stop.exception):
                self.message(line)
            if stop.crashed:
                self.message(
                    "post-mortem: 'continue' lets the thread finish dying and the others go on"
                )
        if stop.reason is StopReason.CALL:
            self.message("--Call--")
        elif stop.reason is StopReason.RETURN:
            self.message("--Return--")

    def _run_bp_commands(self, bp: Breakpoint) -> None:
        silent = False
        for line in list(bp.commands):
            if line.strip() == "silent":
                silent = True
                continue
            self.onecmd(line)
            if self._resume is not None:
                break
        if not silent and self._resume is None:
            self.print_location()

    def _next_line(self) -> str | None:
        if self.cmdqueue:
            return self.cmdqueue.pop(0)
        return self.io.read_command(self.prompt)

    def refresh(self) -> None:
        """Read every thread's state again (threads may have parked or started meanwhile)."""
        stop = self.stop
        assert stop is not None
        self.threads = _snapshot.take(self.engine, stop)
        chain = self.exception_chain()
        if chain and self.exception_index != len(chain) - 1:
            # 'exceptions N' shows another exception of the chain in the stopped thread.
            frames = _snapshot.traceback_views(chain[self.exception_index])
            self.threads = [
                dataclasses.replace(t, frames=frames) if t.ident == stop.ident else t
                for t in self.threads
            ]

    def exception_chain(self) -> list[BaseException]:
        """The post-mortem exception and those it was raised from or while handling, the
        first cause first (pdb's ``exceptions``)."""
        return self.exception_chain_of(self.stop)

    @staticmethod
    def exception_chain_of(stop: StopEvent | None) -> list[BaseException]:
        chain: list[BaseException] = []
        current = stop.exception if stop is not None else None
        while current is not None and current not in chain:
            chain.append(current)
            if current.__cause__ is not None:
                current = current.__cause__
            elif current.__context__ is not None and not current.__suppress_context__:
                current = current.__context__
            else:
                current = None
        return chain[::-1]

    # -- current thread and frame ----------------------------------------------------------
    def thread_view(self, ident: int | None = None) -> ThreadView | None:
        ident = self.current if ident is None else ident
        for thread in self.threads:
            if thread.ident == ident:
                return thread
        return None

    @property
    def frames(self) -> tuple[FrameView, ...]:
        thread = self.thread_view()
        return thread.frames if thread else ()

    @property
    def index(self) -> int:
        frames = self.frames
        return min(self.frame_index.get(self.current, 0), max(len(frames) - 1, 0))

    @property
    def curframe(self) -> FrameType | None:
        frames = self.frames
        return frames[self.index].frame if frames else None

    def _frame_or_error(self) -> FrameType | None:
        frame = self.curframe
        if frame is None:
            self.error("this thread has no Python frame")
        return frame

    def _return_repr(self, innermost_only: bool = True) -> str | None:
        """The repr of the value being returned at a ``--Return--`` stop, when the current
        thread is the stopped one (and, with ``innermost_only``, its innermost frame is
        current)."""
        stop = self.stop
        if stop is None or stop.reason is not StopReason.RETURN or self.current != stop.ident:
            return None
        if innermost_only and self.curframe is not stop.frame:
            return None
        return self._repr(stop.return_value, 200)

    def print_location(self) -> None:
        frames = self.frames
        if not frames:
            self.message("<no Python frames>")
            return
        for line in _format.location(frames[self.index], self._return_repr()):
            self.message(line)

    # -- running commands ------------------------------------------------------------------
    def onecmd(self, line: str) -> None:
        """Run one command line (pdb's rules: empty repeats, ``;;`` separates, aliases).
        Ctrl-C interrupts the command, never the program."""
        try:
            self._onecmd(line)
        except KeyboardInterrupt:
            self.message("--KeyboardInterrupt--")

    def _onecmd(self, line: str) -> None:
        line = line.strip()
        if not line:
            line = self.lastcmd
            if not line:
                return
        else:
            self.lastcmd = line
        if line.startswith("#"):
            return
        if line.startswith("!"):
            self.default(line[1:])
            return
        line = self._expand_alias(line)
        if not line:
            return
        if not line.startswith("alias") and ";;" in line:
            line, rest = line.split(";;", 1)
            self.cmdqueue.insert(0, rest.lstrip())
            line = line.rstrip()
        name, arg = self._split(line)
        method = self._command(name)
        if method is None:
            self.default(line)
            return
        resume = method(arg)
        if resume is not None:
            self._resume = resume

    @staticmethod
    def _split(line: str) -> tuple[str, str]:
        match = _IDENT.match(line)
        if match is None:
            return "", line
        return match.group(), line[match.end() :].strip()

    def _command(self, name: str) -> Callable[[str], Resume | None] | None:
        if not name:
            return None
        name = _ALIASES.get(name, name)
        method = getattr(self, "do_" + name.replace("-", "_"), None)
        return method if callable(method) else None

    def _expand_alias(self, line: str) -> str:
        args = line.split()
        seen: set[str] = set()
        while args and args[0] in self.aliases and args[0] not in seen:
            seen.add(args[0])
            line = self.aliases[args[0]]
            for index in range(1, 10):
                marker = f"%{index}"
                if marker in line:
                    if index >= len(args):
                        self.error(f"Not enough arguments for alias '{args[0]}'")
                        return ""
                    line = line.replace(marker, args[index])
            line = line.replace("%*", " ".join(args[1:]))
            args = line.split()
        return line

    def default(self, line: str) -> None:
        """A line that is no command: a Python expression or statement in the current frame."""
        frame = self._frame_or_error()
        if frame is None:
            return
        source = line.strip()
        try:
            try:
                compile(source, "<stdin>", "eval")
            except SyntaxError:
                compiled = compile(source + "\n", "<stdin>", "exec")
                with self._redirected_output():
                    self._run(lambda: execute(compiled, frame))
                return
            value = self._run(lambda: evaluate(source, frame))
            if value is not None:
                self.message(self._repr(value))
        except EvaluationAbandoned as exc:
            self.error(str(exc))
        except Exception as exc:
            self._error_exc(exc)

    def _run(self, fn: Callable[[], Any]) -> Any:
        return self.evaluator.run(fn)

    def _repr(self, value: object, limit: int = _format.REPR_LIMIT) -> str:
        """``safe_repr`` on the evaluation thread: a repr may wait on a frozen thread too."""
        try:
            text: str = self._run(lambda: _format.safe_repr(value, limit))
        except EvaluationAbandoned as exc:
            return f"<repr abandoned: {exc}>"
        return text

    def _getval(self, expression: str) -> Any:
        """Evaluate in the current frame; errors propagate."""
        frame = self.curframe
        if frame is None:
            raise LookupError("this thread has no Python frame")
        return self._run(lambda: evaluate(expression, frame))

    def _getval_or_error(self, expression: str) -> tuple[bool, Any]:
        try:
            return True, self._getval(expression)
        except EvaluationAbandoned as exc:
            self.error(str(exc))
        except Exception as exc:
            self._error_exc(exc)
        return False, None

    def _getval_except(self, expression: str) -> object:
        try:
            return self._getval(expression)
        except Exception as exc:
            return _Raised(traceback.format_exception_only(type(exc), exc)[-1].strip())

    @contextmanager
    def _redirected_output(self) -> Iterator[None]:
        """Send what user statements print to the session, as pdb does."""
        writer = _SessionWriter(self.message)
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = writer
        try:
            yield
        finally:
            sys.stdout, sys.stderr = saved
            writer.flush()

    # -- help ------------------------------------------------------------------------------
    def do_help(self, arg: str) -> None:
        """h(elp) [command]
        Without argument, list the commands; with a command name, print its help."""
        if arg:
            method = self._command(arg.split(maxsplit=1)[0])
            if method is None or not method.__doc__:
                self.error(f"No help for {arg!r}")
                return
            for line in inspect.cleandoc(method.__doc__).splitlines():
                self.message(line)
            return
        names = self.command_names(aliases=False)
        self.message("Documented commands (type help <command>):")
        self.message("=" * 42)
        width = max(len(n) for n in names) + 2
        per_row = max(1, 78 // width)
        for start in range(0, len(names), per_row):
            self.message("".join(n.ljust(width) for n in names[start : start + per_row]).rstrip())
        self.message("")
        self.message("Aliases: " + ", ".join(f"{k}={v}" for k, v in sorted(_ALIASES.items())))
        self.message("Lines that are no command run as Python in the current frame ('!' forces).")

    def command_names(self, aliases: bool = True) -> list[str]:
        """Every command name (with pdb's and the user's aliases, unless ``aliases`` is
        false)."""
        names = {
            n[3:].replace("_", "-") for n in dir(self) if n.startswith("do_") and n != "do_EOF"
        }
        if aliases:
            names |= set(_ALIASES) | set(self.aliases)
        return sorted(names)

    # -- stacks ----------------------------------------------------------------------------
    def do_where(self, arg: str) -> None:
        """w(here) [all]   (aliases: bt, where all, bt all)
        Print the current thread's stack, most recent frame last; '>' marks the current frame.
        With 'all', print the stack of every thread, the current thread first."""
        if arg == "all":
            self.refresh()
            for line in _format.all_stacks(
                self.threads, self.current, self.index, self._return_repr(innermost_only=False)
            ):
                self.message(line)
            return
        if arg:
            self.error(f"Invalid argument: {arg!r} (use 'where' or 'where all')")
            return
        frames = self.frames
        if not frames:
            self.message("<no Python frames>")
            return
        for line in _format.stack(frames, self.index, self._return_repr(innermost_only=False)):
            self.message(line)
        thread = self.thread_view()
        if thread is not None and thread.state is ThreadState.BLOCKED:
            self.message(f"(blocked in a C call{': ' + thread.detail if thread.detail else ''})")

    def _move(self, arg: str, direction: int) -> None:
        try:
            count = int(arg) if arg else 1
        except ValueError:
            self.error(f"Invalid frame count ({arg})")
            return
        frames = self.frames
        if not frames:
            self.error("this thread has no Python frame")
            return
        index = self.index
        if direction > 0 and index == len(frames) - 1:
            self.error("Oldest frame")
            return
        if direction < 0 and index == 0:
            self.error("Newest frame")
            return
        new = min(max(index + direction * count, 0), len(frames) - 1)
        self.frame_index[self.current] = new
        self.list_lineno = None
        self.print_location()

    def do_up(self, arg: str) -> None:
        """u(p) [count]
        Move the current frame count (default one) levels up in the stack (to an older frame)."""
        self._move(arg, +1)

    def do_down(self, arg: str) -> None:
        """d(own) [count]
        Move the current frame count (default one) levels down in the stack (to a newer
        frame)."""
        self._move(arg, -1)

    def do_frame(self, arg: str) -> None:
        """frame [N]
        Without argument, print the current frame; with a number, make frame N of the current
        thread current (0 is the innermost frame, as 'where' counts from the bottom)."""
        frames = self.frames
        if not frames:
            self.error("this thread has no Python frame")
            return
        if arg:
            try:
                number = int(arg)
            except ValueError:
                self.error(f"Invalid frame number: {arg!r}")
                return
            if not 0 <= number < len(frames):
                self.error(f"No frame {number}: this thread has frames 0 to {len(frames) - 1}")
                return
            self.frame_index[self.current] = number
            self.list_lineno = None
        self.print_location()

    # -- variables (for front ends) --------------------------------------------------------
    def variable_rows(
        self, scope: str = "locals", expanded: frozenset[tuple[object, ...]] = frozenset()
    ) -> list[VariableRow]:
        """The rows of a variables view of the current frame (``scope`` ``locals`` or
        ``globals``), with the paths in ``expanded`` opened.  Values are read and repr'd on
        the evaluation thread, so a hostile repr cannot hang the front end either."""
        frame = self.curframe
        if frame is None:
            return []

        def build() -> list[VariableRow]:
            ns = frame.f_locals if scope == "locals" else frame.f_globals
            rows: list[VariableRow] = []
            for name, value in list(ns.items()):
                if scope == "globals" and name.startswith("__") and name.endswith("__"):
                    continue
                _add_rows(rows, (name,), 0, str(name), value, expanded=expanded)
            return rows

        try:
            rows: list[VariableRow] = self._run(build)
        except EvaluationAbandoned as exc:
            return [VariableRow((), 0, "<variables>", str(exc), False)]
        return rows

    # -- threads ---------------------------------------------------------------------------
    def do_threads(self, arg: str) -> None:
        """threads   (alias: info threads)
        List every thread: number, name, ident, daemon flag, state and location.  '*' marks
        the current thread.  States: stopped (the thread being debugged), breakpoint (stopped
        too, shown after you continue), frozen, blocked (in a C call: it parks when it returns
        to Python), new (started while frozen), finished."""
        self.refresh()
        for line in _format.threads_table(self.threads, self.current):
            self.message(line)

    def do_info(self, arg: str) -> None:
        """info threads | info breakpoints
        gdb's spelling of 'threads' and 'break'."""
        if arg in ("threads", "thread"):
            self.do_threads("")
        elif arg in ("breakpoints", "break", "b"):
            self.do_break("")
        else:
            self.error(f"Undefined info command: {arg!r}. Try 'info threads'.")

    def _thread_by_number(self, text: str) -> ThreadView | None:
        try:
            number = int(text)
        except ValueError:
            self.error(f"Invalid thread number: {text!r}")
            return None
        for thread in self.threads:
            if thread.number == number:
                return thread
        self.error(f"Unknown thread {number}")
        return None

    def do_thread(self, arg: str) -> None:
        """thread [N] | thread apply all|N[,M...] COMMAND
        Without argument, show the current thread.  With a number, make that thread current:
        where, up, down, list, p, args, interact, expressions and stepping then act on it.
        'thread apply' runs COMMAND for each listed thread (or all), as in gdb."""
        self.refresh()
        if not arg:
            thread = self.thread_view()
            if thread is not None:
                self.message(f'[Current thread is {thread.number} "{thread.name}"]')
            return
        word, _, rest = arg.partition(" ")
        if word == "apply":
            self._thread_apply(rest.strip())
            return
        thread = self._thread_by_number(arg)
        if thread is None:
            return
        self.current = thread.ident
        self.list_lineno = None
        self.message(
            f'[Switching to thread {thread.number} "{thread.name}" ({_format.state_text(thread)})]'
        )
        self.print_location()

    def _thread_apply(self, arg: str) -> None:
        which, _, command = arg.partition(" ")
        command = command.strip()
        if not which or not command:
            self.error("Usage: thread apply all|N[,M...] COMMAND")
            return
        if which == "all":
            targets = list(self.threads)
        else:
            targets = []
            for part in which.replace(" ", "").split(","):
                found = self._thread_by_number(part)
                if found is None:
                    return
                targets.append(found)
        name, _ = self._split(self._expand_alias(command))
        if _ALIASES.get(name, name) in _RESUMING:
            self.error(f"thread apply cannot run {name!r}: it would resume the program")
            return
        saved = self.current
        try:
            for thread in targets:
                self.message("")
                self.message(_format.thread_header(thread))
                self.current = thread.ident
                self.onecmd(command)
        finally:
            self.current = saved

    def do_waits(self, arg: str) -> None:
        """waits
        Print what each blocked thread waits on (a queue, event, condition, lock, a thread to
        finish, sleep) and the thread it waits for when known; name every cycle of threads
        waiting for one another as a deadlock."""
        self.refresh()
        numbers = {t.ident: t.number for t in self.threads}
        frames = {
            t.ident: t.frames[0].frame for t in self.threads if t.frames and t.frames[0].frame
        }
        blocked = _waits.waiting({t.ident: t.state for t in self.threads}, frames)
        waits = _waits.waits_for(frames, blocked)
        for thread in self.threads:
            wait = waits.get(thread.ident)
            if wait is not None:
                what = wait.describe(numbers)
                self.message(f"thread {thread.number} ({thread.name}) waits on {what}")
            elif thread.state is ThreadState.BLOCKED:
                self.message(f"thread {thread.number} ({thread.name}) is blocked in a C call")
        if not blocked:
            self.message("no thread waits")
        for cycle in _waits.cycles(waits):
            self.message(_waits.describe_cycle(cycle, waits, numbers))

    def do_set(self, arg: str) -> None:
        """set scheduler-locking on|off
        on (the default): step, next, return and until move only the current thread while
        every other thread stays frozen.  off: the other threads run until the step ends."""
        words = arg.split()
        if len(words) == 2 and words[0] == "scheduler-locking" and words[1] in ("on", "off"):
            self.scheduler_locking = words[1] == "on"
            return
        self.error("Usage: set scheduler-locking on|off")

    def do_show(self, arg: str) -> None:
        """show scheduler-locking
        Print whether stepping keeps the other threads frozen."""
        if arg.strip() == "scheduler-locking":
            state = "on" if self.scheduler_locking else "off"
            self.message(f'Mode for locking scheduler during execution is "{state}".')
            return
        self.error("Usage: show scheduler-locking")

    # -- resuming --------------------------------------------------------------------------
    def _step(self, kind: StepKind, lineno: int = 0) -> Resume | None:
        thread = self.thread_view()
        frame = self.curframe
        if thread is None or frame is None or thread.state is ThreadState.FINISHED:
            self.error("this thread cannot step: it has no Python frame")
            return None
        if self._post_mortem_here():
            self.error("post-mortem: these frames have finished; step another thread, or continue")
            return None
        if thread.state is ThreadState.BLOCKED:
            self.message(
                f"thread {thread.number} is blocked in a C call: the step starts when it "
                "returns to Python"
            )
        step = StepRequest(kind, None if kind is StepKind.STEP else frame, lineno)
        return Resume(
            ResumeHow.STEP,
            step,
            thread=thread.ident,
            scheduler_locking=self.scheduler_locking,
        )

    def do_step(self, arg: str) -> Resume | None:
        """s(tep)
        Run the current line of the current thread and stop at the first possible occasion
        (in a function that is called, or on the next line).  Other threads stay frozen
        unless 'set scheduler-locking off'."""
        return self._step(StepKind.STEP)

    def do_next(self, arg: str) -> Resume | None:
        """n(ext)
        Continue the current thread until the next line in the current frame is reached or it
        returns.  Other threads stay frozen unless 'set scheduler-locking off'."""
        return self._step(StepKind.NEXT)

    def do_return(self, arg: str) -> Resume | None:
        """r(eturn)
        Continue the current thread until the current function returns."""
        return self._step(StepKind.RETURN)

    def do_until(self, arg: str) -> Resume | None:
        """unt(il) [lineno]
        Without argument, continue until a line with a number greater than the current one is
        reached.  With a line number, continue until a line with a number greater or equal to
        that is reached.  In both cases, also stop when the current frame returns."""
        frame = self.curframe
        if frame is None:
            self.error("this thread has no Python frame")
            return None
        if arg:
            try:
                lineno = int(arg)
            except ValueError:
                self.error(f"Error in argument: {arg!r}")
                return None
            if lineno <= frame.f_lineno:
                self.error('"until" line number is smaller than current line number')
                return None
        else:
            lineno = frame.f_lineno + 1
        return self._step(StepKind.UNTIL, lineno)

    def _post_mortem_here(self) -> bool:
        stop = self.stop
        return stop is not None and stop.post_mortem and self.current == stop.ident

    def do_exceptions(self, arg: str) -> None:
        """exceptions [number]
        At a post-mortem stop, list the chain of exceptions (the first cause first; '>' marks
        the one shown); with a number, show that exception's traceback in the stopped thread."""
        chain = self.exception_chain()
        if not chain:
            self.error("Did not find chained exceptions. To move between threads, use 'thread'.")
            return
        if not arg:
            for index, exc in enumerate(chain):
                mark = ">" if index == self.exception_index else " "
                self.message(f"{mark} {index} {self._repr(exc, 200)}")
            return
        try:
            index = int(arg)
        except ValueError:
            self.error(f"Argument must be an integer: {arg!r}")
            return
        if not 0 <= index < len(chain):
            self.error(f"No exception with that number (0 to {len(chain) - 1})")
            return
        assert self.stop is not None
        self.exception_index = index
        self.current = self.stop.ident
        self.frame_index[self.current] = 0
        self.refresh()
        self.print_location()

    def do_continue(self, arg: str) -> Resume:
        """c(ont(inue))
        Resume the world: every thread runs until the next breakpoint.  With an editor
        attached (see listen), the stop moves to the editor instead."""
        peer = self.engine.peer
        if peer is not None and peer.has_client():
            return Resume(ResumeHow.HAND_OVER)
        return CONTINUE

    def do_listen(self, arg: str) -> None:
        """listen [[HOST:]PORT]
        Start debugpy's server (default 127.0.0.1:5678) so that an editor can attach (VS Code:
        'Python Debugger: Remote Attach').  Once it has attached, continue moves this stop to
        the editor, and every later stop shows there until the editor detaches.  A HOST off
        the loopback lets anyone who reaches the port run code in the program."""
        try:
            host, port = _debugpy.parse_endpoint(arg) if arg else _debugpy.DEFAULT_ENDPOINT
            warning = _debugpy.exposure_warning(host)
            if warning is not None:
                self.error(warning)
            listener = _debugpy.listen(self.engine, host, port)
        except (ValueError, OSError, RuntimeError) as exc:
            self.error(f"listen: {exc}")
            return
        self.message(
            f"{_debugpy.attach_hint(listener.host, listener.port)}; once it is attached, type"
            " continue: this stop moves to the editor"
        )

    def do_detach(self, arg: str) -> Resume:
        """detach
        Remove every breakpoint and all tracing, then resume the world.  A later breakpoint()
        call stops again."""
        return Resume(ResumeHow.DETACH)

    def do_quit(self, arg: str) -> Resume | None:
        """q(uit) | exit
        End the program now, with exit status 1, whatever its other threads are doing.
        (Under pytest: end the test session, as pdb's quit does there.)"""
        if self.quit_raises:
            return Resume(ResumeHow.QUIT)
        self._exit(1)
        return None

    def do_EOF(self, arg: str) -> None:
        """(end of input) Same as quit."""
        self.message("")
        self._exit(1)

    def _exit(self, status: int) -> None:
        """End the process now: give the terminal back, flush the program's buffered output
        unless that blocks (a frozen thread may hold the stream's lock), then ``os._exit``."""
        self.io.leave()
        flushed = _thread.allocate_lock()
        flushed.acquire()

        def flush() -> None:
            for stream in (sys.stdout, sys.stderr):
                with suppress(Exception):
                    if stream is not None:
                        stream.flush()
            flushed.release()

        self.engine.spawn_exempt(flush)
        flushed.acquire(timeout=1.0)
        os._exit(status)

    def do_jump(self, arg: str) -> None:
        """j(ump) lineno
        Set the next line that will be executed (only in the innermost frame of the stopped
        thread).  You cannot jump into a block (for, with, try) or out of a finally."""
        stop = self.stop
        try:
            lineno = int(arg)
        except ValueError:
            self.error("The 'jump' command requires a line number")
            return
        if stop is None or self.current != stop.ident or self.index != 0:
            self.error("You can only jump within the bottom frame of the stopped thread")
            return
        if stop.reason in (StopReason.CALL, StopReason.RETURN) or stop.post_mortem:
            self.error("Jump failed: only at a line event, not in a call, return or post-mortem")
            return
        try:
            stop.frame.f_lineno = lineno  # type: ignore[misc]  # writable in trace functions
        except ValueError as exc:
            self.error(f"Jump failed: {exc}")
            return
        self.refresh()
        self.print_location()

    # -- source ----------------------------------------------------------------------------
    def breakpoint_lines(self, filename: str) -> frozenset[int]:
        """The lines of ``filename`` that hold a breakpoint (for front ends and ``list``)."""
        return self.engine.breakpoints.lines_in_file(canonic(filename))

    def _print_lines(
        self, lines: list[str], start: int, breaks: frozenset[int], frame: FrameType | None
    ) -> None:
        current = frame.f_lineno if frame is not None else -1
        for lineno, line in enumerate(lines, start):
            text = str(lineno).rjust(3)
            if len(text) < 4:
                text += " "
            text += "B" if lineno in breaks else " "
            if lineno == current:
                text += "->"
            self.message(text + "\t" + line.rstrip())

    def do_list(self, arg: str) -> None:
        """l(ist) [first[, last] | .]
        List source code of the current file: 11 lines around the current line, or continue
        the previous listing.  'list .' lists around the current line again; one argument
        lists 11 lines around that line; two list that range (a second smaller than the first
        is a count)."""
        frame = self._frame_or_error()
        if frame is None:
            return
        self.lastcmd = "list"
        last: int | None = None
        if arg and arg != ".":
            try:
                if "," in arg:
                    first_text, last_text = arg.split(",")
                    first, last = int(first_text.strip()), int(last_text.strip())
                    if last < first:
                        last = first + last
                else:
                    first = max(1, int(arg.strip()) - 5)
            except ValueError:
                self.error(f"Error in argument: {arg!r}")
                return
        elif self.list_lineno is None or arg == ".":
            first = max(1, frame.f_lineno - 5)
        else:
            first = self.list_lineno + 1
        if last is None:
            last = first + 10
        filename = frame.f_code.co_filename
        lines = linecache.getlines(filename, frame.f_globals)
        if not lines:
            self.error(f"source not available for {filename}")
            return
        self._print_lines(lines[first - 1 : last], first, self.breakpoint_lines(filename), frame)
        self.list_lineno = min(last, len(lines))
        if len(lines) < last:
            self.message("[EOF]")

    def do_longlist(self, arg: str) -> None:
        """ll | longlist
        List the whole source code of the current function or frame."""
        frame = self._frame_or_error()
        if frame is None:
            return
        try:
            lines, lineno = inspect.getsourcelines(frame)
        except (OSError, TypeError) as exc:
            self.error(str(exc))
            return
        breaks = self.breakpoint_lines(frame.f_code.co_filename)
        self._print_lines(lines, max(1, lineno), breaks, frame)

    def do_source(self, arg: str) -> None:
        """source expression
        Print the source code of the object the expression gives."""
        ok, value = self._getval_or_error(arg)
        if not ok:
            return
        try:
            lines, lineno = inspect.getsourcelines(value)
        except (OSError, TypeError) as exc:
            self.error(str(exc))
            return
        self._print_lines(lines, max(1, lineno), frozenset(), None)

    # -- data ------------------------------------------------------------------------------
    def do_args(self, arg: str) -> None:
        """a(rgs)
        Print the arguments of the current function and their current values."""
        frame = self._frame_or_error()
        if frame is None:
            return
        code = frame.f_code
        count = code.co_argcount + code.co_kwonlyargcount
        count += bool(code.co_flags & inspect.CO_VARARGS)
        count += bool(code.co_flags & inspect.CO_VARKEYWORDS)
        ns = frame.f_locals
        for name in code.co_varnames[:count]:
            if name in ns:
                self.message(f"{name} = {self._repr(ns[name])}")
            else:
                self.message(f"{name} = *** undefined ***")

    def do_retval(self, arg: str) -> None:
        """retval | rv
        Print the value the current function is returning (at a --Return-- stop)."""
        text = self._return_repr()
        if text is None:
            self.error("Not yet returned!")
            return
        stop = self.stop
        assert stop is not None
        self.message(self._repr(stop.return_value))

    def do_p(self, arg: str) -> None:
        """p expression
        Print the value of the expression, evaluated in the current frame."""
        if not arg:
            self.error("Usage: p expression")
            return
        ok, value = self._getval_or_error(arg)
        if ok:
            self.message(self._repr(value))

    def do_pp(self, arg: str) -> None:
        """pp expression
        Pretty-print the value of the expression."""
        if not arg:
            self.error("Usage: pp expression")
            return
        ok, value = self._getval_or_error(arg)
        if not ok:
            return
        try:
            text = self._run(lambda: pprint.pformat(value))
        except Exception:
            text = self._repr(value)
        self.message(_format.truncate(text, _format.REPR_LIMIT * 4))

    def do_whatis(self, arg: str) -> None:
        """whatis expression
        Print the type of the value of the expression."""
        ok, value = self._getval_or_error(arg)
        if not ok:
            return
        func = getattr(value, "__func__", None)
        code = getattr(func, "__code__", None)
        if isinstance(code, CodeType):
            self.message(f"Method {code.co_name}")
            return
        code = getattr(value, "__code__", None)
        if isinstance(code, CodeType):
            self.message(f"Function {code.co_name}")
            return
        if type(value) is type:
            self.message(f"Class {value.__module__}.{value.__qualname__}")
            return
        self.message(str(type(value)))

    def do_display(self, arg: str) -> None:
        """display [expression]
        Display the value of the expression if it changed, each time execution stops in the
        current frame.  Without expression, list the displays of the current frame."""
        frame = self._frame_or_error()
        if frame is None:
            return
        if not arg:
            shown = self.displaying.get(frame, {})
            if not shown:
                self.message("No expression is being displayed")
                return
            self.message("Currently displaying:")
            for expression, value in shown.items():
                self.message(f"{expression}: {self._repr(value)}")
            return
        try:
            compile(arg, "<stdin>", "eval")
        except SyntaxError as exc:
            self.error(f"Unable to display {arg}: {exc!r}")
            return
        value = self._getval_except(arg)
        self.displaying.setdefault(frame, {})[arg] = value
        self.message(f"display {arg}: {self._repr(value)}")

    def do_undisplay(self, arg: str) -> None:
        """undisplay [expression]
        Stop displaying the expression in the current frame; without expression, clear all
        displays of the current frame."""
        frame = self._frame_or_error()
        if frame is None:
            return
        if arg:
            try:
                del self.displaying.get(frame, {})[arg]
            except KeyError:
                self.error(f"not displaying {arg}")
        else:
            self.displaying.pop(frame, None)

    def _forget_finished_frames(self) -> None:
        """Drop displays of frames that no thread runs any more (frames have no weak refs)."""
        live = {view.frame for thread in self.threads for view in thread.frames}
        for frame in [f for f in self.displaying if f not in live]:
            del self.displaying[frame]

    def _show_displays(self) -> None:
        frame = self.curframe
        shown = self.displaying.get(frame) if frame is not None else None
        if not shown:
            return
        for expression, old in list(shown.items()):
            new = self._getval_except(expression)
            if new is not old and _differ(new, old):
                shown[expression] = new
                self.message(f"display {expression}: {self._repr(new)}  [old: {self._repr(old)}]")

    def do_interact(self, arg: str) -> None:
        """interact
        Start an interactive interpreter whose global namespace contains the current frame's
        globals and locals.  End it with an end-of-file (Ctrl-D) or exit()."""
        frame = self._frame_or_error()
        if frame is None:
            return
        ns = {**frame.f_globals, **frame.f_locals}
        console = _Console(self, ns)
        self.message("*interactive*")
        with suppress(SystemExit):  # exit() leaves the console, not the program
            console.interact(banner="", exitmsg="")
        self.message("now exiting InteractiveConsole...")

    # -- breakpoints -----------------------------------------------------------------------
    def _near(self) -> list[str]:
        """Folders where a relative file name given to a command is looked up first."""
        frame = self.curframe
        return [os.path.dirname(frame.f_code.co_filename)] if frame is not None else []

    def do_break(self, arg: str, temporary: bool = False) -> None:
        """b(reak) [ ([filename:]lineno | function) [thread N] [, condition] ]
        Without argument, list all breakpoints.  With a line number, set a breakpoint at that
        line of the current file (or of filename); with a function name, at the first line
        run in that function.  'thread N' stops only in thread N.  The condition (a Python
        expression, also accepted after 'if' as in gdb) must be true for the breakpoint to
        stop."""
        if not arg:
            self._list_breakpoints()
            return
        spec = parse_break_spec(arg)
        if isinstance(spec, str):
            self.error(spec)
            return
        location, thread_text, condition = spec
        thread_ident = thread_number = None
        if thread_text is not None:
            thread = self._thread_by_number(thread_text)
            if thread is None:
                return
            thread_ident, thread_number = thread.ident, thread.number
        table = self.engine.breakpoints
        resolved = self._resolve_location(location)
        if resolved is None:
            return
        filename, lineno, funcname, code = resolved
        bp = table.add(
            filename,
            lineno,
            temporary=temporary,
            condition=condition,
            thread=thread_ident,
            thread_number=thread_number,
            funcname=funcname,
            code=code,
        )
        self.engine.breakpoints_changed()
        kind = "Temporary breakpoint" if temporary else "Breakpoint"
        where = f" in thread {thread_number}" if thread_number is not None else ""
        self.message(f"{kind} {bp.number} at {bp.filename}:{bp.line}{where}")

    def _resolve_location(
        self, location: str
    ) -> tuple[str, int, str | None, CodeType | None] | None:
        """(filename, line, funcname, code) for 'file:line', 'line' or 'function'."""
        frame = self.curframe
        current = frame.f_code.co_filename if frame is not None else None
        line = resolve_line(
            location, current, self._near(), frame.f_globals if frame is not None else None
        )
        if isinstance(line, str):
            self.error(line)
            return None
        if line is not None:
            return line[0], line[1], None, None
        value: Any = location
        if frame is not None:
            try:
                value = self._getval(location)
            except Exception:
                value = location
        value = getattr(value, "__func__", value)
        code = getattr(value, "__code__", None)
        if isinstance(code, CodeType):
            return code.co_filename, code.co_firstlineno, code.co_name, code
        resolved = find_qualified_function(location, current)
        if resolved is None:
            self.error(
                f"The specified object {location!r} is not a function or was not found "
                "along sys.path."
            )
            return None
        return resolved[0], resolved[1], resolved[2], None

    def _list_breakpoints(self) -> None:
        table = self.engine.breakpoints
        if not table:
            return
        self.message("Num Type         Disp Enb   Where")
        for bp in table:
            self.message(format_breakpoint(bp))

    def do_tbreak(self, arg: str) -> None:
        """tbreak [ ([filename:]lineno | function) [thread N] [, condition] ]
        A temporary breakpoint: removed when first hit."""
        self.do_break(arg, temporary=True)

    def _bp_by_number(self, text: str) -> Breakpoint | None:
        if not text:
            self.error("Breakpoint number expected")
            return None
        try:
            number = int(text)
        except ValueError:
            self.error(f"Non-numeric breakpoint number {text}")
            return None
        bp = self.engine.breakpoints.get(number)
        if bp is None:
            self.error(f"Breakpoint number {number} out of range")
        return bp

    def do_clear(self, arg: str) -> None:
        """cl(ear) [filename:lineno | bpnumber ...]
        With a space-separated list of numbers, clear those breakpoints; with filename:lineno,
        the breakpoints at that line; without argument, all of them (after confirmation)."""
        table = self.engine.breakpoints
        if not arg:
            reply = self.io.read_command("Clear all breaks? ")
            if reply is not None and reply.strip().lower() in ("y", "yes"):
                deleted = list(table)
                table.clear()
                self.engine.breakpoints_changed()
                for bp in deleted:
                    self.message(f"Deleted {describe(bp)}")
            return
        if ":" in arg:
            name, _, line_text = arg.rpartition(":")
            try:
                lineno = int(line_text)
            except ValueError:
                self.error(f"Invalid line number ({line_text})")
                return
            filename = find_file(name, self._near()) or name
            found = table.at(canonic(filename), lineno)
            if not found:
                self.error(f"There is no breakpoint at {filename}:{lineno}")
                return
            for bp in list(found):
                table.delete(bp)
                self.message(f"Deleted {describe(bp)}")
            self.engine.breakpoints_changed()
            return
        for text in arg.split():
            found_bp = self._bp_by_number(text)
            if found_bp is not None:
                table.delete(found_bp)
                self.message(f"Deleted {describe(found_bp)}")
        self.engine.breakpoints_changed()

    def _enable(self, arg: str, enabled: bool) -> None:
        for text in arg.split():
            bp = self._bp_by_number(text)
            if bp is not None:
                bp.enabled = enabled
                self.message(f"{'Enabled' if enabled else 'Disabled'} {describe(bp)}")
        self.engine.breakpoints.changed()
        self.engine.breakpoints_changed()

    def do_disable(self, arg: str) -> None:
        """disable bpnumber [bpnumber ...]
        Disable the breakpoints: they stay in the list but do not stop."""
        self._enable(arg, False)

    def do_enable(self, arg: str) -> None:
        """enable bpnumber [bpnumber ...]
        Enable the breakpoints."""
        self._enable(arg, True)

    def do_condition(self, arg: str) -> None:
        """condition bpnumber [condition]
        Set a new condition for the breakpoint; without condition, make it unconditional."""
        number, _, condition = arg.strip().partition(" ")
        condition = condition.strip()
        if condition:
            try:
                compile(condition, "<stdin>", "eval")
            except SyntaxError as exc:
                self.error(f"Invalid condition {condition}: {exc.msg}")
                return
        bp = self._bp_by_number(number)
        if bp is None:
            return
        bp.condition = condition or None
        self.engine.breakpoints.changed()
        if condition:
            self.message(f"New condition set for breakpoint {bp.number}.")
        else:
            self.message(f"Breakpoint {bp.number} is now unconditional.")

    def do_ignore(self, arg: str) -> None:
        """ignore bpnumber [count]
        Ignore the breakpoint the next count times it is reached (count 0: stop next time)."""
        words = arg.split()
        if not words:
            self.error("Breakpoint number expected")
            return
        try:
            count = int(words[1]) if len(words) > 1 else 0
        except ValueError:
            self.error(f"Invalid argument: {arg}")
            return
        bp = self._bp_by_number(words[0])
        if bp is None:
            return
        bp.ignore = count
        if count > 0:
            crossings = "1 crossing" if count == 1 else f"{count} crossings"
            self.message(f"Will ignore next {crossings} of breakpoint {bp.number}.")
        else:
            self.message(f"Will stop next time breakpoint {bp.number} is reached.")

    def do_commands(self, arg: str) -> None:
        """commands [bpnumber]
        Give commands to run when the breakpoint (default: the last one set) is reached, one
        per line, ended by a line with 'end'.  'silent' does not print the location; a command
        that resumes (continue, step, next...) ends the list."""
        table = self.engine.breakpoints
        if not arg:
            numbers = [bp.number for bp in table]
            if not numbers:
                self.error("cannot set commands: no breakpoints")
                return
            arg = str(numbers[-1])
        bp = self._bp_by_number(arg)
        if bp is None:
            return
        lines: list[str] = []
        while True:
            line = self.io.read_command("(com) ")
            if line is None or line.strip() == "end":
                break
            lines.append(line.strip())
            name, _ = self._split(self._expand_alias(line.strip()))
            if _ALIASES.get(name, name) in _RESUMING:
                break
        bp.commands = lines

    # -- aliases ---------------------------------------------------------------------------
    def do_alias(self, arg: str) -> None:
        """alias [name [command]]
        Create an alias named name that runs command (%1, %2... are replaced by arguments,
        %* by all of them).  Without command, show the alias; without argument, all."""
        words = arg.split()
        if not words:
            for name in sorted(self.aliases):
                self.message(f"{name} = {self.aliases[name]}")
            return
        if len(words) == 1:
            if words[0] in self.aliases:
                self.message(f"{words[0]} = {self.aliases[words[0]]}")
            else:
                self.error(f"Unknown alias '{words[0]}'")
            return
        self.aliases[words[0]] = arg.split(None, 1)[1]

    def do_unalias(self, arg: str) -> None:
        """unalias name
        Delete the alias."""
        words = arg.split()
        if not words:
            self.error("Usage: unalias name")
            return
        if self.aliases.pop(words[0], None) is None:
            self.error(f"Unknown alias '{words[0]}'")


_CHILDREN_LIMIT = 200
_ROW_REPR_LIMIT = 300


def _children(value: object) -> list[tuple[object, str, object]]:
    """(step, label, child) for the parts of ``value`` a variables view can open."""
    if isinstance(value, (str, bytes, bytearray, int, float, complex, bool)) or value is None:
        return []
    if isinstance(value, dict):
        return [
            (("key", key), _format.safe_repr(key, 60), item)
            for key, item in itertools.islice(value.items(), _CHILDREN_LIMIT)
        ]
    if isinstance(value, (list, tuple, deque)):
        return [
            (("index", i), f"[{i}]", item)
            for i, item in enumerate(itertools.islice(value, _CHILDREN_LIMIT))
        ]
    if isinstance(value, (set, frozenset)):
        return [
            (("item", i), f"{{{i}}}", item)
            for i, item in enumerate(itertools.islice(value, _CHILDREN_LIMIT))
        ]
    attrs = getattr(value, "__dict__", None)
    names = [n for n in attrs if isinstance(n, str)] if isinstance(attrs, Mapping) else []
    if isinstance(value, (type, types.ModuleType)):
        names = [n for n in names if not (n.startswith("__") and n.endswith("__"))]
    for slot in getattr(type(value), "__slots__", ()) or ():
        if isinstance(slot, str) and slot not in names and hasattr(value, slot):
            names.append(slot)
    return [
        (("attr", name), name, getattr(value, name, None))
        for name in names[:_CHILDREN_LIMIT]
        if isinstance(name, str)
    ]


def _child_count(value: object) -> int:
    try:
        return len(value) if isinstance(value, Sized) else 0
    except Exception:
        return 0


def _add_rows(
    rows: list[VariableRow],
    path: tuple[object, ...],
    depth: int,
    name: str,
    value: object,
    *,
    expanded: frozenset[tuple[object, ...]],
) -> None:
    try:
        children = _children(value)
    except Exception:
        children = []
    rows.append(
        VariableRow(path, depth, name, _format.safe_repr(value, _ROW_REPR_LIMIT), bool(children))
    )
    if path not in expanded:
        return
    for step, label, child in children:
        _add_rows(rows, (*path, step), depth + 1, label, child, expanded=expanded)
    hidden = _child_count(value) - len(children)
    if hidden > 0 and not isinstance(value, (str, bytes)):
        rows.append(VariableRow((*path, "more"), depth + 1, "...", f"{hidden} more", False))


class _Raised:
    """A display whose expression raised: shown as pdb shows it."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"** raised {self.text} **"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Raised) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


def _differ(new: object, old: object) -> bool:
    try:
        return bool(new != old)
    except Exception:
        return True


class _SessionWriter:
    """A text file that sends whole lines to the session."""

    def __init__(self, sink: Callable[[str], None]) -> None:
        self._sink = sink
        self._partial = ""

    def write(self, text: str) -> int:
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        for line in lines:
            self._sink(line)
        return len(text)

    def flush(self) -> None:
        if self._partial:
            self._sink(self._partial)
            self._partial = ""

    def isatty(self) -> bool:
        return False


class _Console(code_module.InteractiveConsole):
    """``interact``: reads through the session, runs code through its evaluator."""

    def __init__(self, session: Session, ns: dict[str, Any]) -> None:
        super().__init__(ns)
        self.session = session

    def raw_input(self, prompt: str = "") -> str:
        line = self.session.io.read_command(prompt)
        if line is None:
            raise EOFError
        return line

    def write(self, data: str) -> None:
        for line in data.rstrip("\n").split("\n"):
            self.session.message(line)

    def runcode(self, code: CodeType) -> None:
        ns = self.locals
        try:
            with self.session._redirected_output():
                self.session.evaluator.run(lambda: exec(code, ns))
        except EvaluationAbandoned as exc:
            self.session.error(str(exc))
        except SystemExit:
            raise
        except BaseException:
            self.showtraceback()


def describe(bp: Breakpoint) -> str:
    return f"breakpoint {bp.number} at {bp.filename}:{bp.line}"


def format_breakpoint(bp: Breakpoint) -> str:
    """One row of the breakpoint list, in pdb's format (``bpformat``)."""
    disp = ("del  " if bp.temporary else "keep ") + ("yes  " if bp.enabled else "no   ")
    text = f"{bp.number:<4}breakpoint   {disp} at {bp.filename}:{bp.line}"
    if bp.funcname:
        text += f" (function {bp.funcname})"
    if bp.thread_number is not None:
        text += f"\n\tonly in thread {bp.thread_number}"
    if bp.condition:
        text += f"\n\tstop only if {bp.condition}"
    if bp.ignore:
        text += f"\n\tignore next {bp.ignore} hits"
    if bp.hits:
        text += f"\n\tbreakpoint already hit {bp.hits} time{'s' if bp.hits > 1 else ''}"
    return text
