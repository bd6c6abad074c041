"""A task dies of an exception nobody retrieves: asyncio says "Task exception was never
retrieved" once the task is forgotten, and the program goes on."""

import asyncio


async def broken(order: dict[str, int]) -> int:
    return order["quantity"]  # KeyError: nobody awaits this task


async def main() -> None:
    task = asyncio.create_task(broken({"item": 1}), name="forgotten")
    await asyncio.sleep(0.01)  # the task runs and fails meanwhile
    del task  # its exception is never retrieved: asyncio logs it now
    print("main goes on")


asyncio.run(main())
