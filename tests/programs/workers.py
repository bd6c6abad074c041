"""A program for line-mode transcripts: three counting threads, a thread blocked on a queue,
and a main thread that calls breakpoint() once everything runs."""

import queue
import sys
import threading
import time

counts = [0, 0, 0]
running = [threading.Event() for _ in counts]
done = [False]  # a plain flag: a frozen counter is always in count(), never in threading
inbox: "queue.Queue[str]" = queue.Queue()


class Hostile:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


class Huge:
    def __repr__(self) -> str:
        return "H" * 5_000_000


def count(index: int) -> None:
    while not done[0]:
        counts[index] += 1
        if counts[index] == 1000:
            running[index].set()


def wait_for_mail() -> None:
    item = inbox.get()
    print("waiter got", item)


def helper(x: int) -> int:
    y = x * 2
    z = y + 1
    return z


def watch() -> bool:
    before = list(counts)
    time.sleep(0.3)  # the counters move meanwhile, unless they are frozen
    return before != counts


def main() -> int:
    threads = [threading.Thread(target=count, args=(i,), name=f"counter-{i}") for i in range(3)]
    threads.append(threading.Thread(target=wait_for_mail, name="waiter"))
    for thread in threads:
        thread.start()
    for event in running:
        event.wait()
    waiter = threads[-1].ident
    while sys._current_frames()[waiter].f_code.co_name != "wait":  # until it waits for mail
        time.sleep(0.01)  # polling: nothing announces that the waiter waits
    value = 21
    hostile = Hostile()
    huge = Huge()
    breakpoint()
    result = helper(value)
    moved = watch()
    done[0] = True
    inbox.put("mail")
    for thread in threads:
        thread.join()
    print("result", result, moved, hostile is not huge)
    return result


if __name__ == "__main__":
    main()
