"""A process pool's worker stops: started with the method given as argument (fork, spawn,
forkserver), or ``subprocess`` running Python."""

import multiprocessing
import subprocess
import sys
import time


def work(n: int) -> int:
    value = n * 10
    breakpoint()
    return value + 1


def quiet(n: int) -> int:
    total = n * 10  # a -b breakpoint's line
    return total + 1


def both(n: int) -> int:
    time.sleep(0.2)  # both workers have started: they stop at about the same moment
    breakpoint()
    return n * 10


CHILD = "value = 7\nbreakpoint()\nprint('child says', value * 6)\n"

if __name__ == "__main__":
    how = sys.argv[1]
    if how == "subprocess":
        done = subprocess.run([sys.executable, "-c", CHILD], check=False)
        print("parent: child exited", done.returncode, flush=True)
        if sys.argv[2:] == ["stop"]:
            breakpoint()  # the parent's own stop, its child gone
    elif sys.argv[2:] == ["both"]:
        with multiprocessing.get_context(how).Pool(2) as pool:
            print("results", pool.map(both, [1, 2], chunksize=1), flush=True)
    else:
        target = quiet if sys.argv[2:] == ["quiet"] else work
        with multiprocessing.get_context(how).Pool(1) as pool:
            print("result", pool.apply(target, (4,)), flush=True)
