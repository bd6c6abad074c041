"""Line-mode transcripts: ``allstop run`` in a subprocess, commands piped in, output read back.

The program (tests/programs/workers.py) has three counting threads, a thread blocked on a
queue forever unless mail comes, and a main thread that calls breakpoint().
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from tests.support.run import PROGRAMS, Result, line_of, run_allstop

pytestmark = pytest.mark.e2e

WORKERS = PROGRAMS / "workers.py"
PROMPT = "(allstop) "


NEXT_LINE = line_of(WORKERS, "result = helper(value)")
HELPER_DEF = line_of(WORKERS, "def helper(")
HELPER_BREAK = HELPER_DEF + 1 if sys.version_info >= (3, 13) else HELPER_DEF
"""Where pdb says a breakpoint on helper is: its def line, its first statement's from 3.13."""
MOVED_LINE = line_of(WORKERS, "moved = watch()")
AT_CALL = sys.version_info >= (3, 13)
"""pdb's set_trace(), and so breakpoint(), stops on its own line from 3.13 on, and on the next
line before."""
STOP_LINE, STOP_SOURCE = (
    (NEXT_LINE - 1, "breakpoint()") if AT_CALL else (NEXT_LINE, "result = helper(value)")
)
FIRST = ["next"] if AT_CALL else []
"""What takes a transcript from where breakpoint() stops to the line after it."""


def session(commands: list[str], backend: str | None = None, **kwargs: object) -> Result:
    return run_allstop(["run", str(WORKERS)], commands, backend=backend, **kwargs)  # type: ignore[arg-type]


def replies(result: Result, skip: int = 0) -> list[str]:
    """What followed each prompt: [0] is the stop banner, [i] the output of command i, once the
    replies of the first ``skip`` commands are left out."""
    out = result.stdout.split(PROMPT)
    assert result.status == 0 or not skip, result.stdout
    return [out[0], *out[1 + skip :]]


def test_stop_freezes_every_thread_and_continue_resumes(backend: str) -> None:
    result = session(
        # A real wait at the prompt (a measurement, not synchronisation): nothing may count.
        ["threads", "p counts", "!import time; time.sleep(0.2)", "p counts", "c"],  # measured
        backend,
    )
    out = replies(result)
    assert out[0].splitlines()[0].startswith("[thread 1 MainThread] stopped at breakpoint()")
    assert out[0].splitlines()[1:] == [
        f"> {WORKERS}({STOP_LINE})main()",
        f"-> {STOP_SOURCE}",
    ]
    table = out[1].splitlines()
    assert table[0].split() == ["Id", "Name", "Ident", "Daemon", "State", "Location"]
    assert table[1].startswith("* 1   MainThread")
    states = {re.split(r"\s+", row.lstrip("* "))[1]: row for row in table[1:]}
    assert "stopped" in states["MainThread"]
    assert all(" frozen " in states[f"counter-{i}"] for i in range(3))
    assert " blocked: waits on Queue (size 0) " in states["waiter"]
    first, second = out[2].strip(), out[4].strip()
    assert first == second, "the counters moved while the world was stopped"
    assert all(int(n) > 0 for n in first.strip("[]").split(","))
    assert result.status == 0
    assert "result 43 True True" in result.stdout
    assert "waiter got mail" in result.stdout


def test_code_typed_at_the_prompt_shows_in_the_next_threads_table(backend: str) -> None:
    """The threads are read again after code typed at the prompt ran, even when no thread
    moved: here an item slipped into the waiter's queue behind its back (no notify: the waiter
    stays blocked in C)."""
    result = session(
        ["threads", "!inbox.queue.append('early')", "threads", "!inbox.queue.clear()", "c"],
        backend,
    )
    out = replies(result)

    def waiter(table: str) -> str:
        return next(row for row in table.splitlines() if " waiter " in row)

    assert " blocked: waits on Queue (size 0) " in waiter(out[1])
    assert " blocked: waits on Queue (size 1) " in waiter(out[3])
    assert "waiter got mail" in result.stdout


def test_a_breakpoint_in_code_the_session_runs_too_stops_the_program(
    backend: str, tmp_path: Path
) -> None:
    """The session's own calls while the world is frozen (``where`` reads source lines with
    ``linecache.getline``) leave the events of code that holds a breakpoint on (3.12+ turns
    the events of the debugger's calls off until the next freeze)."""
    program = tmp_path / "reads.py"
    program.write_text("import linecache\nbreakpoint()\nprint(linecache.getline(__file__, 1))\n")
    result = run_allstop(
        ["run", str(program)],
        ["break linecache.getline", "where", "c", "where", "c"],
        backend=backend,
    )
    out = replies(result)
    assert "Breakpoint 1 at " in out[1]
    assert "linecache.py" in out[3].splitlines()[0], out[3]
    assert "getline()" in out[3].splitlines()[0], out[3]
    assert "(allstop) import linecache" in result.stdout  # what the program printed, at the end


def test_code_typed_at_the_prompt_passes_breakpoints_by_and_the_program_stops_at_them(
    backend: str, tmp_path: Path
) -> None:
    program = tmp_path / "calls.py"
    program.write_text(
        "def double(n):\n    return n * 2\n\n\n"
        "def more(n):\n    return n + 1\n\n\n"
        "breakpoint()\nprint(double(1), more(1))\n"
    )
    # given a line breakpoint in one function and a function breakpoint on another
    commands = [f"break {program}:2", "break more", "p double(2)", "p more(3)"]
    commands += ["!print(double(4), more(4))", "c", "c", "c"]
    result = run_allstop(["run", str(program)], commands, backend=backend)
    out = replies(result)
    # then the calls typed at the prompt run through them, and the program stops at both
    assert out[3:6] == ["4\n", "4\n", "8 5\n"], result.stdout
    assert out[6].startswith(f"> {program}(2)double()"), result.stdout
    assert out[7].startswith(f"> {program}(6)more()"), result.stdout
    assert out[8] == "2 2\n", result.stdout
    assert result.status == 0, result.stderr


def test_thread_switching_acts_on_that_thread(backend: str) -> None:
    result = session(
        [
            "thread 3",
            "p index",
            "args",
            "where",
            "up",
            "down",
            "down",
            "thread 1",
            "p value",
            "thread 9",
            "thread x",
            "thread",
            "c",
        ],
        backend,
    )
    out = replies(result)
    assert out[1].splitlines()[0] == '[Switching to thread 3 "counter-1" (frozen)]'
    assert out[2].strip() == "1"
    assert out[3].strip() == "index = 1"
    where = out[4].splitlines()
    assert any("threading.py" in line and "_bootstrap()" in line for line in where)
    assert where[-2].startswith("> ")
    assert out[5].startswith("> ")
    assert out[7].strip() == "*** Newest frame"
    assert out[8].splitlines() == [
        '[Switching to thread 1 "MainThread" (stopped)]',
        f"> {WORKERS}({STOP_LINE})main()",
        f"-> {STOP_SOURCE}",
    ]
    assert out[9].strip() == "21"
    assert out[10].strip() == "*** Unknown thread 9"
    assert out[11].strip() == "*** Invalid thread number: 'x'"
    assert out[12].strip() == '[Current thread is 1 "MainThread"]'
    assert result.status == 0


def test_bt_all_and_thread_apply() -> None:
    result = session(
        ["thread 2", "bt all", "thread apply 3,4 p index", "thread apply all c", "where all", "c"]
    )
    out = replies(result)
    bt = out[2].splitlines()
    assert bt[0] == f'Thread 2 "counter-0" (ident {bt[0].split("ident ")[1].split(")")[0]}): frozen'
    headers = [line for line in bt if line.startswith("Thread ")]
    assert [h.split('"')[1] for h in headers] == [
        "counter-0",
        "MainThread",
        "counter-1",
        "counter-2",
        "waiter",
    ]
    apply = [line for line in out[3].splitlines() if line]
    assert apply[0].startswith('Thread 3 "counter-1"')
    assert apply[1] == "1"
    assert apply[2].startswith('Thread 4 "counter-2"')
    assert apply[3] == "2"
    assert out[4].strip() == "*** thread apply cannot run 'c': it would resume the program"
    assert out[5].splitlines()[0].startswith('Thread 2 "counter-0"')
    assert result.status == 0


@pytest.mark.parametrize("locking", ["on", "off"])
def test_next_with_scheduler_locking(backend: str, locking: str) -> None:
    result = session(
        [
            *FIRST,
            f"set scheduler-locking {locking}",
            "show scheduler-locking",
            "n",
            "n",
            "p moved",
            "threads",
            "c",
        ],
        backend,
    )
    out = replies(result, skip=len(FIRST))
    assert out[2].strip() == f'Mode for locking scheduler during execution is "{locking}".'
    assert out[3].splitlines()[1:] == [f"> {WORKERS}({MOVED_LINE})main()", "-> moved = watch()"]
    assert out[3].startswith("[thread 1 MainThread] stopped at step")
    assert out[5].strip() == ("False" if locking == "on" else "True")
    assert result.status == 0


def test_step_into_return_and_retval(backend: str) -> None:
    result = session(
        [*FIRST, "s", "s", "r", "retval", "rv", "where", "n", "p result", "c"], backend
    )
    out = replies(result, skip=len(FIRST))
    assert "--Call--" in out[1]
    assert f"> {WORKERS}({HELPER_DEF})helper()" in out[1]
    assert f"> {WORKERS}({HELPER_DEF + 1})helper()" in out[2]
    assert "--Return--" in out[3]
    assert f"> {WORKERS}({HELPER_DEF + 3})helper()->43" in out[3]
    assert out[4].strip() == "43"
    assert out[5].strip() == "43"
    assert f"  {WORKERS}({NEXT_LINE})main()" in out[6]
    assert f"> {WORKERS}({HELPER_DEF + 3})helper()->43" in out[6]
    assert f"> {WORKERS}({MOVED_LINE})main()" in out[7]
    assert out[8].strip() == "43"
    assert result.status == 0


def test_until(backend: str) -> None:
    result = session(
        [*FIRST, "s", "s", "until", f"until {HELPER_DEF + 3}", f"until {HELPER_DEF}", "c"],
        backend,
    )
    out = replies(result, skip=len(FIRST))
    assert f"({HELPER_DEF + 2})helper()" in out[3]
    assert f"({HELPER_DEF + 3})helper()" in out[4]
    assert out[5].strip() == '*** "until" line number is smaller than current line number'
    assert result.status == 0


def test_jump_and_assignment_write_back(backend: str) -> None:
    # A jump needs a stop at a line event: pdb 3.13 cannot jump where set_trace() stops either.
    result = session([*FIRST, f"j {MOVED_LINE}", "!result = 7", "p result", "c"], backend)
    out = replies(result, skip=len(FIRST))
    assert out[1].splitlines() == [f"> {WORKERS}({MOVED_LINE})main()", "-> moved = watch()"]
    assert out[3].strip() == "7"
    assert "result 7 True True" in result.stdout
    assert result.status == 0


def test_assignment_in_an_outer_frame_reaches_the_program(backend: str) -> None:
    result = session([*FIRST, "s", "s", "up", "!value = 100", "down", "p x", "c"], backend)
    out = replies(result, skip=len(FIRST))
    assert out[6].strip() == "21"
    assert result.status == 0


def test_list_longlist_source_whatis_pp() -> None:
    result = session(
        [
            *FIRST,
            "l",
            "l",
            "l .",
            f"l {HELPER_DEF},{HELPER_DEF + 1}",
            "ll",
            "source helper",
            "whatis value",
            "whatis helper",
            "whatis Hostile",
            "pp {'k': list(range(3))}",
            "c",
        ]
    )
    out = replies(result, skip=len(FIRST))
    listing = out[1].splitlines()
    assert len(listing) == 11
    assert listing[5] == f"{NEXT_LINE:>3}  ->\t    result = helper(value)"
    assert out[2].splitlines()[0].startswith(f"{NEXT_LINE + 6:>3}")
    assert out[3].splitlines() == listing
    assert out[4].splitlines() == [
        f"{HELPER_DEF:>3}  \tdef helper(x: int) -> int:",
        f"{HELPER_DEF + 1:>3}  \t    y = x * 2",
    ]
    ll = out[5].splitlines()
    assert ll[0].endswith("def main() -> int:")
    assert any("->\t    result = helper(value)" in line for line in ll)
    assert out[6].splitlines()[0] == f"{HELPER_DEF:>3}  \tdef helper(x: int) -> int:"
    assert out[7].strip() == "<class 'int'>"
    assert out[8].strip() == "Function helper"
    assert out[9].strip() == "Class __main__.Hostile"
    assert out[10].strip() == "{'k': [0, 1, 2]}"
    assert result.status == 0


def test_display_and_undisplay() -> None:
    result = session(
        [
            *FIRST,
            "display value",
            "display",
            "n",
            "!value = 5",
            "n",
            "undisplay value",
            "undisplay value",
            "display",
            "c",
        ]
    )
    out = replies(result, skip=len(FIRST))
    assert out[1].strip() == "display value: 21"
    assert out[2].splitlines() == ["Currently displaying:", "value: 21"]
    assert "display" not in out[3]
    assert "display value: 5  [old: 21]" in out[5]
    assert out[7].strip() == "*** not displaying value"
    assert out[8].strip() == "No expression is being displayed"
    assert result.status == 0


def test_breakpoint_commands() -> None:
    z_line = line_of(WORKERS, "z = y + 1")
    return_line = line_of(WORKERS, "return z")
    result = session(
        [
            "b helper",
            f"b {z_line}",
            f"tbreak {return_line}",
            "b",
            "disable 2",
            "enable 2",
            "condition 2 y > 100",
            "condition 2",
            "ignore 2 1",
            "ignore 2 0",
            "commands 1",
            "p x",
            "end",
            "c",
            "c",
            "c",
            "cl 2",
            "b",
            "clear",
            "y",
            "b",
            "c",
        ]
    )
    out = replies(result)
    assert out[1].strip() == f"Breakpoint 1 at {WORKERS}:{HELPER_BREAK}"
    assert out[2].strip() == f"Breakpoint 2 at {WORKERS}:{z_line}"
    assert out[3].strip() == f"Breakpoint 3 at {WORKERS}:{return_line}"  # pdb's words
    assert out[4].splitlines() == [
        "Num Type         Disp Enb   Where",
        f"1   breakpoint   keep yes   at {WORKERS}:{HELPER_BREAK} (function helper)",
        f"2   breakpoint   keep yes   at {WORKERS}:{z_line}",
        f"3   breakpoint   del  yes   at {WORKERS}:{return_line}",
    ]
    assert out[5].strip() == f"Disabled breakpoint 2 at {WORKERS}:{z_line}"
    assert out[6].strip() == f"Enabled breakpoint 2 at {WORKERS}:{z_line}"
    assert out[7].strip() == "New condition set for breakpoint 2."
    assert out[8].strip() == "Breakpoint 2 is now unconditional."
    assert out[9].strip() == "Will ignore next 1 crossing of breakpoint 2."
    assert out[10].strip() == "Will stop next time breakpoint 2 is reached."
    # commands 1 / p x / end read their own prompts: "(com) "
    hit1 = out[12]
    assert "stopped at breakpoint 1" in hit1
    assert hit1.splitlines()[1:] == ["21", f"> {WORKERS}({HELPER_DEF + 1})helper()", "-> y = x * 2"]
    assert "stopped at breakpoint 2" in out[13]
    assert f"Deleted breakpoint 3 at {WORKERS}:{return_line}" in out[14]
    assert out[15].strip() == f"Deleted breakpoint 2 at {WORKERS}:{z_line}"
    assert "breakpoint already hit 1 time" in out[16]
    assert out[17].startswith("Clear all breaks? ")
    assert f"Deleted breakpoint 1 at {WORKERS}:{HELPER_BREAK}" in out[17]
    assert out[18].strip() == ""
    assert result.status == 0


def test_break_in_one_thread_only(backend: str) -> None:
    count_line = line_of(WORKERS, "counts[index] += 1")
    result = session([f"b {count_line} thread 3", "c", "p index", "b", "cl 1", "c"], backend)
    out = replies(result)
    assert out[1].strip() == f"Breakpoint 1 at {WORKERS}:{count_line} in thread 3"
    assert out[2].startswith("[thread 3 counter-1] stopped at breakpoint 1")
    assert out[3].strip() == "1"
    assert "\tonly in thread 3" in out[4]
    assert result.status == 0


def test_aliases_and_separators() -> None:
    result = session(
        [
            "alias pv p value",
            "pv",
            "alias twice p %1 * 2",
            "twice value",
            "alias",
            "unalias pv",
            "pv",
            "unalias pv",
            "p value;; p value + 1",
            "c",
        ]
    )
    out = replies(result)
    assert out[2].strip() == "21"
    assert out[4].strip() == "42"
    assert out[5].splitlines() == ["pv = p value", "twice = p %1 * 2"]
    assert out[7].strip() == "*** NameError: name 'pv' is not defined"
    assert out[8].strip() == "*** Unknown alias 'pv'"
    assert out[9].splitlines() == ["21", "22"]  # queued commands get no prompt of their own
    assert result.status == 0


def test_bad_input_never_ends_the_session() -> None:
    result = session(
        [
            "frobnicate",
            "p 1/0",
            "p )",
            "p hostile",
            "p huge",
            "whatis nope",
            "b nofile.py:3",
            "b 1",
            "b 99999",
            "help nonsense",
            "condition 99",
            "up 1000",
            "down 1000",
            "p",
            "list x",
            "j x",
            "j 1",
            "until x",
            "ignore",
            "p value",
            "c",
        ]
    )
    out = replies(result)
    assert out[1].strip() == "*** NameError: name 'frobnicate' is not defined"
    assert out[2].strip() == "*** ZeroDivisionError: division by zero"
    assert out[3].startswith("*** SyntaxError:")
    assert out[4].strip() == "*** RuntimeError: no repr"  # pdb's words
    huge = out[5].strip()
    assert huge.startswith("HHHH")
    assert huge.endswith("... (4995904 more characters)")
    assert len(huge) < 5000
    assert out[6].strip() == "*** NameError: name 'nope' is not defined"
    assert out[7].strip() == "*** 'nofile.py' not found from sys.path"
    assert out[8].strip() == "*** Blank or comment"
    assert out[9].strip() == f"*** Line 99999 does not exist in {WORKERS}"
    assert out[10].strip() == "*** No help for 'nonsense'"
    assert out[11].strip() == "*** Breakpoint number 99 out of range"
    assert out[12].startswith(f"  {WORKERS}") or out[12].startswith("> ")
    assert out[13].startswith("> ")
    assert out[14].strip() == "*** Usage: p expression"
    assert out[15].strip() == "*** Error in argument: 'x'"
    assert out[16].strip() == "*** The 'jump' command requires a line number"
    assert out[17].startswith("*** Jump failed:")
    assert out[18].strip() == "*** Error in argument: 'x'"
    assert out[19].strip() == "*** Breakpoint number expected"
    assert out[20].strip() == "21"
    assert result.status == 0
    assert "result 43 True True" in result.stdout


def test_help() -> None:
    result = session(["help", "help next", "h bt", "help threads", "c"])
    out = replies(result)
    assert out[1].startswith("Documented commands (type help <command>):")
    for name in ["where", "threads", "thread", "break", "scheduler" if False else "set", "detach"]:
        assert re.search(rf"\b{name}\b", out[1]), name
    assert out[2].splitlines()[0] == "n(ext)"
    assert out[3].splitlines()[0].startswith("w(here)")
    assert "blocked" in out[4]
    assert result.status == 0


def test_interact() -> None:
    result = session(["interact", "value * 2", "import sys", "exit()", "p value", "c"])
    out = replies(result)
    text = result.stdout
    # pdb's words, by version
    started, ended = (
        ("*pdb interact start*", "*exit from pdb interact command*")
        if sys.version_info >= (3, 13)
        else ("*interactive*", "now exiting InteractiveConsole...")
    )
    assert started in text
    assert "42" in text
    assert ended in text
    assert out[-2].strip() == "21"
    assert result.status == 0


def test_quit_ends_a_program_whose_threads_block_forever(backend: str) -> None:
    for command in ["q", "quit", "exit"]:
        result = session([command], backend, timeout=10)
        assert result.status == 1
        assert result.seconds < 5
        assert "waiter got mail" not in result.stdout


def test_end_of_input_quits() -> None:
    result = session([], timeout=10)
    assert result.status == 1
    assert "waiter got mail" not in result.stdout


def test_detach_removes_breakpoints_and_lets_the_program_finish(backend: str) -> None:
    result = session(["b helper", "detach"], backend)
    assert result.stdout.count(PROMPT) == 2
    assert "result 43 True True" in result.stdout
    assert result.status == 0


def test_stepping_another_thread_keeps_the_rest_frozen(backend: str) -> None:
    result = session(["thread 3", "n", "threads", "c"], backend)
    out = replies(result)
    assert out[2].startswith("[thread 3 counter-1] stopped at ")
    rows = out[3].splitlines()
    main = next(row for row in rows if "MainThread" in row)
    counter = next(row for row in rows if "counter-1" in row)
    assert " frozen " in main
    assert counter.startswith("* ")
    assert " stopped " in counter
    assert result.status == 0


def test_thread_started_at_the_prompt_is_new_until_continue(backend: str) -> None:
    result = session(
        [
            "!late = threading.Thread(target=helper, args=(1,), name='late'); late.start()",
            "threads",
            "c",
        ],
        backend,
    )
    out = replies(result)
    late = next(row for row in out[2].splitlines() if " late " in row)
    assert " new " in late
    assert result.status == 0


def test_two_threads_at_one_breakpoint_are_both_shown(backend: str) -> None:
    program = PROGRAMS / "two_hits.py"
    line = line_of(program, "# the breakpoint")
    result = run_allstop(
        ["run", "-b", f"{program}:{line}, sync()", str(program)],
        ["threads", "c", "threads", "c"],
        backend=backend,
    )
    out = replies(result)
    first = out[0].splitlines()[0]
    second = out[2].splitlines()[0]
    assert "stopped at breakpoint 1" in first
    assert "stopped at breakpoint 1" in second
    names = {re.match(r"\[thread \d+ (\S+)\]", text).group(1) for text in (first, second)}  # type: ignore[union-attr]
    assert names == {"hitter-0", "hitter-1"}
    assert "both done" in result.stdout
    assert result.status == 0


def test_an_expression_waiting_on_a_frozen_thread_does_not_hang_the_session(backend: str) -> None:
    program = PROGRAMS / "lock_held.py"
    result = run_allstop(
        ["run", str(program)],
        ["p guarded.acquire()", "p release", "!release[0] = True", "thaw", "c"],
        backend=backend,
    )
    out = replies(result)
    assert out[1].startswith("*** thread 1 waits for Lock held by thread 2, at <stdin>:1 in")
    assert "'thaw' lets the other threads run until it completes" in out[1]
    note, value = out[2].splitlines()
    assert note.startswith("(thread 1 still runs an evaluation left waiting")
    assert value == "[False]"
    thawed = out[4].splitlines()
    assert re.fullmatch(
        r"thawed for \d+\.\d\ds; completed; every thread is frozen again", thawed[0]
    )
    assert thawed[1:] == ["guarded.acquire():", "True"]
    assert "released" in result.stdout
    assert result.status == 0
