"""A thread pool whose worker raises: the future keeps the exception until result() raises it
again in the main thread, far from where it happened.

    allstop run examples/pool_crash.py                    # post-mortem in main, at result()
    allstop run --post-mortem=all examples/pool_crash.py  # stops in the worker, at the raise
"""

from concurrent.futures import ThreadPoolExecutor


def price(item: str) -> float:
    table = {"apple": 0.5, "pear": 0.75}
    return table[item]  # KeyError for "plum", in a worker thread


with ThreadPoolExecutor(max_workers=2, thread_name_prefix="pool") as pool:
    futures = [pool.submit(price, item) for item in ["apple", "pear", "plum"]]
    total = sum(future.result() for future in futures)
print("total", total)
