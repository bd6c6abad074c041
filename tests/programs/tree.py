"""A parent and its child (multiprocessing, fork) both counting.  With ``kill``: the parent
stops at breakpoint() once the child counts; without: it waits for the child, which runs until
it has counted 150 (``allstop pause`` stops it meanwhile)."""

import multiprocessing
import os
import sys
import time


def count(shared) -> None:
    while shared.value < 150:
        shared.value += 1
        time.sleep(0.01)  # 1.5 s in all: long enough to be paused from outside


if __name__ == "__main__":
    shared = multiprocessing.get_context("fork").RawValue("q", 0)
    child = multiprocessing.get_context("fork").Process(target=count, args=(shared,))
    child.start()
    print("child", child.pid, flush=True)
    while shared.value == 0:
        time.sleep(0.01)  # until the child counts
    if sys.argv[1:] == ["kill"]:
        breakpoint()
    child.join()
    print("child ended with", child.exitcode, "at", shared.value, flush=True)
    print("parent", os.getpid(), "done", flush=True)
