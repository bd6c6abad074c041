"""A real pseudo-terminal for UI tests: pexpect runs the command, pyte renders the screen."""

from __future__ import annotations

import os
import re
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pexpect
import pyte

from tests.support.run import ROOT, env_for


class Terminal:
    """``bash -c COMMAND`` on an 80x24 (by default) terminal."""

    def __init__(
        self,
        command: str,
        *,
        rows: int = 24,
        cols: int = 80,
        backend: str | None = None,
        cwd: Path = ROOT,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        env = env_for(
            backend,
            {"TERM": "xterm", "COLUMNS": str(cols), "LINES": str(rows), **(extra_env or {})},
        )
        env.pop("ALLSTOP_UI", None)  # a terminal: the full-screen UI
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = b""
        self.child = pexpect.spawn(
            "bash", ["-c", command], cwd=str(cwd), env=env, dimensions=(rows, cols)
        )

    @property
    def text(self) -> str:
        return "\n".join(self.screen.display)

    def pump(self, seconds: float = 0.2) -> None:
        """Read what the program wrote for ``seconds``."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                data = self.child.read_nonblocking(65536, timeout=0.05)
            except pexpect.TIMEOUT:
                continue
            except pexpect.EOF:
                return
            self.raw += data
            self.stream.feed(data)

    def wait_for(self, what: str | Callable[[str], bool], timeout: float = 15.0) -> bool:
        """Read until the screen shows ``what`` (or the predicate holds)."""
        test = (lambda text: what in text) if isinstance(what, str) else what
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if test(self.text):
                return True
            if not self.child.isalive():
                self.pump(0.1)
                return test(self.text)
            self.pump(0.1)
        return False

    def send(self, keys: str) -> None:
        self.child.send(keys)

    def finish(self, timeout: float = 15.0) -> str:
        """Wait for the end; return everything the terminal received, decoded."""
        deadline = time.monotonic() + timeout
        while self.child.isalive() and time.monotonic() < deadline:
            self.pump(0.1)
        self.pump(0.1)
        if self.child.isalive():
            self.child.terminate(force=True)
            raise AssertionError(f"still running after {timeout}s:\n{self.text}")
        return self.raw.decode("utf-8", "replace")


ENTER = "\r"
AFTER = 'echo "STATUS=$?"; stty -a'
"""Shell words to run after allstop: its exit status, then the terminal's settings."""


def cooked(raw: str) -> bool:
    """Whether the stty output printed after allstop (``AFTER``) shows a terminal in cooked
    mode."""
    settings = raw.rsplit("STATUS=", 1)[-1]
    words = set(re.split(r"[\s;]+", settings))
    return {"icanon", "echo", "isig"} <= words and "-icanon" not in words


def allstop_command(*args: str) -> str:
    """The shell words that run ``python -m allstop ARGS``."""
    return shlex.join([sys.executable, "-m", "allstop", *args])


__all__ = ["AFTER", "ENTER", "Terminal", "allstop_command", "cooked", "os"]
