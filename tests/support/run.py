"""Run allstop (or a scenario script) in a subprocess, with commands on stdin and a timeout.

Every debugger bug tends to show up as a hang, so nothing here waits without a bound.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PROGRAMS = ROOT / "tests" / "programs"

BACKENDS = ["monitoring", "settrace"] if sys.version_info >= (3, 12) else ["settrace"]


@dataclass
class Result:
    stdout: str
    stderr: str
    status: int
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout

    def between(self, start: str, end: str = "(allstop)") -> str:
        """The text after the first ``start`` up to the next ``end``."""
        _, found, tail = self.stdout.partition(start)
        assert found, f"{start!r} not in output:\n{self.stdout}"
        return tail.split(end, 1)[0]


def env_for(backend: str | None, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONBREAKPOINT", None)
    env["PYTHONUNBUFFERED"] = "1"
    env["ALLSTOP_UI"] = "line"
    if backend:
        env["ALLSTOP_BACKEND"] = backend
    if extra:
        env.update(extra)
    return env


def _run(
    command: list[str], stdin: str, timeout: float, env: dict[str, str], cwd: Path | str
) -> Result:
    started = time.monotonic()
    try:
        proc = subprocess.run(
            command,
            check=False,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            cwd=cwd,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
        err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else exc.stderr or ""
        raise AssertionError(f"hung for {timeout}s\n--- stdout\n{out}\n--- stderr\n{err}") from None
    return Result(proc.stdout, proc.stderr, proc.returncode, time.monotonic() - started)


def run_allstop(
    args: list[str],
    commands: list[str] | None = None,
    *,
    backend: str | None = None,
    timeout: float = 30,
    env: dict[str, str] | None = None,
    cwd: Path | str | None = None,
) -> Result:
    """``python -m allstop ARGS`` with ``commands`` piped to stdin, one per line."""
    stdin = "".join(c + "\n" for c in commands or [])
    command = [sys.executable, "-m", "allstop", *args]
    return _run(command, stdin, timeout, env_for(backend, env), cwd or ROOT)


def run_python(
    source: str,
    *,
    backend: str | None = None,
    timeout: float = 30,
    stdin: str = "",
    env: dict[str, str] | None = None,
) -> Result:
    """Run ``source`` (dedented) as a script in a fresh interpreter (from a real file, so that
    its source can be listed); tests/ is importable as ``tests``."""
    extra = {"PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    extra.update(env or {})
    with tempfile.TemporaryDirectory(prefix="allstop-test-") as folder:
        script = Path(folder) / "scenario.py"
        script.write_text(textwrap.dedent(source))
        return _run([sys.executable, str(script)], stdin, timeout, env_for(backend, extra), ROOT)


def facts(result: Result) -> dict[str, object]:
    """The JSON facts a scenario emitted, merged; fails with the child's output on error."""
    import json

    merged: dict[str, object] = {}
    for line in result.stdout.splitlines():
        if line.startswith("{"):
            merged.update(json.loads(line))
    assert result.status == 0, f"status {result.status}\n{result.stdout}\n{result.stderr}"
    assert "internal_error" not in merged, merged["internal_error"]
    assert "unexpected_stop" not in merged, merged
    return merged
