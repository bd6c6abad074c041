"""What a backend is: the ``Backend`` interface, and the ``Host`` it reads (the engine).

Design note: a backend may read only what ``Host`` declares of the engine, and calls only its
hot-path entries; the engine knows its backend only through ``Backend``.  Neither imports the
other: the wiring makes the backend for the engine (``Engine(backend_class())``).
"""

from __future__ import annotations

import abc
from types import CodeType, FrameType, TracebackType
from typing import ClassVar, Protocol

from .._breakpoints import Breakpoint, BreakpointTable, Hit
from .._stops import StepRequest, World, for_the_program


class Host(Protocol):
    """What a backend may read of the engine, and the engine's hot-path entries it calls.
    The engine is the only implementation; tests may give a backend another."""

    world: World
    runner: int | None
    """The one thread that may run while the world is frozen (a step, scheduler-locking on)."""
    steps: dict[int, StepRequest]
    """The step each stepping thread waits for, by thread ident."""
    breakpoints: BreakpointTable
    exempt: set[int]
    """The debugger's own threads: never parked, never traced."""

    def own_threads(self) -> set[int]:
        """The debugger's threads and the peer debugger's, now."""
        ...

    def passes_breakpoints(self, ident: int) -> bool:
        """Whether thread ``ident`` runs code for the session now, passing breakpoints by."""
        ...

    def checkpoint(self, frame: FrameType) -> None: ...

    def on_line(self, frame: FrameType) -> None: ...

    def at_breakpoints(self, frame: FrameType, candidates: list[Breakpoint]) -> None:
        """``frame`` comes to a line that holds ``candidates``; the world runs and no thread
        steps (``on_line``'s fast path)."""
        ...

    def stop_at_hit(self, frame: FrameType, hit: Hit) -> None:
        """Stop the calling thread at ``hit``, which ``breakpoints.effective`` gave."""
        ...

    def on_call(self, frame: FrameType, resumed: bool = False) -> None: ...

    def on_return(self, frame: FrameType, value: object) -> None: ...

    def on_exception(
        self, frame: FrameType, exception: BaseException, traceback: TracebackType | None
    ) -> None: ...

    def hook_failed(self, exc: Exception) -> None:
        """A hook raised ``exc``, a bug of allstop's: report it; the program goes on."""
        ...


class Backend(abc.ABC):
    """One interpreter mechanism.  Every method is called with the engine lock released."""

    name: ClassVar[str]

    def __init__(self, engine: Host) -> None:
        self.engine = engine

    def failed(self, exc: Exception) -> None:
        """What a callback answers when it raised: every callback catches what it raises,
        because the program would receive it (its thread dies of allstop's bug, and
        ``sys.settrace`` turns tracing off for good).  What is raised into the program on
        purpose (``Quit``, pytest's ``Exit``...) goes on."""
        if for_the_program(exc):
            raise exc
        self.engine.hook_failed(exc)

    @abc.abstractmethod
    def start(self) -> None:
        """Hook into the interpreter; no cost until something needs events."""

    @abc.abstractmethod
    def shutdown(self) -> None:
        """Remove every hook (``detach``)."""

    @abc.abstractmethod
    def breakpoints_changed(self) -> None:
        """The breakpoint table changed: watch the code that holds breakpoints now."""

    @abc.abstractmethod
    def begin_freeze(self, me: int) -> None:
        """Make every thread but ``me`` (the presenter) reach ``engine.checkpoint`` as soon as
        it runs Python."""

    @abc.abstractmethod
    def settle(self, blocked: dict[int, FrameType]) -> None:
        """The runnable threads are parked: keep checkpoints only where the ``blocked``
        threads (ident -> innermost frame) and new threads will come back to Python."""

    @abc.abstractmethod
    def thaw(self) -> None:
        """The world resumes: drop what freezing added (called before threads are woken)."""

    @abc.abstractmethod
    def arm_step(self, ident: int, frame: FrameType) -> None:
        """Deliver the events ``engine.steps[ident]`` needs to thread ``ident``, whose
        innermost frame is ``frame``.  Called by that thread, or while it cannot run."""

    @abc.abstractmethod
    def step_done(self) -> None:
        """The calling thread's step ended (it stopped, or the step was dropped)."""

    def loaded(self, code: CodeType) -> CodeType:
        """The code to run for a module's ``code`` that is about to run (``allstop run``'s
        script): a backend may give a copy of its own."""
        return code

    def unparked(self, frame: FrameType) -> None:  # noqa: B027 - optional hook
        """The calling thread leaves its park (in ``frame``)."""
