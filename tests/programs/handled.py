"""A program that looks at a handled exception with allstop.post_mortem(), then with pm()."""

import sys
import threading

import allstop

ticks = [0]
stop = [False]


def tick() -> None:
    while not stop[0]:
        ticks[0] += 1


def divide(a: int, b: int) -> float:
    return a / b


ticker = threading.Thread(target=tick, name="ticker", daemon=True)
ticker.start()
try:
    divide(1, 0)
except ZeroDivisionError as error:
    allstop.post_mortem()
    if hasattr(sys, "last_exc"):
        sys.last_exc = error
    else:
        sys.last_value = error
allstop.pm()
stop[0] = True
print("after post-mortem")
