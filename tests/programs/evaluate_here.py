"""Code typed at the prompt runs in the thread that owns the frame.  A worker stops inside an
``except`` block, with a thread-local attribute and a context variable of its own, while a
holder thread is frozen inside a lock it keeps for a while yet, and a ticker thread counts."""

import contextvars
import sys
import threading
import time

local = threading.local()
request = contextvars.ContextVar("request", default="unset")
guarded = threading.Lock()
counts = {"holder": 0, "ticker": 0}
holding = threading.Event()
stopping = threading.Event()
HOLD_FOR = 3_000_000
"""How long the holder keeps the lock once the worker comes to its breakpoint: this many
counts (a fraction of a second, longer than allstop takes to stop the world the first
time)."""


def hold() -> None:
    with guarded:
        holding.set()
        stopping.wait()
        while counts["holder"] < HOLD_FOR:
            counts["holder"] += 1


def tick() -> None:
    while True:
        counts["ticker"] += 1


def work() -> None:
    local.who = "the worker's own"
    request.set("request 42")
    try:
        raise ValueError("being handled")
    except ValueError:
        stopping.set()
        breakpoint()
        print("worker resumed", file=sys.stderr)


holder = threading.Thread(target=hold, name="holder")
holder.start()
holding.wait()
threading.Thread(target=tick, name="ticker", daemon=True).start()
worker = threading.Thread(target=work, name="worker")
worker.start()
worker.join()
holder.join()
print("done in", round(time.monotonic()) > 0)
