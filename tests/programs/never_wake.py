"""Threads that wait forever, one way per argument; a watchdog thread, whose code names none of
their objects, calls breakpoint() once they wait:

- ``event``: a worker waits for an Event that only a thread that crashes (once the worker
  waits) would have set;
- ``condition``: a worker waits on a Condition whose notifier finished without notifying;
- ``lock``: a worker waits for a Lock that a finished thread acquired and never released;
- ``join``: the main thread joins A, A joins B, B waits on a Semaphore nobody releases;
- ``healthy``: a consumer waits on a queue a live producer still feeds (nothing is stuck).

The main thread joins the worker in every case (it would wait forever too)."""

import queue
import sys
import threading
import time

how = sys.argv[1]
ready = threading.Event()
changed = threading.Condition()
guard = threading.Lock()
tokens = threading.Semaphore(0)
inbox: "queue.Queue[int]" = queue.Queue()


def setter() -> None:
    time.sleep(0.2)  # the worker waits by now
    int("three")  # crashes before it sets ready
    ready.set()


def notifier() -> None:
    time.sleep(0.05)  # returns without notifying


def taker() -> None:
    guard.acquire()  # and ends without releasing it


def producer() -> None:
    for item in range(1000):
        time.sleep(0.05)  # a slow source, still alive while the consumer waits
        inbox.put(item)


def wait_forever() -> None:
    if how == "event":
        ready.wait()
    elif how == "condition":
        with changed:
            changed.wait()
    elif how == "lock":
        guard.acquire()
    elif how == "join":
        second = threading.Thread(target=tokens.acquire, name="B")
        second.start()
        second.join()
    else:
        while True:
            inbox.get()


def watchdog() -> None:
    time.sleep(0.5)  # every thread waits by now
    breakpoint()


helpers = {"event": setter, "condition": notifier, "lock": taker, "healthy": producer}
if how in helpers:
    threading.Thread(target=helpers[how], name="helper", daemon=how == "healthy").start()
time.sleep(0.1)  # the notifier and the taker are done before the worker waits
worker = threading.Thread(target=wait_forever, name="A" if how == "join" else "worker")
worker.start()
threading.Thread(target=watchdog, name="watchdog").start()
worker.join()
