"""An order pipeline on asyncio that stalls; a watchdog thread notices and calls breakpoint().

    allstop run examples/asyncio_pipeline.py

Every thread stops, and with them every task of the event loop.  Try: tasks (the fetchers
wait for the inventory lock), waits (it names the deadlock: restock holds the lock and awaits
the audit, which waits for the lock), task N on a fetcher, where, p order, tasks all, thread 1,
continue (the watchdog then cancels restock, and the pipeline finishes).
"""

import asyncio
import threading
import time

progress = time.monotonic()
"""When an order was last done."""


def address_ok(order: dict[str, str]) -> bool:
    time.sleep(0.02)  # a slow, blocking library call: run in a thread through to_thread
    return bool(order["address"])


async def fetch(orders: "asyncio.Queue[dict[str, str]]", inventory: asyncio.Lock) -> None:
    global progress
    while True:
        order = await orders.get()
        if await asyncio.to_thread(address_ok, order):
            async with inventory:  # stuck here once restock holds the lock
                progress = time.monotonic()
        orders.task_done()


async def count_stock(inventory: asyncio.Lock) -> int:
    async with inventory:
        return 42


async def restock(inventory: asyncio.Lock) -> None:
    async with inventory:
        audit = asyncio.create_task(count_stock(inventory), name="audit")
        await audit  # the audit needs the lock restock holds: neither moves again


def watchdog(loop: asyncio.AbstractEventLoop, stalled: "asyncio.Task[None]") -> None:
    while time.monotonic() - progress < 1.0:
        time.sleep(0.1)  # polls the pipeline's progress
    breakpoint()  # the pipeline has made no progress for a second
    loop.call_soon_threadsafe(stalled.cancel)  # unblocks it: the audit gets the lock


async def main() -> None:
    inventory = asyncio.Lock()
    orders: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    for n in range(40):
        orders.put_nowait({"id": str(n), "address": f"{n} Main Street"})
    fetchers = [
        asyncio.create_task(fetch(orders, inventory), name=f"fetcher-{n}") for n in range(4)
    ]
    await asyncio.sleep(0.1)  # a few orders go through
    stalled = asyncio.create_task(restock(inventory), name="restock")
    loop = asyncio.get_running_loop()
    threading.Thread(target=watchdog, args=(loop, stalled), name="watchdog").start()
    await orders.join()
    for fetcher in fetchers:
        fetcher.cancel()
    print("all orders done")


asyncio.run(main())
