"""The child side of engine tests: an engine driven by a scripted stop handler.

A test runs a small program in a fresh interpreter (``run_python``) that builds an ``Engine``,
gives it a ``Script`` of functions (one per expected stop, each returning how to resume) and
reports facts as JSON lines (``emit``), which the test reads back with ``facts``.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import traceback
from collections.abc import Callable
from types import FrameType

from allstop import _wiring
from allstop._engine import Engine
from allstop._model import StopEvent, StopReason, ThreadState
from allstop._snapshot import take
from allstop._stops import CONTINUE, Resume

Step = Callable[[StopEvent], "Resume | None"]


def emit(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


class Script:
    """A stop handler that answers each stop with the next function of the script."""

    def __init__(self, engine: Engine, *steps: Step) -> None:
        self.engine = engine
        self.steps = list(steps)
        self.stops = 0
        engine.handler = self

    def on_stop(self, stop: StopEvent) -> Resume:
        self.stops += 1
        if not self.steps:
            emit(unexpected_stop=stop.frame.f_code.co_name, line=stop.frame.f_lineno)
            return CONTINUE
        return self.steps.pop(0)(stop) or CONTINUE

    def on_interrupt(self) -> None:
        emit(interrupted=True)

    def on_internal_error(self, exc: BaseException) -> None:
        emit(internal_error="".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))


class FakePeer:
    """A peer debugger with a client attached: it takes the interpreter whenever the world
    resumes (unless ``takes`` is false) and records the stops it is given as (thread name,
    line, reason)."""

    def __init__(self, engine: Engine, *, takes: bool = True) -> None:
        self.engine = engine
        self.takes = takes
        self.stops: list[tuple[str, int, str]] = []
        engine.peer = self

    def has_client(self) -> bool:
        return True

    def owns(self, ident: int) -> bool:
        return False

    def stop_soon(self, frame: FrameType) -> None:
        self.stop_now(frame, StopReason.BREAKPOINT)

    def stop_now(self, frame: FrameType, reason: StopReason) -> None:
        self.stops.append((threading.current_thread().name, frame.f_lineno, reason.value))

    def post_mortem(self, exception: BaseException, *, crashed: bool) -> None:
        self.stops.append((threading.current_thread().name, 0, f"post-mortem {exception!r}"))

    def world_resumed(self) -> None:
        if self.takes:
            self.engine.hand_over()


def new_engine() -> Engine:
    engine = _wiring.new_engine()
    engine.start()
    return engine


def line_of(fn: Callable[..., object], marker: str) -> int:
    """The line number of the first line of ``fn`` containing ``marker``."""
    import inspect

    lines, start = inspect.getsourcelines(fn)
    for offset, text in enumerate(lines):
        if marker in text:
            return start + offset
    raise LookupError(marker)


def break_at(engine: Engine, fn: Callable[..., object], marker: str, **options: object) -> int:
    line = line_of(fn, marker)
    engine.breakpoints.add(fn.__code__.co_filename, line, **options)  # type: ignore[arg-type]
    engine.breakpoints_changed()
    return line


def stopped_name(stop: StopEvent) -> str:
    """The name of the thread that stopped (the handler runs on a thread of allstop's).
    Read without ``threading.enumerate()``, whose lock a frozen thread may hold."""
    return threading._active[stop.ident].name  # type: ignore[attr-defined]


def states(engine: Engine, stop: StopEvent) -> dict[str, str]:
    """Thread name -> state, as the session would show them."""
    return {t.name: t.state.value for t in take(engine, stop)}


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll for a state no event announces (a thread entering a C call, say)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.001)  # polling interval, not synchronisation: nothing signals this state
    return True


def blocked_in_c(thread: threading.Thread) -> bool:
    from allstop._frames import in_c_call

    frame = sys._current_frames().get(thread.ident or -1)
    return frame is not None and in_c_call(frame)


def meeting(count: int) -> Callable[[], bool]:
    """A breakpoint condition that is true once ``count`` threads evaluate it: all of them
    stop together."""
    barrier = threading.Barrier(count)

    def met() -> bool:
        barrier.wait()
        return True

    return met


class Counters:
    """Busy worker threads, each counting in a tight loop until ``stop()``."""

    def __init__(self, count: int, name: str = "worker") -> None:
        self.values = [0] * count
        self.goal = [sys.maxsize] * count
        self.progressed = [threading.Event() for _ in range(count)]
        self._done = threading.Event()
        started = threading.Barrier(count + 1)
        self.threads = [
            threading.Thread(target=self._run, args=(i, started), name=f"{name}-{i}", daemon=True)
            for i in range(count)
        ]
        for thread in self.threads:
            thread.start()
        started.wait()

    def _run(self, index: int, started: threading.Barrier) -> None:
        values, goal, done = self.values, self.goal, self._done
        started.wait()
        while not done.is_set():
            values[index] += 1
            if values[index] >= goal[index]:
                self.progressed[index].set()

    def snapshot(self) -> list[int]:
        return list(self.values)

    def moves_again(self, by: int = 1000, timeout: float = 10.0) -> bool:
        """Whether every worker counts ``by`` more from now on (waits for it)."""
        for i, value in enumerate(self.snapshot()):
            self.progressed[i].clear()
            self.goal[i] = value + by
        return all(event.wait(timeout) for event in self.progressed)

    def stop(self) -> None:
        self._done.set()


def still_for(counters: Counters, seconds: float = 0.2) -> bool:
    """Whether no counter moves during a real wait of ``seconds``."""
    before = counters.snapshot()
    time.sleep(seconds)  # a measurement interval: frozen threads must not count meanwhile
    return counters.snapshot() == before


__all__ = [
    "CONTINUE",
    "Counters",
    "FakePeer",
    "FrameType",
    "Script",
    "ThreadState",
    "blocked_in_c",
    "break_at",
    "emit",
    "line_of",
    "meeting",
    "new_engine",
    "states",
    "still_for",
    "stopped_name",
    "wait_until",
]
