"""Code typed at the prompt runs in the thread that owns the frame, as pdb runs it: its
``current_thread()``, thread-locals, context variables and ``sys.exc_info()``; a statement may
take its time; one that waits for a lock a frozen thread holds gives the prompt back, and
``thaw`` lets the others run until it completes (tests/programs/evaluate_here.py)."""

from __future__ import annotations

import ast
import re
import shlex
import sys
from pathlib import Path

import pytest

from tests.support.run import PROGRAMS, run_allstop
from tests.support.terminal import AFTER, ENTER, Terminal, allstop_command

pytestmark = pytest.mark.e2e

PROGRAM = PROGRAMS / "evaluate_here.py"
HOLD_FOR = 3_000_000


def transcript(commands: list[str], backend: str) -> tuple[list[str], str]:
    """What followed each prompt (the stop first; the prompts of ``debug``'s debugger,
    ``((allstop))``, count), and what the program wrote to stderr."""
    result = run_allstop(["run", str(PROGRAM)], commands, backend=backend)
    assert result.status == 0, result.stderr
    return [reply.strip() for reply in re.split(r"\(+allstop\)+ ", result.stdout)], result.stderr


def continue_to_the_end(term: Terminal, command: str = "c") -> None:
    """Continue from the stop: the worker goes on, the program ends with status 0."""
    term.send(command + ENTER)
    raw = term.finish()
    assert "worker resumed" in raw
    assert "STATUS=0" in raw


def test_code_typed_at_the_prompt_runs_in_the_stopped_thread(backend: str) -> None:
    out, stderr = transcript(
        [
            "p threading.current_thread().name",
            "p local.who",
            "p request.get()",
            "p sys.exc_info()[1]",
            "p counts",
            # Not synchronisation: the behaviour under test, a statement that takes its
            # time (in a C call) completes instead of being abandoned.
            'p time.sleep(2) or "slept"',  # the behaviour under test, not synchronisation
            "p counts",
            "c",
        ],
        backend,
    )
    assert out[1:5] == [
        "'worker'",
        '"the worker\'s own"',
        "'request 42'",
        "ValueError('being handled')",
    ]
    assert out[6] == "'slept'"
    assert ast.literal_eval(out[5]) == ast.literal_eval(out[7]), "a thread ran during the sleep"
    assert "worker resumed" in stderr


def test_debug_runs_its_code_in_the_stopped_thread_while_the_others_stay_frozen(
    backend: str,
) -> None:
    """pdb's recursive debugger, run by the thread that owns the frame: its context is the
    thread's, the other threads stay frozen, none but it may step, and quit leaves it."""
    out, stderr = transcript(
        [
            "p counts",
            "debug mark = local.who + ' in ' + threading.current_thread().name",
            "p threading.current_thread().name",
            "thread 2",
            "next",
            "continue",
            "p mark",
            "debug sum(range(3))",
            "quit",
            "p counts",
            "c",
        ],
        backend,
    )
    before = ast.literal_eval(out[1])
    assert out[2].splitlines() == [
        "ENTERING RECURSIVE DEBUGGER",
        "[thread 4 worker] stopped at the start of debug's code; 3 other threads frozen",
        "> <string>(1)<module>()",
    ]
    assert out[3] == "'worker'"
    assert out[4].startswith('[Switching to thread 2 "holder" (frozen)]')
    assert out[5] == (
        "*** in the recursive debugger, only thread 4 runs (the code given to debug): "
        "'continue' runs it to its end, 'quit' leaves it"
    )
    assert out[6] == "LEAVING RECURSIVE DEBUGGER"
    assert out[7] == '"the worker\'s own in worker"'
    assert out[8].startswith("ENTERING RECURSIVE DEBUGGER")
    assert out[9] == "LEAVING RECURSIVE DEBUGGER"
    assert ast.literal_eval(out[10]) == before, "a thread ran during the recursive debugger"
    assert "worker resumed" in stderr


def test_a_wait_for_a_frozen_thread_gives_the_prompt_back_and_thaw_completes_it(
    backend: str,
) -> None:
    out, stderr = transcript(
        [
            "p guarded.acquire()",
            "p counts",
            "p counts",
            "thaw",
            "p counts",
            "p counts",
            "p threading.current_thread().name",
            "!guarded.release()",
            "c",
        ],
        backend,
    )
    assert out[1].startswith("*** thread 4 waits for Lock held by thread 2, at <stdin>:1 in")
    note, before = out[2].strip().splitlines()
    assert note.startswith("(thread 4 still runs an evaluation left waiting ('thaw' lets it")
    still = ast.literal_eval(out[3].strip())
    assert ast.literal_eval(before) == still, "a thread ran while the evaluation waited"
    assert still["holder"] < HOLD_FOR
    thawed = out[4].strip().splitlines()
    assert re.fullmatch(
        r"thawed for \d+\.\d\ds; completed; every thread is frozen again", thawed[0]
    )
    assert thawed[1:] == ["guarded.acquire():", "True"]
    after, later = ast.literal_eval(out[5].strip()), ast.literal_eval(out[6].strip())
    assert after["holder"] == HOLD_FOR, "the holder did not run during the thaw"
    assert after["ticker"] > still["ticker"], "the ticker did not run during the thaw"
    assert later == after, "a thread ran after the thaw"
    assert out[7] == "'worker'"
    assert "worker resumed" in stderr


@pytest.mark.skipif(sys.version_info < (3, 12), reason="pdb's $ variables are 3.12+")
def test_tab_completes_dollar_variables_and_python_inside_a_statement(backend: str) -> None:
    """$_frame completes at the first prompt; on 3.13, inside a multi-line statement, Tab on
    a blank line indents it and a word completes as Python (``return``, not ``retval``)."""
    command = f"ALLSTOP_UI=line {allstop_command('run', str(PROGRAM))}; {AFTER}"
    term = Terminal(command, backend=backend)
    assert term.wait_for("(allstop) "), term.text
    term.send("p $_fr\t.f_code.co_name" + ENTER)
    assert term.wait_for("'work'"), term.text
    if sys.version_info >= (3, 13):
        term.send("def twice(n):" + ENTER)
        assert term.wait_for("...   "), term.text
        term.send("\tret\tn * 2" + ENTER + ENTER)
        assert term.wait_for(lambda text: text.count("(allstop) ") == 3), term.text
        term.send("twice(21)" + ENTER)
        assert term.wait_for("42"), term.text
    continue_to_the_end(term, "c")


def test_breakpoint_is_not_sent_to_pdb_by_prompt_toolkit_while_the_ui_runs(
    backend: str, tmp_path: Path
) -> None:
    """prompt_toolkit sends breakpoint() to pdb while one of its applications runs (the
    full-screen UI runs for the whole stop, while code typed there runs), unless the program
    has a hook of its own: the hook in force stays Python's, which honours PYTHONBREAKPOINT."""
    program = tmp_path / "stops.py"
    program.write_text(
        "import sys, threading\n"
        "def work():\n"
        "    breakpoint()\n"
        "worker = threading.Thread(target=work, name='worker')\n"
        "worker.start()\n"
        "worker.join()\n"
        "print('worker resumed')\n"
    )
    words = shlex.join([sys.executable, str(program)])
    term = Terminal(f"PYTHONBREAKPOINT=allstop.set_trace {words}; {AFTER}", backend=backend)
    assert term.wait_for("Threads"), term.text
    term.send(":p sys.breakpointhook.__module__" + ENTER)
    assert term.wait_for("'allstop.ui.hooks'"), term.text
    continue_to_the_end(term, ":c")


def test_ctrl_c_gives_a_new_prompt_and_interrupts_an_evaluation(backend: str) -> None:
    """On a terminal in line mode the main thread hears Ctrl-C (parked, or waiting in C when
    a worker stopped); the session, on a thread of its own, gets it."""
    command = f"ALLSTOP_UI=line {allstop_command('run', str(PROGRAM))}; {AFTER}"
    term = Terminal(command, backend=backend)
    assert term.wait_for("(allstop) "), term.text
    term.send("\x03")
    assert term.wait_for(lambda text: text.count("(allstop) ") == 2), term.text
    assert "--KeyboardInterrupt--" in term.text
    term.send("!while True: pass" + ENTER)
    assert term.wait_for("while True: pass"), term.text
    term.send("\x03")
    assert term.wait_for(lambda text: text.count("(allstop) ") == 3), term.text
    assert term.text.count("--KeyboardInterrupt--") == 2, term.text
    term.send("p threading.current_thread().name" + ENTER)
    assert term.wait_for("'worker'"), term.text
    continue_to_the_end(term, "c")


def test_line_mode_on_a_terminal_completes_and_remembers_as_readline(backend: str) -> None:
    """pdb's readline comforts at the (allstop) prompt: Tab completes a command, a second Tab
    lists the candidates, names in the frame and attributes complete, Up recalls a line."""
    command = f"ALLSTOP_UI=line {allstop_command('run', str(PROGRAM))}; {AFTER}"
    term = Terminal(command, backend=backend)
    assert term.wait_for("(allstop) "), term.text
    term.send("co\t\t")
    assert term.wait_for(lambda text: "condition" in text and "continue" in text), term.text
    assert "commands" in term.text
    term.send("\x15p loc\t")  # Ctrl-U clears the line; a name of the frame's globals
    assert term.wait_for("p local"), term.text
    term.send(".wh\t" + ENTER)
    assert term.wait_for('"the worker\'s own"'), term.text
    term.send("\x1b[A" + ENTER)  # Up: the line before, run again
    assert term.wait_for(lambda text: text.count('"the worker\'s own"') == 2), term.text
    term.send("coun\t" + ENTER)  # no command starts so: a name, as 3.13's pdb completes it
    assert term.wait_for("'ticker'"), term.text
    term.send("contin\t" + ENTER)
    raw = term.finish()
    assert "worker resumed" in raw
    assert "STATUS=0" in raw
