"""The main thread waits at input() on the terminal while a worker stops: the keys must go to
the debugger, and the program must get its line after the world resumes."""

import sys
import threading
import time


def worker() -> None:
    main = threading.main_thread().ident
    while sys._current_frames()[main].f_lineno != ASKING:  # until main waits in input()
        time.sleep(0.01)  # polling: nothing announces that main entered input()
    value = 42
    breakpoint()
    print("worker done", value)


ASKING = sys._getframe().f_lineno + 2
threading.Thread(target=worker, name="worker").start()
line = input("your name? ")
print("hello", line)
