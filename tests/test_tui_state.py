"""Full-screen UI state, driven through prompt_toolkit's pipe input with a dummy output, on a
real program with real threads (in a fresh interpreter: the engine is process-wide)."""

from __future__ import annotations

import textwrap

import pytest

from tests.support.run import facts, run_python

pytestmark = pytest.mark.e2e

SCENARIO = """
import sys
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from allstop._stops import StepKind
from allstop._wiring import build
from allstop.ui.tui.app import Tui
from tests.support.scenario import emit, wait_until

sys.path.insert(0, "tests/programs")
import tui_program

DOWN, UP, ENTER, TAB = "\\x1b[B", "\\x1b[A", "\\r", "\\t"
with create_pipe_input() as pipe:
    engine = build(lambda: Tui(input=pipe, output=DummyOutput()))
    session = engine.handler
    tui = session.io
    found = {}

    def settled():
        return tui.app.is_running and tui.waiting.is_set()

    def press(keys, until):
        pipe.send_text(keys)
        return wait_until(lambda: until() and settled(), 10)

    def names():
        return [t.name for t in session.threads]

    def drive():
        found["ready"] = wait_until(settled, 10)
        found["threads"] = tui.panes.text("threads")
        found["status"] = tui.panes.text("status")
        found["first_variables"] = tui.panes.text("variables")
        spinner = session.threads[1]
        found["to_spinner"] = press(DOWN + ENTER, lambda: session.current == spinner.ident)
        found["spinner_stack"] = tui.panes.text("stack")
        found["to_frame_1"] = press(TAB + DOWN + ENTER, lambda: session.index == 1)
        found["frame_1_source"] = tui.state.source_file
        main = session.threads[0]
        found["back"] = press("t" + UP + ENTER, lambda: session.current == main.ident)
        found["expand"] = press(
            TAB + TAB + TAB + ENTER, lambda: any(r.name == "'a'" for r in tui.state.rows)
        )
        found["expand_a"] = press(
            DOWN + ENTER, lambda: any(r.name == "[0]" for r in tui.state.rows)
        )
        found["variables"] = tui.panes.text("variables")
        found["globals"] = press("g", lambda: any(r.name == "Point" for r in tui.state.rows))
        found["globals_text"] = tui.panes.text("variables")
        press("g", lambda: any(r.name == "label" for r in tui.state.rows))
        found["break"] = press("b", lambda: len(engine.breakpoints) == 1)
        found["break_line"] = [bp.line for bp in engine.breakpoints]
        found["source_marks"] = [l for l in tui.panes.text("source").splitlines() if " B" in l[:8]]
        found["unbreak"] = press("b", lambda: len(engine.breakpoints) == 0)
        found["command"] = press(
            ":p label" + ENTER, lambda: "'stop here'" in tui.output_buffer.text
        )
        found["statement"] = press(
            "!label = 'changed'" + ENTER + ":p label" + ENTER,
            lambda: "'changed'" in tui.output_buffer.text,
        )
        found["complete_name"] = press(
            ":p la" + TAB, lambda: tui.command_buffer.text == "p label"
        )
        found["complete_attribute"] = press(
            "\\x1b[F" + "; point." + TAB, lambda: tui.command_buffer.text.endswith("point.x")
        )
        found["complete_command"] = press(
            "\\x15" + "thr" + TAB, lambda: tui.command_buffer.text == "thread"
        )
        press("\\x15" + "p point.y" + ENTER, lambda: "\\n4" in tui.output_buffer.text)
        found["history"] = [line for line in tui.history.get_strings()]
        found["quit_asked"] = press("q", lambda: bool(tui.state.confirm))
        found["quit_cancelled"] = press("n", lambda: not tui.state.confirm)
        found["ctrl_c_asked"] = press("\\x03", lambda: bool(tui.state.confirm))
        found["ctrl_c_cancelled"] = press("x", lambda: not tui.state.confirm)
        found["help"] = press("?", lambda: tui.state.help_visible)
        found["help_closed"] = press("x", lambda: not tui.state.help_visible)
        found["next"] = press(
            "n", lambda: session.stop is not None and session.stop.reason.value == "return"
        )
        found["after_next"] = tui.panes.text("status")
        pipe.send_text("c")

    engine.spawn_exempt(drive)
    # Stop at the line after breakpoint() whatever the version (pdb's own rule is tested
    # elsewhere): this test is about the screen.
    sys.breakpointhook = lambda *a, **k: engine.stop_soon(sys._getframe(1), StepKind.NEXT)
    tui_program.main()
    found["ui_stopped"] = not tui.app.is_running
    emit(**found)
"""


def test_full_screen_ui_state(backend: str) -> None:
    found = facts(run_python(textwrap.dedent(SCENARIO), backend=backend, timeout=60))
    for step in [
        "ready",
        "to_spinner",
        "to_frame_1",
        "back",
        "expand",
        "expand_a",
        "globals",
        "break",
        "unbreak",
        "command",
        "statement",
        "complete_name",
        "complete_attribute",
        "complete_command",
        "quit_asked",
        "quit_cancelled",
        "ctrl_c_asked",
        "ctrl_c_cancelled",
        "help",
        "help_closed",
        "next",
        "ui_stopped",
    ]:
        assert found[step] is True, (step, found)
    threads = str(found["threads"]).splitlines()
    assert threads[0].startswith("*  1 MainThread")
    assert "stopped" in threads[0]
    assert threads[1].split()[1:3] == ["spinner-0", "frozen"]
    assert threads[2].split()[1:3] == ["spinner-1", "frozen"]
    assert str(found["status"]).startswith(
        " ? help  breakpoint() at tests/programs/tui_program.py:35 in thread 1  2 frozen |"
    )
    first = str(found["first_variables"]).splitlines()
    assert first[0] == "+ data = {'a': [1, 2, 3], 'b': 2}"
    assert first[1].startswith("+ point = <tui_program.Point object at 0x")
    assert first[2] == "  label = 'stop here'"
    assert first[3] == "  broken = <repr failed: RuntimeError>"
    assert ">  0 spin  " in str(found["spinner_stack"])
    assert str(found["frame_1_source"]).endswith("threading.py")
    variables = str(found["variables"]).splitlines()
    assert variables[:6] == [
        "- data = {'a': [1, 2, 3], 'b': 2}",
        "  - 'a' = [1, 2, 3]",
        "      [0] = 1",
        "      [1] = 2",
        "      [2] = 3",
        "    'b' = 2",
    ]
    assert "  Point = <class 'tui_program.Point'>" in str(found["globals_text"])
    assert str(found["globals_text"]).startswith("+ threading = <module 'threading'")
    assert len(found["break_line"]) == 1  # type: ignore[arg-type]
    assert len(found["source_marks"]) == 1  # type: ignore[arg-type]
    assert str(found["after_next"]).startswith(
        " ? help  return at tests/programs/tui_program.py:35"
    )
    assert found["history"] == ["p label", "!label = 'changed'", "p label", "p point.y"]


def test_source_pane_without_source() -> None:
    from prompt_toolkit.buffer import Buffer

    from allstop.ui.tui.layout import Panes
    from allstop.ui.tui.state import TuiState

    state = TuiState(source_file="<string>")
    panes = Panes(
        state,
        Buffer(),
        Buffer(),
        on_thread=print,
        on_frame=print,
        on_variable=print,
        on_source_line=print,
    )
    assert panes.text("source") == "<source not available>"
    assert panes.text("threads") == "<no threads>"
    assert panes.text("variables") == "<no variables>"
