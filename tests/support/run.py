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
from typing import IO

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


def line_of(path: Path, marker: str) -> int:
    """The number of the first line of ``path`` that contains ``marker``."""
    for number, text in enumerate(path.read_text().splitlines(), 1):
        if marker in text:
            return number
    raise AssertionError(f"{marker!r} not in {path}")


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


def pause(pid: int) -> subprocess.CompletedProcess[str]:
    """``allstop pause PID``, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "allstop", "pause", str(pid)],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )


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


# Starts the program with SIGINT and SIGQUIT as a terminal gives them: a test run started as a
# background job inherits them ignored, and ignored signals stay ignored across exec.
_WITH_DEFAULT_SIGNALS = (
    "import os, signal, sys;"
    "[signal.signal(s, signal.SIG_DFL) for s in (signal.SIGINT, signal.SIGQUIT)];"
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
)


class Running:
    """``python -m allstop ARGS`` (with ``plain``: ``python ARGS``) running in the background,
    its output read as it comes."""

    def __init__(self, args: list[str], *, backend: str | None = None, plain: bool = False) -> None:
        import threading

        command = args if plain else ["-m", "allstop", *args]
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _WITH_DEFAULT_SIGNALS, *command],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env_for(backend),
            cwd=ROOT,
        )
        self.lines: list[str] = []
        self.errors: list[str] = []
        self._changed = threading.Condition()
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self.lines), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stderr, self.errors), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: IO[str] | None, into: list[str]) -> None:
        assert stream is not None
        for line in stream:
            with self._changed:
                into.append(line)
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    @property
    def error_output(self) -> str:
        return "".join(self.errors)

    def wait_for(self, text: str, timeout: float = 15.0, *, stderr: bool = False) -> bool:
        """Wait until ``text`` appears in the output (or in stderr); False when the stream
        ends or after ``timeout`` without it."""
        index = 1 if stderr else 0

        def seen() -> bool:
            return text in "".join((self.lines, self.errors)[index])

        with self._changed:
            self._changed.wait_for(lambda: seen() or not self._readers[index].is_alive(), timeout)
            return seen()

    def kill(self) -> None:
        """End it now if it still runs (after a failed test)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def send(self, *commands: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("".join(c + "\n" for c in commands))
        self.proc.stdin.flush()

    def finish(self, timeout: float = 15.0) -> Result:
        """Close its input, wait for the end and return what it wrote."""
        started = time.monotonic()
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"still running after {timeout}s:\n{self.output}") from None
        for reader in self._readers:
            reader.join(5)
        return Result(
            self.output, "".join(self.errors), self.proc.returncode, time.monotonic() - started
        )
