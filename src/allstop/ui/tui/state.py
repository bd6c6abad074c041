"""The state of the full-screen UI: what each pane shows and where its cursor is.

The session owns the debugging state (current thread and frame, breakpoints); this object owns
only presentation: cursors, the expanded variables, the output lines, overlays.  ``sync()``
moves the cursors to what the session made current, after every command.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..._model import ThreadView
from ..._tree import Process

if TYPE_CHECKING:
    from ..._model import TaskView, VariableRow
    from ...session import SessionView


@dataclass(frozen=True)
class TaskGroup:
    """The row under a thread that runs an event loop: its tasks, shown or folded."""

    thread: int
    count: int
    open: bool


@dataclass
class TuiState:
    session: SessionView | None = None
    prompt: str = "(allstop) "
    thread_cursor: int = 0
    tasks: list[TaskView] = field(default_factory=list)
    """The asyncio tasks, read on the session's thread after each command."""
    open_loops: set[int] = field(default_factory=set)
    """The threads whose tasks the threads pane shows (folded by default)."""
    processes: list[Process] = field(default_factory=list)
    """The program's processes under ``allstop run``, read after each command."""
    thread_rows: list[Process | ThreadView | TaskGroup | TaskView] = field(default_factory=list)
    """The threads pane: the program's processes when it has several, then each thread, and
    under a loop's thread its task group's row and, when open, its tasks."""
    stack_cursor: int = 0
    source_file: str = ""
    source_cursor: int = 1
    var_cursor: int = 0
    scope: str = "locals"
    expanded: set[tuple[object, ...]] = field(default_factory=set)
    rows: list[VariableRow] = field(default_factory=list)
    output: list[tuple[str, str]] = field(default_factory=list)
    """(style, line) pairs."""
    help_visible: bool = False
    confirm: str = ""
    """The question of the confirmation dialog being shown ("" when none)."""
    frame_key: tuple[int, int] = (0, -1)
    """(thread ident, frame index) the variables view shows: expansions reset when it moves."""

    def sync(self) -> None:
        """Put the cursors on the session's current thread, frame and line."""
        session = self.session
        if session is None:
            return
        task = next((t for t in self.tasks if t.number == session.current_task), None)
        if task is not None and task.thread is not None:
            self.open_loops.add(task.thread)
        self.build_thread_rows()
        for index, row in enumerate(self.thread_rows):
            if row is task or (
                task is None and isinstance(row, ThreadView) and row.ident == session.current
            ):
                self.thread_cursor = index
                break
        self.stack_cursor = session.index
        key = (session.current, session.index)
        if key != self.frame_key:
            self.frame_key = key
            self.expanded = set()
            self.var_cursor = 0
        frames = session.frames
        if frames:
            top = frames[session.index]
            self.source_file = top.filename
            self.source_cursor = top.lineno or 1
        self.var_cursor = min(self.var_cursor, max(len(self.rows) - 1, 0))

    def build_thread_rows(self) -> None:
        """The threads pane's rows from the threads and tasks last read."""
        session = self.session
        if session is None:
            self.thread_rows = []
            return
        by_loop: dict[int, list[TaskView]] = {}
        for task in self.tasks:
            if task.thread is not None:
                by_loop.setdefault(task.thread, []).append(task)
        rows: list[Process | ThreadView | TaskGroup | TaskView] = []
        if len(self.processes) > 1:
            rows.extend(self.processes)
        for thread in session.threads:
            rows.append(thread)
            tasks = by_loop.get(thread.ident)
            if tasks:
                shown = thread.ident in self.open_loops
                rows.append(TaskGroup(thread.ident, len(tasks), shown))
                if shown:
                    rows.extend(tasks)
        self.thread_rows = rows
