"""The UI-agnostic session: the debugging state of one stop and every command (see ``core``).

A session is the core plus its command groups, one module each; a new group is a module and
one line in ``GROUPS``.
"""

from __future__ import annotations

from .aliases import AliasCommands
from .breakpoints import BreakpointCommands
from .core import CommandError, Commands, Session, SessionEngine, UsageError, command
from .data import DataCommands
from .editor import EditorCommands
from .io import SessionIO, SessionView
from .running import RunningCommands
from .source import SourceCommands
from .stack import StackCommands
from .tasks import TaskCommands
from .threads import ThreadCommands

GROUPS: tuple[type[Commands], ...] = (
    StackCommands,
    ThreadCommands,
    TaskCommands,
    RunningCommands,
    SourceCommands,
    DataCommands,
    BreakpointCommands,
    AliasCommands,
    EditorCommands,
)


def new_session(engine: SessionEngine, io: SessionIO) -> Session:
    """A session with every command group, on ``engine``, shown through ``io``."""
    return Session(engine, io, GROUPS)


__all__ = [
    "GROUPS",
    "CommandError",
    "Commands",
    "Session",
    "SessionEngine",
    "SessionIO",
    "SessionView",
    "UsageError",
    "command",
    "new_session",
]
