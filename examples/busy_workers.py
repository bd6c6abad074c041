"""Busy workers: the demo of allstop.

Four worker threads count in tight loops, a reporter thread waits on a queue and the main
thread waits for the workers.  Worker 2 calls breakpoint() half-way through its work: under
allstop every other thread freezes on the spot, so the counters you read stay put.

    allstop run examples/busy_workers.py

Try: threads, p counts, thread 3, where, bt all, next, continue.
"""

import queue
import threading

WORKERS = 4
STEPS = 200_000

counts = [0] * WORKERS
done = threading.Event()
results: "queue.Queue[tuple[str, int] | None]" = queue.Queue()


def work(index: int) -> None:
    total = 0
    n = 0
    while n % 1000 or not done.is_set():
        n += 1
        total += n
        counts[index] = n
        if index == 2 and n == STEPS // 2:
            breakpoint()  # every other thread of the program stops here too
        if index == 2 and n == STEPS:
            done.set()
    results.put((threading.current_thread().name, total))


def report() -> None:
    while True:
        item = results.get()
        if item is None:
            return
        name, total = item
        print(f"{name} finished, total {total}")


def main() -> None:
    reporter = threading.Thread(target=report, name="reporter")
    reporter.start()
    workers = [threading.Thread(target=work, args=(i,), name=f"worker-{i}") for i in range(WORKERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    results.put(None)
    reporter.join()
    print("all done")


if __name__ == "__main__":
    main()
