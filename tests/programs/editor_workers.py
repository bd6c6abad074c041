"""A program for the editor tests: three workers count, the first stops at
allstop.breakpoint() once they all run.  Then, as argv asks: ``crash``, a thread dies of an
exception; ``again``, the main thread waits for a line on stdin and calls
allstop.breakpoint()."""

import sys
import threading

import allstop

counts = [0, 0, 0]
running = [threading.Event() for _ in counts]  # set once a worker has counted a little
done = threading.Event()


def count(index: int) -> None:
    label = f"worker {index + 1}"
    if index == 0:
        for other in running[1:]:
            other.wait()
        allstop.breakpoint()
        marker = "stopped here"  # where the editor shows worker 1
        print(f"{label}: {marker}", flush=True)
        return
    while not done.is_set():
        counts[index] += 1
        if counts[index] == 1000:
            running[index].set()
    print(f"{label}: counted", flush=True)


def crash() -> None:
    reason = "the disk is full"
    raise OSError(reason)


workers = [threading.Thread(target=count, args=(i,), name=f"worker-{i + 1}") for i in range(3)]
for worker in workers:
    worker.start()
workers[0].join()
done.set()
for worker in workers:
    worker.join()
print("all counted", flush=True)
if "crash" in sys.argv:
    crasher = threading.Thread(target=crash, name="crasher")
    crasher.start()
    crasher.join()
    print("after the crash", flush=True)
if "again" in sys.argv:
    sys.stdin.readline()
    allstop.breakpoint()
    print("stopped again", flush=True)
print("the end", flush=True)
