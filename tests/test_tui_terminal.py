"""The full-screen UI on a real pseudo-terminal, read back through a terminal emulator."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from tests.support.run import EXAMPLES, PROGRAMS, line_of
from tests.support.terminal import AFTER, ENTER, Terminal, allstop_command, cooked

pytestmark = pytest.mark.e2e

PROGRAM = PROGRAMS / "tui_program.py"
DOWN = "\x1b[B"


def test_threads_are_listed_switching_thread_changes_the_panes_and_c_resumes(backend: str) -> None:
    term = Terminal(f"{allstop_command('run', str(PROGRAM))}; {AFTER}", backend=backend)
    # The first screen is complete once its last pane (the status line) is drawn.
    assert term.wait_for(lambda text: "label = 'stop here'" in text and "? help" in text)
    screen = term.text
    assert re.search(r"\*\s+1 MainThread\s+stopped", screen), screen
    assert re.search(r"2 spinner-0\s+frozen", screen), screen
    assert re.search(r"3 spinner-1\s+frozen", screen), screen
    # pdb's set_trace(), and so breakpoint(), stops on its own line from 3.13 on.
    call = line_of(PROGRAM, "breakpoint()")
    stop, source = (
        (call, r"breakpoint\(\)") if sys.version_info >= (3, 13) else (call + 1, "return")
    )
    assert re.search(rf"{stop}  ->     {source}", screen), screen
    assert "label = 'stop here'" in screen, screen
    assert f"breakpoint() at tests/programs/tui_program.py:{stop} in thread 1" in screen, screen
    term.send(DOWN + ENTER)
    assert term.wait_for(lambda text: ">  0 spin" in text), term.text
    assert "[Switching to thread 2" in term.text
    assert "inspect_me" not in term.text.split("Stack")[1].split("Variables")[0]
    row = next(i for i, line in enumerate(term.screen.display) if "spinner-1" in line)
    term.send(f"\x1b[<0;6;{row + 1}M\x1b[<0;6;{row + 1}m")  # a click (SGR mouse) on it
    assert term.wait_for('[Switching to thread 3 "spinner-1"'), term.text
    term.send("c")
    raw = term.finish()
    assert "result 14" in raw
    assert "STATUS=0" in raw
    assert cooked(raw), raw[-2000:]


def test_quit_asks_first_and_leaves_the_terminal_cooked(backend: str) -> None:
    term = Terminal(f"{allstop_command('run', str(PROGRAM))}; {AFTER}", backend=backend)
    assert term.wait_for("label = 'stop here'"), term.text
    term.send("q")
    assert term.wait_for("Quit the program? [y/N]"), term.text
    term.send("n")
    assert term.wait_for(lambda text: "Quit the program" not in text), term.text
    term.send("\x03")  # Ctrl-C asks too, and never kills the program by itself
    assert term.wait_for("Quit the program? [y/N]"), term.text
    term.send("y")
    raw = term.finish()
    assert "STATUS=1" in raw
    assert "result" not in raw
    assert cooked(raw), raw[-2000:]


def test_ui_uses_the_terminal_when_stdout_is_redirected(tmp_path: Path) -> None:
    log = tmp_path / "out.txt"
    term = Terminal(f"{allstop_command('run', str(PROGRAM))} > {log}; {AFTER}")
    assert term.wait_for("label = 'stop here'"), term.text
    assert "spinner-1" in term.text
    term.send("c")
    raw = term.finish()
    assert "STATUS=0" in raw
    assert log.read_text().strip() == "result 14"
    assert cooked(raw), raw[-2000:]


def test_keys_go_to_the_ui_while_the_main_thread_waits_at_input(backend: str) -> None:
    program = PROGRAMS / "tty_input.py"
    term = Terminal(f"{allstop_command('run', str(program))}; {AFTER}", backend=backend)
    assert term.wait_for(lambda text: "value = 42" in text and "? help" in text), term.text
    assert re.search(r"1 MainThread\s+frozen", term.text), term.text
    term.send("c")
    assert term.wait_for("worker done 42"), term.text  # the UI has given the terminal back
    term.send("Bob\r")
    raw = term.finish()
    assert "hello Bob" in raw
    assert "worker done 42" in raw
    assert "STATUS=0" in raw
    assert cooked(raw), raw[-2000:]


def test_the_ui_follows_a_resized_terminal() -> None:
    term = Terminal(f"{allstop_command('run', str(PROGRAM))}; {AFTER}")
    assert term.wait_for(lambda text: "label = 'stop here'" in text and "? help" in text)
    term.child.setwinsize(30, 100)
    term.screen.resize(30, 100)
    # No SIGWINCH off the main thread: the UI notices by polling the size.
    assert term.wait_for(lambda text: "? help" in text.splitlines()[29]), term.text
    assert len(term.text.splitlines()[0].rstrip()) == 100
    term.send("c")
    raw = term.finish()
    assert "STATUS=0" in raw


def test_a_crash_shows_the_thread_and_its_exception_in_the_status_line() -> None:
    program = EXAMPLES / "producer_consumer.py"
    term = Terminal(f"{allstop_command('run', str(program))}; {AFTER}")
    status = "? help  thread 3 crashed: ValueError: invalid literal for int() with base 10"
    assert term.wait_for(
        lambda text: (
            status in text.splitlines()[-1]
            and re.search(r"\*\s+3 producer\s+crashed: V", text) is not None
            and re.search(r"2 consumer\s+blocked: w", text) is not None
        )
    ), term.text
    term.send("q")
    assert term.wait_for("Quit the program? [y/N]"), term.text
    term.send("y")
    raw = term.finish()
    assert "STATUS=1" in raw
    assert cooked(raw), raw[-2000:]


def test_tasks_fold_under_their_loop_thread_and_enter_on_one_shows_its_stack(
    backend: str,
) -> None:
    program = PROGRAMS / "asyncio_tasks.py"
    term = Terminal(f"{allstop_command('run', str(program))}; {AFTER}", backend=backend)
    assert term.wait_for(lambda text: "▸ 50 asyncio tasks" in text and "? help" in text)
    assert "▸ 3 asyncio tasks" in term.text, term.text
    assert "consumer-0" not in term.text, term.text  # folded
    term.send(DOWN + ENTER)  # the main thread's task group: unfolds
    assert term.wait_for("▾ 50 asyncio tasks"), term.text
    assert re.search(r"1 Task-1\s+running", term.text), term.text
    term.send(DOWN * 3 + ENTER)  # Task-1, cancelled, consumer-0
    switched = re.compile(r'\[Switching to task \d+ "consumer-0"')
    assert term.wait_for(lambda text: bool(switched.search(text))), term.text
    # the stack pane: the program's frame current, over asyncio's Queue.get
    assert term.wait_for(lambda text: bool(re.search(r"│>\s+1 consume ", text))), term.text
    assert re.search(r"│\s+0 get\s+queues\.py", term.text), term.text
    assert term.wait_for(lambda text: "queue = <Queue" in text), term.text
    term.send("c")
    assert term.wait_for("plain-worker"), term.text
    term.send("c")
    raw = term.finish()
    assert "STATUS=0" in raw
    assert cooked(raw), raw[-2000:]


def test_the_programs_processes_head_the_threads_pane_and_a_click_switches_process() -> None:
    tree = PROGRAMS / "tree.py"
    command = f"{allstop_command('run', str(tree), 'kill')}; {AFTER}"
    term = Terminal(command, extra_env={"PYTHONWARNINGS": "ignore::DeprecationWarning"})
    # the parent stops, its child pauses: both head the threads pane
    assert term.wait_for(lambda text: "? help" in text and "process 2" in text), term.text
    assert re.search(r"\*process 1 pid \d+ stopped", term.text), term.text
    assert re.search(r" process 2 pid \d+ paused", term.text), term.text
    row = next(i for i, line in enumerate(term.screen.display) if "process 2" in line)
    term.send(f"\x1b[<0;6;{row + 1}M\x1b[<0;6;{row + 1}m")  # a click (SGR mouse) on it
    # then the child's own UI shows its thread, paused in count() (once every pane is drawn)
    assert term.wait_for(
        lambda text: (
            "the stop of another process at tests/programs/tree.py" in text
            and ">  0 count  tests/programs/tre" in text
            and re.search(r"\*process 2 pid \d+ stopped", text) is not None
        )
    ), term.text
    assert re.search(r" process 1 pid \d+ waiting", term.text), term.text
    term.send("c")  # continue resumes both: the child counts to the end
    raw = term.finish()
    assert "child ended with 0 at 150" in raw
    assert "STATUS=0" in raw
    assert cooked(raw), raw[-2000:]
