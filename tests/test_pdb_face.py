"""allstop as pdb: where ``set_trace()`` stops, the streams a ``Debugger`` uses, quitting, and a
program of one thread seeing exactly pdb's output.  Each case runs a small program in a fresh
interpreter, against allstop and, where pdb defines the behaviour, against pdb itself."""

from __future__ import annotations

import re
import sys
import textwrap

import pytest

from tests.support.run import Result, run_python

pytestmark = pytest.mark.e2e

AT_CALL = sys.version_info >= (3, 13)
"""pdb's set_trace() stops on its own line from 3.13 on, at the next event before."""


def run(source: str, stdin: str = "", backend: str | None = None) -> Result:
    return run_python(textwrap.dedent(source), stdin=stdin, backend=backend, timeout=30)


def same(ours: Result, pdbs: Result) -> tuple[str, str]:
    """Both outputs with the prompt and the folder of the script (a new one each run) alike."""
    tidy = [
        re.sub(r"\S*allstop-test-\w+/", "", result.stdout).replace("(Pdb)", "(allstop)")
        for result in (ours, pdbs)
    ]
    return tidy[0], tidy[1]


HEAD = "import allstop as dbg\nPdb = dbg.Debugger\n"
PDB_HEAD = "import pdb as dbg\nPdb = dbg.Pdb\n"


def against_pdb(source: str, commands: list[str], backend: str) -> tuple[str, str]:
    """``source`` run with ``commands`` under allstop and under pdb (both must exit 0): their
    outputs, made comparable by ``same``."""
    stdin = "\n".join(commands) + "\n"
    ours = run(source, stdin=stdin, backend=backend)
    pdbs = run(as_pdb(source), stdin=stdin)
    assert ours.status == pdbs.status == 0, ours.stderr
    return same(ours, pdbs)


def as_pdb(source: str) -> str:
    """``source`` with pdb in place of allstop (the same lines below the head): the
    reference."""
    assert HEAD in source
    return source.replace(HEAD, PDB_HEAD)


STREAMS = """
import io
import allstop as dbg
Pdb = dbg.Debugger

def work():
    value = 21
    commands = io.StringIO("p value * 2\\nwhere\\nnext\\ncontinue\\n")
    Pdb(stdin=commands, stdout=out).set_trace()
    value += 1
    return value

out = io.StringIO()
result = work()
print("result", result)
print(out.getvalue(), end="")
"""


def test_a_debugger_given_streams_reads_and_writes_them_as_pdb_does(backend: str) -> None:
    ours = run(STREAMS, backend=backend)
    pdbs = run(as_pdb(STREAMS))
    assert ours.status == pdbs.status == 0, ours.stderr
    assert same(ours, pdbs)[0] == same(ours, pdbs)[1]
    assert "(allstop) 42" in ours.stdout


REPLACED = """
import io, sys
import allstop as dbg
Pdb = dbg.Debugger

def work():
    value = 1
    dbg.set_trace(header="a header")
    value += 1
    return value

sys.stdin = io.StringIO("p value\\ncontinue\\n")
out, sys.stdout = sys.stdout, io.StringIO()
result = work()
text, sys.stdout = sys.stdout.getvalue(), out
print(text, end="")
print("result", result)
"""


def test_set_trace_with_replaced_streams_uses_them_and_prints_the_header(backend: str) -> None:
    ours = run(REPLACED, backend=backend)
    pdbs = run(as_pdb(REPLACED))
    assert ours.status == pdbs.status == 0, ours.stderr
    assert same(ours, pdbs)[0] == same(ours, pdbs)[1]
    assert ours.stdout.startswith("a header\n")


STOP_LINE = """
import allstop as dbg
Pdb = dbg.Debugger

def work():
    value = 1
    dbg.set_trace()
    value += 1
    return value

work()
"""


def test_set_trace_stops_where_this_pythons_pdb_stops(backend: str) -> None:
    ours = run(STOP_LINE, stdin="p value\nc\n", backend=backend)
    pdbs = run(as_pdb(STOP_LINE), stdin="p value\nc\n")
    assert same(ours, pdbs)[0] == same(ours, pdbs)[1]
    expected = "dbg.set_trace()" if AT_CALL else "value += 1"
    assert ours.stdout.splitlines()[1] == f"-> {expected}"


QUIT_ALONE = """
import bdb
import allstop as dbg
Pdb = dbg.Debugger

def work():
    dbg.set_trace()
    print("after" + " the stop")

try:
    work()
except bdb.BdbQuit:
    print("raised BdbQuit")
"""


def test_quit_in_a_program_of_one_thread_raises_bdbquit_as_pdb(backend: str) -> None:
    ours = run(QUIT_ALONE, stdin="q\n", backend=backend)
    assert ours.status == 0, ours.stderr
    assert ours.stdout.splitlines()[-1].endswith("raised BdbQuit")
    assert "after the stop" not in ours.stdout
    assert "[thread" not in ours.stdout  # one thread: the stop shows as pdb shows it


QUIT_THREADS = """
import threading
import allstop as dbg
Pdb = dbg.Debugger

release = threading.Event()
worker = threading.Thread(target=release.wait, name="waiting")
worker.start()
dbg.set_trace()
print("after" + " the stop")
"""


def test_quit_with_other_threads_running_ends_the_program_with_status_1(backend: str) -> None:
    result = run(QUIT_THREADS, stdin="q\n", backend=backend)
    assert result.status == 1, result.stderr
    assert "after the stop" not in result.stdout
    assert "[thread 1 MainThread] stopped at breakpoint(); 0 other threads frozen" in result.stdout


AFTER_MAIN = """
import threading
import allstop as dbg
Pdb = dbg.Debugger

def late():
    threading.main_thread().join()  # stop once the interpreter shuts down
    x = 1
    Pdb().set_trace()
    x += 1
    print("late", x)

threading.Thread(target=late, name="late").start()
"""


def test_set_trace_in_a_thread_after_the_main_thread_has_finished(backend: str) -> None:
    result = run(AFTER_MAIN, stdin="p x\ncont\n", backend=backend)
    assert result.status == 0, result.stderr
    assert "Error" not in result.stdout + result.stderr
    assert "(allstop) 1" in result.stdout
    assert result.stdout.rstrip().endswith("late 2")


EXCEPT_STAR = """
import allstop as dbg
Pdb = dbg.Debugger

def work():
    try:
        raise KeyError
    except* Exception:
        Pdb().set_trace()

work()
print("after")
"""


@pytest.mark.skipif(sys.version_info < (3, 11), reason="except* is new in 3.11")
def test_a_stop_with_no_line_number_shows_as_pdb_shows_it(backend: str) -> None:
    ours = run(EXCEPT_STAR, stdin="continue\n", backend=backend)
    pdbs = run(as_pdb(EXCEPT_STAR), stdin="continue\n")
    assert ours.status == pdbs.status == 0, ours.stderr
    assert same(ours, pdbs)[0] == same(ours, pdbs)[1]


RUN = """
import allstop as dbg
Pdb = dbg.Debugger

def helper(n):
    doubled = n * 2
    return doubled

namespace = {"helper": helper}
Pdb().run("x = 20\\ny = helper(x) + 2\\nprint('y', y)", namespace)
print("value", Pdb().runeval("helper(5) + 1", namespace))
print("call", Pdb().runcall(helper, 7))
"""


def test_run_runeval_and_runcall_stop_at_the_first_line_as_pdb(backend: str) -> None:
    commands = "n\np x\nc\nc\nn\np doubled\nc\n"
    ours = run(RUN, stdin=commands, backend=backend)
    pdbs = run(as_pdb(RUN), stdin=commands)
    assert ours.status == pdbs.status == 0, ours.stderr
    assert same(ours, pdbs)[0] == same(ours, pdbs)[1]
    assert "(allstop) 20" in ours.stdout
    assert ours.stdout.splitlines()[-1].endswith("call 14")


STEPPING = """
import asyncio
import allstop as dbg
Pdb = dbg.Debugger

def numbers():
    yield 0
    return 1

async def agen():
    yield 1
    await asyncio.sleep(0)
    yield 2

async def consume():
    async for x in agen():
        print("got", x)

def fails():
    raise ValueError("deep")

def work():
    Pdb(nosigint=True, readrc=False).set_trace()
    it = numbers()
    try:
        next(it)
        next(it)
    except StopIteration as stop:
        print("value", stop.value)
    try:
        fails()
    except ValueError:
        pass
    for n in numbers():
        print("n", n)
    asyncio.run(consume())

work()
"""
STEPS = [
    *(["next"] if AT_CALL else []),
    "step",  # it = numbers()
    "step",  # try
    "step",  # next(it): --Call-- numbers
    "next",  # yield 0
    "next",  # the generator leaves; stays in it: return 1, after the caller's next(it)
    "next",  # the end of the generator, seen by its caller: StopIteration
    "next",
    "next",  # print value
    "next",  # try
    "next",  # fails() raises: the exception shown in the caller
    "where",
    "down",
    "list",
    "next",
    "$_exception" if sys.version_info >= (3, 12) else "p 1",
    "continue",
]


@pytest.mark.parametrize("steps", [STEPS], ids=["generators-exceptions"])
def test_stepping_through_generators_and_exceptions_stops_where_pdb_stops(
    backend: str, steps: list[str]
) -> None:
    source = STEPPING
    stdin = "\n".join(steps) + "\n"
    ours = run(source, stdin=stdin, backend=backend)
    pdbs = run(as_pdb(source), stdin=stdin)
    assert ours.status == pdbs.status == 0, ours.stderr
    mine, theirs = same(ours, pdbs)
    assert mine == theirs
    assert "StopIteration: 1" in mine
    assert "ValueError: deep" in mine


MESSAGES = """
import allstop as dbg
Pdb = dbg.Debugger

class Hostile:
    def __repr__(self):
        raise RuntimeError("no repr")

def work(h):
    x = 1
    Pdb(nosigint=True, readrc=False).set_trace()
    return x

work(Hostile())
"""
PDB_312 = sys.version_info >= (3, 12)
MESSAGE_COMMANDS = [
    *(["next"] if AT_CALL else []),
    "p h",
    "pp h",
    # pdb before 3.12 lets the repr's exception out of args and display (and dies of it),
    # and takes a condition that does not compile (allstop refuses it, as 3.12's pdb).
    *(["args", "display h"] if PDB_312 else []),
    "tbreak 12",
    # pdb 3.10 takes any number, and reads a command list for it.
    *(["commands 99", "commands x"] if sys.version_info >= (3, 11) else []),
    *(["break 12, +"] if PDB_312 else []),
    "continue",
]


def test_messages_are_pdbs(backend: str) -> None:
    # A usage's indentation follows the prompt's length (pdb 3.13): spaces are not compared.
    compared = against_pdb(MESSAGES, MESSAGE_COMMANDS, backend)
    mine, theirs = (re.sub(r"[ \t]+", " ", text) for text in compared)
    assert mine == theirs
    assert "*** RuntimeError: no repr" in mine
    assert "h = *** repr(h) failed: RuntimeError: no repr ***" in mine or not PDB_312


EDITED = (
    HEAD
    + """
import os

def work():
    Pdb().set_trace()
    return 1

work()
"""
)


def test_a_file_edited_during_the_session_is_warned_about_once(backend: str) -> None:
    """pdb 3.13's warning (allstop gives it on every version): the program runs the code it
    loaded, and a listing would show the new text."""
    stdin = "!os.utime(__file__, (1, 1))\np 2\np 3\nc\n"
    ours = run(EDITED, stdin=stdin, backend=backend)
    assert ours.status == 0, ours.stderr
    warnings = [line for line in ours.stdout.splitlines() if "WARNING" in line]
    assert len(warnings) == 1, ours.stdout
    assert re.fullmatch(
        r"(?:\(allstop\) )+\*\*\* WARNING: file '\S+\.py' was edited, running stale code until the "
        r"program is rerun",
        warnings[0],
    )
    if AT_CALL:
        mine, theirs = same(ours, run(as_pdb(EDITED), stdin=stdin))
        assert mine == theirs


DEBUG = (
    HEAD
    + """
def f(n):
    total = 0
    for i in range(n):
        total += i
    return total

x = 3
Pdb().set_trace()
print("end", f(x))
"""
)
DEBUG_COMMANDS = [
    "debug f(x)",
    "s",
    "n",
    "n",
    "p total, n",
    "r",
    "c",
    "p x",
    "debug doesnotexist",
    "c",
    "debug print(",
    "debug y = x * 2",
    "c",
    "p y",
    "continue",
]


def test_debug_steps_through_code_in_a_recursive_debugger_as_pdb(backend: str) -> None:
    mine, theirs = against_pdb(DEBUG, DEBUG_COMMANDS, backend)
    assert mine == theirs
    assert "((allstop)) (0, 3)" in mine
    assert mine.count("ENTERING RECURSIVE DEBUGGER") == 4
