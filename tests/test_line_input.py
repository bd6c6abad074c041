"""How line mode reads its commands when standard input is not a terminal: whole lines of any
length, in time proportional to their length, and not a byte past the last command the
debugger runs, so that the program's own ``input()`` after ``continue`` reads what follows
(as under pdb, which shares ``sys.stdin`` with the program)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.run import ROOT, Running, env_for, run_allstop

pytestmark = pytest.mark.e2e

PROMPT = "(allstop) "

PRINTS = "breakpoint()\nfor i in range(1000):\n    print('line', i)\n"
"""Stops, then writes a thousand lines of its own."""
STOPPED = "-> "
"""The start of the stop's last line before the prompt (``Running`` sees whole lines only)."""

READS = "breakpoint()\nprint('program read', repr(input()))\nprint('program read', repr(input()))\n"
"""Stops, then reads two lines of its standard input."""


def program(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "program.py"
    path.write_text(source)
    return path


def after_last_prompt(stdout: str) -> str:
    return stdout.rsplit(PROMPT, 1)[1]


def test_a_ten_megabyte_line_is_read_whole_and_the_next_commands_run(tmp_path: Path) -> None:
    # 3-byte characters: reads end in the middle of one (65536 is no multiple of 3), and a
    # character decoded in two halves would show as two U+FFFD and change the length.
    count = 10_000_000 // 3
    result = run_allstop(
        ["run", str(program(tmp_path, PRINTS))],
        [f'!s = "{"€" * count}"', "p len(s), set(s)", "p 6*7", "c"],
        timeout=20,
    )
    replies = result.stdout.split(PROMPT)
    assert replies[2:4] == [f"({count}, {{'€'}})\n", "42\n"], result.stdout[-2000:]
    assert after_last_prompt(result.stdout) == "".join(f"line {i}\n" for i in range(1000))
    assert result.status == 0, result.stderr


def test_lines_that_arrive_together_each_run(tmp_path: Path) -> None:
    running = Running(["run", str(program(tmp_path, PRINTS))])
    try:
        assert running.wait_for(STOPPED), running.output
        running.send("p 6*7", "p 'second'")  # one write: both lines wait in the pipe at once
        assert running.wait_for("'second'"), running.output
        running.send("c")
    finally:
        result = running.finish()
    assert result.stdout.split(PROMPT)[1:3] == ["42\n", "'second'\n"], result.stdout
    assert after_last_prompt(result.stdout) == "".join(f"line {i}\n" for i in range(1000))
    assert result.status == 0, result.stderr


def _run_fed(source: Path, lines: list[str], kind: str, tmp_path: Path) -> tuple[str, int]:
    """``allstop run SOURCE`` with ``lines`` all waiting on its standard input from the
    start, which is a pipe, a regular file or a socket (each is read its own way)."""
    if kind == "pipe":
        result = run_allstop(["run", str(source)], lines, timeout=20)
        return result.stdout, result.status
    data = "".join(line + "\n" for line in lines).encode()
    command = [sys.executable, "-m", "allstop", "run", str(source)]

    def run(stdin: int) -> tuple[str, int]:
        done = subprocess.run(
            command,
            stdin=stdin,
            capture_output=True,
            text=True,
            timeout=20,
            env=env_for(None),
            cwd=ROOT,
            check=False,
        )
        return done.stdout, done.returncode

    if kind == "file":
        path = tmp_path / "input.txt"
        path.write_bytes(data)
        with path.open("rb") as stdin:
            return run(stdin.fileno())
    ours, theirs = socket.socketpair()
    with ours, theirs:
        ours.sendall(data)
        ours.shutdown(socket.SHUT_WR)
        return run(theirs.fileno())


@pytest.mark.parametrize("kind", ["pipe", "file", "socket"])
def test_what_follows_the_commands_is_left_for_the_program(tmp_path: Path, kind: str) -> None:
    stdout, status = _run_fed(
        program(tmp_path, READS), ["p 6*7", "c", "first answer", "second answer"], kind, tmp_path
    )
    assert stdout.split(PROMPT)[1] == "42\n", stdout
    assert after_last_prompt(stdout) == (
        "program read 'first answer'\nprogram read 'second answer'\n"
    ), stdout
    assert status == 0


def test_ctrl_c_at_a_prompt_on_a_pipe_gives_a_new_prompt(tmp_path: Path) -> None:
    running = Running(["run", str(program(tmp_path, PRINTS))])
    try:
        assert running.wait_for(STOPPED), running.output
        os.kill(running.proc.pid, signal.SIGINT)
        assert running.wait_for("--KeyboardInterrupt--"), running.output
        running.send("p 6*7", "c")
    finally:
        result = running.finish()
    assert result.stdout.split(PROMPT)[1:3] == ["\n--KeyboardInterrupt--\n", "42\n"], result.stdout
    assert after_last_prompt(result.stdout) == "".join(f"line {i}\n" for i in range(1000))
    assert result.status == 0, result.stderr
