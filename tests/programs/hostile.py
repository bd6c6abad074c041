"""A program that throws what it can at the debugger: functions that exit, values that refuse
to be looked at, thread names that are huge or full of terminal escapes; the worker finishes
between the two stops (tests/test_reliability.py)."""

import sys
import threading


def validate(config):
    sys.exit(3)  # a program function that ends the process, called from the prompt


class RefusesAttributes:
    def __getattribute__(self, name):
        raise RuntimeError("no attributes for you")


class TouchyText(str):
    def __len__(self):
        raise RuntimeError("no len")


class TouchyRepr:
    def __repr__(self):
        return TouchyText("touchy")


def work(obj, other):
    x = 1
    breakpoint()
    print("worker done", x, flush=True)


hold = threading.Event()
held = threading.Thread(target=hold.wait, name="held")
odd = threading.Thread(target=hold.wait, name="two\nlines\x1b[2J\x1b[31mred", daemon=True)
huge = threading.Thread(target=hold.wait, name="n" * 10_000_000, daemon=True)
for thread in (held, odd, huge):
    thread.start()
worker = threading.Thread(target=work, args=(RefusesAttributes(), TouchyRepr()), name="worker")
worker.start()
worker.join()
x = 2
breakpoint()
hold.set()
print("main done", x, flush=True)
