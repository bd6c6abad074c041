"""A step that cannot finish while the others are frozen: the line after the breakpoint takes
from a queue that only the producer fills, once ``go`` is set (tests/test_reliability.py).
Run with ``main`` as argument, the main thread is the one that stops and steps."""

import queue
import sys
import threading

items: queue.Queue[int] = queue.Queue()
go = threading.Event()


def produce() -> None:
    go.wait()
    items.put(42)


def consume() -> None:
    breakpoint()
    item = items.get()
    print("got", item, flush=True)


producer = threading.Thread(target=produce, name="producer")
producer.start()
if sys.argv[1:] == ["main"]:
    consume()
else:
    consumer = threading.Thread(target=consume, name="consumer")
    consumer.start()
    consumer.join()
producer.join()
print("all done", flush=True)
