"""Benchmarks of the engine: armed overhead against plain Python, pdb and debugpy (with an
editor attached), and freeze latency.

Run by scripts/bench on every Python found; each measurement runs in a fresh interpreter:

    python benchmarks/bench_engine.py overhead MODE WORKLOAD   -> seconds (median of 5)
    python benchmarks/bench_engine.py freeze N                 -> milliseconds (median of 7)
    python benchmarks/bench_engine.py                          -> the whole table (ratios:
                                                                  medians of 3 rounds)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import elsewhere  # noqa: E402
import workload  # noqa: E402

WORKLOADS: dict[str, Callable[[], object]] = {
    "fib": lambda: workload.fib(24),
    "loop": lambda: workload.loop(1_500_000),
}
ROUNDS = 3
MODES = [
    "plain",
    "allstop-idle",
    "allstop-bp-other-file",
    "allstop-bp-same-file",
    "pdb-bp-other-file",
    "pdb-bp-same-file",
    "debugpy-bp-other-file",
    "debugpy-bp-same-file",
]


def _line(module: object, marker: str) -> tuple[str, int]:
    path = Path(module.__file__)  # type: ignore[attr-defined]
    for number, text in enumerate(path.read_text().splitlines(), 1):
        if marker in text:
            return str(path), number
    raise LookupError(marker)


def _arm(mode: str) -> Callable[[], None]:
    """Set up ``mode``; return what undoes it."""
    if mode == "plain":
        return lambda: None
    module = workload if mode.endswith("same-file") else elsewhere
    where = _line(module, "never hit")
    if mode.startswith("allstop"):
        from allstop import _wiring

        engine = _wiring.engine()
        if mode != "allstop-idle":
            engine.breakpoints.add(*where)
            engine.breakpoints_changed()
        return engine.detach
    if mode.startswith("debugpy"):
        return _attach_debugpy(*where)
    import pdb

    debugger = pdb.Pdb()
    debugger.reset()
    debugger.set_break(*where)
    debugger.botframe = sys._getframe()
    debugger.set_continue()
    sys.settrace(debugger.trace_dispatch)
    return lambda: sys.settrace(None)


def _attach_debugpy(path: str, line: int) -> Callable[[], None]:
    """debugpy's server in this process and an editor attached to it (the tests' Debug
    Adapter Protocol client), with a breakpoint at ``path:line``."""
    import debugpy

    sys.path.insert(0, str(HERE.parent))
    from tests.support.dap import DapClient

    _, port = debugpy.listen(("127.0.0.1", 0), in_process_debug_adapter=True)
    client = DapClient(port)
    client.request("initialize", adapterID="debugpy")
    client.request("attach", justMyCode=False)
    client.request("setBreakpoints", source={"path": path}, breakpoints=[{"line": line}])
    client.request("configurationDone")
    debugpy.wait_for_client()
    return client.close


def overhead(mode: str, name: str) -> float:
    undo = _arm(mode)
    work = WORKLOADS[name]
    times = []
    for _ in range(5):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    undo()
    return statistics.median(times)


def freeze(count: int) -> float:
    from allstop._model import StopEvent
    from allstop._stops import CONTINUE
    from allstop._wiring import new_engine

    engine = new_engine()
    engine.start()
    done = [False]
    counters = [0] * count
    ready = threading.Barrier(count + 1)

    def spin(index: int) -> None:
        ready.wait()
        while not done[0]:
            counters[index] += 1

    threads = [threading.Thread(target=spin, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    ready.wait()
    while not all(counters):  # every spinner is past the barrier and running Python
        time.sleep(0.01)
    started = [0.0]
    latencies: list[float] = []

    class Handler:
        def on_stop(self, stop: StopEvent) -> object:
            latencies.append(time.perf_counter() - started[0])
            if len(engine.parked_frames()) != count:
                raise SystemExit(f"only {len(engine.parked_frames())} of {count} parked")
            return CONTINUE

        def on_internal_error(self, exc: BaseException) -> None:
            raise exc

    engine.handler = Handler()  # type: ignore[assignment]

    def target() -> None:
        started[0] = time.perf_counter()
        started.append(0.0)  # the breakpoint: every thread parks before this line runs

    path, line = __file__, target.__code__.co_firstlineno + 2
    engine.breakpoints.add(path, line)
    engine.breakpoints_changed()
    for _ in range(7):
        time.sleep(0.02)  # let the spinners run at full speed between two stops
        target()
    done[0] = True
    return statistics.median(latencies) * 1000


def _child(*args: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(HERE.parent / "src"), PYDEVD_DISABLE_FILE_VALIDATION="1")
    out = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=True, env=env
    )
    return out.stdout.strip()


def table() -> None:
    version = ".".join(map(str, sys.version_info[:3]))
    backend = "monitoring" if sys.version_info >= (3, 12) else "settrace"
    print(f"Python {version} (backend {backend})")
    for name in WORKLOADS:
        # Rounds of every mode in turn, each against the plain run of its round: a busy
        # moment of the machine then spoils one round, not a whole column.
        rounds = [
            {mode: float(_child("overhead", mode, name)) for mode in MODES} for _ in range(ROUNDS)
        ]
        plain = statistics.median(r["plain"] for r in rounds)
        cells = [f"{name:5} plain {plain * 1000:7.1f} ms"]
        for mode in MODES[1:]:
            ratio = statistics.median(r[mode] / r["plain"] for r in rounds)
            cells.append(f"{mode} {ratio:5.2f}x")
        print("  " + " | ".join(cells))
    for count in (10, 100):
        print(f"  freeze {count:3} busy threads: {float(_child('freeze', str(count))):6.2f} ms")


def main() -> None:
    if len(sys.argv) == 1:
        table()
    elif sys.argv[1] == "overhead":
        print(overhead(sys.argv[2], sys.argv[3]))
    elif sys.argv[1] == "freeze":
        print(freeze(int(sys.argv[2])))


if __name__ == "__main__":
    main()
