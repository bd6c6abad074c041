"""CPython's own pdb test suite, against allstop: how much of pdb's contract allstop keeps.

The runner (``tests/pdb_compat/runner.py``) runs ``test.test_pdb`` of this interpreter with
allstop in pdb's place, in a process of its own, in a folder of its own.  A test that does not
end within ``PER_TEST`` seconds is counted failed: the runner is killed and started again after
it.  The run prints tests run / passed / failed and the ratio, and fails when the ratio drops
below this version's floor (raise the floors as allstop gets closer to pdb; every difference
left on purpose is in docs/pdb-compatibility.md).
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.support.run import ROOT, env_for

pytestmark = pytest.mark.e2e

FLOORS = {"3.10": 0.96, "3.11": 0.95, "3.12": 0.94, "3.13": 0.97}
"""The least share of test_pdb that must pass, by Python version."""

PER_TEST = 15.0
"""Seconds a test may take before it counts as hung."""

VERSION = f"{sys.version_info[0]}.{sys.version_info[1]}"


@dataclass
class Outcomes:
    results: dict[str, str] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)

    def count(self, outcome: str) -> int:
        return sum(1 for found in self.results.values() if found == outcome)

    @property
    def run(self) -> int:
        return len(self.results) - self.count("skipped")

    @property
    def ratio(self) -> float:
        return self.count("passed") / self.run if self.run else 0.0


def _lines(fd: int, proc: subprocess.Popen[bytes]) -> Iterator[dict[str, str] | None]:
    """The runner's reports as they come; None when nothing came for ``PER_TEST`` seconds or
    the runner ended without saying it was done."""
    buffer = b""
    while True:
        deadline = time.monotonic() + PER_TEST
        while b"\n" not in buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([fd], [], [], max(left, 0))
            if not ready:
                yield None
                return
            chunk = os.read(fd, 65536)
            if not chunk:
                yield None
                return
            buffer += chunk
        line, buffer = buffer.split(b"\n", 1)
        yield json.loads(line)


def run_test_pdb(folder: str) -> Outcomes:
    outcomes = Outcomes()
    after: str | None = None
    site = str(ROOT / "tests" / "pdb_compat" / "site")
    env = env_for(None, {"PYTHONPATH": os.pathsep.join([site, str(ROOT)])})
    while True:
        read, write = os.pipe()
        command = [sys.executable, "-m", "tests.pdb_compat.runner", "--report-fd", str(write)]
        if after is not None:
            command += ["--after", after]
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(write,),
            cwd=folder,
            env=env,
            start_new_session=True,
        )
        os.close(write)
        current: str | None = None
        done = False
        try:
            for report in _lines(read, proc):
                if report is None:
                    break
                if "start" in report:
                    current = report["start"]
                elif "end" in report:
                    outcomes.results[report["end"]] = report["outcome"]
                    outcomes.details[report["end"]] = report["detail"]
                    current = None
                elif "done" in report:
                    done = True
                    break
        finally:
            os.close(read)
            if proc.poll() is None:
                proc.kill()
            proc.wait(10)
        if done:
            return outcomes
        if current is None:
            raise AssertionError(f"the runner ended between tests (after {after})")
        outcomes.results[current] = "failed"
        outcomes.details[current] = f"hung for {PER_TEST}s, or ended the process"
        after = current


@pytest.mark.timeout(900)
def test_cpython_test_pdb_against_allstop(capsys: pytest.CaptureFixture[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="allstop-test-pdb-") as folder:
        outcomes = run_test_pdb(folder)
    failed = sorted(name for name, found in outcomes.results.items() if found == "failed")
    with capsys.disabled():
        print(
            f"\ntest_pdb against allstop, Python {VERSION}: {outcomes.run} run, "
            f"{outcomes.count('passed')} passed, {len(failed)} failed, "
            f"{outcomes.count('skipped')} skipped: {outcomes.ratio:.0%} "
            f"(floor {FLOORS[VERSION]:.0%})"
        )
        if os.environ.get("ALLSTOP_PDB_COMPAT_VERBOSE"):
            for name in failed:
                print(f"  failed: {name}\n    {outcomes.details[name][-600:]}")
    assert outcomes.run > 0
    assert outcomes.ratio >= FLOORS[VERSION], f"below the floor; failed: {failed}"
