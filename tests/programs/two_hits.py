"""Two threads reach the same breakpoint at once (run with -b two_hits.py:LINE, sync())."""

import threading

both = threading.Barrier(2)


def sync() -> bool:
    both.wait()  # both threads evaluate the condition together: both stop
    return True


def target(name: str) -> str:
    shout = name.upper()  # the breakpoint
    return shout


threads = [threading.Thread(target=target, args=(f"t{i}",), name=f"hitter-{i}") for i in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("both done")
