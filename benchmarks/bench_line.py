"""How long a long command line takes through line mode, against pdb.

A program stops at ``breakpoint()`` with its standard input a pipe that holds
``p len("xxx...")`` (the line is SIZE bytes long) and ``c``; the time is that of the whole run,
start-up included (the 0 row is start-up alone).  allstop runs as ``allstop run``, pdb as the
``breakpoint()`` hook of a plain run.  Figures are medians of 3 runs, in seconds; nothing here
is asserted.

    python benchmarks/bench_line.py [SIZE...]      (sizes in bytes; default 0 400000 1000000
                                                    10000000)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZES = [0, 400_000, 1_000_000, 10_000_000]
ROUNDS = 3
PROGRAM = 'breakpoint()\nprint("after the stop")\n'


def _once(command: list[str], size: int, env: dict[str, str]) -> float:
    literal = "x" * max(size - len('p len("")'), 0)
    commands = f'p len("{literal}")\nc\n'.encode()
    started = time.perf_counter()
    out = subprocess.run(command, input=commands, capture_output=True, check=True, env=env)
    seconds = time.perf_counter() - started
    if str(len(literal)).encode() not in out.stdout or b"after the stop" not in out.stdout:
        raise SystemExit(f"unexpected output from {command}:\n{out.stdout[-2000:]!r}")
    return seconds


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or SIZES
    version = ".".join(map(str, sys.version_info[:3]))
    print(f"Python {version}: a long command line on a pipe, seconds (median of {ROUNDS})")
    with tempfile.TemporaryDirectory(prefix="allstop-bench-") as folder:
        program = Path(folder) / "stops.py"
        program.write_text(PROGRAM)
        env = dict(os.environ, ALLSTOP_UI="line")
        env.pop("PYTHONBREAKPOINT", None)
        commands = {
            "allstop": [sys.executable, "-m", "allstop", "run", str(program)],
            "pdb": [sys.executable, str(program)],
        }
        for size in sizes:
            cells = [
                f"{name} {statistics.median(_once(c, size, env) for _ in range(ROUNDS)):7.3f}"
                for name, c in commands.items()
            ]
            print(f"  {size:>10} bytes: " + " | ".join(cells), flush=True)


if __name__ == "__main__":
    main()
