"""Breakpoints armed while the program runs, on the settrace backend (the one of 3.10/3.11):
no thread traces, the code that holds breakpoints runs instrumented copies, and what a copy
cannot reach (a loop under way when its breakpoint is set, a generator suspended in it) still
stops, as under pdb."""

from __future__ import annotations

import sys

import pytest

from tests.support.run import PROGRAMS, line_of, run_allstop

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        sys.version_info >= (3, 12),
        reason="3.12+ runs on sys.monitoring; its settrace backend (for testing) makes no copies "
        "and traces every thread while breakpoints exist (see _backends/settrace.py)",
    ),
]

PROGRAM = PROGRAMS / "armed.py"
NEVER = line_of(PROGRAM, "# the breakpoint never hit")
SPIN = line_of(PROGRAM, "# spin body")
AFTER_YIELD = line_of(PROGRAM, "# after the first yield")
COUNTED = line_of(PROGRAM, "# under a trace function of the program's")


def test_no_thread_traces_while_a_breakpoint_waits() -> None:
    result = run_allstop(
        ["run", "-b", f"{PROGRAM}:{NEVER}", str(PROGRAM), "armed"], backend="settrace"
    )
    assert result.status == 0, result.stderr
    assert "traces: None None" in result.stdout, result.stdout


def test_a_breakpoint_set_in_a_loop_under_way_stops_there() -> None:
    result = run_allstop(
        ["run", str(PROGRAM), "loop"],
        [f"break {SPIN}", "c", "p n > 0", "clear 1", "!stop.set()", "c"],
        backend="settrace",
    )
    assert result.status == 0, result.stderr
    out = result.stdout
    assert "stopped at breakpoint 1" in out, out
    assert f"armed.py({SPIN})spin()" in out, out
    assert "(allstop) True" in out, out
    assert "spun True" in out, out


def test_a_breakpoint_in_a_suspended_generator_stops_when_it_comes_back() -> None:
    result = run_allstop(
        ["run", str(PROGRAM), "generator"],
        [f"break {AFTER_YIELD}", "c", "p got", "c"],
        backend="settrace",
    )
    assert result.status == 0, result.stderr
    out = result.stdout
    assert f"armed.py({AFTER_YIELD})generator()" in out, out
    assert "(allstop) 41" in out, out
    assert "sent 42" in out, out


def test_a_breakpoint_stops_under_a_trace_function_of_the_programs() -> None:
    """The copy's hook stands aside only for allstop's own trace function."""
    result = run_allstop(
        ["run", "-b", f"{PROGRAM}:{COUNTED}", str(PROGRAM), "foreign"], ["c"], backend="settrace"
    )
    assert result.status == 0, result.stderr
    assert f"armed.py({COUNTED})counted()" in result.stdout, result.stdout
    assert "foreign 7 True" in result.stdout, result.stdout
