"""The two seams of the session: what a front end gives it, and what a front end may read.

Design note: a front end (line mode, the full-screen UI, a future remote one) is a ``SessionIO``:
somewhere to write messages and errors, somewhere to read command lines from (as CPython 3.14's
remote pdb reuses ``Pdb`` by overriding only that seam).  While a stop is shown it may read the
session through ``SessionView`` and nothing else; it never touches the engine, the frames of the
program (except through ``in_current_frame``, which runs in the thread that owns the frame) or
the commands' internals.  Everything a front end does to the program is a command line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import FrameType
from typing import Protocol, TypeVar

from .._model import FrameView, StopEvent, TaskView, ThreadView, VariableRow
from .._tree import Process

T = TypeVar("T")


class SessionView(Protocol):
    """Exactly what a front end may read of the session while a stop is shown.  It is read
    on the front end's own thread: each member only reads state the session's thread writes
    between two commands."""

    @property
    def stop(self) -> StopEvent | None:
        """The stop being shown (None between stops)."""
        ...

    @property
    def threads(self) -> Sequence[ThreadView]:
        """Every thread, in thread-number order, as of the last command."""
        ...

    @property
    def current(self) -> int:
        """The ident of the current thread (``thread N`` changes it)."""
        ...

    @property
    def current_task(self) -> int | None:
        """The number of the asyncio task whose stack is current (``task N``), if one is."""
        ...

    def read_tasks(self) -> list[TaskView]:
        """Every asyncio task, in task-number order.  Called on the session's thread."""
        ...

    def read_processes(self) -> list[Process]:
        """The program's processes under ``allstop run`` (empty elsewhere)."""
        ...

    @property
    def frames(self) -> tuple[FrameView, ...]:
        """The current stack (the current task's, or the current thread's), innermost
        first."""
        ...

    @property
    def index(self) -> int:
        """The current frame's position in ``frames``."""
        ...

    def thread_view(self, ident: int | None = None) -> ThreadView | None:
        """Thread ``ident`` (default: the current one), if it is listed."""
        ...

    def stop_reason(self) -> str:
        """Why the world is stopped: ``breakpoint 1``, ``step``, ``breakpoint()``..."""
        ...

    def others(self) -> tuple[int, int]:
        """(frozen, blocked in C): the other threads of the stop being shown."""
        ...

    def status_note(self) -> str:
        """What the session has to say in a status line (where an editor stands, say):
        '' for nothing."""
        ...

    def breakpoint_lines(self, filename: str) -> frozenset[int]:
        """The lines of ``filename`` that hold a breakpoint."""
        ...

    @property
    def reading_code(self) -> bool:
        """Whether the line being read continues a multi-line statement (no command can
        start it)."""
        ...

    def command_names(self) -> list[str]:
        """Every command name and alias, sorted (for completion)."""
        ...

    def variable_rows(
        self, scope: str = "locals", expanded: frozenset[tuple[object, ...]] = frozenset()
    ) -> list[VariableRow]:
        """The variables view of the current frame (see ``_variables``).  Called on the
        session's thread."""
        ...

    def in_current_frame(self, fn: Callable[[FrameType], T]) -> T | None:
        """``fn(frame)`` for the current frame, run in the thread that owns it (None when the
        thread has no Python frame, or when it raised or was abandoned).  Called on the
        session's thread."""
        ...

    def spawn(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on a thread of the debugger's own, never frozen."""
        ...


class SessionIO(Protocol):
    """What a front end provides: somewhere to write, somewhere to read commands from."""

    def message(self, text: str) -> None: ...

    def error(self, text: str) -> None: ...

    def read_command(self, prompt: str) -> str | None:
        """One line without its newline, or None at end of input."""

    def enter(self, session: SessionView) -> None:
        """A stop begins: the front end may show the session's state until ``leave``."""

    def leave(self) -> None:
        """The stop ends (the world resumes next): give the terminal back."""

    def interrupt(self) -> None:
        """Ctrl-C was pressed (Python delivered it to the stopped main thread): a
        ``read_command`` waiting now raises ``KeyboardInterrupt``, as pdb's prompt does, if the
        front end can tell it (a full-screen UI reads Ctrl-C as a key instead)."""
