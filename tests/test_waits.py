"""What a blocked thread waits on, read from its frames (``_waits.wait_of``), on real threads
in this process."""

from __future__ import annotations

import functools
import sys
import threading
import time
from collections.abc import Callable

import pytest

from allstop._frames import in_c_call
from allstop._waits import wait_of

pytestmark = pytest.mark.unit


def blocked_frame(thread: threading.Thread) -> object:
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
        wait = wait_of(blocked_frame(thread))  # type: ignore[arg-type]
        assert wait is not None
        assert wait.kind == "Event"
    finally:
        event.set()
        thread.join(5)
