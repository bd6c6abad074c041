"""Price orders in a pool of four worker processes (concurrent.futures, spawn).  One order has
a negative quantity: the worker that prices it calls breakpoint().

    allstop run examples/process_pool.py

That worker stops, and every other process of the program pauses with it: the parent and the
three other workers, each in the middle of an order.  Try: p order, processes, bt all
processes, process 1 (the parent: where, thread 2), process 3 (another worker: p order),
continue (every process resumes, and the total comes out as if nothing had happened).
"""

import concurrent.futures
import multiprocessing
import time

ORDERS = [(f"order-{n}", -2 if n == 13 else n % 7 + 1, 2.5 + n) for n in range(24)]


def price(order: tuple[str, int, float]) -> float:
    quantity, unit = order[1:]
    time.sleep(0.1)  # the work of pricing one order
    if quantity < 0:
        breakpoint()  # a refund, or a bug? look at every process before it goes on
    return quantity * unit


def main() -> None:
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(4, mp_context=context) as pool:
        total = sum(pool.map(price, ORDERS))
    print(f"total {total:.2f}")


if __name__ == "__main__":
    main()
