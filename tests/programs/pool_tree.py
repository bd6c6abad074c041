"""Every process counts while one stops: a pool of four workers (started with the method given
as argument: fork or spawn), each counting in a slot of shared memory, and the parent counting
in slot 0 on a thread of its own; the worker of slot 1 stops at breakpoint() on its way."""

import multiprocessing
import sys
import threading
import time

COUNTS = None
STEPS = 150


def init(counts) -> None:
    global COUNTS
    COUNTS = counts


def work(slot: int) -> int:
    mine = 0
    while mine < STEPS:
        mine += 1
        COUNTS[slot] = mine
        if slot == 1 and mine == STEPS // 3:
            breakpoint()
        time.sleep(0.01)  # each worker counts for 1.5 s: the four tasks go to four workers
    return slot * 1000 + mine


def count_here(counts, done: threading.Event) -> None:
    while not done.is_set():
        counts[0] += 1
        time.sleep(0.01)  # the parent counts as long as the workers do


if __name__ == "__main__":
    context = multiprocessing.get_context(sys.argv[1])
    counts = context.RawArray("q", 5)
    done = threading.Event()
    threading.Thread(target=count_here, args=(counts, done), name="counter").start()
    with context.Pool(4, initializer=init, initargs=(counts,)) as pool:
        results = pool.map(work, [1, 2, 3, 4], chunksize=1)
    done.set()
    print("results", results, flush=True)
