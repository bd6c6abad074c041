"""Threads waiting on each kind of thing, then a breakpoint: 'waits' must tell them apart."""

import sys
import threading
import time

event = threading.Event()
condition = threading.Condition()
lock = threading.Lock()
release = threading.Event()


def on_event() -> None:
    event.wait()


def on_condition() -> None:
    with condition:
        condition.wait()


def holding() -> None:
    with lock:
        release.wait()


def on_lock() -> None:
    with lock:
        pass


def sleeping() -> None:
    time.sleep(30)  # the thing this thread waits on, for the test to name


def joining() -> None:
    threads[0].join()


targets = [on_event, on_condition, holding, on_lock, sleeping, joining]
threads = [threading.Thread(target=t, name=t.__name__, daemon=True) for t in targets]
for thread in threads:
    thread.start()
while not all(t.ident in sys._current_frames() for t in threads):
    time.sleep(0.01)  # polling: nothing announces that a thread runs
time.sleep(0.2)  # a little more, so that each reaches its wait: nothing announces that either
breakpoint()
print("done")
