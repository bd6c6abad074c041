"""Takes SIGUSR1, allstop's pause signal, for itself once allstop has set it up; how is the
first argument.  ``restore`` takes it, waits for a line on stdin, then puts allstop's handler
back (and a thread tries to take it, which Python refuses off the main thread).  ``fork``
leaves it to a child that ignores it and exits through ``atexit``."""

import faulthandler
import os
import signal
import sys
import threading

how = sys.argv[1]
calls = []
done = threading.Event()
worker = threading.Thread(target=done.wait, args=(30,), name="worker", daemon=True)
worker.start()


def own(signum, frame):
    calls.append(signum)


def take_in_a_thread():
    try:
        signal.signal(signal.SIGUSR1, own)
    except ValueError:
        print("refused in a thread", flush=True)


if how == "own":
    signal.signal(signal.SIGUSR1, own)
elif how == "default":
    signal.signal(signal.SIGUSR1, signal.SIG_DFL)
elif how == "ignore":
    signal.signal(signal.SIGUSR1, signal.SIG_IGN)
elif how == "faulthandler":
    faulthandler.register(signal.SIGUSR1)
elif how == "restore":
    allstops = signal.signal(signal.SIGUSR1, own)
    print("replaced", flush=True)
    sys.stdin.readline()
    signal.signal(signal.SIGUSR1, allstops)
    taker = threading.Thread(target=take_in_a_thread)
    taker.start()
    taker.join()
elif how == "fork":
    child = os.fork()
    if child == 0:
        signal.signal(signal.SIGUSR1, signal.SIG_IGN)
        sys.exit(0)
    os.waitpid(child, 0)
print("ready", flush=True)
if how in ("restore", "fork"):
    # Paused, the debugger reads its commands from stdin: wait elsewhere until the test quits.
    done.wait(30)
else:
    sys.stdin.read()  # until the test closes it
print(f"own handler called {len(calls)} times", flush=True)
