"""Two event loops: 50 tasks in the main thread's, two in a worker thread's.  The main loop's
tasks wait on everything asyncio offers (a queue, sleep, a lock another task holds, an event,
another task, to_thread work); then a coroutine stops (breakpoint()), and after it a plain worker
thread does.  With the argument ``next``, the coroutine that stops goes on with awaits to step
over instead."""

import asyncio
import sys
import threading

CONSUMERS = 40
gate = threading.Event()
"""What the to_thread work waits for."""
other_loop_ready = threading.Event()
seen: list[int] = []


async def produce(queue: "asyncio.Queue[int]", first: int) -> int:
    for item in range(first, first + 20):
        await queue.put(item)
    return 20


async def consume(queue: "asyncio.Queue[int]") -> None:
    while True:
        item = await queue.get()
        seen.append(item)


async def hold(lock: asyncio.Lock, release: asyncio.Event) -> None:
    async with lock:
        await release.wait()  # holds the lock meanwhile


async def wait_for_lock(lock: asyncio.Lock) -> str:
    async with lock:
        return "got the lock"


def blocking_work() -> str:
    gate.wait()
    return "work done"


async def offload() -> str:
    return await asyncio.to_thread(blocking_work)


async def fail() -> None:
    raise ValueError("bad input")


async def child() -> int:
    await asyncio.sleep(3600)
    return 1


async def parent(task: "asyncio.Task[int]") -> int:
    return await task


async def tick(stop: asyncio.Event) -> None:
    other_loop_ready.set()
    await stop.wait()


def other_loop(box: list[object]) -> None:
    async def run() -> None:
        stop = asyncio.Event()
        box.extend([asyncio.get_running_loop(), stop])
        nap = asyncio.create_task(asyncio.sleep(3600), name="nap")
        await asyncio.create_task(tick(stop), name="ticker")
        nap.cancel()

    asyncio.run(run())


def plain_worker() -> None:
    total = len(seen)
    breakpoint()
    print("plain worker saw", total)


async def stepped() -> int:
    breakpoint()
    await asyncio.sleep(0.01)  # step: next
    value = 1  # after the first await
    await asyncio.sleep(0)
    value += 1  # after the second await
    return value


async def main() -> None:
    box: list[object] = []
    worker_loop = threading.Thread(target=other_loop, args=(box,), name="other-loop")
    worker_loop.start()
    other_loop_ready.wait()
    queue: asyncio.Queue[int] = asyncio.Queue()
    lock = asyncio.Lock()
    release = asyncio.Event()
    producers = [asyncio.create_task(produce(queue, n * 20), name=f"producer-{n}") for n in (0, 1)]
    consumers = [
        asyncio.create_task(consume(queue), name=f"consumer-{n}") for n in range(CONSUMERS)
    ]
    holder = asyncio.create_task(hold(lock, release), name="holder")
    waiter = asyncio.create_task(wait_for_lock(lock), name="lock-waiter")
    worker = asyncio.create_task(offload(), name="offload")
    failed = asyncio.create_task(fail(), name="failing")
    sleeper = asyncio.create_task(child(), name="sleeper")
    awaiting = asyncio.create_task(parent(sleeper), name="parent")
    cancelled = asyncio.create_task(asyncio.sleep(3600), name="cancelled")
    await asyncio.sleep(0)
    cancelled.cancel()
    while len(seen) < 40:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)  # lets the to_thread worker reach its wait
    if sys.argv[1:] == ["next"]:
        print("stepped", await stepped())
    else:
        breakpoint()  # the coroutine's stop
        await asyncio.to_thread(run_plain_worker)
    release.set()
    gate.set()
    await holder
    print(await waiter, await worker, sum([await p for p in producers]), "items", len(seen))
    sleeper.cancel()
    for task in [*consumers, awaiting]:
        task.cancel()
    await asyncio.gather(*consumers, awaiting, return_exceptions=True)
    print("failed with", repr(failed.exception()), "cancelled:", cancelled.cancelled())
    loop, stop = box
    loop.call_soon_threadsafe(stop.set)  # type: ignore[attr-defined]
    worker_loop.join(5)
    print("done")


def run_plain_worker() -> None:
    thread = threading.Thread(target=plain_worker, name="plain-worker")
    thread.start()
    thread.join()


asyncio.run(main())
