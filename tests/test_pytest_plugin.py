"""The pytest plugin, through pytest's own pytester: a test run in a fresh pytest process with
commands piped to allstop's line mode."""

from __future__ import annotations

import re
import sys

import pytest

pytestmark = pytest.mark.e2e

pytest_plugins = ["pytester"]

THREADED_TESTS = """
import threading

import pytest


@pytest.fixture
def workers():
    counts = [0, 0]
    done = [False]

    def spin(index):
        while not done[0]:
            counts[index] += 1

    threads = [threading.Thread(target=spin, args=(i,), name=f"spin-{i}") for i in range(2)]
    for thread in threads:
        thread.start()
    yield counts
    done[0] = True  # teardown: after the debugger has had its look
    for thread in threads:
        thread.join()


def test_fails_while_workers_run(workers):
    seen = list(workers)
    assert seen == [0, 0], "the workers have counted"


def test_breaks_while_workers_run(workers):
    answer = 41
    breakpoint()
    answer += 1
    assert answer == 42
"""

ONE_BREAKPOINT = """
import threading


def test_breaks_beside_a_waiting_thread():
    release = threading.Event()
    waiter = threading.Thread(target=release.wait, name="waiter", daemon=True)
    waiter.start()
    answer = 41
    breakpoint()
    release.set()
    assert answer == 41
"""
"""A test that stops once, with a thread of its own waiting (cheaper to run than the
counting workers of ``THREADED_TESTS``)."""

COMMANDS = [
    "threads",
    "!before = list(workers)",
    "!import time; time.sleep(0.2)",  # a real wait: the workers must not count meanwhile
    "p list(workers) == before or (before, list(workers))",
    "c",
    "threads",
    "p answer",
    "c",
]


def run_pytest(pytester: pytest.Pytester, *options: str, stdin: str) -> pytest.RunResult:
    """pytest in a fresh process (the engine is process-wide), commands on its stdin."""
    return pytester.run(
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        *options,
        stdin=stdin.encode(),
        timeout=60,
    )


def check(result: pytest.RunResult) -> None:
    out = result.stdout.str()
    assert "post-mortem: AssertionError: the workers have counted" in out
    assert "stopped at breakpoint(); 2 other threads frozen" in out
    rows = [line for line in result.stdout.lines if " spin-" in line]
    assert len(rows) == 4, out
    assert all(" frozen " in row for row in rows), rows
    assert "(allstop) True" in out  # the counters did not move while stopped
    assert "(allstop) 41" in out
    assert "PDB continue (IO-capturing resumed)" in out
    result.assert_outcomes(failed=1, passed=1)


@pytest.mark.skipif(
    sys.version_info[:2] in ((3, 11), (3, 12)),
    reason="run on the oldest and newest Python (one of each backend): its spinning workers "
    "make it the suite's slowest test, and the plugin's code is the same on every version",
)
def test_post_mortem_and_breakpoint_freeze_the_test_threads(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_threaded=THREADED_TESTS)
    result = run_pytest(pytester, "--allstop", "--pdb", stdin="\n".join(COMMANDS) + "\n")
    check(result)


def test_pdbcls_names_allstop_as_the_debugger(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_one=ONE_BREAKPOINT)
    result = run_pytest(pytester, "--pdbcls=allstop:Debugger", stdin="threads\np answer\nc\n")
    out = result.stdout.str()
    assert "stopped at breakpoint(); 0 other threads frozen, 1 blocked in C" in out
    assert re.search(r" waiter +\d+ +yes +blocked: waits on Event", out), out
    assert "(allstop) 41" in out
    assert "PDB continue (IO-capturing resumed)" in out
    result.assert_outcomes(passed=1)


def test_trace_stops_at_the_start_of_each_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_traced="""
        def test_one():
            value = 1
            assert value == 1
        """
    )
    result = run_pytest(pytester, "--allstop", "--trace", stdin="n\nn\np value\nc\n")
    out = result.stdout.str()
    # As pdb's runcall: the first stop is the test's first line, not its call.
    assert "--Call--" not in out
    assert re.search(r"test_traced\.py\(2\)test_one\(\)\n-> value = 1", out), out
    assert "(allstop) 1" in out
    result.assert_outcomes(passed=1)


def test_quit_ends_the_test_session(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(ONE_BREAKPOINT)
    result = run_pytest(pytester, "--allstop", stdin="q\n")
    assert "Quitting debugger" in result.stdout.str()
    assert result.ret == pytest.ExitCode.INTERRUPTED
