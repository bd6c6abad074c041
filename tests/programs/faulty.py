"""Work whose result must come out right whatever allstop's hooks do (the fault injection of
tests/test_reliability.py): two workers add up a range through a function call, and raise
and handle an exception on the way; the main thread prints the totals."""

import threading

totals = {}


def grow(total, i):
    return total + i


def add_up(name, n):
    total = 0
    for i in range(n):
        total = grow(total, i)  # the breakpoint
        try:
            if i % 50 == 0:
                raise ValueError(i)
        except ValueError:
            pass
    totals[name] = total


threads = [threading.Thread(target=add_up, args=(f"w{i}", 200), name=f"w{i}") for i in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("totals", sorted(totals.items()), flush=True)
