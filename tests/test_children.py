"""Child processes (issue 15): fork under allstop, on real processes in line mode."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.support.run import (
    EXAMPLES,
    PROGRAMS,
    Running,
    line_of,
    pause,
    run_allstop,
    run_python,
)

pytestmark = pytest.mark.e2e

FORKS = PROGRAMS / "forks.py"
QUIET = {"PYTHONWARNINGS": "ignore::DeprecationWarning"}
"""The programs fork with threads running: 3.12+ warns that the child may deadlock."""


def test_a_child_forked_from_a_worker_thread_stops_with_its_own_session(backend: str) -> None:
    # given a parent that stopped once (the session exists), then forks from a worker thread
    commands = ["c", "p value", "threads", "c"]
    result = run_allstop(["run", str(FORKS)], commands, backend=backend, env=QUIET)
    # then the child's stop says which process it is, in its header and its prompt
    header = r"\[pid (\d+) thread 1 forker\] stopped at breakpoint\(\); 0 other threads frozen"
    match = re.search(header, result.stdout)
    assert match, result.stdout
    after = result.stdout.split(f"(allstop pid {match.group(1)}) ")
    # and p answers at once, and only the forking thread lives in the child
    assert after[1].strip() == "41", result.stdout
    rows = [line for line in after[2].splitlines() if re.match(r"[* ] \d+ ", line)]
    assert len(rows) == 1, after[2]
    assert re.match(r"\* 1\s+forker\s+\d+\s+no\s+stopped", rows[0]), after[2]
    # and continue ends the child normally, then the parent
    assert "child done 42" in result.stdout
    assert "parent saw the child exit with 0" in result.stdout
    assert "parent done" in result.stdout
    assert result.status == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr


def test_a_fork_typed_at_the_prompt_leaves_the_child_running_and_the_session_to_the_parent(
    backend: str,
) -> None:
    commands = ["!import os; child = os.fork()", "p 6 * 7", "c"]
    result = run_allstop(["run", str(FORKS), "prompt"], commands, backend=backend, env=QUIET)
    # then the child runs on without a stop of its own (the stop stays the parent's), and the
    # parent's session goes on (the two processes print at once: a line may split the other's;
    # the source line shown quotes both)
    said = re.findall(r'(?<!")(?:child|parent) runs on', result.stdout)
    assert sorted(said) == ["child runs on", "parent runs on"], result.stdout
    assert re.search(r"^(\(allstop\) )*42$", result.stdout, re.MULTILINE), result.stdout
    assert "(allstop pid" not in result.stdout, result.stdout
    assert result.status == 0, result.stderr


POOL = PROGRAMS / "pool_child.py"


def pid_of_stop(stdout: str) -> str:
    """The pid a child's stop names in its header, which its prompt repeats."""
    match = re.search(r"\[pid (\d+) thread 1 MainThread\] stopped at breakpoint", stdout)
    assert match, stdout
    assert f"(allstop pid {match.group(1)}) " in stdout, stdout
    return match.group(1)


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_a_pool_worker_of_every_start_method_stops_with_allstop(backend: str, method: str) -> None:
    result = run_allstop(["run", str(POOL), method], ["p value", "c"], backend=backend, env=QUIET)
    pid = pid_of_stop(result.stdout)
    assert result.stdout.split(f"(allstop pid {pid}) ")[1].strip() == "40", result.stdout
    assert "result 41" in result.stdout
    assert result.status == 0, result.stderr


def test_a_subprocess_running_python_stops_with_allstop_unless_no_children(
    backend: str,
) -> None:
    result = run_allstop(["run", str(POOL), "subprocess"], ["p value", "c"], backend=backend)
    pid = pid_of_stop(result.stdout)
    assert result.stdout.split(f"(allstop pid {pid}) ")[1].strip() == "7", result.stdout
    assert "child says 42" in result.stdout
    assert "parent: child exited 0" in result.stdout
    # and with --no-children, the child has pdb, as without allstop
    plain = run_allstop(
        ["run", "--no-children", str(POOL), "subprocess"], ["p value", "c"], backend=backend
    )
    assert "(Pdb) 7" in plain.stdout, plain.stdout
    assert "allstop" not in plain.stdout, plain.stdout


def test_the_b_breakpoints_stop_in_the_children_too(backend: str) -> None:
    line = line_of(POOL, "# a -b breakpoint's line")
    result = run_allstop(
        ["run", "-b", f"{POOL}:{line}", str(POOL), "spawn", "quiet"],
        ["p n", "c"],
        backend=backend,
    )
    match = re.search(r"\[pid (\d+) thread 1 MainThread\] stopped at breakpoint 1", result.stdout)
    assert match, result.stdout
    assert result.stdout.split(f"(allstop pid {match.group(1)}) ")[1].strip() == "4"
    assert "result 41" in result.stdout
    assert result.status == 0, result.stderr


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_stops_in_two_workers_at_once_are_shown_one_at_a_time(backend: str, method: str) -> None:
    commands = ["p n", "c", "p n", "c"]
    result = run_allstop(["run", str(POOL), method, "both"], commands, backend=backend, env=QUIET)
    # then each worker's stop has the terminal to itself until it continues: its header, then
    # its own answer at its own prompt
    pids = re.findall(r"\[pid (\d+) thread 1 MainThread\] stopped at breakpoint", result.stdout)
    assert len(set(pids)) == 2, result.stdout
    answers = [re.search(rf"\(allstop pid {pid}\) (\d+)\n", result.stdout) for pid in pids]
    assert sorted(match.group(1) for match in answers if match) == ["1", "2"], result.stdout
    assert "results [10, 20]" in result.stdout
    assert result.status == 0, result.stderr


def test_processes_lists_the_programs_processes_with_their_state(backend: str) -> None:
    commands = ["processes", "c", "info inferiors", "c"]
    result = run_allstop(["run", str(POOL), "subprocess", "stop"], commands, backend=backend)
    child = pid_of_stop(result.stdout)
    # then at the child's stop: the top process is paused, the child is this stopped process
    at_child = result.stdout.split(f"(allstop pid {child}) ")[1]
    rows = {row.split()[2]: row for row in at_child.splitlines() if re.match(r"[* ] \d+ ", row)}
    assert re.match(rf"\* \d+\s+{child}\s+stopped\s", rows[child]), at_child
    top = next(row for pid, row in rows.items() if pid != child)
    assert re.match(r"  \d+\s+\d+\s+paused\s+\d+\s+python\S* -m allstop run \S*pool_child", top)
    # and at the parent's stop, once the child ended: it is listed as exited
    at_parent = result.stdout.split("(allstop) ")[1]
    exited = next(row for row in at_parent.splitlines() if f" {child} " in row)
    assert re.match(rf"  \d+\s+{child}\s+exited", exited), at_parent
    assert result.status == 0, result.stderr


def test_a_run_removes_the_private_folders_of_runs_that_ended_without_removing_theirs(
    tmp_path: Path,
) -> None:
    # given the folder of an allstop run whose process is gone (killed, say)
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    stale = Path(tempfile.gettempdir()) / f"allstop-run-{gone}-left"
    stale.mkdir()
    (stale / "terminal").touch()
    program = tmp_path / "hello.py"
    program.write_text("print('hello')\n")
    # when another run starts and ends
    result = run_allstop(["run", str(program)])
    assert result.stdout.strip() == "hello", result.stderr
    # then neither that folder nor the run's own is left
    assert not stale.exists()
    left = [p.name for p in Path(tempfile.gettempdir()).glob("allstop-run-*") if gone_run(p)]
    assert left == []


def gone_run(folder: Path) -> bool:
    """Whether ``folder`` is the private folder of an allstop run whose process is gone."""
    pid = int(folder.name.split("-")[2])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


TREE = PROGRAMS / "pool_tree.py"


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_a_stop_in_a_pool_worker_pauses_every_process_until_continue(method: str) -> None:
    program = Running(["run", str(TREE), method])
    try:
        assert program.wait_for("-> "), program.output + program.error_output
        # the other processes would count 30 more during the sleep
        wait = "!time.sleep(0.3)"  # not synchronisation: time for any process to count on
        program.send("p COUNTS[:]", wait, "p COUNTS[:]", "processes", "p 'end'")
        assert program.wait_for("'end'"), program.output
        table = program.output.split("  Id  ")[1]
        rows = [row.split() for row in table.splitlines() if re.match(r"[* ] \d+ ", row)]
        worker = next(row for row in rows[1:] if row[0] != "*")
        here = "p slot, mine == COUNTS[slot], __import__('os').getpid()"
        program.send(f"process {worker[0]}", here, "c")
        result = program.finish()
    finally:
        program.kill()
    stopped = re.search(r"\[pid (\d+) thread 1 MainThread\] stopped at breakpoint", result.stdout)
    assert stopped, result.stdout
    at_stop = result.stdout.split(f"(allstop pid {stopped.group(1)}) ")
    # then nothing counts anywhere while the worker is stopped
    first, second = at_stop[1].strip(), at_stop[3].strip()
    assert first == second, result.stdout
    assert first.split(", ")[1] == "50", result.stdout
    # and processes lists the parent and the four workers: this one stopped, the others paused
    states = [row[3 if row[0] == "*" else 2] for row in rows]
    assert sorted(states) == ["paused"] * 4 + ["stopped"], table
    # and process N takes the terminal: its own threads, paused where they counted
    header = rf"\[pid {worker[1]} thread 1 MainThread\] stopped at the stop of another process"
    assert re.search(header, result.stdout), result.stdout
    answer = result.stdout.split(f"(allstop pid {worker[1]}) ")[1].strip()
    assert re.fullmatch(rf"\([234], True, {worker[1]}\)", answer), result.stdout
    # and continue there resumes every process: the results are exact
    assert "results [1150, 2150, 3150, 4150]" in result.stdout, result.stdout
    assert result.status == 0, result.stderr


def test_bt_all_processes_then_a_child_killed_while_the_program_is_stopped() -> None:
    # the sleep lets the killed child become a zombie before processes looks
    settle = "!time.sleep(0.2)"  # (the kill is asynchronous; its parent is paused)
    commands = ["bt all processes", "!os.kill(child.pid, 9)", settle, "processes", "c"]
    result = run_allstop(["run", str(PROGRAMS / "tree.py"), "kill"], commands, env=QUIET)
    child = re.search(r"^child (\d+)$", result.stdout, re.MULTILINE)
    assert child, result.stdout
    # then the parent's stop names its pid, as the child's would (the program has two now)
    prompts = re.split(r"\(allstop pid \d+\) ", result.stdout)
    header = r"^\[pid \d+ thread 1 MainThread\] stopped at breakpoint"
    assert re.search(header, prompts[0], re.MULTILINE), prompts[0]
    # and bt all processes shows this process's threads, then the child's, paused in count()
    stacks = prompts[1]
    here, there = stacks.split(f"  process 2 (pid {child.group(1)}, paused)")
    assert re.match(r"\* process 1 \(pid \d+, stopped\)\nThread 1 \"MainThread\"", here), stacks
    assert re.search(r"tree\.py\(\d+\)count\(\)", there), stacks
    # then processes says the child was killed (the parent, paused, has not waited for it)
    row = next(row for row in result.stdout.splitlines() if f" {child.group(1)} " in row)
    assert re.match(rf"  2\s+{child.group(1)}\s+killed by SIGKILL", row), result.stdout
    # and continue resumes the parent, which sees it
    assert "child ended with -9" in result.stdout
    assert result.status == 0, result.stderr


def test_allstop_pause_on_a_child_pauses_the_whole_program() -> None:
    program = Running(["run", str(PROGRAMS / "tree.py")])
    try:
        assert program.wait_for("child "), program.output + program.error_output
        child = program.output.split()[1]
        assert pause(int(child)).returncode == 0
        assert program.wait_for("-> "), program.output + program.error_output
        wait = "!time.sleep(0.2)"  # not synchronisation: time for the child to count on
        program.send("p shared.value", wait, "p shared.value", "processes", "c")
        result = program.finish()
    finally:
        program.kill()
    # then the child stops, says so, and counts no more while stopped
    assert f"[pid {child} thread 1 MainThread] stopped at pause" in result.stdout, result.stdout
    at_stop = result.stdout.split(f"(allstop pid {child}) ")
    assert at_stop[1].strip() == at_stop[3].strip(), result.stdout
    # and the parent is paused with it
    assert re.search(r"^  1\s+\d+\s+paused\s", at_stop[4], re.MULTILINE), result.stdout
    # and continue resumes both: the child counts to the end
    assert "child ended with 0 at 150" in result.stdout, result.stdout
    assert result.status == 0, result.stderr


def test_the_process_pool_example_stops_a_worker_and_pauses_the_others() -> None:
    commands = ["p order", "processes", "c"]
    result = run_allstop(["run", str(EXAMPLES / "process_pool.py")], commands)
    stopped = re.search(r"\[pid (\d+) thread 1 MainThread\] stopped at breakpoint", result.stdout)
    assert stopped, result.stdout
    at_stop = result.stdout.split(f"(allstop pid {stopped.group(1)}) ")
    assert at_stop[1].strip() == "('order-13', -2, 15.5)", result.stdout
    # then the parent and the three other workers of the ProcessPoolExecutor are paused
    rows = [row.split() for row in at_stop[2].splitlines() if re.match(r"[* ] \d+ ", row)]
    assert sorted(row[3 if row[0] == "*" else 2] for row in rows) == ["paused"] * 4 + ["stopped"]
    # and continue resumes them all: the total is exact
    assert "total 1143.50" in result.stdout, result.stdout
    assert result.status == 0, result.stderr


INSTALLED = """
    import multiprocessing

    import allstop


    def work() -> None:
        value = 5
        breakpoint()
        print("child says", value * 2, flush=True)


    if __name__ == "__main__":
        allstop.install(children=True)
        allstop.install(children=True)  # once is enough: the second changes nothing
        child = multiprocessing.get_context("spawn").Process(target=work)
        child.start()
        child.join()
        print("parent done", child.exitcode, flush=True)
"""


def test_install_with_children_arms_the_programs_children_as_allstop_run_does() -> None:
    result = run_python(INSTALLED, stdin="p value\nprocesses\nc\n")
    stopped = re.search(r"\[pid (\d+) thread 1 MainThread\] stopped at breakpoint", result.stdout)
    assert stopped, result.stdout + result.stderr
    at_stop = result.stdout.split(f"(allstop pid {stopped.group(1)}) ")
    assert at_stop[1].strip() == "5", result.stdout
    # then the parent that installed allstop is paused while its child is stopped
    assert re.search(r"^  1\s+\d+\s+paused\s", at_stop[2], re.MULTILINE), result.stdout
    assert "child says 10" in result.stdout
    assert "parent done 0" in result.stdout
    assert result.status == 0, result.stderr
