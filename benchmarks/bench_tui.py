"""How fast the full-screen UI answers a key with 1000 threads of 50 frames each.

Every key is timed from the moment it is written to the UI's input to the end of the redraw
that shows what it does (prompt_toolkit's ``after_render``; for a key that runs a command,
the first redraw once the session asks for the next one), with a real renderer writing to a
null output of 200x60 characters (or COLUMNSxROWS).  Prints medians and 95th percentiles in
milliseconds, how much more memory the process holds at the stop (allstop, prompt_toolkit and
the stop's views of the threads) than before allstop was imported, and how much of it
importing them took.  ``--table``: one ``name median`` line each, for ``bench.py``;
``--quick``: a quarter of the keys.

    python benchmarks/bench_tui.py [THREADS] [DEPTH] [COLUMNSxROWS] [--table] [--quick]
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time

DOWN, UP, ENTER, TAB = "\x1b[B", "\x1b[A", "\r", "\t"


def resident_mb() -> float:
    """The process's resident memory (Linux)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def nest(depth: int, release: threading.Event) -> None:
    if depth:
        nest(depth - 1, release)
    else:
        release.wait()


def main() -> None:  # noqa: PLR0915 (one scripted stop, read top to bottom)
    words = [word for word in sys.argv[1:] if not word.startswith("--")]
    count = int(words[0]) if words else 1000
    depth = int(words[1]) if len(words) > 1 else 50
    columns, rows = map(int, (words[2] if len(words) > 2 else "200x60").split("x"))
    release = threading.Event()
    threads = [
        threading.Thread(target=nest, args=(depth, release), daemon=True) for _ in range(count)
    ]
    for thread in threads:
        thread.start()
    before = resident_mb()
    from prompt_toolkit.data_structures import Size
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from allstop._wiring import build
    from allstop.ui.tui.app import Tui

    class WideOutput(DummyOutput):
        def get_size(self) -> Size:
            return Size(rows=rows, columns=columns)

    imported = resident_mb() - before
    memory = [0.0]
    with create_pipe_input() as pipe:
        engine = build(lambda: Tui(input=pipe, output=WideOutput()))
        tui = engine.handler.io  # type: ignore[union-attr]
        assert isinstance(tui, Tui)
        renders: list[float] = []
        tui.app.after_render += lambda _: renders.append(time.perf_counter())
        asked = [0]
        read_command = tui.read_command

        def counted(prompt: str) -> str | None:
            asked[0] += 1
            return read_command(prompt)

        tui.read_command = counted  # type: ignore[method-assign]
        results: dict[str, list[float]] = {}

        def quiet() -> None:
            """Until the session waits for a key and nothing has redrawn for 50 ms."""
            while True:
                drawn = len(renders)
                time.sleep(0.05)  # looking for quiet, not timing
                if tui.app.is_running and tui.waiting.is_set() and len(renders) == drawn:
                    return

        def timed(name: str, keys: str, repeat: int, before: str = "") -> None:
            """From ``keys`` written to the end of the redraw that shows what they do: for a
            key that runs a command, the first redraw once the session asks for the next
            one.  ``before`` is sent first, untimed."""
            command = ENTER in keys
            for _ in range(repeat // 4 if "--quick" in sys.argv else repeat):
                if before:
                    pipe.send_text(before)
                quiet()
                commands = asked[0]
                started = time.perf_counter()
                pipe.send_text(keys)
                while command and asked[0] == commands:
                    time.sleep(0.001)  # polling for the command's end, which the redraw follows
                done = time.perf_counter() if command else started
                while not renders or renders[-1] < done:
                    time.sleep(0.001)  # polling for the redraw, timed by after_render
                drawn = next(at for at in renders if at >= done)
                results.setdefault(name, []).append((drawn - started) * 1000)

        def drive() -> None:
            timed("move in threads pane", DOWN, 60)
            timed("switch thread (Enter)", ENTER, 20, before=DOWN)
            pipe.send_text(TAB)
            timed("move in stack pane", DOWN, 40)
            timed("select frame (Enter)", ENTER, 20)
            memory[0] = resident_mb() - before
            pipe.send_text("c")

        engine.spawn_exempt(drive)
        started = time.perf_counter()
        engine.stop_soon(sys._getframe())
        stopped = time.perf_counter() - started  # the stop: the UI runs until 'c'

    release.set()
    if "--table" in sys.argv:
        for name, values in results.items():
            print(f"{name} {statistics.median(values)}")
        print(f"memory {memory[0]}")
        print(f"imports {imported}")
        return
    version = ".".join(map(str, sys.version_info[:3]))
    print(
        f"Python {version}: {count} threads x {depth} frames, {columns}x{rows} "
        f"(whole stop {stopped:.1f}s)"
    )
    for name, values in results.items():
        values.sort()
        p95 = values[int(len(values) * 0.95) - 1]
        print(f"  {name:24} median {statistics.median(values):6.1f} ms   p95 {p95:6.1f} ms")
    print(
        f"  memory at the stop, above the program's: {memory[0]:.1f} MB "
        f"(importing allstop and its UI: {imported:.1f} MB)"
    )


if __name__ == "__main__":
    main()
