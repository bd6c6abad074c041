"""A thread that is frozen while it holds a lock: an expression that takes the lock must not
hang the session."""

import threading

guarded = threading.Lock()
holding = threading.Event()
release = [False]


def hold() -> None:
    with guarded:
        holding.set()
        while not release[0]:
            pass


holder = threading.Thread(target=hold, name="holder")
holder.start()
holding.wait()
breakpoint()
release[0] = True
holder.join()
print("released")
