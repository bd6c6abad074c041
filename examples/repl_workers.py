"""Threads to poke at from the interactive interpreter (README: "From the REPL").

    PYTHONBREAKPOINT=allstop.set_trace python -i examples/repl_workers.py
    python -i examples/repl_workers.py --install      # or: allstop armed by the program

Two threads count in ``counter``; at ``>>>``, ``start()`` sends the checker thread into its
``breakpoint()`` half a second later, while the REPL waits for your next line: every thread
freezes, the main thread at its prompt too, and the keyboard is the debugger's until you
``continue``.  ``import allstop; allstop.breakpoint()`` typed at ``>>>`` stops there instead.
"""

import sys
import threading
import time
from collections.abc import Callable

counter = {"ticks": 0}
go = threading.Event()


def count(ticks: dict[str, int] = counter, sleep: Callable[[float], None] = time.sleep) -> None:
    # Its own references: IPython clears this module's names as it exits, while this
    # daemon thread still runs.
    while True:
        ticks["ticks"] += 1
        sleep(0.001)


def check() -> None:
    go.wait()
    time.sleep(0.5)  # the REPL is back at its prompt by then
    seen = counter["ticks"]
    breakpoint()
    print(f"checker resumed (it saw {seen} ticks)")


def start() -> None:
    """Let the checker run into its breakpoint."""
    go.set()


if "--install" in sys.argv:
    import allstop

    allstop.install()

for n in range(2):
    threading.Thread(target=count, name=f"counter-{n}", daemon=True).start()
threading.Thread(target=check, name="checker", daemon=True).start()
