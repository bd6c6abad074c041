"""What every front end reads: frozen views of threads, frames and stops.

These objects are built while the world is frozen (see ``_snapshot``) and never change
afterwards.  A ``FrameView`` keeps a reference to the live frame object so that the session
can evaluate in it, but every field a front end displays is copied at snapshot time, but for
the frames under a thread's top (``Stack``), read when first asked for, in the same frozen
world.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from types import FrameType, TracebackType
from typing import NamedTuple


class Counting(NamedTuple):
    """How a thread in some state counts."""

    frozen: bool = False
    """One of the "other threads frozen" of a stop's summary."""
    blocked: bool = False
    """One of the "blocked in C" of a stop's summary."""
    steppable: bool = True
    """``step``, ``next``... can run it."""
    finished: bool = False
    """Gone: forgotten once the stop ends."""


_ORDINARY = Counting()


class ThreadState(enum.Enum):
    """The state of one thread while the world is stopped, with how it counts.  A new state is
    one line here (and its colour in the full-screen UI's style); every question about states
    asks ``counting``, never a list of states."""

    _value_: str
    description: str
    counting: Counting

    def __new__(cls, label: str, description: str, counting: Counting = _ORDINARY) -> ThreadState:
        member = object.__new__(cls)
        member._value_ = label
        member.description = description
        member.counting = counting
        return member

    STOPPED = ("stopped", "the thread being debugged")
    BREAKPOINT = (
        "breakpoint",
        "reached a breakpoint (or ended a step) while another stop was shown: shown after you"
        " continue",
    )
    FROZEN = (
        "frozen",
        "parked: runs no Python code until the world resumes",
        Counting(frozen=True),
    )
    BLOCKED = (
        "blocked",
        "in a C call (sleep, lock, queue, socket...): parks when it returns to Python",
        Counting(blocked=True),
    )
    NEW = ("new", "started while frozen: parked before its target runs", Counting(frozen=True))
    FINISHED = (
        "finished",
        "known at an earlier stop, gone now",
        Counting(steppable=False, finished=True),
    )
    CRASHED = ("crashed", "dying of an unhandled exception", Counting(steppable=False))

    @classmethod
    def legend(cls) -> str:
        """One line per state, for ``help threads``."""
        return "\n".join(f"{state.value}: {state.description}" for state in cls)


class StopReason(enum.Enum):
    """Why the world stopped."""

    BREAKPOINT = "breakpoint"
    STEP = "step"
    TRACE = "trace"
    """``breakpoint()`` / ``allstop.set_trace()``."""
    CALL = "call"
    """A ``step`` entered a new function (pdb's ``--Call--``)."""
    RETURN = "return"
    """A frame is about to return (pdb's ``--Return--``)."""
    PAUSE = "pause"
    EXCEPTION = "exception"
    """A post-mortem: the frames are a traceback's."""
    RAISE = "raise"
    """A step met an exception raised in, or passing through, a live frame (pdb's exception
    event): ``exception`` says which."""
    DEBUG = "debug"
    """The first line of the code pdb's ``debug`` command runs."""
    INTERRUPT = "interrupt"
    """Ctrl-C during a step: the stepping thread (``StopEvent.focus``) is shown where it is,
    in Python or blocked in C."""
    ENDED = "ended"
    """The thread that stepped alone finished before its step could stop (``focus``)."""
    HELD = "held"
    """Paused with the program's other processes, one of which stopped (see ``_tree``)."""


@dataclass(frozen=True)
class FrameView:
    """One Python frame, as it was when the world stopped."""

    filename: str
    lineno: int | None
    """None where Python knows no line (a frame finishing an ``except*`` block, say)."""
    function: str
    frame: FrameType | None = field(default=None, compare=False, repr=False)


class Stack:
    """A thread's frames, innermost first: ``top`` read with the snapshot, the frames under it
    when first asked for.  A stop among 1000 threads of 50 frames reads 1000 frames until the
    user looks at more (and on 3.11+ the interpreter makes no frame objects for the others)."""

    def __init__(
        self,
        frames: tuple[FrameView, ...] = (),
        under: Callable[[], tuple[FrameView, ...]] | None = None,
    ) -> None:
        """``frames``: the whole stack, or only its top when ``under`` reads the rest."""
        self.top = frames[0] if frames else None
        self._frames = frames
        self._under = under

    @cached_property
    def frames(self) -> tuple[FrameView, ...]:
        under = self._under
        return self._frames + under() if under is not None else self._frames


@dataclass(frozen=True)
class ThreadView:
    """One thread of the program, as it was when the world stopped."""

    number: int
    ident: int
    name: str
    daemon: bool
    state: ThreadState
    stack: Stack = field(default_factory=Stack, compare=False, repr=False)
    detail: str = ""
    """A short note on the state, e.g. the breakpoint reached or what a blocked thread waits on."""

    @property
    def frames(self) -> tuple[FrameView, ...]:
        """Innermost frame first."""
        return self.stack.frames

    @property
    def top(self) -> FrameView | None:
        return self.stack.top


class TaskState(enum.Enum):
    """The state of one asyncio task while the world is stopped."""

    _value_: str
    description: str

    def __new__(cls, label: str, description: str) -> TaskState:
        member = object.__new__(cls)
        member._value_ = label
        member.description = description
        return member

    RUNNING = ("running", "its code is on its thread's stack now")
    WAITING = ("waiting", "suspended at an await until what it awaits is done")
    READY = ("ready", "scheduled: runs when its loop comes to it")
    DONE = ("done", "finished with a result")
    CANCELLED = ("cancelled", "finished by a cancellation")
    FAILED = ("failed", "finished with an exception, named after it")

    @classmethod
    def legend(cls) -> str:
        """One line per state, for ``help tasks``."""
        return "\n".join(f"{state.value}: {state.description}" for state in cls)


@dataclass(frozen=True)
class TaskView:
    """One asyncio task, as it was when the world stopped."""

    number: int
    name: str
    state: TaskState
    thread: int | None
    """The ident of the thread that runs the task's loop (None: the loop is not running)."""
    frames: tuple[FrameView, ...] = ()
    """Its coroutine stack, innermost first: its chain of awaits, or, running, the part of its
    thread's stack down to its coroutine."""
    error: str = ""
    """The name of the exception a failed task finished with."""
    awaits: str = ""
    """What a waiting task awaits: ``asyncio.Queue (size 0)``, ``task 3``..."""
    awaits_node: str = ""
    """Who it waits for, in the waits-for graph: ``task 3``, ``thread 2`` or ''."""
    deadlock_words: str = ""
    """How a deadlock names its wait: ``asyncio.Lock held by task 3``, ``task 3 to finish``."""
    task: object = field(default=None, compare=False, repr=False)


NO_VALUE: object = object()
"""Marks a stop that carries no return value."""


@dataclass(frozen=True)
class StopEvent:
    """A stop being presented to the user: which thread, where and why."""

    ident: int
    frame: FrameType
    reason: StopReason
    breakpoint: int | None = None
    """The breakpoint number, when ``reason`` is ``BREAKPOINT``."""
    return_value: object = field(default=NO_VALUE, repr=False)
    """The value being returned, when ``reason`` is ``RETURN``."""
    exception: BaseException | None = None
    """The exception a post-mortem stop (``reason`` ``EXCEPTION``) looks at, or a step met
    (``RAISE``)."""
    crashed: bool = False
    """The thread is dying of ``exception`` (it will not run again)."""
    traceback: TracebackType | None = field(default=None, repr=False)
    """At a ``RAISE``, the exception's traceback as the interpreter gave it with the event
    (None for the internal ``StopIteration`` of a finished generator)."""
    condition_error: BaseException | None = field(default=None, repr=False)
    """What the breakpoint's condition raised (it stopped: the safe side)."""
    focus: int | None = None
    """The thread the stop is about when it is not the one presenting it: an interrupted
    step's, which may be blocked in C (the main thread presents for it)."""

    @property
    def subject(self) -> int:
        """The thread the stop is about (shown first)."""
        return self.focus if self.focus is not None else self.ident

    @property
    def post_mortem(self) -> bool:
        """Whether the stopped thread's frames are finished (a traceback's): no stepping."""
        return self.reason is StopReason.EXCEPTION


@dataclass(frozen=True)
class VariableRow:
    """One line of a variables view: a name and a safe repr, at some depth of expansion."""

    path: tuple[object, ...]
    """The variable's name, then one step per level: ``("key", k)``, ``("index", i)``,
    ``("item", i)`` (position in a set) or ``("attr", name)``."""
    depth: int
    name: str
    value: str
    expandable: bool


class Raised(Exception):
    """What code run for the session raised when it is no ``Exception`` (``SystemExit`` from
    ``p sys.exit(0)`` or a program function that exits, ``GeneratorExit``, a bare
    ``BaseException``): the code's result, carried to the session as an ``Exception`` so that
    nothing on the way takes it for its own (the session's thread would end, and the world
    never resume).  ``KeyboardInterrupt`` is not carried: it is the user's Ctrl-C."""

    def __init__(self, exception: BaseException) -> None:
        super().__init__(exception)
        self.exception = exception
