"""``scripts/bench --smoke`` (one round of each measurement) produces its table: every row, a
figure in each of allstop's cells.  Benchmarks are not tests: no figure is checked against a
target here."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support.run import ROOT

pytestmark = pytest.mark.e2e

NEWEST = (3, 13)
ROWS = (
    "start-up, program that does nothing",
    "start-up with `-b`",
    "armed, `fib`, breakpoint in same file",
    "armed, `loop`, breakpoint in another file",
    "armed, `threads`, breakpoint in same file",
    "breakpoint on a hot line, condition false",
    "freeze / resume 1 busy threads",
    "freeze / resume 100 busy threads",
    "freeze / resume 1000 idle threads",
    "`next` with 100 threads frozen",
    "UI key to redraw, 1000 threads x 50 frames: move in threads pane",
    "memory at a stop with 1000 threads",
)


@pytest.mark.skipif(
    sys.version_info[:2] != NEWEST,
    reason="the benchmark's code is the same on every Python; it runs on the newest one only "
    "(half a minute of the suite's twenty)",
)
@pytest.mark.timeout(400)
def test_the_benchmark_produces_the_whole_table() -> None:
    result = subprocess.run(
        [str(ROOT / "scripts" / "bench"), "--smoke"],
        env=dict(os.environ, ALLSTOP_PYTHON=sys.executable),
        capture_output=True,
        text=True,
        timeout=380,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"### Python {sys.version_info[0]}.{sys.version_info[1]}")
    assert "| measure | plain Python | allstop | pdb | debugpy (editor attached) |" in lines
    for row in ROWS:
        found = [line for line in lines if line.startswith(f"| {row}")]
        assert len(found) == 1, f"no row {row!r} in:\n{result.stdout}"
        cells = [cell.strip() for cell in found[0].strip().strip("|").split("|")]
        assert len(cells) == 5, found[0]
        assert any(ch.isdigit() for ch in cells[2]), found[0]
