"""For tests/test_armed.py: code that holds breakpoints while the world runs, in the shapes an
instrumented copy cannot reach by itself (a loop under way, a suspended generator)."""

import sys
import threading


def never_called() -> str:
    return "never"  # the breakpoint never hit


def traces() -> str:
    """Whether this thread and a new one have a trace function, as the program sees it."""
    seen = []
    worker = threading.Thread(target=lambda: seen.append(sys.gettrace()))
    worker.start()
    worker.join()
    return f"traces: {sys.gettrace()} {seen[0]}"


def spin(stop: threading.Event, ready: threading.Event) -> None:
    ready.set()
    n = 0
    while not stop.is_set():
        n += 1  # spin body
    print("spun", n > 0)


def generator():  # type: ignore[no-untyped-def]
    got = yield 1
    yield got + 1  # after the first yield


def counted() -> int:
    return 7  # under a trace function of the program's


def foreign() -> None:
    """A trace function of the program's own (coverage's, say) traces the breakpoint's frame."""
    seen = []

    def tracer(frame, event, arg):  # type: ignore[no-untyped-def]
        seen.append(event)
        return tracer

    sys.settrace(tracer)
    value = counted()
    sys.settrace(None)
    print("foreign", value, bool(seen))


def main(mode: str) -> None:
    if mode == "foreign":
        foreign()
        return
    if mode == "armed":
        print(traces())
        return
    if mode == "loop":
        stop, ready = threading.Event(), threading.Event()
        thread = threading.Thread(target=spin, args=(stop, ready), name="spinner")
        thread.start()
        ready.wait()
        breakpoint()
        thread.join()
        return
    gen = generator()
    next(gen)
    breakpoint()
    print("sent", gen.send(41))


main(sys.argv[1])
