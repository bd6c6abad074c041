"""Two asyncio deadlocks: two tasks each holding the lock the other awaits, and a task that
holds a lock while it awaits a task waiting for that lock.  The main coroutine stops once they
are stuck, then cancels them and ends."""

import asyncio


async def take_both(first: asyncio.Lock, second: asyncio.Lock, taken: asyncio.Event) -> None:
    async with first:
        taken.set()
        await asyncio.sleep(0.05)  # the other task takes its first lock meanwhile
        async with second:
            pass


async def wait_for_lock(lock: asyncio.Lock) -> None:
    async with lock:
        pass


async def hold_and_await(lock: asyncio.Lock) -> None:
    async with lock:
        inner = asyncio.create_task(wait_for_lock(lock), name="needs-the-lock")
        await inner


async def main() -> None:
    a, b, c = asyncio.Lock(), asyncio.Lock(), asyncio.Lock()
    events = asyncio.Event(), asyncio.Event()
    stuck = [
        asyncio.create_task(take_both(a, b, events[0]), name="a-then-b"),
        asyncio.create_task(take_both(b, a, events[1]), name="b-then-a"),
        asyncio.create_task(hold_and_await(c), name="holds-c"),
    ]
    await asyncio.sleep(0.2)  # every task reaches its wait
    breakpoint()
    for task in stuck:
        task.cancel()
    await asyncio.gather(*stuck, return_exceptions=True)
    print("cancelled", len(stuck))


asyncio.run(main())
