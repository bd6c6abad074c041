"""From the REPL: a worker stops while the main thread waits at ``>>>`` (the classic REPL, in
GNU readline with no Python frame; 3.13's, in Python), and every key goes to the debugger;
after ``continue`` the prompt is the REPL's again (examples/repl_workers.py)."""

from __future__ import annotations

import re
import shlex
import sys
import time
from pathlib import Path

import pytest

from tests.support.run import ROOT
from tests.support.terminal import AFTER, ENTER, Terminal, cooked

pytestmark = pytest.mark.e2e

EXAMPLE = ROOT / "examples" / "repl_workers.py"
REPLS = ["classic", "new"] if sys.version_info >= (3, 13) else ["classic"]
"""The classic REPL (3.13: ``PYTHON_BASIC_REPL=1``), and 3.13's own."""
ARMINGS = {
    "pythonbreakpoint": ("PYTHONBREAKPOINT=allstop.set_trace", [str(EXAMPLE)]),
    "install": ("", [str(EXAMPLE), "--install"]),
    "allstop-run": ("", ["-m", "allstop", "run", str(EXAMPLE)]),
}
"""How allstop comes in: imported by ``breakpoint()`` in the worker, armed by the program, or
by ``python -i -m allstop run`` (the REPL then opens on the program's ``__main__``)."""


def repl(repl_kind: str, env: str, args: list[str], ui: str) -> Terminal:
    basic = "PYTHON_BASIC_REPL=1 " if repl_kind == "classic" else ""
    words = shlex.join([sys.executable, "-i", *args])
    command = f"{basic}{env} ALLSTOP_UI={ui} {words}; {AFTER}"
    term = Terminal(command, rows=40, cols=120)
    term.child.delaybeforesend = None  # typed() paces the keys itself
    assert term.wait_for(">>> "), term.text
    return term


def typed(term: Terminal, line: str) -> None:
    """``line`` typed a key at a time, as a person types it, then Enter."""
    for key in line:
        term.send(key)
        time.sleep(0.01)  # not synchronisation: the gap between two keys a person types
    term.send(ENTER)


def prompts(text: str) -> int:
    return len(re.findall(r"\(allstop\)", text))


def command(term: Terminal, line: str) -> None:
    """Type a debugger command and wait for the next prompt."""
    before = prompts(term.text)
    typed(term, line)
    assert term.wait_for(lambda text: prompts(text) > before), term.text


def ticks(term: Terminal) -> int:
    command(term, 'p counter["ticks"]')
    lines = term.text.rstrip().splitlines()
    return int(lines[-2].strip())


def check_session(term: Terminal, main_waits: bool, redraws: bool = True) -> None:
    """threads, thread 1, p (twice), continue; then the REPL runs a line of its own
    (``redraws``: once its prompt shows again: GNU readline draws it below the session, 3.13's
    REPL leaves it where it was)."""
    command(term, "threads")
    state = "frozen: at the REPL prompt" if main_waits else "stopped"
    assert re.search(rf"\b1\s+MainThread\s+\d+\s+no\s+{state}", term.text), term.text
    command(term, "thread 1")
    assert '[Switching to thread 1 "MainThread"' in term.text
    first = ticks(term)
    command(term, "where")
    assert ticks(term) == first, "a thread ran during the session"
    shown = term.text.count(">>>")
    typed(term, "continue")
    if main_waits:  # the REPL waited at its prompt all along
        assert term.wait_for("checker resumed"), term.text
    if redraws:  # a person types once the prompt shows
        assert term.wait_for(lambda text: text.count(">>>") > shown), term.text
    typed(term, 'print("back at the prompt", 6 * 7)')
    assert term.wait_for("back at the prompt 42"), term.text
    typed(term, "exit()")
    raw = term.finish()
    for slip in ("NameError", "SyntaxError", "Traceback"):
        assert slip not in raw, f"the REPL ran a key meant for the debugger:\n{term.text}"
    assert "STATUS=0" in raw
    assert cooked(raw)


@pytest.mark.parametrize("arming", list(ARMINGS))
@pytest.mark.parametrize("repl_kind", REPLS)
def test_a_worker_stops_while_the_repl_waits_and_the_keys_are_the_debuggers(
    repl_kind: str, arming: str
) -> None:
    env, args = ARMINGS[arming]
    term = repl(repl_kind, env, args, "line")
    typed(term, "start()")
    assert term.wait_for("(allstop)"), term.text
    assert "[thread 4 checker] stopped at breakpoint()" in term.text
    check_session(term, main_waits=True, redraws=repl_kind == "classic")


@pytest.mark.parametrize("repl_kind", REPLS)
def test_allstop_breakpoint_typed_at_the_prompt_freezes_the_workers(repl_kind: str) -> None:
    term = repl(repl_kind, "", [str(EXAMPLE)], "line")
    typed(term, "import allstop; allstop.breakpoint()")
    assert term.wait_for("(allstop)"), term.text
    check_session(term, main_waits=False)


def test_the_full_screen_ui_owns_the_keyboard_at_the_classic_repl() -> None:
    term = repl("classic", "PYTHONBREAKPOINT=allstop.set_trace", [str(EXAMPLE)], "tui")
    typed(term, "start()")
    assert term.wait_for("Threads"), term.text
    term.send(":")
    typed(term, "continue")
    assert term.wait_for(lambda text: "Threads" not in text), term.text
    typed(term, 'print("back at the prompt", 6 * 7)')
    assert term.wait_for("back at the prompt 42"), term.text
    typed(term, "exit()")
    raw = term.finish()
    assert "NameError" not in raw
    assert "SyntaxError" not in raw
    assert "STATUS=0" in raw
    assert cooked(raw)


def test_ipython_a_worker_stops_while_its_prompt_waits(tmp_path: Path) -> None:
    """IPython's prompt (prompt_toolkit, its output through a proxy whose writer thread is
    frozen too): the session writes to the terminal itself, and In [2] works afterwards."""
    pytest.importorskip("IPython")
    ipython = Path(sys.executable).parent / "ipython"
    words = shlex.join([str(ipython), "--no-banner", "-i", str(EXAMPLE), "--", "--install"])
    shell = f"IPYTHONDIR={shlex.quote(str(tmp_path))} ALLSTOP_UI=line {words}; {AFTER}"
    term = Terminal(shell, rows=40, cols=120)
    term.child.delaybeforesend = None
    assert term.wait_for("In [1]"), term.text
    typed(term, "start()")
    assert term.wait_for("(allstop)"), term.text
    command(term, "threads")
    assert re.search(r"\b1\s+MainThread\s+\d+\s+no\s+frozen", term.text), term.text
    first = ticks(term)
    assert ticks(term) == first, "a thread ran during the session"
    typed(term, "continue")
    assert term.wait_for("checker resumed"), term.text
    typed(term, 'print("back at the prompt", 6 * 7)')
    assert term.wait_for("back at the prompt 42"), term.text
    typed(term, "exit()")
    raw = term.finish()
    assert "STATUS=0" in raw
    assert cooked(raw)
