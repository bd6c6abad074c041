"""In-process doubles for session tests: an engine that hooks nothing into the interpreter, and a
front end that reads a script of command lines and records what the session writes.

The session runs for real (commands, evaluation thread, snapshot of the live threads); only the
world is not frozen: threads the test starts are listed ``blocked`` (they wait in C) and stay
where the test put them.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from allstop._breakpoints import BreakpointTable
from allstop._engine import ThreadRegistry
from allstop._model import StopEvent, StopReason
from allstop._stops import Job, Peer, Resume, World
from allstop.session import GROUPS, Session, SessionView
from tests.support.scenario import line_of


class FakeEngine:
    """The session's ``SessionEngine`` without an interpreter hook."""

    def __init__(self) -> None:
        self.breakpoints = BreakpointTable()
        self.registry = ThreadRegistry()
        self.peer: Peer | None = None
        self.world = World.FROZEN
        self.exempt: set[int] = set()
        self.changes = 0
        """How many times the session said the breakpoint table changed."""

    def breakpoints_changed(self) -> None:
        self.changes += 1

    def hand_over(self) -> bool:
        return False

    def take_back(self) -> None:
        return None

    def spawn_exempt(self, fn: Callable[[], None]) -> None:
        def run() -> None:
            self.exempt.add(threading.get_ident())
            fn()

        threading.Thread(target=run, name="allstop-helper", daemon=True).start()

    def parked_frames(self) -> dict[int, FrameType]:
        return {}

    def new_threads(self) -> frozenset[int]:
        return frozenset()

    def pending_stops(self) -> list[StopEvent]:
        return []

    def is_own(self, ident: int) -> bool:
        return ident in self.exempt

    def run_in(self, ident: int, job: Job[Any]) -> bool:
        """The test's thread shows the stop and is its stopped thread: it runs the job
        itself; another thread runs on, so its jobs go to the session's helper."""
        if ident != threading.get_ident():
            return False
        job.run()
        return True

    def thaw_until(self, jobs: list[Job[Any]], limit: float) -> bool:
        return all(job.wait(limit) for job in jobs)  # nothing is frozen: just wait


class ScriptedIO:
    """A front end that answers ``read_command`` from ``lines`` (then end of input) and keeps
    every message and error."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = list(lines)
        self.out: list[str] = []
        self.prompts: list[str] = []
        self.entered = 0
        self.left = 0

    def message(self, text: str) -> None:
        self.out.extend(text.split("\n"))

    def error(self, text: str) -> None:
        self.out.extend(text.split("\n"))

    def interrupt(self) -> None:
        return None

    def read_command(self, prompt: str) -> str | None:
        self.prompts.append(prompt)
        self.out.append(f"{prompt}<{self.lines[0] if self.lines else 'EOF'}>")
        return self.lines.pop(0) if self.lines else None

    def enter(self, session: SessionView) -> None:
        self.entered += 1

    def leave(self) -> None:
        self.left += 1

    def replies(self) -> list[list[str]]:
        """What the session wrote after each prompt: [0] is the stop banner."""
        found: list[list[str]] = [[]]
        for line in self.out:
            if line.startswith("(allstop) <"):
                found.append([])
            else:
                found[-1].append(line)
        return found


class Exited(BaseException):
    """``quit`` asked to end the process with ``status`` (a ``BaseException``, as the end of
    the process is no command's error: the session lets it through)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def _exit(status: int) -> None:
    raise Exited(status)


def new_session(
    lines: list[str], engine: FakeEngine | None = None
) -> tuple[Session, ScriptedIO, FakeEngine]:
    """A session on ``engine`` (default: a new one) reading ``lines``."""
    engine = engine if engine is not None else FakeEngine()
    io = ScriptedIO(lines)
    session = Session(engine, io, GROUPS)
    session.exit_process = _exit
    return session, io, engine


def stop_here(session: Session, frame: FrameType | None = None, **fields: object) -> Resume:
    """Show a stop of the calling thread in ``frame`` (default: the caller's)."""
    stop = StopEvent(
        threading.get_ident(),
        frame if frame is not None else sys._getframe(1),
        fields.pop("reason", StopReason.TRACE),  # type: ignore[arg-type]
        **fields,  # type: ignore[arg-type]
    )
    return session.on_stop(stop)


def program(session: Session) -> Resume:
    """The stopped frame of most session tests: a few locals to look at."""
    value, label, numbers = 21, "here", [1, 2, 3]  # noqa: F841 - looked at from the session
    return stop_here(session)


PROGRAM_FILE = program.__code__.co_filename
PROGRAM_LINE = line_of(program, "return stop_here(session)")


@contextmanager
def waiting_thread(name: str) -> Iterator[threading.Thread]:
    """A thread blocked on an Event until the block ends."""
    release = threading.Event()
    ready = threading.Event()

    def wait_here() -> None:
        ready.set()
        release.wait()

    thread = threading.Thread(target=wait_here, name=name, daemon=True)
    thread.start()
    ready.wait(5)
    try:
        yield thread
    finally:
        release.set()
        thread.join(5)
