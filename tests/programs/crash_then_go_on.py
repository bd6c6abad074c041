"""A worker dies of an exception chained to another; the main thread outlives it."""

import threading


def load(text: str) -> int:
    return int(text)


def worker() -> None:
    setting = "forty-two"
    try:
        load(setting)
    except ValueError as exc:
        raise RuntimeError("bad configuration") from exc


thread = threading.Thread(target=worker, name="loader")
thread.start()
thread.join()
print("main done")
