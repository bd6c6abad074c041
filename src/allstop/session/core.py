"""The session's core: the stop being shown, the current thread and frame, and the command loop.

Design note
-----------
The engine hands the session a ``StopEvent`` on a thread of allstop's own, with every thread of
the program stopped (the presenter waits inside its interpreter hook).  The core keeps the state
every command shares (the stop, the threads as last read, the current thread and frame), runs
command lines until one of them resumes, and returns that ``Resume`` to the engine.

Commands live in command groups (``stack``, ``threads``, ``running``...), one module each: a
group is a class whose ``do_<name>`` methods are commands, with pdb's names; a command's
docstring is its ``help`` text, the lines before its first blank line its usage.  Its aliases
and whether it resumes are declared beside it with ``@command``, and nowhere else.  A command
that cannot do what it is asked raises ``CommandError`` (``UsageError`` for a malformed
argument); the loop prints it once, as ``*** message``, and the session goes on.

Nothing here may block on a lock a frozen thread holds: output goes through the front end's own
file descriptor, user code runs in the thread that owns the frame through the ``Evaluator``
guard (``run``), and every module the commands
use is imported when the session is built (before any freeze).  An exception that escapes a
command is an allstop bug: the engine prints it through ``on_internal_error`` and resumes.
"""

from __future__ import annotations

import codeop
import dataclasses
import inspect
import io
import os
import re
import reprlib
import sys
import token
import tokenize
import traceback
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import partial
from types import CodeType, FrameType
from typing import Any, NoReturn, Protocol, TypeVar

from .. import _format, _snapshot, _tasks, _tree, _variables, _waits
from .._breakpoints import Breakpoint, canonic
from .._evaluate import EvaluationAbandoned, Evaluator, evaluate, execute, run_interactive
from .._frames import main_ident
from .._model import (
    FrameView,
    Stack,
    StopEvent,
    StopReason,
    TaskView,
    ThreadState,
    ThreadView,
    VariableRow,
)
from .._stops import CONTINUE, Job, PeerHost, Recursion, Resume, ResumeHow
from .io import SessionIO

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

_PER_STOP = (
    "stop",
    "threads",
    "current",
    "frame_index",
    "list_lineno",
    "exception_index",
    "cmdqueue",
    "prompt",
    "_resume",
    "_helper_noted",
    "_convenience_in",
)
"""The session's state of the stop being shown (kept aside while ``debug`` shows its own)."""

_FILE_TIMES: dict[str, float] = {}
"""When each file was last modified, as seen when a command last ran in one of its frames,
by any session of the process (pdb 3.13's class-wide table): a later edit is warned about."""

NO_FRAME = "this thread has no Python frame"
CONVENIENCE = "__pdb_convenience_variables"
"""Where pdb (3.12+) keeps ``$name`` variables: a dictionary in the current frame's globals."""
_DOLLAR = re.compile(r"\$([a-zA-Z_][a-zA-Z0-9_]*)")
_HAS_CONVENIENCE = sys.version_info >= (3, 12)
_CONVENIENCE_BY_TOKENS = sys.version_info >= (3, 13)
"""3.13's pdb leaves ``$`` in string literals alone."""
_PDB_313_INPUT = sys.version_info >= (3, 13)
"""3.13's pdb reads a line that starts like Python (``c["a"]``, ``n(1)``, ``j=1``) as Python,
runs statements as the interactive interpreter does (continuation lines, closures), and checks
an alias's arguments."""
_IDENT = re.compile(
    r"[A-Za-z_][A-Za-z0-9_\-=.\[\](),\"'+*/%@&|<>~^]*"
    if _PDB_313_INPUT
    else r"[A-Za-z_][A-Za-z0-9_-]*"
)
"""A command word (pdb 3.13's ``identchars`` take in what Python puts after a name)."""


class CommandError(Exception):
    """A command cannot do what it was asked: the loop prints ``*** message`` and goes on."""


class UsageError(CommandError):
    """A command was given a malformed argument: the loop prints the message, if any, then
    the command's usage (the first lines of its docstring)."""

    usage = ""


class PdbFace(Protocol):
    """A ``pdb.Pdb`` that allstop stands in for (``allstop.Debugger``, and the subclasses tools
    make of it, such as pytest's): told when the user continues or quits, as pdb's own
    subclasses are (pytest resumes its output capture, or ends the test session)."""

    rcLines: list[str]
    """Commands to run at the next stop before the prompt (``.pdbrc``, ``-c``)."""

    @property
    def skip(self) -> Collection[str] | None:
        """Module name patterns stepping never stops in (pdb's ``skip=``)."""
        ...

    @property
    def handles_quit(self) -> bool:
        """Whether ``do_quit`` ends things its own way (pytest's ends the test session):
        quitting is left to it even while other threads run."""
        ...

    def do_continue(self, arg: str) -> object: ...

    def do_quit(self, arg: str) -> object: ...

    def interaction_begins(self) -> None:
        """A stop is about to be shown (pdb puts Ctrl-C back to the program's there)."""
        ...

    @property
    def mainpyfile(self) -> str:
        """The program ``python -m pdb`` runs ('' for a debugger made in code): only then can
        ``run``/``restart`` start it again."""
        ...


class SessionEngine(_snapshot.Records, PeerHost, Protocol):
    """What the session uses of the engine: its records of the threads, the breakpoint
    table, and what ``listen`` hands to the editor's bridge."""

    def breakpoints_changed(self) -> None: ...

    def run_in(self, ident: int, job: Job[Any]) -> bool:
        """Have stopped thread ``ident`` run ``job`` in its own context (False: it cannot)."""
        ...

    def thaw_until(self, jobs: list[Job[Any]], limit: float) -> bool:
        """Let the frozen threads but those running ``jobs`` run until the jobs finished (or
        for ``limit`` seconds), then freeze them again; whether the jobs finished."""
        ...

    def debug(self, recursion: Recursion, code: CodeType, run: Callable[[], T]) -> T | None:
        """Called by a stopped thread running a job: ``run()`` traced, its stops handed to
        the session through ``recursion`` (see ``Engine.debug``)."""
        ...

    def answer(self, recursion: Recursion, resume: Resume) -> None:
        """Resume the stop ``recursion`` hands over."""
        ...

    def abandon(self, recursion: Recursion) -> None:
        """Stop waiting for ``recursion``'s code."""
        ...


@dataclass(frozen=True)
class Spec:
    """What ``@command`` declares of a command."""

    aliases: tuple[str, ...] = ()
    resumes: bool = False
    ends_commands: bool = False
    """It ends a breakpoint's command list (pdb's ``commands_resuming``)."""


def command(
    *aliases: str, resumes: bool = False, ends_commands: bool | None = None, **doc_values: str
) -> Callable[[F], F]:
    """Declare a ``do_<name>`` method's aliases and whether it may resume the world (it
    returns a ``Resume`` then), and whether it ends a breakpoint's command list (by default:
    when it resumes).  ``doc_values`` fill ``{name}`` fields of its docstring (help text built
    from the things it describes, such as the thread states)."""
    ends = resumes if ends_commands is None else ends_commands

    def declare(fn: F) -> F:
        fn.__allstop_command__ = Spec(aliases, resumes, ends)  # type: ignore[attr-defined]
        if doc_values and fn.__doc__:
            fn.__doc__ = fn.__doc__.format(**doc_values)
        return fn

    return declare


@dataclass(frozen=True)
class Command:
    """One command, as the loop finds it."""

    name: str
    run: Callable[[str], Resume | None]
    spec: Spec

    @property
    def help(self) -> str:
        return inspect.cleandoc(self.run.__doc__ or "")

    @property
    def usage(self) -> str:
        """The lines of the help before its first blank line, pdb's way (the name alone
        where docstrings are gone, under ``python -OO``)."""
        lines = self.help.split("\n\n", 1)[0].splitlines() or [self.name]
        return "\n       ".join(line.strip() for line in lines)


class Commands:
    """A group of commands: ``do_<name>`` methods working on the session core.  Hooks let a
    group keep state across stops (the displays, say)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @staticmethod
    def takes_no_argument(arg: str) -> None:
        """Refuse an argument, as 3.13's pdb does for a command that takes none (earlier
        versions ignore it)."""
        if arg and _PDB_313_INPUT:
            raise UsageError(f"Invalid argument: {arg}")

    def stop_begins(self) -> None:
        """A stop begins: the threads have been read."""

    def location_shown(self) -> None:
        """The stop's location has been printed (unless breakpoint commands ran)."""

    def status(self) -> str:
        """A note for the front end's status line ('' for none)."""
        return ""


class Session:
    """One debugging session (one per process), driven through a ``SessionIO``."""

    prompt = "(allstop) "
    shown_pid: int | None = None
    """The pid the stop being shown names, when the program has several processes."""

    def __init__(
        self, engine: SessionEngine, io: SessionIO, groups: Iterable[type[Commands]]
    ) -> None:
        self.engine = engine
        self.default_io = io
        """The front end of stops that no pdb entry point chose another one for."""
        self.io = io
        """The front end of the stop being shown (see ``use_front_end``)."""
        self.face: PdbFace | None = None
        """The pdb object the stops are shown for, if a pdb entry point was used."""
        self.rc_lines: list[str] = []
        """Commands to run at the next stop that no pdb object shows (``allstop run -c``)."""
        self.evaluator = Evaluator(engine.spawn_exempt, engine.run_in)
        self._helper_noted: set[int] = set()
        """The threads whose evaluations ran on the helper, said once per stop."""
        self.reading_code = False
        """True while the lines of a multi-line statement are read (see ``SessionView``)."""
        self.recursion: Recursion | None = None
        """The innermost ``debug`` under way, whose stops are being shown."""
        self._convenience_in: list[dict[str, Any]] = []
        """The global namespaces given pdb's convenience variables during this stop."""
        self.scheduler_locking = True
        self.lastcmd = ""
        self.cmdqueue: list[str] = []
        self.stop: StopEvent | None = None
        self._threads: list[ThreadView] = []
        self._mark: _snapshot.Mark | None = None
        self._taken: list[ThreadView] = []
        """The last snapshot, and the mark of the world it was taken in."""
        self._by_ident: dict[int, ThreadView] = {}
        self.current = 0
        """The ident of the current thread."""
        self.current_task: int | None = None
        """The number of the task whose stack is current (``task N``), if one is."""
        self.task_numbers = _tasks.TaskNumbers()
        self._tasks: list[TaskView] | None = None  # read since the threads were, or None
        self.frame_index: dict[object, int] = {}
        """The current frame of each thread (by ident) and task (``("task", N)``) the user
        moved in (0: the innermost)."""
        self.list_lineno: int | None = None
        """Where the next ``list`` goes on (None: around the current line)."""
        self.exception_index = -1
        """The exception of the chain shown at a post-mortem (see ``exceptions``)."""
        self.aliases: dict[str, str] = {}
        """The user's aliases (``alias``)."""
        self._expanding: frozenset[str] = frozenset()
        """The aliases whose expansion gave the command running now."""
        self.exit_process: Callable[[int], NoReturn] = os._exit
        """Ends the process (``quit``); in-process tests replace it."""
        self._resume: Resume | None = None
        self.commands: dict[str, Command] = {}
        self.builtin_aliases: dict[str, str] = {}
        self.groups = [group(self) for group in groups]
        self._register_groups()

    def _register_groups(self) -> None:
        for group in self.groups:
            for attribute, method in inspect.getmembers(group, inspect.ismethod):
                if attribute.startswith("do_"):
                    self._register(attribute[3:].replace("_", "-"), method)

    def _register(self, name: str, method: Callable[[str], Resume | None]) -> None:
        spec = getattr(method, "__allstop_command__", Spec())
        if name in self.commands:
            raise RuntimeError(f"two commands named {name!r}")
        self.commands[name] = Command(name, method, spec)
        for alias in spec.aliases:
            self.builtin_aliases[alias] = name

    def use_front_end(self, io: SessionIO | None, face: PdbFace | None = None) -> None:
        """Show the next stops through ``io`` (None: the default front end) for ``face``, as a
        pdb entry point asks (``pdb.Pdb(stdin, stdout)``, ``set_trace()`` with ``sys.stdout``
        replaced...): pdb's stops show on the streams of the last pdb object made.  Ignored
        while a stop is shown."""
        if self.stop is None:
            self.io = io if io is not None else self.default_io
            self.face = face

    def alone(self) -> bool:
        """Whether the stopped thread is the only live thread of the program (then a stop
        shows exactly as pdb shows it)."""
        stop = self.stop
        live = [t.ident for t in self.threads if not t.state.counting.finished]
        return stop is not None and live == [stop.ident]

    def spawn(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on a thread of the debugger's own, never frozen (a front end's)."""
        self.engine.spawn_exempt(fn)

    # -- the I/O seam ----------------------------------------------------------------------
    def message(self, text: str) -> None:
        self.io.message(text)

    def error(self, text: str) -> None:
        self.io.error("*** " + text)

    def read_line(self, prompt: str) -> str | None:
        """A line from the front end (None at the end of input)."""
        return self.io.read_command(prompt)

    def next_line(self, prompt: str) -> str | None:
        """The next command: the queued ones first (after ``;;``), else one read."""
        return self.cmdqueue.pop(0) if self.cmdqueue else self.read_line(prompt)

    def cut_at_separator(self, line: str, expanded: frozenset[str] = frozenset()) -> str:
        """The first command of ``line``; those after ``;;`` are queued (pdb's ``precmd``:
        not in an ``alias`` definition), with the aliases ``expanded`` to give ``line``."""
        if line.startswith("alias") or ";;" not in line:
            return line
        line, rest = line.split(";;", 1)
        self.cmdqueue.insert(0, _Queued(rest.lstrip(), expanded))
        return line.rstrip()

    # -- stops -----------------------------------------------------------------------------
    def on_stop(self, stop: StopEvent) -> Resume:
        """Show ``stop`` and run commands until one resumes; return how to resume.  Under
        ``allstop run``, in this process's turn at the terminal the program's processes
        share, which pauses the others (see ``_tree``)."""
        with _tree.turn(held=stop.reason is StopReason.HELD) as turn:
            while turn.mine(partial(self._stacks_at, stop)):
                resume = self._show(stop)
                if not isinstance(resume, _tree.Switch):
                    turn.done()
                    return resume
                turn.hand_to(resume.pid)  # its front end has left the terminal
            return CONTINUE  # resumed from another process

    def _stacks_at(self, stop: StopEvent) -> list[str]:
        """``bt all`` at ``stop`` before it is shown, for another process (``bt all
        processes``)."""
        return _format.all_stacks(_snapshot.take(self.engine, stop), stop.subject, 0)

    def _show(self, stop: StopEvent) -> Resume:
        self._begin(stop)
        self.refresh()
        if self.face is not None:
            self._in_main_thread(self.face.interaction_begins)
        stopped_in = [i for i, view in enumerate(self.frames) if view.frame is stop.frame]
        if stopped_in:  # below it, the frames an exception left (a RAISE's traceback)
            self.frame_index[stop.ident] = stopped_in[0]
        self.set_convenience("_frame", self.curframe)  # Tab at the first prompt knows it
        if stop.reason is StopReason.RETURN:
            self.set_convenience("_retval", stop.return_value)
        if stop.exception is not None:
            self.set_convenience("_exception", stop.exception)
        for group in self.groups:
            group.stop_begins()
        # A stop of debug's code shows in the front end that shows the stop it came from.
        entering = self.recursion is None
        if entering:
            self.io.enter(self)
        try:
            bp = self.engine.breakpoints.get(stop.breakpoint) if stop.breakpoint else None
            self._announce(stop, bp)
            self._run_rc_lines()
            if (resume := self.resumed()) is not None:
                return resume
            location_due = True
            if bp is not None and bp.commands:
                self._run_bp_commands(bp)
                location_due = False
            while (resume := self.resumed()) is None:
                if location_due and not (_PDB_313_INPUT and self.cmdqueue):
                    # 3.13's pdb shows where it stopped right before it reads from the user,
                    # after the commands still queued (``;;``); earlier ones show it first.
                    location_due = False
                    self.show_stop_location()
                    continue
                line = self.next_line(self.prompt)
                self.onecmd("EOF" if line is None else line)
            return resume
        finally:
            if entering:
                self.io.leave()
            for namespace in self._convenience_in:
                namespace.pop(CONVENIENCE, None)
            self._convenience_in = []
            for thread in self.threads:
                if thread.state.counting.finished:
                    self.engine.registry.forget(thread.ident)
            self.stop = None
            # They hold the program's frames, threads and tasks.
            self._mark, self._taken, self._tasks = None, [], None

    def _begin(self, stop: StopEvent) -> None:
        """The session's state at the start of ``stop``."""
        self.stop = stop
        self.shown_pid = _tree.shown_pid()  # which process stopped
        if self.shown_pid is not None:
            self.prompt = f"(allstop pid {self.shown_pid}) "
        elif self.prompt.startswith("(allstop pid "):  # the program has one process again
            self.prompt = "(allstop) "
        self.current = stop.subject
        self.frame_index = {}
        self.list_lineno = None
        self._resume = None
        self._helper_noted = set()
        self.exception_index = len(exception_chain(stop.exception)) - 1

    def debug(self, source: str) -> None:
        """pdb's ``debug``: run ``source`` in the current frame, by the thread that owns it,
        under a debugger inside this one (the other threads stay frozen): its stops are
        shown here, the stop being shown waiting meanwhile.  What the code raises is an
        error, as pdb says it."""
        frame = self.frame()
        ident = self.current
        try:
            code = compile(source, "<string>", "exec")
        except (SyntaxError, ValueError) as exc:  # ValueError: a null byte, on 3.10
            raise CommandError(exception_text(exc)) from None
        recursion = Recursion()
        job: Job[object] = Job(
            lambda: self.engine.debug(recursion, code, lambda: execute(code, frame)), source
        )
        if not self.engine.run_in(ident, job):
            raise CommandError(
                "this thread cannot run code now: it is blocked in a C call, or still runs "
                "an evaluation left waiting"
            )
        outer, self.recursion = self.recursion, recursion
        try:
            while True:
                for _ in self.evaluator.polls(job, limit=None):
                    if recursion.stop is not None:
                        break
                stop = recursion.stop
                if stop is None:
                    break
                self.engine.answer(recursion, self._show_recursive_stop(stop))
        except EvaluationAbandoned as exc:
            self.engine.abandon(recursion)
            raise CommandError(self._abandoned_text(exc)) from None
        finally:
            self.recursion = outer
            self.refresh()
        if job.error is not None:
            raise CommandError(exception_text(job.error))

    def _show_recursive_stop(self, stop: StopEvent) -> Resume:
        """A stop of ``debug``'s code, shown as any stop (its prompt in one more pair of
        parentheses); then the stop it came from is the one shown again."""
        saved = {name: getattr(self, name) for name in _PER_STOP}
        kept = [(namespace, namespace.get(CONVENIENCE)) for namespace in self._convenience_in]
        self.cmdqueue = []
        self._convenience_in = []
        self.prompt = f"({self.prompt.strip()}) "
        try:
            return self.on_stop(stop)
        finally:
            for name, value in saved.items():
                setattr(self, name, value)
            for namespace, found in kept:
                if found is not None:
                    namespace[CONVENIENCE] = found

    def on_interrupt(self) -> None:
        """Ctrl-C while the main thread is stopped: it interrupts the evaluation that runs
        in another thread, if one does, or the prompt."""
        if not self.evaluator.interrupt():
            self.io.interrupt()

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
        if stop.condition_error is not None:
            what = _snapshot.exception_line(stop.condition_error)
            return f"breakpoint {stop.breakpoint}, whose condition raised {what}"
        return {
            StopReason.BREAKPOINT: f"breakpoint {stop.breakpoint}",
            StopReason.STEP: "step",
            StopReason.TRACE: "breakpoint()",
            StopReason.CALL: "call",
            StopReason.RETURN: "return",
            StopReason.PAUSE: "pause",
            StopReason.EXCEPTION: "crash" if stop.crashed else "exception",
            StopReason.RAISE: "exception",
            StopReason.DEBUG: "the start of debug's code",
            StopReason.INTERRUPT: "Ctrl-C during a step",
            StopReason.ENDED: "the end of the thread, which finished during its step",
            StopReason.HELD: "the stop of another process",
        }[stop.reason]

    def others(self) -> tuple[int, int]:
        """(frozen, blocked in C): the other threads of the stop being shown."""
        ident = self.stop.subject if self.stop else None
        others = [t.state.counting for t in self.threads if t.ident != ident]
        return sum(c.frozen for c in others), sum(c.blocked for c in others)

    def status_note(self) -> str:
        """What the command groups have to say in a status line (where an editor stands,
        say): '' for nothing."""
        return " ".join(filter(None, (group.status() for group in self.groups)))

    def stop_summary(self) -> str:
        """One line on the stop being shown: the thread, why, and the state of the others."""
        stop = self.stop
        if stop is None:
            return ""
        thread = self.thread_view(stop.subject)
        title = _format.thread_title(thread) if thread else f"[thread {stop.subject}]"
        if self.shown_pid is not None:
            title = f"[pid {self.shown_pid} {title[1:]}"
        frozen, blocked = self.others()
        plural = "" if frozen == 1 else "s"
        why = f"stopped at {self.stop_reason()}"
        if stop.reason is StopReason.INTERRUPT and thread is not None and thread.detail:
            why += f" ({_format.state_text(thread)})"
        if stop.exception is not None:
            what = _snapshot.exception_line(stop.exception)
            why = f"crashed: {what}" if stop.crashed else f"post-mortem: {what}"
            if not stop.post_mortem:
                why = f"stopped at an exception: {what}"
        summary = f"{title} {why}; {frozen} other thread{plural} frozen"
        if blocked:
            summary += f", {blocked} blocked in C"
        return summary

    def _announce(self, stop: StopEvent, bp: Breakpoint | None) -> None:
        alone = self.alone()
        # Alone, it says nothing pdb would not, but a crash or a condition that failed.
        said = stop.crashed or stop.condition_error is not None or stop.focus is not None
        said = said or self.shown_pid is not None  # which process stopped
        if not alone or said:
            self.message(self.stop_summary())
        pending = [t for t in self.threads if t.state is ThreadState.BREAKPOINT]
        if pending:
            numbers = ", ".join(str(t.number) for t in pending)
            self.message(f"also stopped, shown after you continue: thread {numbers}")
        if stop.breakpoint and bp is None and stop.reason is StopReason.BREAKPOINT:
            spent = self.engine.breakpoints.spent.pop(stop.breakpoint, None)
            where = f" at {spent.filename}:{spent.line}" if spent is not None else ""
            self.message(f"Deleted breakpoint {stop.breakpoint}{where}")  # pdb's clear
        if stop.reason is StopReason.RAISE and stop.exception is not None:
            exception = stop.exception  # pdb's user_exception line
            internal = type(exception) is StopIteration and stop.traceback is None
            self.message(("Internal " if internal else "") + exception_text(exception))
        elif stop.exception is not None and (stop.crashed or not alone):
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

    def _run_rc_lines(self) -> None:
        """The start-up commands (the pdb object's ``.pdbrc`` lines, then ``allstop run -c``),
        before the location is shown, as pdb's ``execRcLines``: once each; those after a
        command that resumes wait for the next stop."""
        face = self.face
        sources = [face.rcLines] if face is not None else []
        sources.append(self.rc_lines)  # allstop run -c, after .pdbrc as pdb's -c
        pending = [line.strip() for lines in sources for line in lines]
        for lines in sources:
            del lines[:]
        while pending:
            line = pending.pop(0)
            if line and not line.startswith("#"):
                self.onecmd(line)
                if self._resume is not None:
                    self.rc_lines.extend(pending)
                    return

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

    def refresh(self) -> None:
        """Read every thread's state again if a thread moved since the last reading (threads
        may have parked or started meanwhile): see ``_snapshot.Mark``."""
        stop = self.stop
        assert stop is not None
        mark = _snapshot.Mark(self.engine, stop)
        if mark != self._mark:
            self._mark, self._taken = mark, _snapshot.take(self.engine, stop)
            self._tasks = None
        self.threads = self._taken
        chain = self.exception_chain()
        if chain and self.exception_index != len(chain) - 1:
            # 'exceptions N' shows another exception of the chain in the stopped thread.
            frames = _snapshot.traceback_views(chain[self.exception_index])
            self.threads = [
                dataclasses.replace(t, stack=Stack(frames)) if t.ident == stop.ident else t
                for t in self.threads
            ]

    def forget_snapshot(self) -> None:
        """Code the user typed runs: it may change what threads wait on (a queue's size)
        without moving a frame, so the next ``refresh`` reads every thread again."""
        self._mark = None

    def exception_chain(self) -> list[BaseException]:
        """The post-mortem exception and those it was raised from or while handling, the
        first cause first (pdb's ``exceptions``)."""
        stop = self.stop
        return exception_chain(stop.exception if stop is not None and stop.post_mortem else None)

    def post_mortem_here(self) -> bool:
        """Whether the current thread is the one stopped at a post-mortem (its frames have
        finished)."""
        stop = self.stop
        return stop is not None and stop.post_mortem and self.current == stop.ident

    # -- current thread and frame ----------------------------------------------------------
    @property
    def threads(self) -> list[ThreadView]:
        """Every thread the user may look at, in thread-number order."""
        return self._threads

    @threads.setter
    def threads(self, threads: list[ThreadView]) -> None:
        self._threads = threads
        self._by_ident = {thread.ident: thread for thread in threads}

    def thread_view(self, ident: int | None = None) -> ThreadView | None:
        return self._by_ident.get(self.current if ident is None else ident)

    def thread_by_number(self, text: str) -> ThreadView:
        """The thread numbered ``text``; CommandError if there is none."""
        try:
            number = int(text)
        except ValueError:
            raise CommandError(f"Invalid thread number: {text!r}") from None
        for thread in self.threads:
            if thread.number == number:
                return thread
        raise CommandError(f"Unknown thread {number}")

    def read_processes(self) -> list[_tree.Process]:
        """The program's processes under ``allstop run``, as ``processes`` lists them."""
        return _tree.processes()

    def read_tasks(self) -> list[TaskView]:
        """Every asyncio task, read again if a thread moved since they were (see
        ``refresh``)."""
        if not _tasks.imported():
            return []  # a program without asyncio: nothing to read (the UI asks each command)
        self.refresh()
        if self._tasks is None:
            self._tasks = _tasks.take(self.threads, self.task_numbers)
        return self._tasks

    def task_view(self) -> TaskView | None:
        """The current task (``task N``), if one is and it still lives."""
        if self.current_task is None:
            return None
        tasks = self._tasks if self._tasks is not None else self.read_tasks()
        return next((task for task in tasks if task.number == self.current_task), None)

    def select_task(self, number: int) -> None:
        """Make task ``number``'s stack current, at its innermost frame of the program's
        (under it, asyncio's own: a queue's ``get``...), and its loop's thread current."""
        self.current_task = number
        task = self.task_view()
        if task is None:
            return
        if task.thread is not None:
            self.current = task.thread
        self.list_lineno = None
        self.frame_index.setdefault(("task", number), _tasks.program_frame(task.frames))

    def _frame_key(self) -> object:
        return self.current if self.current_task is None else ("task", self.current_task)

    @property
    def frames(self) -> tuple[FrameView, ...]:
        task = self.task_view()
        if task is not None:
            return task.frames
        thread = self.thread_view()
        return thread.frames if thread else ()

    @property
    def index(self) -> int:
        frames = self.frames
        return min(self.frame_index.get(self._frame_key(), 0), max(len(frames) - 1, 0))

    @property
    def curframe(self) -> FrameType | None:
        frames = self.frames
        return frames[self.index].frame if frames else None

    def frame(self) -> FrameType:
        """The current frame; CommandError when the current thread has no Python frame."""
        frame = self.curframe
        if frame is None:
            raise CommandError(NO_FRAME)
        return frame

    def select_frame(self, index: int) -> None:
        """Make frame ``index`` of the current thread current, and show where it is."""
        self.frame_index[self._frame_key()] = index
        self.list_lineno = None
        self.print_location()

    def return_repr(self, innermost_only: bool = True) -> str | None:
        """The repr of the value being returned at a ``--Return--`` stop, when the current
        thread is the stopped one (and, with ``innermost_only``, its innermost frame is
        current)."""
        stop = self.stop
        if stop is None or stop.reason is not StopReason.RETURN or self.current != stop.ident:
            return None
        if innermost_only and self.curframe is not stop.frame:
            return None
        value = stop.return_value
        try:
            return self.run(lambda: reprlib.repr(value))  # pdb's short form, never raising
        except EvaluationAbandoned as exc:
            return f"<repr abandoned: {exc}>"

    def show_stop_location(self) -> None:
        """Where the stop is, and what the command groups show with it (the displays)."""
        self.print_location()
        for group in self.groups:
            group.location_shown()

    def print_location(self) -> None:
        frames = self.frames
        if not frames:
            self.message(_format.NO_FRAMES)
            return
        for line in _format.location(frames[self.index], self.return_repr()):
            self.message(line)

    def breakpoint_lines(self, filename: str) -> frozenset[int]:
        """The lines of ``filename`` that hold a breakpoint (for front ends and ``list``)."""
        return self.engine.breakpoints.lines_in_file(canonic(filename))

    # -- running commands ------------------------------------------------------------------
    def onecmd(self, line: str) -> None:
        """Run one command line (pdb's rules: empty repeats, ``;;`` separates, aliases).
        Errors are printed once; Ctrl-C interrupts the command, never the program."""
        try:
            self._onecmd(line)
        except UsageError as exc:
            if str(exc):
                # 3.13's pdb indents the usage by the length of its prompt, "(Pdb) ".
                indent = " " * 6 if _PDB_313_INPUT else ""
                self.error(str(exc))
                self.message(indent + f"Usage: {exc.usage}".replace("\n", "\n" + indent))
            else:
                self.error(f"Usage: {exc.usage}")
        except CommandError as exc:
            self.error(str(exc))
        except KeyboardInterrupt:
            self.message("--KeyboardInterrupt--")
        except Exception as exc:  # a bug of allstop's in a command: said, the stop goes on
            where = traceback.extract_tb(exc.__traceback__)[-1]
            place = f"{os.path.basename(where.filename)}:{where.lineno}"
            self.error(
                f"internal error in allstop ({place}): {_format.exception_only(exc)}; "
                "the stop goes on"
            )

    def _onecmd(self, line: str) -> None:
        # An alias is not expanded in what its expansion runs, as in a shell: neither in the
        # commands it queues after ';;' nor in the one its 'thread apply' runs ('alias x p
        # 1;;x' would run forever, deaf to Ctrl-C, as pdb's does).
        seen = set(self._expanding)
        if isinstance(line, _Queued):
            seen |= line.expanded
        line = line.strip()
        if not line:
            line = self.lastcmd
            if not line:
                return
        elif line != "EOF":
            self.lastcmd = line
        if line.startswith("#"):
            return
        self._warn_if_edited()
        self.set_convenience("_frame", self.curframe)
        if line.startswith("!"):
            self.run_statement(replace_convenience(line[1:]))
            return
        first = line
        if line != "EOF":  # the end of input is no alias's: one would bring it back forever
            expanded = self.expand_alias(line, seen)
            first = self.cut_at_separator(expanded, frozenset(seen))
        if line == self.lastcmd:
            # An empty line repeats the command that ran, as pdb's does: the whole line would
            # queue what follows its ';;' again, forever ('p 1;;' queues an empty line).
            self.lastcmd = first
        line = replace_convenience(first)
        name, arg = split_command(line)
        found = self.command(name)
        if found is None:
            extra = self.face_command(name)
            if extra is None:
                self.run_statement(line)
            elif self._run_face_command(extra, arg):
                self._resume = Resume(ResumeHow.CONTINUE)
            return
        outer, self._expanding = self._expanding, frozenset(seen)
        try:
            resume = found.run(arg)
        except UsageError as exc:
            exc.usage = found.usage
            raise
        finally:
            self._expanding = outer
        if resume is not None:
            self._resume = resume

    def face_command(self, name: str) -> Callable[[str], object] | None:
        """A ``do_<name>`` command a pdb subclass (or code that patches ``pdb.Pdb``) added to
        the pdb object the stop is shown for, where allstop has no command of that name."""
        face = self.face
        found = getattr(face, "do_" + name, None) if face is not None and name else None
        return found if callable(found) else None

    def _run_face_command(self, method: Callable[[str], object], arg: str) -> bool:
        """Run a pdb object's own command; whether it asked to resume (a true result, as in
        pdb's command loop).  What it raises is printed, as any command's error."""
        try:
            return bool(method(arg))
        except Exception as exc:
            raise CommandError(exception_text(exc)) from None

    def command(self, name: str) -> Command | None:
        """The command ``name`` (or one of its aliases) names."""
        if not name:
            return None
        return self.commands.get(self.builtin_aliases.get(name, name))

    def spec_of(self, line: str) -> tuple[str, Spec]:
        """The command word of ``line``, aliases expanded, and what its command declares
        (nothing, for a line that runs as Python)."""
        try:
            name, _ = split_command(self.expand_alias(line.strip()))
        except CommandError:
            return "", Spec()
        found = self.command(name)
        return name, found.spec if found is not None else Spec()

    def expand_alias(self, line: str, seen: set[str] | None = None) -> str:
        """``line`` with the user's aliases replaced (pdb's rules: ``%1``..., ``%*``), but
        those in ``seen``; the aliases replaced are added to it."""
        args = line.split()
        seen = set() if seen is None else seen
        while args and args[0] in self.aliases and args[0] not in seen:
            seen.add(args[0])
            line = self.aliases[args[0]]
            for index in range(1, 10):
                marker = f"%{index}"
                if marker in line:
                    if index >= len(args):
                        raise CommandError(f"Not enough arguments for alias '{args[0]}'")
                    line = line.replace(marker, args[index])
                elif _PDB_313_INPUT and "%*" not in line:
                    if index < len(args):
                        raise CommandError(f"Too many arguments for alias '{args[0]}'")
                    break
            line = line.replace("%*", " ".join(args[1:]))
            args = line.split()
        return line

    def command_names(self, aliases: bool = True) -> list[str]:
        """Every command name (with pdb's and the user's aliases, unless ``aliases`` is
        false)."""
        names = {name for name in self.commands if name != "EOF"}
        if aliases:
            names |= set(self.builtin_aliases) | set(self.aliases)
        return sorted(names)

    def resumed(self) -> Resume | None:
        """How the world resumes, once a command has said so."""
        return self._resume

    # -- evaluation ------------------------------------------------------------------------
    def run_statement(self, line: str) -> None:
        """A line that is no command: a Python expression or statement in the current frame."""
        if _PDB_313_INPUT:
            self._run_interactively(line)
            return
        frame = self.frame()
        source = line.strip()
        try:
            try:
                compile(source, "<stdin>", "eval")
            except SyntaxError:
                compiled = compile(source + "\n", "<stdin>", "exec")
                with self.redirected_output():
                    self.run(lambda: execute(compiled, frame), source)
                return
            value = self.run(lambda: evaluate(source, frame), source)
            if value is not None:
                self.message(self.repr(value))
        except EvaluationAbandoned as exc:
            raise CommandError(str(exc)) from None
        except Exception as exc:
            raise CommandError(exception_text(exc)) from None

    def _run_interactively(self, line: str) -> None:
        """3.13's pdb: the line compiled as the interactive interpreter compiles it (an
        expression's value printed), continued on more lines ("...   ") while unfinished,
        and run in a closure over the frame's locals when it makes functions."""
        frame = self.frame()
        try:
            source = line.strip()
            code = codeop.compile_command(source + "\n", "<stdin>", "single")
            while code is None:
                self.reading_code = True
                try:
                    more = self.read_line("...   ")
                finally:
                    self.reading_code = False
                if more is None:
                    self.lastcmd = ""
                    self.message("")
                    return
                source += "\n" + more
                code = codeop.compile_command(source, "<stdin>", "single")
            compiled = code
            with self.redirected_output():
                self.run(lambda: run_interactive(compiled, source, frame), source)
        except EvaluationAbandoned as exc:
            raise CommandError(str(exc)) from None
        except Exception as exc:
            raise CommandError(exception_text(exc)) from None

    def run(self, fn: Callable[[], T], label: str = "") -> T:
        """``fn()`` in the current thread, which runs it in its own context, with the guard
        of ``_evaluate``; ``label``: what the user typed, if it is that.  Raises what ``fn``
        raises, or ``EvaluationAbandoned`` (its message says where it waits)."""
        job: Job[T] = Job(fn, label)
        ident = self.current if self.stop is not None else None
        if label:
            self.forget_snapshot()
        self.evaluator.submit(job, ident)
        try:
            return self.evaluator.wait(job)
        except EvaluationAbandoned as exc:
            exc.args = (self._abandoned_text(exc),)
            raise
        finally:
            if label and ident is not None and job.runner not in (ident, None):
                self._note_helper(ident)

    def _warn_if_edited(self) -> None:
        """pdb 3.13's warning when the current frame's file changed since the last command
        (the program runs the code it loaded before; a listing shows the new text)."""
        frame = self.curframe
        if frame is None:
            return
        filename = frame.f_code.co_filename
        try:
            mtime = os.path.getmtime(filename)
        except OSError:
            return
        if _FILE_TIMES.setdefault(filename, mtime) != mtime:
            self.message(
                f"*** WARNING: file '{filename}' was edited, "
                "running stale code until the program is rerun"
            )
            _FILE_TIMES[filename] = mtime

    def set_convenience(self, name: str, value: object) -> None:
        """Set ``$name`` (pdb's convenience variables, 3.12+) for code typed in the current
        frame; they are forgotten when the stop ends, as in pdb."""
        frame = self.curframe
        if not _HAS_CONVENIENCE or frame is None:
            return
        found = frame.f_globals.setdefault(CONVENIENCE, {})
        found[name] = value
        if not any(ns is frame.f_globals for ns in self._convenience_in):
            self._convenience_in.append(frame.f_globals)

    def _in_main_thread(self, fn: Callable[[], object]) -> None:
        """``fn()`` in the program's main thread (signal handlers can be set only there),
        guarded; what it raises is dropped."""
        job: Job[object] = Job(fn)
        self.evaluator.submit(job, main_ident())
        with suppress(Exception):
            self.evaluator.wait(job)

    def _note_helper(self, ident: int) -> None:
        """Say (once per stop and thread) that code typed for thread ``ident`` ran on the
        helper thread, and why."""
        if ident in self._helper_noted:
            return
        self._helper_noted.add(ident)
        thread = self.thread_view(ident)
        if any(job.runner == ident for job in self.evaluator.waiting()):
            why = "still runs an evaluation left waiting ('thaw' lets it finish)"
        elif thread is not None and thread.state.counting.blocked:
            why = "is blocked in C and runs nothing until it returns"
        else:
            why = "cannot run code now"
        number = thread.number if thread is not None else "?"
        self.message(
            f"(thread {number} {why}: this ran on a helper thread of allstop's, where "
            "current_thread(), thread-locals and context variables are not the thread's)"
        )

    def _abandoned_text(self, exc: EvaluationAbandoned) -> str:
        """Why the session stopped waiting for an evaluation, and how to let it finish."""
        job = exc.job
        runner = job.runner
        thread = self.thread_view(runner) if runner is not None else None
        who = f"thread {thread.number}" if thread is not None else "allstop's helper thread"
        after = "'thaw' lets the other threads run until it completes; or go on: it "
        after += "completes when the world resumes, and its result is dropped"
        frame = exc.frame
        if frame is None:
            return f"still running in {who} after {exc.waited:.0f}s; {after}"
        where = f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"
        tops = {t.ident: t.top.frame for t in self.threads if t.top and t.top.frame}
        numbers = {t.ident: t.number for t in self.threads}
        wait = None
        if runner is not None:
            tops[runner] = frame
            wait = _waits.waits_for(tops, {runner}, typed=job.label).get(runner)
        what = f"waits for {wait.describe(numbers)}" if wait is not None else "waits in a C call"
        return f"{who} {what}, at {where}; {after}"

    def show_result(self, job: Job[Any]) -> None:
        """What code the user typed gave, shown as the prompt shows it (for ``thaw``)."""
        if job.error is not None:
            self.error(exception_text(job.error))
        elif job.result is not None:
            self.message(self.repr(job.result))

    def repr(self, value: object, limit: int = _format.REPR_LIMIT, name: str = "") -> str:
        """``safe_repr`` in the current thread, guarded: a repr may wait on a frozen thread
        too (``name``: what the user calls the value, for pdb's message when repr fails)."""
        try:
            return self.run(lambda: _format.safe_repr(value, limit, name))
        except EvaluationAbandoned as exc:
            return f"<repr abandoned: {exc}>"

    def value_of(self, expression: str) -> Any:
        """``expression`` evaluated in the current frame; what it raises is a CommandError."""
        frame = self.frame()
        try:
            return self.run(lambda: evaluate(expression, frame), expression)
        except EvaluationAbandoned as exc:
            raise CommandError(str(exc)) from None
        except Exception as exc:
            raise CommandError(exception_text(exc)) from None

    def in_current_frame(self, fn: Callable[[FrameType], T]) -> T | None:
        frame = self.curframe
        if frame is None:
            return None
        try:
            return self.run(lambda: fn(frame))
        except Exception:
            return None

    def variable_rows(
        self, scope: str = "locals", expanded: frozenset[tuple[object, ...]] = frozenset()
    ) -> list[VariableRow]:
        """The rows of a variables view of the current frame (``scope`` ``locals`` or
        ``globals``), with the paths in ``expanded`` opened.  Values are read and repr'd in
        the thread that owns the frame, guarded, so a hostile repr cannot hang the front end
        either."""
        frame = self.curframe
        if frame is None:
            return []
        try:
            return self.run(lambda: _variables.rows(frame, scope, expanded))
        except EvaluationAbandoned as exc:
            return [VariableRow((), 0, "<variables>", str(exc), False)]
        except Exception as exc:  # the frame's namespace itself refused to be read
            return [VariableRow((), 0, "<variables>", f"*** {exception_text(exc)}", False)]

    @contextmanager
    def redirected_output(self) -> Iterator[None]:
        """Send what user statements print to the session, as pdb does."""
        writer = _SessionWriter(self.message)
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = writer
        try:
            yield
        finally:
            sys.stdout, sys.stderr = saved
            writer.flush()


def replace_convenience(line: str) -> str:
    """``$name`` in ``line`` made ``__pdb_convenience_variables["name"]`` (pdb's rules of the
    running Python: from 3.12, and outside string literals from 3.13)."""
    if not _HAS_CONVENIENCE or "$" not in line:
        return line
    if not _CONVENIENCE_BY_TOKENS:
        return _DOLLAR.sub(CONVENIENCE + r'["\1"]', line)
    dollar_end: tuple[int, int] = (-1, -1)
    dollar_column = -1
    found: list[tuple[int, int, str]] = []
    try:
        for kind, text, start, end, _ in tokenize.generate_tokens(io.StringIO(line).readline):
            if kind == token.OP and text == "$":
                dollar_column, dollar_end = start[1], end
            elif start == dollar_end and kind == token.NAME:
                found.append((dollar_column, end[1], text))
    except (tokenize.TokenError, SyntaxError):  # 3.12's tokenize lets IndentationError out
        return line
    pieces: list[str] = []
    last = 0
    for start_column, end_column, name in found:
        pieces.append(line[last:start_column] + f'{CONVENIENCE}["{name}"]')
        last = end_column
    pieces.append(line[last:])
    return "".join(pieces)


def split_command(line: str) -> tuple[str, str]:
    """(command word, argument) of a command line."""
    match = _IDENT.match(line)
    if match is None:
        return "", line
    return match.group(), line[match.end() :].strip()


exception_text = _format.exception_only


def exception_chain(exception: BaseException | None) -> list[BaseException]:
    """``exception`` and those it was raised from or while handling, the first cause first."""
    return _format.chain(exception)[::-1]


class _Queued(str):
    """A command queued after ``;;``, with the aliases whose expansion gave it."""

    expanded: frozenset[str]

    def __new__(cls, text: str, expanded: frozenset[str]) -> _Queued:
        queued = super().__new__(cls, text)
        queued.expanded = expanded
        return queued


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


def forget_file_times() -> None:
    """The program is run again (``restart``): every file is taken as up to date."""
    _FILE_TIMES.clear()
