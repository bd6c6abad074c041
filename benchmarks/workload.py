"""CPU-bound workloads for the overhead benchmark, with a function that is never called (a
place for a breakpoint that is never hit, in the same file as the hot code)."""

import threading


def fib(n: int) -> int:
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def loop(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def threads(count: int, n: int) -> list[int]:
    """``fib(n)`` in each of ``count`` threads at once."""
    results = [0] * count

    def work(index: int) -> None:
        results[index] = fib(n)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


def hot(n: int) -> int:
    total = 0
    for i in range(n):
        total += i  # the hot line, with a breakpoint whose condition is false
    return total


def never_called() -> None:
    print("never")  # the breakpoint that is never hit, same file
