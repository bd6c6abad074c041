"""Session commands in-process: the real session and commands on a fake engine (no interpreter
hook), a scripted front end, and real threads (see ``tests.support.fakes``)."""

from __future__ import annotations

import os
import re
import sys
import typing
from types import FrameType

import pytest

from allstop._model import StopReason, ThreadState
from allstop._stops import Resume, ResumeHow
from allstop.session import GROUPS
from allstop.session.core import Command, Spec
from tests.support.fakes import (
    PROGRAM_FILE,
    PROGRAM_LINE,
    Exited,
    new_session,
    program,
    stop_here,
    waiting_thread,
)
from tests.support.scenario import line_of

pytestmark = pytest.mark.unit


def run(lines: list[str]) -> tuple[Resume, list[list[str]]]:
    session, io, _ = new_session(lines)
    resume = program(session)
    return resume, io.replies()


def test_a_stop_shows_the_thread_and_pdb_location_then_continue_resumes() -> None:
    resume, replies = run(["c"])
    banner = replies[0]
    assert re.match(r"\[thread 1 MainThread\] stopped at breakpoint\(\); \d+ other", banner[0])
    assert banner[1] == f"> {PROGRAM_FILE}({PROGRAM_LINE})program()"
    assert banner[2] == "-> return stop_here(session)"
    assert resume.how is ResumeHow.CONTINUE


def test_expressions_and_statements_run_in_the_current_frame() -> None:
    _, replies = run(["p value * 2", "label", "!value = 5", "p value", "pp numbers", "c"])
    assert replies[1:6] == [["42"], ["'here'"], [], ["5"], ["[1, 2, 3]"]]


def test_an_error_is_one_line_and_the_session_goes_on() -> None:
    _, replies = run(["p nope", "p 1/0", "frobnicate())", "up 2x", "c"])
    assert replies[1] == ["*** NameError: name 'nope' is not defined"]
    assert replies[2] == ["*** ZeroDivisionError: division by zero"]
    assert replies[3][0].startswith("*** SyntaxError:")
    assert replies[4] == ["*** Invalid frame count (2x)"]


@pytest.mark.parametrize(
    ("line", "usage"),
    [
        ("p", ["*** Usage: p expression"]),
        ("pp", ["*** Usage: pp expression"]),
        ("set locking", ["*** Usage: set scheduler-locking on|off"]),
        ("show nothing", ["*** Usage: show scheduler-locking"]),
        ("unalias", ["*** Usage: unalias name"]),
        ("where sideways", ["*** Invalid argument: sideways", "Usage: w(here) [all [processes]]"]),
        (
            "thread apply all",
            [
                "*** Usage: thread [N]",
                "       thread apply all|N[,M...] COMMAND",
            ],
        ),
    ],
)
def test_a_usage_error_prints_the_usage_lines_of_the_command_docstring(
    line: str, usage: list[str]
) -> None:
    _, replies = run([line, "c"])
    # 3.13's pdb indents a usage that follows a message under the text after the prompt.
    assert [text.strip() for text in replies[1]] == [text.strip() for text in usage]


def commands() -> list[tuple[str, typing.Any, bool]]:
    """(name, method, declared resuming) of every command of every group."""
    session, _, _ = new_session([])
    return [(c.name, c.run, c.spec.resumes) for c in session.commands.values()]


@pytest.mark.parametrize(("name", "method", "resumes"), commands(), ids=str)
def test_a_command_is_declared_resuming_exactly_when_it_may_return_a_resume(
    name: str, method: typing.Any, resumes: bool
) -> None:
    returns = typing.get_type_hints(method)["return"]
    may_resume = Resume in typing.get_args(returns) or returns is Resume
    assert may_resume == resumes, f"{name}: declared resumes={resumes}, returns {returns}"


RESUMING_LINES = {
    "step": ResumeHow.STEP,
    "next": ResumeHow.STEP,
    "return": ResumeHow.STEP,
    "until": ResumeHow.STEP,
    "continue": ResumeHow.CONTINUE,
    "detach": ResumeHow.DETACH,
}


@pytest.mark.parametrize(("line", "how"), RESUMING_LINES.items())
def test_each_resuming_command_resumes_at_a_stop(line: str, how: ResumeHow) -> None:
    resume, replies = run([line, "c"])
    assert resume.how is how
    assert len(replies) == 2, "the command after it was read: it did not resume"


def test_every_command_declared_resuming_is_exercised_above() -> None:
    resuming = {name for name, _, resumes in commands() if resumes}
    # process N ends the stop shown only under allstop run (tests/test_children.py)
    assert resuming == {*RESUMING_LINES, "quit", "EOF", "run", "process"}


def test_process_outside_allstop_run_says_this_process_is_the_only_one() -> None:
    resume, replies = run(["process", "process 2", "process two", "c"])
    assert replies[1] == [f"only this process (pid {os.getpid()}), outside 'allstop run'"]
    assert replies[2] == ["*** no process 2: 'processes' lists them"]
    assert replies[3][0] == "*** Usage: process [N]"
    assert resume.how is ResumeHow.CONTINUE


def test_run_restarts_only_a_program_python_m_pdb_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    import pdb

    _, replies = run(["run", "c"])
    assert replies[1][0].startswith("*** run/restart command is disabled")
    monkeypatch.setattr(sys, "argv", ["prog.py", "old"])
    session, _, _ = new_session(["run new 'two words'"])
    face = Face()
    face.mainpyfile = "prog.py"
    session.use_front_end(None, face)
    resume = program(session)
    assert resume.how is ResumeHow.QUIT
    assert sys.argv == ["prog.py", "new", "two words"]
    assert resume.then is not None
    with pytest.raises(pdb.Restart):
        resume.then()


def test_quit_and_end_of_input_end_a_program_of_several_threads_with_status_1() -> None:
    for lines in (["q"], ["exit"], []):
        with waiting_thread("other"):
            session, io, _ = new_session(lines)
            with pytest.raises(Exited) as exited:
                program(session)
        assert exited.value.status == 1
        assert io.left >= 1, "the terminal was not given back before exiting"


class Face:
    """A pdb object the session shows its stops for (as pytest's subclass of pdb's)."""

    handles_quit = True

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.rcLines: list[str] = []
        self.skip: list[str] | None = None
        self.mainpyfile = ""

    def do_continue(self, arg: str) -> int:
        self.calls.append("continue")
        return 1

    def do_quit(self, arg: str) -> int:
        self.calls.append("quit")
        return 1

    def interaction_begins(self) -> None:
        return None

    def do_hello(self, arg: str) -> int:
        """hello [name]

        A command a pdb subclass adds."""
        self.calls.append(f"hello {arg}")
        return arg == "and go"

    def do_nodoc(self, arg: str) -> None:
        raise ValueError("it broke")


@pytest.mark.parametrize(
    ("lines", "how", "call"),
    [
        (["q"], ResumeHow.QUIT, "quit"),
        ([], ResumeHow.QUIT, "quit"),
        (["c"], ResumeHow.CONTINUE, "continue"),
    ],
    ids=["quit", "end of input", "continue"],
)
def test_a_pdb_face_hears_how_the_user_left(lines: list[str], how: ResumeHow, call: str) -> None:
    with waiting_thread("other"):
        session, _, _ = new_session(lines)
        face = Face()
        session.use_front_end(None, face)
        resume = program(session)
    assert resume.how is how
    assert resume.then is not None
    resume.then()
    assert face.calls == [call]


def test_a_pdb_subclass_adds_commands_with_their_help() -> None:
    session, io, _ = new_session(
        ["help hello", "hello there", "nodoc", "help nodoc", "hello and go", "p 1"]
    )
    face = Face()
    session.use_front_end(None, face)
    resume = program(session)
    replies = io.replies()
    assert replies[1] == ["hello [name]", "", "A command a pdb subclass adds."]
    assert replies[3] == ["*** ValueError: it broke"]
    assert replies[4] == ["*** No help for 'nodoc'; __doc__ string missing"]
    assert face.calls == ["hello there", "hello and go"]
    assert resume.how is ResumeHow.CONTINUE, "a true result resumes, as in pdb's loop"


def test_jump_does_not_resume_so_thread_apply_runs_it() -> None:
    _, replies = run(["thread apply 1 jump 999999", "thread apply all c", "c"])
    assert replies[1][-1].startswith("*** Jump failed:")
    assert replies[2] == ["*** thread apply cannot run 'c': it would resume the program"]


@pytest.mark.parametrize(("last", "ends"), [("jump 3", True), ("c", True), ("p 2", False)])
def test_a_breakpoint_command_list_ends_at_a_command_that_resumes_or_jumps(
    last: str, ends: bool
) -> None:
    session, io, engine = new_session(
        [f"break {PROGRAM_LINE}", "commands", "p 1", last, "end", "c"]
    )
    program(session)  # after a list that ended, 'end' runs as Python: a NameError
    assert engine.breakpoints.get(1) is not None
    assert engine.breakpoints.get(1).commands == ["p 1", last]  # type: ignore[union-attr]
    assert ("(com) <end>" in io.out) is not ends


def test_usage_falls_back_to_the_command_name_without_docstrings() -> None:
    def do_bare(arg: str) -> None:
        return None

    do_bare.__doc__ = None
    assert Command("bare", do_bare, Spec()).usage == "bare"


def test_clear_deletes_in_the_order_given() -> None:
    here = f"{PROGRAM_FILE}:{PROGRAM_LINE}"
    session, io, _ = new_session([f"break {here}", f"break {here}", "clear 1 1 x 2", "c"])
    program(session)
    assert io.replies()[3] == [
        f"Deleted breakpoint 1 at {here}",
        "*** Breakpoint 1 already deleted",  # bdb's words
        "*** Non-numeric breakpoint number x",
        f"Deleted breakpoint 2 at {here}",
    ]


def test_aliases_are_declared_beside_their_command_and_resolve_to_it() -> None:
    session, _, _ = new_session([])
    assert session.builtin_aliases["bt"] == "where"
    assert session.builtin_aliases["cont"] == "continue"
    assert not set(session.builtin_aliases) & set(session.commands)
    for name, found in session.commands.items():
        assert found.help, f"{name} has no help"
        assert found.usage, f"{name} has no usage line"


def test_help_lists_every_command_and_every_thread_state() -> None:
    _, replies = run(["help", "help threads", "help bt", "c"])
    listing = " ".join(replies[1])
    session, _, _ = new_session([])
    for name in session.command_names(aliases=False):
        assert re.search(rf"(^|\s){re.escape(name)}(\s|$)", listing), name
    threads_help = "\n".join(replies[2])
    for state in ThreadState:
        assert f"{state.value}: {state.description}" in threads_help
    assert replies[3][0] == "w(here) [all [processes]]"


def test_threads_lists_a_waiting_thread_as_blocked_and_thread_n_switches_to_it() -> None:
    with waiting_thread("sleeper") as sleeper:
        session, io, engine = new_session(
            ["threads", "thread 2", "where", "up 2", "p ready.is_set()", "c"]
        )
        assert engine.registry.number(sleeper.ident) == 2  # the first thread seen after main
        program(session)
    replies = io.replies()
    rows = {row.lstrip("* ").split()[1]: row for row in replies[1][1:]}
    assert "stopped" in rows["MainThread"]
    assert " blocked" in rows["sleeper"]
    assert replies[2][0].startswith('[Switching to thread 2 "sleeper" (blocked')
    assert any("wait_here" in line for line in replies[3])
    assert replies[4][0].endswith("wait_here()")  # above Condition.wait and Event.wait
    note, value = replies[5]
    assert note.startswith("(thread 2 is blocked in C and runs nothing until it returns: this ran")
    assert value == "True", "p did not run in the current frame of thread 2"


def test_the_banner_counts_the_other_threads_by_how_their_state_counts() -> None:
    with waiting_thread("one"), waiting_thread("two"):
        session, io, _ = new_session(["c"])
        program(session)
    banner = io.replies()[0][0]
    match = re.search(r"; (\d+) other threads? frozen, (\d+) blocked in C$", banner)
    assert match is not None, banner
    assert int(match.group(1)) == 0
    assert int(match.group(2)) >= 2


def test_breakpoint_commands_change_the_engine_table() -> None:
    here = f"{PROGRAM_FILE}:{PROGRAM_LINE}"
    session, io, engine = new_session(
        [
            f"break {here}",
            "tbreak program",
            "condition 1 value > 100",
            "ignore 1 2",
            "disable 1",
            "break",
            "clear 1",
            "clear 99",
            "c",
        ]
    )
    program(session)
    replies = io.replies()
    assert replies[1] == [f"Breakpoint 1 at {PROGRAM_FILE}:{PROGRAM_LINE}"]
    # pdb gives a function's breakpoint its def line, and from 3.13 its first statement's.
    first = line_of(program, "value, label, numbers = 21") if sys.version_info >= (3, 13) else 0
    line = first or program.__code__.co_firstlineno
    assert replies[2] == [f"Breakpoint 2 at {PROGRAM_FILE}:{line}"]
    assert replies[3] == ["New condition set for breakpoint 1."]
    assert replies[4] == ["Will ignore next 2 crossings of breakpoint 1."]
    assert replies[5] == [f"Disabled breakpoint 1 at {PROGRAM_FILE}:{PROGRAM_LINE}"]
    assert replies[6][0] == "Num Type         Disp Enb   Where"
    assert replies[6][1] == f"1   breakpoint   keep no    at {PROGRAM_FILE}:{PROGRAM_LINE}"
    assert "\tstop only if value > 100" in replies[6]
    assert replies[7] == [f"Deleted breakpoint 1 at {PROGRAM_FILE}:{PROGRAM_LINE}"]
    assert replies[8] == ["*** Breakpoint number 99 out of range"]
    assert [bp.number for bp in engine.breakpoints] == [2]
    assert engine.changes >= 4


def test_user_aliases_expand_with_arguments() -> None:
    _, replies = run(["alias pv p %1 * 2", "pv value", "alias pv", "unalias pv", "pv", "c"])
    assert replies[2] == ["42"]
    assert replies[3] == ["pv = p %1 * 2"]
    assert replies[5] == ["*** NameError: name 'pv' is not defined"]


def test_display_shows_a_changed_value_at_the_next_stop_in_the_frame() -> None:
    session, io, _ = new_session(["display counter", "c", "c"])

    def loop() -> None:
        for counter in (1, 2):
            assert counter
            stop_here(session, sys._getframe())

    loop()
    replies = io.replies()
    assert replies[1] == ["display counter: 1"]
    assert "display counter: 2  [old: 1]" in replies[2]


def test_return_stop_shows_the_value_and_retval_prints_it() -> None:
    session, io, _ = new_session(["retval", "rv", "c"])

    def returning() -> FrameType:
        return sys._getframe()

    frame = returning()
    stop_here(session, frame, reason=StopReason.RETURN, return_value=[7])
    replies = io.replies()
    assert "--Return--" in replies[0]
    assert replies[0][-2].endswith("returning()->[7]")
    assert replies[1] == ["[7]"]
    assert replies[2] == ["[7]"]


def test_every_group_is_a_module_of_the_session_package() -> None:
    modules = {group.__module__ for group in GROUPS}
    assert len(modules) == len(GROUPS)
    assert all(module.startswith("allstop.session.") for module in modules)
