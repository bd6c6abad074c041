"""Runs for a while doing nothing remarkable: something to pause from outside."""

import threading
import time

done = threading.Event()


def work() -> None:
    count = 0
    while not done.is_set():
        count += 1


worker = threading.Thread(target=work, name="worker")
worker.start()
print("ready", flush=True)
for _ in range(40):
    time.sleep(0.05)  # the program's own pace: a window in which to pause it
done.set()
worker.join()
print("finished")
