"""The engine's vocabulary, shared by the engine, the backends, the session and the peers.

Design note: these are plain values and protocols with no behaviour of their own beyond a
step's rule of where it stops, so that the modules on each side of the engine (backends below
it, the session and debugpy's hand-off above) can speak of the world, steps and resumes without
importing the engine itself.  The words follow the project's glossary: *freeze* stops the world,
*park* blocks one thread at a checkpoint, *thaw* lets frozen threads run, *resume* ends a stop.
"""

from __future__ import annotations

import _thread
import bdb
import enum
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatch
from types import CodeType, FrameType, TracebackType
from typing import Generic, Protocol, TypeVar

from ._breakpoints import BreakpointTable, original
from ._frames import own_code
from ._model import StopEvent, StopReason

T = TypeVar("T")


class World(enum.IntEnum):
    """Whether the program's threads may run."""

    RUNNING = 0
    FREEZING = 1
    """A stop is being presented: every other thread parks at its next checkpoint."""
    FROZEN = 2
    """Every other thread is parked, or blocked in C and parks when it returns."""


_GENERATOR_FLAGS = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR


def _generator(frame: FrameType) -> bool:
    """Whether ``frame`` runs a generator, coroutine or async generator (it leaves at every
    ``yield`` and ``await``, and comes back)."""
    return bool(frame.f_code.co_flags & _GENERATOR_FLAGS)


class StepKind(enum.Enum):
    STEP = "step"
    """Stop at the next event anywhere in the thread (pdb's ``step``)."""
    NEXT = "next"
    """Stop at the next line of ``frame`` or when it returns (pdb's ``next``)."""
    RETURN = "return"
    """Stop when ``frame`` returns (pdb's ``return``)."""
    UNTIL = "until"
    """Stop at a line >= ``lineno`` in ``frame``, or when it returns (pdb's ``until``)."""
    FIRST_LINE = "first-line"
    """Stop at the first line run in ``frame`` (function breakpoints and ``--stop``), or,
    without a frame, in a frame running ``code`` (``debug``)."""


@dataclass
class StepRequest:
    """What one stepping thread waits for (bdb's stopframe / returnframe / stoplineno)."""

    kind: StepKind
    frame: FrameType | None = None
    lineno: int = 0
    reason: StopReason = StopReason.STEP
    breakpoint: int | None = None
    passed_over: frozenset[FrameType] = frozenset()
    """Frames a ``STEP`` never stops in: those that ran above ``frame`` when a ``set_trace()``
    started it (pdb traces only ``frame``, its callers, and what runs afterwards)."""
    skip: tuple[str, ...] = ()
    """Module name patterns the step never stops in (pdb's ``skip=``, fnmatch-style)."""
    code: CodeType | None = None
    """For a ``FIRST_LINE`` without a frame: the code whose first line it stops at."""

    @property
    def to_breakpoint(self) -> bool:
        """Whether this is a function breakpoint's way to its function's first line (not a
        step of the user's: a stop by another thread leaves it on)."""
        return self.kind is StepKind.FIRST_LINE and self.breakpoint is not None

    @property
    def anywhere(self) -> bool:
        """Whether any frame of the thread may stop (needs events everywhere)."""
        return self.kind is StepKind.STEP or (
            self.kind is StepKind.FIRST_LINE and self.frame is None
        )

    def _skipped(self, frame: FrameType) -> bool:
        if not self.skip:
            return False
        module = frame.f_globals.get("__name__")
        return isinstance(module, str) and any(fnmatch(module, p) for p in self.skip)

    def _steps_into(self, frame: FrameType) -> bool:
        return (
            not own_code(frame.f_code)
            and frame not in self.passed_over
            and not self._skipped(frame)
        )

    def stops_at_line(self, frame: FrameType) -> bool:
        if self.kind is StepKind.STEP:
            return self._steps_into(frame)
        if self.kind is StepKind.FIRST_LINE and self.frame is None:
            return original(frame.f_code) is self.code
        if frame is not self.frame or self._skipped(frame):
            return False
        if self.kind is StepKind.RETURN:
            return False
        return (frame.f_lineno or 0) >= self.lineno  # None: a frame with no line number

    def stops_at_call(self, frame: FrameType) -> bool:
        return self.kind is StepKind.STEP and self._steps_into(frame)

    def stops_at_return(self, frame: FrameType) -> bool:
        """A return (or a ``yield``, or leaving with an exception).  Only ``step`` stops where a
        generator or coroutine leaves: ``next``, ``until`` and ``return`` wait for it to come
        back, as bdb does."""
        if self.kind is StepKind.STEP:
            return self._steps_into(frame)
        if self.kind is StepKind.FIRST_LINE or _generator(frame):
            return False
        return frame is self.frame

    def stops_at_exception(
        self, frame: FrameType, exception: BaseException, traceback: TracebackType | None
    ) -> bool:
        """An exception raised in, or passing through, ``frame`` (bdb's rules: in the frame a
        step waits in, but not a generator's internal ``StopIteration``; and the end of the
        generator a ``next``, ``until`` or ``return`` waits in, seen by its caller)."""
        if self.kind is StepKind.FIRST_LINE:
            return False
        stopframe, lineno = self._bdb_stopframe()
        if stopframe is None:
            here = self._steps_into(frame)
        else:
            here = frame is stopframe and lineno != -1 and (frame.f_lineno or 0) >= lineno
            here = here and not self._skipped(frame)
        if here:
            internal = type(exception) is StopIteration and traceback is None
            return not (_generator(frame) and internal)
        return (
            stopframe is not None
            and frame is not stopframe
            and _generator(stopframe)
            and type(exception) in (StopIteration, GeneratorExit)
        )

    def _bdb_stopframe(self) -> tuple[FrameType | None, int]:
        """bdb's ``stopframe`` and ``stoplineno`` for this step (-1: none of its lines)."""
        frame = self.frame
        if self.kind is StepKind.STEP or frame is None:
            return None, 0
        if self.kind is StepKind.RETURN:
            return (frame, -1) if _generator(frame) else (frame.f_back, 0)
        return frame, self.lineno


class ResumeHow(enum.Enum):
    CONTINUE = "continue"
    STEP = "step"
    DETACH = "detach"
    QUIT = "quit"
    """Resume the world, then raise ``Quit`` in the presenter, as pdb's quit does (but at a
    post-mortem, whose frames are finished)."""
    HAND_OVER = "hand over"
    """Resume the world, the peer takes the interpreter, and the presenter stops again at
    once, in the peer (the stop moves to the editor); so do the other stops waiting."""


class Quit(bdb.BdbQuit):
    """Raised in the presenter's thread after a ``ResumeHow.QUIT``: pdb's ``BdbQuit``, which
    code that embeds pdb (doctest, pytest, ``python -m pdb``) expects."""


FOR_THE_PROGRAM = "_allstop_for_the_program"
"""The mark of an exception raised on purpose into the program's thread after a stop (what a
``Resume.then`` raises: pytest's ``Exit`` on quit, pdb's ``Restart``): the hooks, which keep
allstop's own errors from the program, let it through (see ``Backend.failed``)."""


def for_the_program(exc: BaseException) -> bool:
    """Whether ``exc`` is raised into the program on purpose (``Quit``, or marked)."""
    return isinstance(exc, Quit) or getattr(exc, FOR_THE_PROGRAM, False) is True


@dataclass(frozen=True)
class Resume:
    """What the stop handler asks for when the user is done with a stop."""

    how: ResumeHow
    step: StepRequest | None = None
    thread: int | None = None
    """The ident of the thread to step (default: the presenter)."""
    scheduler_locking: bool = True
    """Step with every other thread frozen (gdb's ``set scheduler-locking on``)."""
    then: Callable[[], object] | None = None
    """Run by the presenter once the world runs again, before a ``Quit`` (what a pdb
    subclass does when the user continues or quits: pytest resumes its output capture, or
    ends the test session)."""


CONTINUE = Resume(ResumeHow.CONTINUE)


def _locked() -> _thread.LockType:
    lock = _thread.allocate_lock()
    lock.acquire()
    return lock


@dataclass(eq=False)
class Job(Generic[T]):
    """Code the session has a stopped thread run in its own context (an evaluation): the
    thread runs it between two waits of its park, then parks again."""

    fn: Callable[[], T]
    label: str = ""
    """What the user typed, for what the session says about it ('' for the session's own
    reads: the variables view, completion)."""
    runner: int | None = None
    """The ident of the thread that runs it, once it started."""
    native_id: int = 0
    """That thread's id for the kernel."""
    result: T | None = None
    error: BaseException | None = None
    _done: _thread.LockType = field(default_factory=_locked)

    def run(self) -> None:
        """Run ``fn`` on the calling thread; keep what it returns or raises."""
        self.runner = _thread.get_ident()
        self.native_id = _thread.get_native_id()
        try:
            self.result = self.fn()
        except BaseException as exc:  # SystemExit and KeyboardInterrupt too: they are results
            self.error = exc
        finally:
            self._done.release()

    @property
    def finished(self) -> bool:
        return not self._done.locked()

    def wait(self, timeout: float) -> bool:
        """Whether it finished within ``timeout`` seconds."""
        if self._done.acquire(timeout=timeout):
            self._done.release()
            return True
        return False


@dataclass(eq=False)
class Recursion:
    """pdb's ``debug``: code a stopped thread runs traced, whose stops the session shows
    while it waits for that code (a debugger inside the debugger; see ``Engine.debug``).
    The thread hands over one stop at a time and waits for the session's answer."""

    ident: int = 0
    """The thread that runs the code (set when it starts)."""
    stop: StopEvent | None = None
    """The stop waiting for an answer."""
    answer: Resume | None = None
    abandoned: bool = False
    """The session stopped waiting for the code: its later stops are ignored, as those of
    any evaluation."""

    def hand_over(self, stop: StopEvent) -> None:
        """``stop`` waits for the session's answer."""
        self.answer = None
        self.stop = stop


class Peer(Protocol):
    """Another debugger that takes the program's stops while it has a client."""

    def has_client(self) -> bool:
        """Whether stops go to the peer now (called at every stop)."""
        ...

    def owns(self, ident: int) -> bool:
        """Whether thread ``ident`` is one of the peer's own (never parked, never listed)."""
        ...

    def stop_soon(self, frame: FrameType) -> None:
        """``breakpoint()``: stop the calling thread at the next line of ``frame``."""
        ...

    def stop_now(self, frame: FrameType, reason: StopReason) -> None:
        """Stop the calling thread in ``frame``, now (a pause, ``set_trace(frame)``)."""
        ...

    def post_mortem(self, exception: BaseException, *, crashed: bool) -> None:
        """Show ``exception``'s traceback (``crashed``: the calling thread dies of it)."""
        ...

    def world_resumed(self) -> None:
        """The world runs again (a client that came meanwhile may take the interpreter)."""
        ...


class PeerHost(Protocol):
    """What a peer may use of the engine: take the interpreter and give it back, lend the
    breakpoints, start threads of the debugger's own."""

    peer: Peer | None
    world: World
    breakpoints: BreakpointTable
    exempt: set[int]
    """The debugger's own threads."""

    def hand_over(self) -> bool:
        """The peer takes the interpreter (False: not now, the world is stopped)."""
        ...

    def take_back(self) -> None:
        """The peer has let go of the interpreter."""
        ...

    def spawn_exempt(self, fn: Callable[[], None]) -> None:
        """Start a thread of the debugger's own: never parked, never traced."""
        ...


class StopHandler(Protocol):
    """The session: shown a stop, returns how to resume."""

    def on_stop(self, stop: StopEvent) -> Resume: ...

    def on_internal_error(self, exc: BaseException) -> None: ...

    def on_interrupt(self) -> None:
        """Ctrl-C reached a thread that waits in its park (the program's main thread): the
        user pressed it at the prompt, or during an evaluation."""
        ...
