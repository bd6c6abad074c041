"""Forks under allstop.  Without argument: a first stop in the parent (the engine and the
session exist from then on), then a worker thread forks while another thread spins, and the
child stops at its own breakpoint().  With ``prompt``: the fork is typed at the prompt of the
parent's stop, the world frozen."""

import os
import sys
import threading
import time

PARENT = os.getpid()
counts = [0]


def spin() -> None:
    while True:
        counts[0] += 1
        time.sleep(0.001)  # a thread of the parent's: the child of a fork has none of it


def in_child() -> None:
    value = 41
    breakpoint()
    print(f"child done {value + 1}", flush=True)
    os._exit(0)


def fork_and_wait() -> None:
    pid = os.fork()
    if pid == 0:
        in_child()
    _, status = os.waitpid(pid, 0)
    print("parent saw the child exit with", os.waitstatus_to_exitcode(status), flush=True)


if sys.argv[1:] == ["prompt"]:
    breakpoint()
    print("child runs on" if os.getpid() != PARENT else "parent runs on", flush=True)
else:
    threading.Thread(target=spin, daemon=True).start()
    breakpoint()  # the parent's own stop, before the fork
    worker = threading.Thread(target=fork_and_wait, name="forker")
    worker.start()
    worker.join()
    print("parent done", flush=True)
