"""A program for the full-screen UI tests: two spinning workers, and a main thread that stops
in a function with a few kinds of local variables."""

import threading

done = [False]
running = [threading.Event(), threading.Event()]


class Broken:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


class Point:
    def __init__(self, x: int, y: int) -> None:
        self.x = x
        self.y = y


def spin(index: int) -> None:
    n = 0
    while not done[0]:
        n += 1
        if n == 1000:
            running[index].set()


def inspect_me() -> int:
    data = {"a": [1, 2, 3], "b": 2}
    point = Point(3, 4)
    label = "stop here"
    broken = Broken()
    breakpoint()
    return len(data) + point.x + len(label) + (broken is None)


def main() -> None:
    workers = [threading.Thread(target=spin, args=(i,), name=f"spinner-{i}") for i in range(2)]
    for worker in workers:
        worker.start()
    for event in running:
        event.wait()
    result = inspect_me()
    done[0] = True
    for worker in workers:
        worker.join()
    print("result", result)


if __name__ == "__main__":
    main()
