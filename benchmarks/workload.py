"""CPU-bound workloads for the overhead benchmark, with a function that is never called (a
place for a breakpoint that is never hit, in the same file as the hot code)."""


def fib(n: int) -> int:
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def loop(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def never_called() -> None:
    print("never")  # the breakpoint that is never hit, same file
