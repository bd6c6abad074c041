"""Post-mortem after crashes, the waits-for picture, and pausing a running program (issue 4),
in line mode through real subprocesses."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from allstop._pause import pause_marker
from tests.support.run import EXAMPLES, PROGRAMS, Running, pause, run_allstop, run_python

pytestmark = pytest.mark.e2e

PROMPT = "(allstop) "


def replies(stdout: str) -> list[str]:
    return stdout.split(PROMPT)


def test_crashing_producer_stops_the_world_with_the_consumer_waiting(backend: str) -> None:
    result = run_allstop(
        ["run", str(EXAMPLES / "producer_consumer.py")],
        ["threads", "waits", "thread 2", "where", "thread 3", "n", "q"],
        backend=backend,
        timeout=20,
    )
    out = replies(result.stdout)
    banner = out[0]
    assert banner.startswith("[thread 3 producer] crashed: ValueError: invalid literal for int()")
    assert "Traceback (most recent call last):" in banner
    assert banner.rstrip().endswith("-> return int(text)")
    rows = {
        row.split()[1] if not row.startswith("*") else row.split()[2]: row
        for row in out[1].splitlines()[1:]
    }
    assert re.search(r"crashed: ValueError", rows["producer"])
    assert rows["producer"].startswith("* 3")
    assert "blocked: waits on Queue (size 0)" in rows["consumer"]
    assert "waits on thread 2 to finish" in rows["MainThread"]
    assert "thread 2 (consumer) waits on Queue (size 0)" in out[2]
    assert "(blocked in a C call: waits on Queue (size 0))" in out[4]
    assert out[6].strip() == (
        "*** post-mortem: these frames have finished; step another thread, or continue"
    )
    assert result.status == 1
    assert "processed" not in result.stdout


def test_continue_after_a_crash_lets_the_program_go_on(backend: str) -> None:
    result = run_allstop(
        ["run", str(PROGRAMS / "crash_then_go_on.py")],
        ["exceptions", "p setting", "exceptions 0", "p text", "where", "exceptions 5", "c"],
        backend=backend,
    )
    out = replies(result.stdout)
    assert out[0].startswith("[thread 2 loader] crashed: RuntimeError: bad configuration")
    assert "The above exception was the direct cause of the following exception:" in out[0]
    listing = out[1].splitlines()
    assert listing[0].startswith("    0 ValueError(")  # pdb's format
    assert listing[1] == ">   1 RuntimeError('bad configuration')"
    assert out[2].strip() == "'forty-two'"
    assert "load()" in out[3]
    assert out[4].strip() == "'forty-two'"
    assert out[5].rstrip().endswith("-> return int(text)")
    assert out[6].strip() == "*** No exception with that number"  # pdb's words
    assert result.status == 0
    assert "main done" in result.stdout
    assert "Exception in thread loader" in result.stderr
    assert "RuntimeError: bad configuration" in result.stderr


def test_post_mortem_and_pm_freeze_the_world(backend: str) -> None:
    result = run_allstop(
        ["run", str(PROGRAMS / "handled.py")],
        ["p b", "!import time; time.sleep(0.2)", "threads", "c", "p a", "c"],  # a real wait
        backend=backend,
    )
    out = replies(result.stdout)
    assert out[0].startswith(
        "[thread 1 MainThread] post-mortem: ZeroDivisionError: division by zero"
    )
    assert out[1].strip() == "0"
    assert re.search(r"ticker\s.*frozen", out[3])
    assert out[4].startswith("[thread 1 MainThread] post-mortem: ZeroDivisionError")
    assert out[5].strip() == "1"
    assert result.status == 0
    assert "after post-mortem" in result.stdout


def test_post_mortem_all_stops_where_a_pool_worker_raises(backend: str) -> None:
    result = run_allstop(
        ["run", "--post-mortem=all", str(EXAMPLES / "pool_crash.py")],
        ["p item", "c", "where", "c"],
        backend=backend,
    )
    out = replies(result.stdout)
    assert re.match(r"\[thread \d+ pool_\d\] post-mortem: KeyError: 'plum'", out[0])
    assert out[1].strip() == "'plum'"
    assert out[2].startswith("[thread 1 MainThread] crashed: KeyError: 'plum'")
    assert "future.result()" in out[3]
    assert result.status == 1
    plain = run_allstop(["run", str(EXAMPLES / "pool_crash.py")], ["c"], backend=backend)
    assert plain.stdout.count(PROMPT) == 1  # without =all: only the main thread's crash
    assert plain.stdout.startswith("[thread 1 MainThread] crashed: KeyError: 'plum'")


def test_pause_a_deadlocked_program_and_name_the_cycle(backend: str) -> None:
    program = Running(["run", str(EXAMPLES / "deadlock.py")], backend=backend)
    try:
        assert program.wait_for("started"), program.output
        paused = pause(program.proc.pid)
        assert paused.returncode == 0, paused.stderr
        assert (
            paused.stdout.strip() == f"allstop: paused process {program.proc.pid} (signal SIGUSR1)"
        )
        assert program.wait_for("stopped at pause"), program.output
        program.send("threads", "waits", "q")
    finally:
        result = program.finish()
    out = replies(result.stdout)
    assert "[thread 1 MainThread] stopped at pause" in out[0]
    assert re.search(r"2\s+transfer.*blocked: waits on RLock held by thread 3", out[1])
    assert re.search(r"3\s+audit.*blocked: waits on RLock held by thread 2", out[1])
    assert (
        "deadlock: thread 2 waits for RLock held by thread 3, which waits for RLock held by "
        "thread 2"
    ) in out[2]
    assert result.status == 1


@pytest.mark.parametrize("how", ["allstop pause", "Ctrl-\\\\ (SIGQUIT)"])
def test_pause_and_continue_a_running_program(backend: str, how: str) -> None:
    program = Running(["run", str(PROGRAMS / "ticking.py")], backend=backend)
    try:
        assert program.wait_for("ready"), program.output
        if how == "allstop pause":
            assert pause(program.proc.pid).returncode == 0
        else:
            os.kill(program.proc.pid, signal.SIGQUIT)
        assert program.wait_for("stopped at pause"), program.output
        program.send("threads", "c")
    finally:
        result = program.finish()
    out = replies(result.stdout)
    assert re.search(r"worker\s.*frozen", out[1])
    assert result.status == 0
    assert "finished" in result.stdout


def test_pause_refuses_a_process_without_allstop() -> None:
    # The bystander's sleep only keeps it alive until it is killed below.
    bystander = "import time; print('ready', flush=True); time.sleep(30)"  # not synchronisation
    sleeper = subprocess.Popen(
        [sys.executable, "-c", bystander],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        # Asked before the exec, /proc would show the test process's own signal handlers.
        assert sleeper.stdout is not None
        assert sleeper.stdout.readline() == "ready\n"
        paused = pause(sleeper.pid)
        assert paused.returncode == 1
        assert "does not run allstop" in paused.stderr
        # The marker of an allstop process that died without removing it, whose id the
        # bystander got: it speaks for another process (started at another time).
        marker = Path(pause_marker(sleeper.pid))
        marker.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        marker.write_text(f"{int(signal.SIGUSR1)} 1 HANDLED")
        try:
            paused = pause(sleeper.pid)
        finally:
            marker.unlink()
        assert paused.returncode == 1
        assert "does not run allstop" in paused.stderr
        assert sleeper.poll() is None  # not killed by a signal it does not handle
    finally:
        sleeper.kill()
        sleeper.wait()


def refused(pid: int, reason: str) -> str:
    return (
        f"allstop: process {pid} no longer handles SIGUSR1 for allstop ({reason}): nothing sent\n"
    )


@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ("own", "the program replaced the handler"),
        ("default", "reset to the default action, which would kill it"),
        ("ignore", "ignored"),
        ("faulthandler", "the program gave it to faulthandler.register()"),
    ],
)
def test_pause_refuses_a_program_that_took_the_signal_back(how: str, reason: str) -> None:
    program = Running(["run", str(PROGRAMS / "own_pause_signal.py"), how])
    try:
        assert program.wait_for("ready"), program.output + program.error_output
        paused = pause(program.proc.pid)
        assert (paused.returncode, paused.stdout) == (1, "")
        assert paused.stderr == refused(program.proc.pid, reason)
        assert program.proc.poll() is None  # not killed by the default action
    finally:
        result = program.finish()
    assert (result.stdout, result.status) == ("ready\nown handler called 0 times\n", 0)
    assert result.stderr == ""  # faulthandler dumped no traceback


def pause_when_ready_then_quit(program: Running) -> None:
    """Once ``program`` says it is ready, ``allstop pause`` opens a session there; quit it."""
    assert program.wait_for("ready"), program.output + program.error_output
    paused = pause(program.proc.pid)
    assert paused.returncode == 0, paused.stderr
    assert program.wait_for("stopped at pause"), program.output
    program.send("q")


def test_pause_a_program_that_put_allstops_handler_back(backend: str) -> None:
    program = Running(["run", str(PROGRAMS / "own_pause_signal.py"), "restore"], backend=backend)
    try:
        assert program.wait_for("replaced"), program.output + program.error_output
        paused = pause(program.proc.pid)
        assert paused.returncode == 1
        assert paused.stderr == refused(program.proc.pid, "the program replaced the handler")
        program.send("go on")
        pause_when_ready_then_quit(program)
    finally:
        result = program.finish()
    head, banner = replies(result.stdout)[0].split("ready\n")
    assert head == "replaced\nrefused in a thread\n"  # and taking it in a thread broke nothing
    assert banner.startswith("[thread 1 MainThread] stopped at pause")
    assert result.status == 1


def test_pause_a_program_whose_child_took_the_signal(backend: str) -> None:
    # A forked child ignores the signal and exits: the parent's marker is the parent's.
    program = Running(["run", str(PROGRAMS / "own_pause_signal.py"), "fork"], backend=backend)
    try:
        pause_when_ready_then_quit(program)
    finally:
        result = program.finish()
    assert result.stdout.startswith("ready\n[thread 1 MainThread] stopped at pause")
    assert result.status == 1


def test_waits_names_what_each_thread_waits_on(backend: str) -> None:
    result = run_allstop(["run", str(PROGRAMS / "waiting.py")], ["waits", "q"], backend=backend)
    lines = replies(result.stdout)[1].splitlines()
    assert "thread 2 (on_event) waits on Event" in lines
    assert "thread 3 (on_condition) waits on Condition" in lines
    assert "thread 4 (holding) waits on Event" in lines
    assert "thread 5 (on_lock) waits on Lock held by thread 4" in lines
    assert "thread 6 (sleeping) waits on sleep" in lines
    assert "thread 7 (joining) waits on thread 2 to finish" in lines


LAST_CRASH = """
import sys
import threading

import allstop


def boom():
    seen = 41
    raise ValueError("the worker failed")


allstop.set_trace()  # allstop is set up (as after a first breakpoint()); the user continues
worker = threading.Thread(target=boom, name="boomer")
worker.start()
worker.join()
allstop.pm()
print("after pm")
try:
    1 / 0
except ZeroDivisionError:
    sys.last_exc = sys.last_value = sys.exc_info()[1]  # as the REPL keeps its last error
allstop.pm()
"""


def test_pm_looks_at_the_crash_of_the_last_thread_that_died(backend: str) -> None:
    """pdb's pm() knows only the main thread's last error; allstop's takes the last thread
    that died of one, unless the main thread's came later."""
    result = run_python(LAST_CRASH, stdin="c\np seen\nc\nwhere\nc\n", backend=backend)
    assert result.status == 0, result.stderr
    out = replies(result.stdout)
    assert out[1].startswith("> "), out
    assert out[1].splitlines()[0].endswith("boom()")
    assert out[2].strip() == "41"
    assert out[3].strip().startswith("after pm")
    assert out[4].strip().splitlines()[-2].endswith("<module>()")
    assert "ValueError: the worker failed" in result.stderr
