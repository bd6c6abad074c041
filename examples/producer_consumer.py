"""The classic: the producer dies of an exception and the consumer waits on queue.get()
forever.  Without a debugger the program just hangs.

    allstop run examples/producer_consumer.py

allstop stops the world as the producer dies: the post-mortem opens on the producer's
traceback, and 'threads' shows the consumer blocked on the queue.  Try: threads, waits,
thread 2, where, quit.
"""

import queue
import threading
import time

inbox: "queue.Queue[int | None]" = queue.Queue()
processed: list[int] = []


def parse(text: str) -> int:
    return int(text)


def fetch(index: int) -> str:
    time.sleep(0.2)  # a slow source: the consumer waits on the queue meanwhile
    return ["1", "2", "three", "4"][index]


def produce() -> None:
    for index in range(4):
        inbox.put(parse(fetch(index)))  # "three" raises ValueError: the producer dies here
    inbox.put(None)


def consume() -> None:
    while True:
        item = inbox.get()
        if item is None:
            break
        processed.append(item)


consumer = threading.Thread(target=consume, name="consumer")
producer = threading.Thread(target=produce, name="producer")
consumer.start()
producer.start()
consumer.join()
print("processed", processed)
