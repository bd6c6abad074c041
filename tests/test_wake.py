"""Which waits will never end (issue 16): who could wake a waiting thread, and the waiters that
nothing alive will ever wake, on real threads."""

from __future__ import annotations

import queue
import re
import sys
import threading
import time

import pytest

from allstop import _waits, _wake
from tests.support.run import EXAMPLES, PROGRAMS, run_allstop

NEVER = PROGRAMS / "never_wake.py"


def never_lines(stdout: str) -> list[str]:
    """The lines under ``will never wake:`` of the first ``waits``, threads named by name only
    (their numbers depend on the order they were first seen in)."""
    after = stdout.split("will never wake:\n", 1)
    if len(after) == 1:
        return []
    lines = []
    for line in after[1].splitlines():
        if not line.startswith("  "):
            break
        lines.append(re.sub(r"thread \d+", "thread", line.strip()))
    return lines


@pytest.mark.e2e
def test_the_consumer_of_a_dead_producer_will_never_wake() -> None:
    result = run_allstop(["run", str(EXAMPLES / "producer_consumer.py")], ["waits", "q"])
    assert never_lines(result.stdout) == [
        "thread (MainThread) waits on thread to finish: thread (consumer) will never finish",
        "thread (consumer) waits on Queue (size 0): the only live thread that could put into "
        "it, thread (MainThread), waits forever too — thread (producer), which could, "
        "crashed: ValueError: invalid literal for int() with base 10: 'three'",
    ], result.stdout


MAIN = "thread (MainThread) waits on thread to finish: thread ({name}) will never finish"
ALONE = "the only live thread that could {verb}, thread (MainThread), waits forever too"


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("how", "expected"),
    [
        (
            "event",
            [
                MAIN.format(name="worker"),
                "thread (worker) waits on Event: "
                + ALONE.format(verb="set it")
                + " — thread (helper), which could, crashed: ValueError: invalid literal for "
                "int() with base 10: 'three'",
            ],
        ),
        (
            "condition",
            [
                MAIN.format(name="worker"),
                "thread (worker) waits on Condition: " + ALONE.format(verb="notify it"),
            ],
        ),
        (
            "lock",
            [
                MAIN.format(name="worker"),
                "thread (worker) waits on Lock: " + ALONE.format(verb="release it"),
            ],
        ),
        (
            "join",
            [
                MAIN.format(name="A"),
                "thread (A) waits on thread to finish: thread (B) will never finish",
                "thread (B) waits on Semaphore: the only live threads that could release it, "
                "thread (MainThread), thread (A), wait forever too",
            ],
        ),
        ("healthy", []),
    ],
)
def test_waits_names_the_threads_that_will_never_wake(how: str, expected: list[str]) -> None:
    # the event's setter crashes: its post-mortem is the stop; the others stop at a watchdog's
    # breakpoint(), whose code names none of the waiters' objects
    result = run_allstop(["run", str(NEVER), how], ["waits", "q"])
    assert "waits on" in result.stdout, result.stdout
    assert never_lines(result.stdout) == expected, result.stdout


def waits_now(threads: list[threading.Thread]) -> tuple[dict[int, _waits.Wait], dict]:
    """The waits of ``threads`` and every thread's innermost frame, but this one's."""
    frames = sys._current_frames()
    frames.pop(threading.get_ident())
    idents = {t.ident for t in threads}
    waits = {i: w for i, f in frames.items() if i in idents and (w := _waits.wait_of(f))}
    return waits, frames


@pytest.mark.unit
def test_a_consumer_fed_by_a_live_producer_is_never_said_stuck() -> None:
    inbox: queue.Queue[int | None] = queue.Queue()
    done = threading.Event()

    def produce() -> None:
        while not done.is_set():
            inbox.put(1)
            time.sleep(0.0005)  # a producer that sleeps, runs and puts, over and over
        inbox.put(None)

    def consume() -> None:
        while inbox.get() is not None:
            pass

    threads = [threading.Thread(target=produce), threading.Thread(target=consume)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(100):
            waits, frames = waits_now(threads)
            verdict = _wake.never_wake(waits, frames, frames)
            assert verdict.never == {}
    finally:
        done.set()
        for thread in threads:
            thread.join(5)


@pytest.mark.unit
def test_a_graph_past_the_bound_leaves_the_waiter_unknown_and_the_search_quick() -> None:
    ready = threading.Event()
    big = [[index] for index in range(3 * _wake.OBJECTS)]
    big.append([ready])  # the event, past every bound
    release = threading.Event()

    def hold(graph: list[list[object]]) -> None:
        release.wait()

    worker = threading.Thread(target=ready.wait)
    holder = threading.Thread(target=hold, args=(big,))
    for thread in (worker, holder):
        thread.start()
    try:
        time.sleep(0.1)  # both wait by now
        waits, frames = waits_now([worker])
        started = time.monotonic()
        verdict = _wake.never_wake(waits, frames, frames)
        assert time.monotonic() - started < 1.0
        assert worker.ident in verdict.unknown
        assert verdict.never == {}
    finally:
        ready.set()
        release.set()
        for thread in (worker, holder):
            thread.join(5)
