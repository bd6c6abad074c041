"""What a blocked thread waits on, read from its frames (``_waits.wait_of``), on real threads
in this process (unit), and as the ``waits`` and ``threads`` commands print it (e2e)."""

from __future__ import annotations

import functools
import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

import pytest

from allstop._frames import in_c_call
from allstop._waits import Wait, blocking_line, wait_of
from tests.support.run import run_allstop

PROMPT = "(allstop) "


def blocked_frame(thread: threading.Thread) -> FrameType:
    """The innermost frame of ``thread`` once it waits in C (polled: nothing to wait on)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        frame = sys._current_frames().get(thread.ident or 0)
        if frame is not None and in_c_call(frame):
            return frame
        time.sleep(0.01)  # the poll's pace: a thread's entering a wait signals nothing
    raise AssertionError("the thread never blocked")


def wait_for(event: threading.Event) -> None:
    event.wait()


@pytest.mark.unit
@pytest.mark.parametrize(
    "target",
    [
        lambda event: event.wait,  # the thread's target is the wait itself
        lambda event: functools.partial(wait_for, event),  # a function of the program waits
    ],
    ids=["target", "called"],
)
def test_a_thread_waiting_on_an_event_waits_on_the_event(
    target: Callable[[threading.Event], Callable[[], object]],
) -> None:
    event = threading.Event()
    thread = threading.Thread(target=target(event), daemon=True)
    thread.start()
    try:
        wait = wait_of(blocked_frame(thread))
        assert wait is not None
        assert wait.kind == "Event"
    finally:
        event.set()
        thread.join(5)


@pytest.mark.unit
def test_an_idle_thread_pool_worker_waits_on_its_simplequeue() -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, thread_name_prefix="idle") as pool:
        pool.submit(int).result(5)  # the worker starts, runs it, then waits for more work
        worker = next(t for t in threading.enumerate() if t.name.startswith("idle"))
        wait = wait_of(blocked_frame(worker))
        assert wait is not None
        assert (wait.kind, wait.size) == ("SimpleQueue", 0)


@pytest.fixture
def pipe() -> Iterator[tuple[int, int]]:
    """A pipe: a read of its read end blocks until a byte is written to the other."""
    read_end, write_end = os.pipe()
    yield read_end, write_end
    os.close(read_end)
    os.close(write_end)


def started(target: Callable[..., object], *args: object) -> threading.Thread:
    """A daemon thread running ``target(*args)``: while ``target`` is a C function that blocks,
    the thread's innermost Python frame is ``Thread.run`` itself."""
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


@pytest.mark.unit
def test_a_thread_whose_target_is_lock_acquire_waits_on_the_lock() -> None:
    lock = threading.Lock()
    with lock:
        thread = started(lock.acquire)
        wait = wait_of(blocked_frame(thread))
        assert wait is not None
        assert (wait.kind, wait.obj) == ("Lock", lock)
    thread.join(5)  # it takes the lock now, and ends


@pytest.mark.unit
def test_a_thread_whose_target_is_time_sleep_sleeps() -> None:
    # The thread sleeps out its 60 s as a daemon: a sleep cannot be cut short.
    thread = started(time.sleep, 60)
    assert wait_of(blocked_frame(thread)) == Wait("sleep")


@pytest.mark.unit
def test_a_thread_whose_target_is_an_unknown_c_call_waits_on_nothing_told(
    pipe: tuple[int, int],
) -> None:
    read_end, write_end = pipe
    thread = started(os.read, read_end, 1)
    try:
        assert wait_of(blocked_frame(thread)) is None  # neither a guess nor itself
    finally:
        os.write(write_end, b"x")  # the read returns: the thread ends before the pipe closes
        thread.join(5)


@pytest.mark.unit
def test_a_timer_waits_on_its_event_not_on_itself() -> None:
    timer = threading.Timer(60, print)
    timer.daemon = True
    timer.start()
    try:
        wait = wait_of(blocked_frame(timer))
        assert wait is not None
        assert (wait.kind, wait.obj) == ("Event", timer.finished)
    finally:
        timer.cancel()
        timer.join(5)


C_TARGETS = """
import os
import queue
import sys
import threading
import time

from allstop._frames import in_c_call

lock = threading.Lock()
held = threading.Event()
release = threading.Event()


def holding() -> None:
    with lock:
        held.set()
        release.wait()


read_end, write_end = os.pipe()  # nobody writes: a read of it blocks for good
holder = threading.Thread(target=holding, name="holding", daemon=True)
holder.start()
held.wait()
threads = [
    threading.Thread(target=lock.acquire, name="acquire", daemon=True),
    threading.Thread(target=os.read, args=(read_end, 1), name="read", daemon=True),
    threading.Thread(target=time.sleep, args=(60,), name="sleep", daemon=True),
    threading.Timer(60, print),
]
threads[-1].name = "timer"
threads[-1].daemon = True
for thread in threads:
    thread.start()


# Whether the thread stands at a call out of Python (where allstop calls it blocked).
def waiting(thread: threading.Thread) -> bool:
    frame = sys._current_frames().get(thread.ident or -1)
    return frame is not None and in_c_call(frame)


deadline = time.monotonic() + 10
for thread in [holder, *threads]:
    while not waiting(thread):
        if time.monotonic() > deadline:
            sys.exit(f"{thread.name} never reached its wait")
        time.sleep(0.001)  # polling the thread's state: nothing announces that it waits
breakpoint()
"""


@pytest.mark.e2e
def test_waits_names_the_c_call_a_thread_target_waits_in(backend: str, tmp_path: Path) -> None:
    program = tmp_path / "c_targets.py"
    program.write_text(C_TARGETS)
    result = run_allstop(["run", str(program)], ["threads", "waits", "q"], backend=backend)
    _, threads, waits, *_ = result.stdout.split(PROMPT)
    assert waits.splitlines() == [
        "thread 2 (holding) waits on Event",
        "thread 3 (acquire) waits on Lock held by thread 2",
        "thread 4 (read) is blocked in a C call",
        "thread 5 (sleep) waits on sleep",
        "thread 6 (timer) waits on Event",
    ]
    assert "blocked: waits on Lock held by thread 2" in threads
    assert "to finish" not in threads + waits  # no thread joins another, none itself
    assert "deadlock:" not in result.stdout


# -- blocking_line: the line a step is about to run ---------------------------------------


def line_taking(items: queue.Queue[int]) -> FrameType:
    return sys._getframe() if items is not None else items.get()  # type: ignore[unreachable]


def line_locking(lock: threading.Lock) -> FrameType:
    return sys._getframe() if lock is not None else lock.acquire()  # type: ignore[unreachable]


def line_waiting(event: threading.Event) -> FrameType:
    return sys._getframe() if event is not None else event.wait()  # type: ignore[unreachable]


def line_sleeping(seconds: float) -> FrameType:
    return sys._getframe() if seconds else time.sleep(seconds)  # type: ignore[func-returns-value]


ME = threading.get_ident()


@pytest.mark.unit
def test_a_get_from_an_empty_queue_blocks_and_from_a_full_one_does_not() -> None:
    items: queue.Queue[int] = queue.Queue()
    wait = blocking_line(line_taking(items), ME)
    assert wait is not None
    assert wait.describe({}) == "Queue (size 0)"
    items.put(1)
    assert blocking_line(line_taking(items), ME) is None


@pytest.mark.unit
def test_a_held_lock_blocks_and_a_free_one_does_not() -> None:
    lock = threading.Lock()
    assert blocking_line(line_locking(lock), ME) is None
    with lock:
        wait = blocking_line(line_locking(lock), ME)
    assert wait is not None
    assert wait.kind == "Lock"


@pytest.mark.unit
def test_an_unset_event_blocks_a_set_one_does_not_and_a_sleep_never() -> None:
    event = threading.Event()
    assert blocking_line(line_waiting(event), ME) is not None
    event.set()
    assert blocking_line(line_waiting(event), ME) is None
    assert blocking_line(line_sleeping(100), ME) is None
