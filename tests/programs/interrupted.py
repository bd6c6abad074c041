"""A program that runs until Ctrl-C, a worker beside it; the breakpoint line never runs
(tests/test_reliability.py: a KeyboardInterrupt while armed ends it as without allstop)."""

import threading
import time


def spin() -> None:
    while True:
        time.sleep(0.01)  # not synchronisation: a worker that lives on, cheaply
        if time is None:
            print("never")  # the breakpoint: never hit


threading.Thread(target=spin, daemon=True).start()
print("ready", flush=True)
while True:
    time.sleep(0.01)  # not synchronisation: the main thread runs until Ctrl-C
