"""Threads waiting on each kind of thing, then a breakpoint: 'waits' must tell them apart."""

import sys
import threading
import time

from allstop._frames import in_c_call, outward

event = threading.Event()
condition = threading.Condition()
lock = threading.Lock()
held = threading.Event()
release = threading.Event()


def on_event() -> None:
    event.wait()


def on_condition() -> None:
    with condition:
        condition.wait()


def holding() -> None:
    with lock:
        held.set()
        release.wait()


def on_lock() -> None:
    with lock:
        pass


def sleeping() -> None:
    time.sleep(30)  # the thing this thread waits on, for the test to name


def joining() -> None:
    threads[0].join()


def waiting_in(target: object, thread: threading.Thread) -> bool:
    """Whether ``thread`` stands at its wait: at a call out of Python (where allstop calls a
    thread blocked), inside ``target``."""
    frame = sys._current_frames().get(thread.ident or -1)
    return (
        frame is not None
        and in_c_call(frame)
        and any(f.f_code is getattr(target, "__code__", None) for f in outward(frame))
    )


targets = [on_event, on_condition, holding, on_lock, sleeping, joining]
threads = [threading.Thread(target=t, name=t.__name__, daemon=True) for t in targets]
for target, thread in zip(targets, threads, strict=True):
    if target is on_lock:
        held.wait()  # on_lock must find the lock taken
    thread.start()
deadline = time.monotonic() + 10
for target, thread in zip(targets, threads, strict=True):
    while not waiting_in(target, thread):
        if time.monotonic() > deadline:
            sys.exit(f"{thread.name} never reached its wait")
        time.sleep(0.001)  # polling the thread's state: nothing announces that it waits
breakpoint()
print("done")
