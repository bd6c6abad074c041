"""The state of the full-screen UI: what each pane shows and where its cursor is.

The session owns the debugging state (current thread and frame, breakpoints); this object owns
only presentation: cursors, the expanded variables, the output lines, overlays.  ``sync()``
moves the cursors to what the session made current, after every command.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..._model import VariableRow
    from ...session import SessionView


@dataclass
class TuiState:
    session: SessionView | None = None
    prompt: str = "(allstop) "
    thread_cursor: int = 0
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
        for index, thread in enumerate(session.threads):
            if thread.ident == session.current:
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
