"""allstop against plain Python, pdb and debugpy, on the running interpreter: one table.

    python benchmarks/bench.py [--quick | --smoke]

Measured (each figure the median of repeated runs, with min and max; a ratio is taken run by
run against the plain run of the same round, so that a busy moment of the machine spoils one
round, not a column):

- start-up: a program that defines a function and ends, run by ``python``, ``allstop run``
  (with and without ``-b``), ``python -m pdb -c continue`` and ``python -m debugpy --listen``;
- armed overhead: call-heavy (``fib``), loop-heavy (``loop``) and 8-thread (``threads``)
  work, with one breakpoint that is never hit, in the same file as the hot code and in
  another one; pdb through ``break`` + ``continue``, debugpy with an editor attached (the
  tests' Debug Adapter Protocol client);
- a breakpoint on a hot line whose condition is false: the cost of one hit;
- freeze and resume of 1, 10, 100 and 1000 busy threads; ``next`` with 100 threads frozen;
- the full-screen UI's keys with 1000 threads of 50 frames, and the memory a stop with 1000
  threads takes above the program's own.

Every measurement runs in a fresh interpreter (``bench.py child ...``) and checks the result
of its work.  Nothing here is asserted: the suite only checks that the table comes out.
"""

from __future__ import annotations

import datetime
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import elsewhere  # noqa: E402
import workload  # noqa: E402

SMOKE = "--smoke" in sys.argv
"""One round of each measurement: that the benchmark runs (its test), not figures to read."""
QUICK = "--quick" in sys.argv or SMOKE

WORKLOADS: dict[str, tuple[Callable[[], object], object]] = {
    "fib": (lambda: workload.fib(24), 46368),
    "loop": (lambda: workload.loop(400_000), 21333253333400000),
    "threads": (lambda: workload.threads(8, 19), [4181] * 8),
}
TOOLS = ("allstop", "pdb", "debugpy")


# -- the children: one measurement each, in a fresh interpreter ----------------------------------
def _line(module: object, marker: str) -> tuple[str, int]:
    path = Path(module.__file__)  # type: ignore[attr-defined]
    for number, text in enumerate(path.read_text().splitlines(), 1):
        if marker in text:
            return str(path), number
    raise LookupError(marker)


def _arm(tool: str, path: str, line: int, condition: str | None = None) -> Callable[[], None]:
    """Arm ``tool`` with a breakpoint at ``path:line``; return what disarms it."""
    if tool == "plain":
        return lambda: None
    if tool == "allstop":
        from allstop import _wiring

        engine = _wiring.engine()
        engine.breakpoints.add(path, line, condition=condition)
        engine.breakpoints_changed()
        return engine.detach
    if tool == "debugpy":
        return _attach_debugpy(path, line, condition)
    import pdb

    debugger = pdb.Pdb()
    debugger.reset()
    debugger.set_break(path, line, cond=condition)
    debugger.botframe = sys._getframe()
    debugger.set_continue()
    sys.settrace(debugger.trace_dispatch)
    threading.settrace(debugger.trace_dispatch)

    def disarm() -> None:
        sys.settrace(None)
        threading.settrace(None)  # type: ignore[arg-type]

    return disarm


_editor: list[Any] = []
"""The editor attached to debugpy's server in this process, once there is one."""


def _attach_debugpy(path: str, line: int, condition: str | None) -> Callable[[], None]:
    """debugpy's server in this process with an editor attached to it (the first time), and
    the editor's breakpoint at ``path:line``."""
    wanted: dict[str, object] = {"line": line}
    if condition is not None:
        wanted["condition"] = condition
    if _editor:
        client = _editor[0]
        client.request("setBreakpoints", source={"path": path}, breakpoints=[wanted])
    else:
        import debugpy

        sys.path.insert(0, str(ROOT))
        from tests.support.dap import DapClient

        _, port = debugpy.listen(("127.0.0.1", 0), in_process_debug_adapter=True)
        client = DapClient(port)
        _editor.append(client)
        client.request("initialize", adapterID="debugpy")
        client.request("attach", justMyCode=False)
        client.request("setBreakpoints", source={"path": path}, breakpoints=[wanted])
        client.request("configurationDone")
        debugpy.wait_for_client()
    return lambda: client.request("setBreakpoints", source={"path": path}, breakpoints=[])


def child_overhead(tool: str, repeat: int) -> str:
    """Seconds one run of each workload takes (median of ``repeat``), ``tool`` armed with a
    breakpoint never hit in the same file, then in another: ``name:place:seconds`` words."""
    found = []
    for place, module in (("same", workload), ("other", elsewhere)):
        disarm = _arm(tool, *_line(module, "# the breakpoint that is never hit"))
        for name, (work, expected) in WORKLOADS.items():
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                result = work()
                times.append(time.perf_counter() - started)
                if result != expected:
                    raise SystemExit(f"{name} gave {result!r}, not {expected!r}")
            found.append(f"{name}:{place}:{statistics.median(times)}")
        disarm()
    return " ".join(found)


def child_condition(tool: str, hits: int) -> float:
    """Microseconds a hit on a breakpoint whose condition is false costs: a loop of ``hits``
    turns armed against the same loop unarmed."""
    path, line = _line(workload, "the hot line")
    plain = workload.hot(hits)
    started = time.perf_counter()
    plain = workload.hot(hits)
    unarmed = time.perf_counter() - started
    disarm = _arm(tool, path, line, condition="i < 0")
    started = time.perf_counter()
    armed_result = workload.hot(hits)
    armed = time.perf_counter() - started
    disarm()
    if armed_result != plain:
        raise SystemExit("the armed loop computed something else")
    return (armed - unarmed) / hits * 1e6


IDLE_FROM = 1000
"""From this many threads on, the threads wait in C (an idle pool) instead of counting: 1000
threads that count starve the main thread of plain Python itself (it did not get the GIL back
within 100 s here, with or without allstop), so nothing could be measured."""


def _start_spinners(count: int, *, idle: bool = False) -> tuple[set[int], Callable[[], None]]:
    """``count`` threads that count as fast as they can (``idle``: that wait in C), each
    started when this returns; their idents, and what ends them.  The switch interval is
    lowered while they start (each start waits for its thread, which must get the GIL from
    the busy ones) and put back before anything is measured."""
    done = [False]
    counters = [0] * count
    ready = threading.Barrier(count + 1)
    idling = threading.Event()

    def spin(index: int) -> None:
        ready.wait()
        counters[index] += 1
        if idle:
            idling.wait()
        while not done[0]:
            counters[index] += 1

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)
    threads = [threading.Thread(target=spin, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    ready.wait()
    while not all(counters):  # every spinner is past the barrier
        time.sleep(0.01)
    sys.setswitchinterval(interval)

    def end() -> None:
        sys.setswitchinterval(1e-4)  # the spinners see it, end, and let the process exit
        done[0] = True
        idling.set()

    return {thread.ident for thread in threads if thread.ident is not None}, end


def child_freeze(count: int, stops: int, steps: int) -> str:
    """Median milliseconds to freeze ``count`` busy threads (from the stop to the handler,
    every thread parked) and to resume them (the engine's work from the handler's answer to
    every thread woken; when each gets the GIL back after that is the interpreter's doing);
    then of ``steps`` steps among them (see ``_steps``; 0 if none)."""
    from allstop._model import StopEvent
    from allstop._stops import CONTINUE, Resume
    from allstop._wiring import new_engine

    engine = new_engine()
    engine.start()
    marks = [0.0]
    freezes: list[float] = []
    resumes: list[float] = []
    apply = engine._apply

    def timed_apply(stop: StopEvent, resume: Resume) -> None:
        started = time.perf_counter()
        apply(stop, resume)
        resumes.append(time.perf_counter() - started)

    engine._apply = timed_apply  # type: ignore[method-assign]

    class Handler:
        def on_stop(self, stop: StopEvent) -> object:
            freezes.append(time.perf_counter() - marks[0])
            parked = set(engine.parked_frames())
            if count < IDLE_FROM and not spinners <= parked:
                raise SystemExit(f"only {len(spinners & parked)} of {count} parked")
            return CONTINUE

        def on_internal_error(self, exc: BaseException) -> None:
            raise exc

    engine.handler = Handler()  # type: ignore[assignment]

    def target() -> None:
        marks[0] = time.perf_counter()
        marks.append(0.0)  # the breakpoint: every thread parks before this line runs

    # Set before the spinners start: while they run, the main thread gets one GIL turn in
    # a hundred, and the breakpoint's setting up on 3.10/3.11 (a copy of the code) takes that
    # many times its 40 ms; a session sets breakpoints while the world is frozen.
    path, line = __file__, target.__code__.co_firstlineno + 2
    engine.breakpoints.add(path, line)
    engine.breakpoints_changed()
    spinners, end = _start_spinners(count, idle=count >= IDLE_FROM)
    for _ in range(stops):
        time.sleep(0.02)  # not synchronisation: the spinners run at full speed between stops
        target()
    step = _steps(engine, steps) if steps else 0.0
    end()
    return f"{statistics.median(freezes) * 1000} {statistics.median(resumes) * 1000} {step}"


def _steps(engine: Any, steps: int) -> float:
    """Median milliseconds from a ``next`` to its stop, with the other threads of the
    process frozen (scheduler-locking on, as by default)."""
    from allstop._model import StopEvent
    from allstop._stops import CONTINUE, Resume, ResumeHow, StepKind, StepRequest

    started = [0.0]
    latencies: list[float] = []

    class Handler:
        def on_stop(self, stop: StopEvent) -> object:
            if started[0]:
                latencies.append(time.perf_counter() - started[0])
            if len(latencies) >= steps:
                return CONTINUE
            started[0] = time.perf_counter()
            return Resume(ResumeHow.STEP, StepRequest(StepKind.NEXT, stop.frame))

        def on_internal_error(self, exc: BaseException) -> None:
            raise exc

    engine.handler = Handler()
    engine.stop_now(sys._getframe())
    total = 0
    for index in range(steps + 2):  # each line is a step's stop
        total += index
    if len(latencies) != steps:
        raise SystemExit(f"{len(latencies)} steps stopped, not {steps}")
    return statistics.median(latencies) * 1000


def _children(*args: str, timeout: float = 600) -> str:
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT / "src"),
        PYDEVD_DISABLE_FILE_VALIDATION="1",
        ALLSTOP_UI="line",
    )
    env.pop("PYTHONBREAKPOINT", None)
    out = subprocess.run(
        [sys.executable, __file__, "child", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"bench.py child {' '.join(args)} failed:\n{out.stderr}")
    return out.stdout.strip()


# -- the table ----------------------------------------------------------------------------------
class Figure:
    """Values of one measurement over the rounds."""

    def __init__(self, values: list[float]) -> None:
        self.values = values

    def text(self, unit: str = "", digits: int = 2) -> str:
        if not self.values:
            return "-"
        median = statistics.median(self.values)
        low, high = min(self.values), max(self.values)
        if len(self.values) == 1:
            return f"{median:.{digits}f}{unit}"
        return f"{median:.{digits}f}{unit} ({low:.{digits}f}-{high:.{digits}f})"


def startup(rounds: int) -> list[str]:
    """Rows: milliseconds from start to end of a program that does nothing."""
    script = str(HERE / "elsewhere.py")
    where = f"{script}:{_line(elsewhere, '# the breakpoint that is never hit')[1]}"
    python = sys.executable
    commands = {
        "plain": [python, script],
        "allstop": [python, "-m", "allstop", "run", script],
        "allstop -b": [python, "-m", "allstop", "run", "-b", where, script],
        "pdb": [python, "-m", "pdb", "-c", "continue", script],
        "debugpy": [python, "-m", "debugpy", "--listen", "127.0.0.1:0", script],
    }
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), PYDEVD_DISABLE_FILE_VALIDATION="1")
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, command in commands.items():
            started = time.perf_counter()
            subprocess.run(
                command, stdin=subprocess.DEVNULL, capture_output=True, env=env, check=True
            )
            times[name].append((time.perf_counter() - started) * 1000)
    extra = [a - p for a, p in zip(times["allstop"], times["plain"], strict=True)]
    extra_b = [a - p for a, p in zip(times["allstop -b"], times["plain"], strict=True)]
    return [
        "| start-up, program that does nothing (ms) | "
        + " | ".join(
            [
                Figure(times["plain"]).text(digits=0),
                f"{Figure(times['allstop']).text(digits=0)}; +{Figure(extra).text(digits=0)}",
                Figure(times["pdb"]).text(digits=0),
                Figure(times["debugpy"]).text(digits=0),
            ]
        )
        + " |",
        f"| start-up with `-b` (ms) | | {Figure(times['allstop -b']).text(digits=0)}; "
        f"+{Figure(extra_b).text(digits=0)} | | |",
    ]


def overhead(rounds: int) -> list[str]:
    """Rows: the armed run against the plain one, per workload and breakpoint place."""
    times: dict[str, dict[str, list[float]]] = {tool: {} for tool in ("plain", *TOOLS)}
    for _ in range(rounds):
        for tool, found in times.items():
            repeat = "1" if tool == "pdb" else "5"
            for word in _children("overhead", tool, repeat).split():
                name, place, seconds = word.split(":")
                found.setdefault(f"{name}:{place}", []).append(float(seconds))
    rows = []
    for key, plain in times["plain"].items():
        name, place = key.split(":")
        cells = [Figure([t * 1000 for t in plain]).text(" ms", 1)]
        for tool in TOOLS:
            ratios = [armed / base for armed, base in zip(times[tool][key], plain, strict=True)]
            cells.append(Figure(ratios).text("x"))
        where = "same file" if place == "same" else "another file"
        rows.append(f"| armed, `{name}`, breakpoint in {where} | " + " | ".join(cells) + " |")
    return rows


def condition(rounds: int) -> list[str]:
    hits = {"allstop": 100_000, "pdb": 20_000, "debugpy": 20_000}
    costs = {
        tool: [float(_children("condition", tool, str(hits[tool]))) for _ in range(rounds)]
        for tool in TOOLS
    }
    return [
        "| breakpoint on a hot line, condition false (µs a hit) | | "
        + " | ".join(Figure(costs[tool]).text(digits=1) for tool in TOOLS)
        + " |"
    ]


def freezing(rounds: int) -> list[str]:
    rows = []
    steps: list[float] = []
    for count in (1, 10, 100, 1000):
        stops = 1 if SMOKE else 3 if QUICK else 5
        freezes, resumes = [], []
        for _ in range(rounds):
            # The steps among 100 frozen threads: with the 100 of the freeze row.
            words = _children("freeze", str(count), str(stops), "10" if count == 100 else "0")
            freeze, resume, step = map(float, words.split())
            freezes.append(freeze)
            resumes.append(resume)
            if count == 100:
                steps.append(step)
        busy = "idle threads (waiting in C)" if count >= IDLE_FROM else "busy threads"
        rows.append(
            f"| freeze / resume {count} {busy} (ms) | | {Figure(freezes).text()} / "
            f"{Figure(resumes).text()} | | |"
        )
    rows.append(f"| `next` with 100 threads frozen (ms) | | {Figure(steps).text()} | | |")
    return rows


def interface(rounds: int) -> list[str]:
    keys: dict[str, list[float]] = {}
    memory, imports = [], []
    for _ in range(rounds):
        out = subprocess.run(
            [sys.executable, str(HERE / "bench_tui.py"), "1000", "50", "--table"]
            + (["--quick"] if QUICK else []),
            capture_output=True,
            text=True,
            env=dict(os.environ, PYTHONPATH=str(ROOT / "src")),
            check=True,
            timeout=600,
        ).stdout
        for line in out.splitlines():
            name, _, value = line.rpartition(" ")
            if name == "memory":
                memory.append(float(value))
            elif name == "imports":
                imports.append(float(value))
            else:
                keys.setdefault(name, []).append(float(value))
    rows = [
        f"| UI key to redraw, 1000 threads x 50 frames: {name} (ms) | | "
        f"{Figure(values).text(digits=1)} | | |"
        for name, values in keys.items()
    ]
    rows.append(
        f"| memory at a stop with 1000 threads, above the program's (MB; of which importing "
        f"allstop and its UI) | | {Figure(memory).text(digits=1)} "
        f"({Figure(imports).text(digits=1)}) | | |"
    )
    return rows


def table() -> None:
    rounds = 1 if SMOKE else 2 if QUICK else 5
    version = platform.python_version()
    backend = "monitoring" if sys.version_info >= (3, 12) else "settrace"
    cpus = os.cpu_count()
    today = datetime.date.today().isoformat()
    print(
        f"### Python {version} ({backend} backend), {platform.system()} {platform.machine()},"
        f" {cpus} CPUs, {today}{', --smoke' if SMOKE else ', --quick' if QUICK else ''}"
    )
    print()
    print("| measure | plain Python | allstop | pdb | debugpy (editor attached) |")
    print("| --- | --- | --- | --- | --- |")
    sections: list[Callable[[int], list[str]]] = [
        startup,
        overhead,
        condition,
        freezing,
        interface,
    ]
    sizes = {startup: 1 if SMOKE else rounds * 3, interface: 1 if QUICK else rounds}
    for section in sections:
        started = time.perf_counter()
        for row in section(sizes.get(section, rounds)):
            print(row, flush=True)
        print(f"{section.__name__}: {time.perf_counter() - started:.0f} s", file=sys.stderr)


def child(kind: str, *args: str) -> None:
    """One measurement, printed (``bench.py child KIND ARGS``, as ``_children`` runs it)."""
    if kind == "overhead":
        print(child_overhead(args[0], int(args[1])))
    elif kind == "condition":
        print(child_condition(args[0], int(args[1])))
    elif kind == "freeze":
        print(child_freeze(int(args[0]), int(args[1]), int(args[2])))
    else:
        raise SystemExit(f"no measurement {kind!r}")


def main() -> None:
    if sys.argv[1:2] == ["child"]:
        child(*sys.argv[2:])
        sys.stdout.flush()
        os._exit(0)  # busy threads would make the interpreter's shutdown take seconds
    table()


if __name__ == "__main__":
    main()
