"""A coroutine stops before awaiting work in another thread: stepped over with the other
threads frozen, the await cannot end."""

import asyncio
import time


def slow_add(a: int, b: int) -> int:
    time.sleep(0.01)  # stands for slow blocking work: the reason to run it in a thread
    return a + b


async def main() -> None:
    breakpoint()
    total = await asyncio.to_thread(slow_add, 40, 2)
    print("total", total)


asyncio.run(main())
