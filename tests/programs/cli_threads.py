"""A worker thread runs job() while the main thread joins it (run with -b job)."""

import threading


def job(n: int) -> int:
    return n + 1  # job body


worker = threading.Thread(target=job, args=(1,), name="cli-worker")
worker.start()
worker.join()
print("joined")
