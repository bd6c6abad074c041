"""``allstop run`` from the command line, in real subprocesses (testing tier 3): how the program
is started (``sys.argv``, ``__main__``, ``sys.path``, exit status), ``-m``, ``--stop``, ``-b``,
``breakpoint()`` and ``PYTHONBREAKPOINT``, end of input, and the command's own errors.

Commands are piped on stdin; every run has a timeout (a debugger bug shows up as a hang).  Both
ways in are tested where they can differ: ``python -m allstop`` and the ``allstop`` console
script installed next to ``sys.executable``.
"""

from __future__ import annotations

import json
import re
import sys
import textwrap
import zipapp
from pathlib import Path

import pytest

import allstop
from tests.support.run import (
    PROGRAMS,
    ROOT,
    Result,
    _run,
    env_for,
    line_of,
    run_allstop,
    run_python,
)

pytestmark = pytest.mark.e2e

TIMEOUT = 15
PROMPT = "(allstop) "
TARGET = PROGRAMS / "cli_target.py"
BREAKPOINT_PROGRAM = PROGRAMS / "cli_breakpoint.py"
BREAKPOINT_LINE = BREAKPOINT_PROGRAM.read_text().splitlines().index("breakpoint()") + 1
THREADS_PROGRAM = PROGRAMS / "cli_threads.py"
PACKAGE_MAIN = PROGRAMS / "cli_pkg" / "__main__.py"
TOOL = PROGRAMS / "cli_pkg" / "tool.py"
CONSOLE_SCRIPT = Path(sys.executable).parent / "allstop"

LAUNCHERS = ["python-m", "console-script"]
"""``python -m allstop`` and the ``allstop`` console script."""


SQUARE_BODY = line_of(TARGET, "# square body")
AFTER_LOOP = line_of(TARGET, "# after the loop")
RAISE_LINE = line_of(TARGET, "raise ValueError")
JOB_BODY = line_of(THREADS_PROGRAM, "# job body")
SHOUT_BODY = line_of(TOOL, "# shout body")
COMMENT_LINE = line_of(TARGET, "# How it was started")
BLANK_LINE = line_of(TARGET, "def square") - 1
assert not TARGET.read_text().splitlines()[BLANK_LINE - 1].strip()


def allstop_cli(
    args: list[str],
    commands: list[str] | None = None,
    *,
    launcher: str = "python-m",
    backend: str | None = None,
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
) -> Result:
    """``allstop ARGS`` through ``launcher``, with ``commands`` on stdin, one per line."""
    if launcher == "python-m":
        return run_allstop(args, commands, backend=backend, timeout=TIMEOUT, env=env, cwd=cwd)
    assert CONSOLE_SCRIPT.is_file(), f"no console script at {CONSOLE_SCRIPT}"
    stdin = "".join(c + "\n" for c in commands or [])
    return _run([str(CONSOLE_SCRIPT), *args], stdin, TIMEOUT, env_for(backend, env), cwd)


def plain_python(script: Path, stdin: str = "", env: dict[str, str] | None = None) -> Result:
    """``python script`` with the same environment as an allstop run: the reference."""
    return _run([sys.executable, str(script)], stdin, TIMEOUT, env_for(None, env), script.parent)


def started(result: Result) -> dict[str, object]:
    """The JSON line a program printed about how it was started."""
    for line in result.stdout.splitlines():
        if line.startswith("{"):
            found: dict[str, object] = json.loads(line)
            return found
    raise AssertionError(f"no JSON line in output:\n{result.stdout}\n{result.stderr}")


BANNER = re.compile(r"\[thread \d+ [^\]]*\] stopped at ")


def unprompted(line: str) -> str:
    """``line`` without the prompts in front of it (a stop after ``c`` follows the prompt)."""
    while line.startswith(PROMPT):
        line = line[len(PROMPT) :]
    return line


def banners(result: Result) -> list[str]:
    """The stop banners, ``[thread N name] stopped at ...``, in order (a program of one
    thread has none: its stops show as pdb shows them)."""
    lines = map(unprompted, result.stdout.splitlines())
    return [line for line in lines if BANNER.match(line)]


def stops(result: Result) -> list[list[str]]:
    """The two location lines (``> file(line)function()``, ``-> source``) of each stop."""
    lines = [unprompted(line) for line in result.stdout.splitlines()]
    return [lines[n : n + 2] for n, line in enumerate(lines) if line.startswith("> ")]


def answers(result: Result) -> list[str]:
    """What followed each prompt on its line: the first line of each command's output (or the
    next banner, after a command that resumes)."""
    lines = result.stdout.splitlines()
    return [line[len(PROMPT) :] for line in lines if line.startswith(PROMPT)]


def location(result: Result, index: int = 0) -> list[str]:
    """The location lines of stop ``index``."""
    found = stops(result)
    assert len(found) > index, f"fewer than {index + 1} stops:\n{result.stdout}"
    return found[index]


def explain(result: Result) -> str:
    return f"status {result.status}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def write_script(folder: Path, source: str, name: str = "script.py") -> Path:
    script = folder / name
    script.write_text(textwrap.dedent(source))
    return script


@pytest.fixture(params=LAUNCHERS)
def launcher(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# -- how the program starts -----------------------------------------------------------------


def test_script_sees_argv_main_and_its_own_directory(launcher: str) -> None:
    result = allstop_cli(
        ["run", "tests/programs/cli_target.py", "one", "two words"], launcher=launcher
    )
    assert result.status == 0, explain(result)
    assert started(result) == {
        "argv": [str(TARGET), "one", "two words"],
        "name": "__main__",
        "path0": str(PROGRAMS),
    }
    assert "total 14" in result.stdout


def test_options_after_the_script_belong_to_the_script() -> None:
    result = allstop_cli(["run", str(TARGET), "-b", "3", "--stop", "-m", "x", "--help"])
    assert result.status == 0, explain(result)
    assert started(result)["argv"] == [str(TARGET), "-b", "3", "--stop", "-m", "x", "--help"]
    assert PROMPT not in result.stdout


@pytest.mark.parametrize(
    ("args", "status"),
    [([], 0), (["--exit", "3"], 3), (["--exit", "0"], 0), (["--exit", "70"], 70)],
)
def test_exit_status_passes_through(launcher: str, args: list[str], status: int) -> None:
    result = allstop_cli(["run", str(TARGET), *args], launcher=launcher)
    assert result.status == status, explain(result)
    assert "total 14" in result.stdout
    assert result.stderr == ""


def test_sys_exit_with_a_message_prints_it_and_exits_1(tmp_path: Path) -> None:
    script = write_script(tmp_path, "import sys\nsys.exit('cli: giving up')\n")
    result = allstop_cli(["run", str(script)])
    assert result.status == 1, explain(result)
    assert result.stderr.strip() == "cli: giving up"


def test_uncaught_exception_opens_a_post_mortem_then_exits_1(launcher: str) -> None:
    result = allstop_cli(["run", str(TARGET), "--raise"], ["c"], launcher=launcher)
    assert result.status == 1, explain(result)
    assert "total 14" in result.stdout
    assert "[thread 1 MainThread] crashed: ValueError: cli_target was asked to fail" in (
        result.stdout
    )
    assert result.stdout.count(PROMPT) == 1
    err = result.stderr
    assert err.startswith("Traceback (most recent call last):"), err
    assert f'File "{TARGET}", line {RAISE_LINE}, in <module>' in err
    assert err.rstrip().endswith("ValueError: cli_target was asked to fail"), err


def test_uncaught_exception_traceback_shows_only_the_program(launcher: str) -> None:
    result = allstop_cli(["run", str(TARGET), "--raise"], ["c"], launcher=launcher)
    assert result.status == 1, explain(result)
    files = re.findall(r'^  File "([^"]+)"', result.stderr, re.MULTILINE)
    assert files == [str(TARGET)], result.stderr
    shown = re.findall(r'^  File "([^"]+)"', result.stdout, re.MULTILINE)
    assert shown == [str(TARGET)], result.stdout


@pytest.mark.parametrize("env", [{}, {"PYTHONSAFEPATH": "1"}], ids=["default", "safe-path"])
def test_sys_path_is_the_one_python_gives_the_script(
    launcher: str, env: dict[str, str], tmp_path: Path
) -> None:
    """The script's folder first, or (3.11+'s -P) no folder added at all."""
    script = write_script(tmp_path, "import json, sys\nprint(json.dumps({'path': sys.path}))\n")
    expected = plain_python(script, env=env)
    assert expected.status == 0, explain(expected)
    result = allstop_cli(["run", str(script)], launcher=launcher, env=env)
    assert result.status == 0, explain(result)
    assert started(result)["path"] == started(expected)["path"]


ATEXIT_PICKLE = """\
import atexit
import pickle


class Saved:
    pass


def save() -> None:
    # A class of the script is found through sys.modules["__main__"], as pickle does.
    print("saved", len(pickle.dumps(Saved())) > 0)


atexit.register(save)
"""


def test_main_module_is_still_the_script_at_exit(tmp_path: Path) -> None:
    script = write_script(tmp_path, ATEXIT_PICKLE)
    expected = plain_python(script)
    assert "saved True" in expected.stdout, explain(expected)
    result = allstop_cli(["run", str(script)])
    assert result.status == 0, explain(result)
    assert "saved True" in result.stdout, explain(result)


def test_a_zip_archive_runs_as_python_runs_it_and_stops_at_its_breakpoints(
    backend: str, tmp_path: Path
) -> None:
    """A zipapp: sys.path[0] is the archive, and its source (from the archive's loader) shows
    at a stop and finds a function for -b."""
    source = tmp_path / "source"
    source.mkdir()
    write_script(
        source,
        "import sys\ndef f(x):\n    return x + 1\nprint(f(41), sys.path[0])\n",
        name="__main__.py",
    )
    archive = tmp_path / "app.pyz"
    zipapp.create_archive(source, archive)
    result = allstop_cli(["run", "-b", "f", str(archive)], ["p x", "c"], backend=backend)
    assert result.status == 0, explain(result)
    assert result.stderr == ""
    assert location(result) == [f"> {archive}/__main__.py(3)f()", "-> return x + 1"]
    assert answers(result)[:2] == ["41", f"42 {archive}"]


# -- -m module ------------------------------------------------------------------------------

MODULE_LAUNCHERS = ["python-m", "console-script"]


@pytest.mark.parametrize("launcher", MODULE_LAUNCHERS)
def test_run_module_of_a_package(launcher: str) -> None:
    result = allstop_cli(["run", "-m", "cli_pkg.tool", "a", "b"], launcher=launcher, cwd=PROGRAMS)
    assert result.status == 4, explain(result)
    assert started(result) == {
        "argv": [str(TOOL), "a", "b"],
        "name": "__main__",
        "spec": "cli_pkg.tool",
        "path0": str(PROGRAMS),
    }
    assert "DONE" in result.stdout


@pytest.mark.parametrize("launcher", MODULE_LAUNCHERS)
def test_run_package_runs_its_main(launcher: str) -> None:
    result = allstop_cli(["run", "-m", "cli_pkg", "x"], launcher=launcher, cwd=PROGRAMS)
    assert result.status == 0, explain(result)
    assert started(result) == {
        "argv": [str(PACKAGE_MAIN), "x"],
        "name": "__main__",
        "spec": "cli_pkg.__main__",
        "path0": str(PROGRAMS),
    }


def test_run_module_stops_at_its_first_line_and_its_breakpoints(backend: str) -> None:
    result = allstop_cli(
        ["run", "--stop", "-b", str(SHOUT_BODY), "-m", "cli_pkg.tool"],
        ["c", "p word", "c", "q"],
        backend=backend,
        cwd=PROGRAMS,
    )
    # As python -m pdb: the program's exit is reported, it starts again, quit ends it (0).
    assert result.status == 0, explain(result)
    assert banners(result) == []
    assert len(stops(result)) == 3
    assert location(result, 0)[0] == f"> {TOOL}(1)<module>()"
    assert location(result, 1) == [
        f"> {TOOL}({SHOUT_BODY})shout()",
        "-> return word.upper()  # shout body",
    ]
    assert location(result, 2)[0] == f"> {TOOL}(1)<module>()"
    assert "'done'" in answers(result)
    assert "DONE" in result.stdout
    assert "The program exited via sys.exit(). Exit status: 4" in result.stdout


def test_missing_module_is_a_clear_error() -> None:
    result = allstop_cli(["run", "-m", "cli_nosuch"], cwd=PROGRAMS)
    assert result.status == 2, explain(result)
    assert result.stderr.splitlines() == ["allstop: No module named cli_nosuch"]
    assert result.stdout == ""


def test_missing_package_of_a_dotted_module_is_a_clear_error() -> None:
    result = allstop_cli(["run", "-m", "cli_nosuch.tool"], cwd=PROGRAMS)
    assert result.status == 2, explain(result)
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "cli_nosuch" in result.stderr
    assert "Traceback" not in result.stderr


def test_options_after_the_module_belong_to_the_module() -> None:
    result = allstop_cli(["run", "-m", "cli_pkg.tool", "--verbose", "--stop", "x"], cwd=PROGRAMS)
    assert result.status == 4, explain(result)
    assert started(result)["argv"] == [str(TOOL), "--verbose", "--stop", "x"]
    assert PROMPT not in result.stdout


# -- --stop ---------------------------------------------------------------------------------

FIRST_STATEMENT_ON_LINE_4 = """\
#!/usr/bin/env python
# allstop --stop must skip these comments and the blank line.

import sys
print("ran", len(sys.argv))
"""


def test_stop_stops_at_the_first_statement_then_continue_runs_to_the_end(
    backend: str, tmp_path: Path
) -> None:
    script = write_script(tmp_path, FIRST_STATEMENT_ON_LINE_4)
    result = allstop_cli(["run", "--stop", str(script)], ["c"], backend=backend)
    assert result.status == 0, explain(result)
    lines = result.stdout.splitlines()
    assert lines[:2] == [f"> {script}(4)<module>()", "-> import sys"]
    # Nothing of the program ran before the stop; all of it ran after 'c'; then, as python -m
    # pdb, it starts again, and the end of input quits.
    assert lines[2:] == [
        PROMPT + "ran 1",
        "The program finished and will be restarted",
        f"> {script}(4)<module>()",
        "-> import sys",
        PROMPT,
    ]
    assert len(stops(result)) == 2


def test_stop_runs_commands_given_with_c_before_the_first_prompt(backend: str) -> None:
    result = allstop_cli(
        ["run", "--stop", "-c", "p 40 + 2", "-c", "until 5", str(TARGET)], ["q"], backend=backend
    )
    assert result.status == 0, explain(result)
    lines = result.stdout.splitlines()
    assert lines[0] == "42"
    assert lines[1] == f"> {TARGET}(5)<module>()", explain(result)


def test_stop_lets_commands_run_before_the_program(backend: str) -> None:
    result = allstop_cli(
        ["run", "--stop", str(TARGET)], ["p __name__", "p 'square' in dir()", "c"], backend=backend
    )
    assert result.status == 0, explain(result)
    assert answers(result)[:2] == ["'__main__'", "False"]
    assert "total 14" in result.stdout


def test_without_stop_or_breakpoints_there_is_no_prompt(launcher: str) -> None:
    # 'q' on stdin would end the program with status 1 if anything read it.
    result = allstop_cli(["run", str(TARGET)], ["q"], launcher=launcher)
    assert result.status == 0, explain(result)
    assert PROMPT not in result.stdout
    assert banners(result) == []
    assert result.stdout.splitlines()[1:] == ["total 14"]


# -- -b -------------------------------------------------------------------------------------


def test_break_file_line_stops_at_each_hit(backend: str) -> None:
    spec = f"tests/programs/cli_target.py:{SQUARE_BODY}"
    result = allstop_cli(
        ["run", "-b", spec, "tests/programs/cli_target.py"],
        ["p n", "c", "p n", "c", "p n", "c"],
        backend=backend,
    )
    assert result.status == 0, explain(result)
    assert banners(result) == []
    assert len(stops(result)) == 3
    assert location(result) == [
        f"> {TARGET}({SQUARE_BODY})square()",
        "-> return n * n  # square body",
    ]
    assert answers(result)[0::2] == ["1", "2", "3"]
    assert "total 14" in result.stdout


def test_break_file_is_also_looked_up_next_to_the_script(backend: str) -> None:
    # From /work/main, 'cli_target.py' is no file of the current directory.
    result = allstop_cli(
        ["run", "-b", f"cli_target.py:{SQUARE_BODY}", str(TARGET)],
        ["p n", "c", "c", "c"],
        backend=backend,
    )
    assert result.status == 0, explain(result)
    assert len(stops(result)) == 3
    assert location(result)[0] == f"> {TARGET}({SQUARE_BODY})square()"


def test_break_line_is_in_the_script(backend: str) -> None:
    result = allstop_cli(
        ["run", "-b", str(AFTER_LOOP), str(TARGET)], ["p total", "c"], backend=backend
    )
    assert result.status == 0, explain(result)
    assert len(stops(result)) == 1
    assert location(result)[0] == f"> {TARGET}({AFTER_LOOP})<module>()"
    assert answers(result)[0] == "14"


def test_break_function_stops_at_its_first_line_in_each_call(backend: str) -> None:
    result = allstop_cli(
        ["run", "-b", "square", str(TARGET)], ["p n", "c", "p n", "c", "p n", "c"], backend=backend
    )
    assert result.status == 0, explain(result)
    assert len(stops(result)) == 3
    assert location(result)[0] == f"> {TARGET}({SQUARE_BODY})square()"
    assert answers(result)[0::2] == ["1", "2", "3"]


HELPER_MODULE = """\
def helper(n):
    return n * 2  # helper body
"""
USES_HELPER = """\
import helpmod

print("helped", helpmod.helper(21))
"""


def test_break_function_of_another_module(backend: str, tmp_path: Path) -> None:
    helper = write_script(tmp_path, HELPER_MODULE, "helpmod.py")
    script = write_script(tmp_path, USES_HELPER)
    result = allstop_cli(["run", "-b", "helper", str(script)], ["p n", "c"], backend=backend)
    assert result.status == 0, explain(result)
    assert location(result) == [f"> {helper}(2)helper()", "-> return n * 2  # helper body"]
    assert answers(result) == ["21", "helped 42"]


def test_break_module_dot_function(tmp_path: Path) -> None:
    write_script(tmp_path, HELPER_MODULE, "helpmod.py")
    script = write_script(tmp_path, USES_HELPER)
    result = allstop_cli(["run", "-b", "helpmod.helper", str(script)], ["p n", "c"])
    assert answers(result)[:1] == ["21"], explain(result)
    assert result.status == 0, explain(result)


@pytest.mark.parametrize(
    "spec",
    [
        f"cli_target.py:{SQUARE_BODY}, n == 2",
        f"{SQUARE_BODY}, n == 2",
        f"{SQUARE_BODY} if n == 2",
        "square, n == 2",
    ],
)
def test_break_with_a_condition_stops_only_when_it_is_true(backend: str, spec: str) -> None:
    result = allstop_cli(["run", "-b", spec, str(TARGET)], ["p n", "c"], backend=backend)
    assert result.status == 0, explain(result)
    assert len(stops(result)) == 1, explain(result)
    assert answers(result)[0] == "2"
    assert "total 14" in result.stdout


def test_repeated_breaks_are_numbered_in_order_and_all_stop(backend: str) -> None:
    result = allstop_cli(
        ["run", "-b", "square, n == 3", "-b", f"cli_target.py:{AFTER_LOOP}", str(TARGET)],
        ["p n", "c", "p total", "c"],
        backend=backend,
    )
    assert result.status == 0, explain(result)
    assert len(stops(result)) == 2
    assert location(result, 0)[0] == f"> {TARGET}({SQUARE_BODY})square()"
    assert location(result, 1)[0] == f"> {TARGET}({AFTER_LOOP})<module>()"
    assert answers(result)[0::2] == ["3", "14"]


def test_break_in_a_worker_thread_names_that_thread(backend: str) -> None:
    result = allstop_cli(["run", "-b", "job", str(THREADS_PROGRAM)], ["p n", "c"], backend=backend)
    assert result.status == 0, explain(result)
    assert len(banners(result)) == 1
    assert banners(result)[0].startswith("[thread 2 cli-worker] stopped at breakpoint 1;")
    assert location(result) == [
        f"> {THREADS_PROGRAM}({JOB_BODY})job()",
        "-> return n + 1  # job body",
    ]
    assert answers(result) == ["1", "joined"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("cli_nosuch.py:3", "no such file: cli_nosuch.py"),
        ("/nowhere/cli_nosuch.py:3", "no such file: /nowhere/cli_nosuch.py"),
        (f"cli_target.py:{SQUARE_BODY}, n ==", "Invalid condition "),
        ("square, n = 2", "Invalid condition "),
        (f"cli_target.py:{SQUARE_BODY},", "Condition expected after ','"),
        ("", "Breakpoint location expected"),
        (f"{SQUARE_BODY} thread 2", "'thread N' needs a running program"),
    ],
)
def test_bad_break_is_a_one_line_error_with_status_2(spec: str, message: str) -> None:
    result = allstop_cli(["run", "-b", spec, str(TARGET)], ["c"])
    assert result.status == 2, explain(result)
    [line] = result.stderr.splitlines()
    assert line.startswith(f"allstop: -b {spec}: {message}"), line
    assert result.stdout == "", "the program must not run"


@pytest.mark.parametrize(
    "spec",
    [
        "cli_target.py:999",
        f"cli_target.py:{BLANK_LINE}",
        f"cli_target.py:{COMMENT_LINE}",
        "cli_target.py:abc",
    ],
    ids=["past-the-end", "blank", "comment", "not-a-number"],
)
def test_break_where_nothing_can_stop_is_an_error(spec: str) -> None:
    result = allstop_cli(["run", "-b", spec, str(TARGET)], ["c"])
    assert result.status == 2, explain(result)
    assert len(result.stderr.splitlines()) == 1, result.stderr


def test_missing_script_is_a_clear_error(launcher: str) -> None:
    result = allstop_cli(["run", "cli_nosuch.py", "arg"], launcher=launcher)
    assert result.status == 2, explain(result)
    assert result.stderr.splitlines() == ["allstop: can't open file 'cli_nosuch.py': no such file"]
    assert result.stdout == ""


def test_run_without_a_script_is_an_error() -> None:
    result = allstop_cli(["run", "--stop"])
    assert result.status == 2, explain(result)
    assert result.stderr.splitlines() == ["allstop run: give a script (or -m module)"]


def test_double_dash_before_the_script() -> None:
    result = allstop_cli(["run", "--", str(TARGET), "-b"])
    assert result.status == 0, explain(result)
    assert started(result)["argv"] == [str(TARGET), "-b"]


# -- breakpoint() and PYTHONBREAKPOINT ------------------------------------------------------


def check_breakpoint_stop(result: Result) -> None:
    """cli_breakpoint.py stopped in allstop after breakpoint(), 'p value' then 'c'."""
    assert result.status == 0, explain(result)
    assert len(stops(result)) == 1
    # pdb's set_trace() stops on its own line from 3.13 on, on the next line before.
    line = BREAKPOINT_LINE if sys.version_info >= (3, 13) else BREAKPOINT_LINE + 1
    assert location(result)[0].endswith(f"({line})<module>()")
    assert answers(result) == ["41", "value 42"]


def test_commands_given_with_c_run_at_the_first_stop(backend: str) -> None:
    result = allstop_cli(["run", "-c", "p value", str(BREAKPOINT_PROGRAM)], ["c"], backend=backend)
    assert result.status == 0, explain(result)
    assert result.stdout.splitlines()[0] == "41"  # before the location, as pdb runs .pdbrc
    assert len(stops(result)) == 1
    assert "value 42" in result.stdout


def test_start_up_commands_after_double_semicolons_define_a_breakpoints_commands(
    backend: str, tmp_path: Path
) -> None:
    """``commands 1 ;; p value;; end`` in .pdbrc or -c reads its list from the same line, as
    3.13's pdb does (allstop splits start-up lines at ``;;`` on every version)."""
    script = write_script(tmp_path, "value = 1\nvalue = 2\nprint('done', value)\n")
    startup = [word for c in ["b 3", "commands 1 ;; p value * 10;; end", "c"] for word in ("-c", c)]
    result = allstop_cli(["run", "--stop", *startup, str(script)], ["c"], backend=backend)
    assert result.status == 0, explain(result)
    assert "20" in result.stdout.splitlines(), explain(result)
    if sys.version_info >= (3, 13):
        pdb_command = [sys.executable, "-m", "pdb", *startup, str(script)]
        pdbs = _run(pdb_command, "c\n", TIMEOUT, None, ROOT)
        assert result.stdout == pdbs.stdout.replace("(Pdb) ", PROMPT)


def test_breakpoint_call_stops_in_allstop(backend: str) -> None:
    result = allstop_cli(["run", str(BREAKPOINT_PROGRAM)], ["p value", "c"], backend=backend)
    check_breakpoint_stop(result)
    assert location(result)[0].startswith(f"> {BREAKPOINT_PROGRAM}(")


def test_pythonbreakpoint_set_trace_stops_in_allstop_under_plain_python(backend: str) -> None:
    result = run_python(
        BREAKPOINT_PROGRAM.read_text(),
        backend=backend,
        timeout=TIMEOUT,
        stdin="p value\nc\n",
        env={"PYTHONBREAKPOINT": "allstop.set_trace"},
    )
    check_breakpoint_stop(result)


def test_pythonbreakpoint_0_disables_breakpoint_under_run(launcher: str) -> None:
    result = allstop_cli(
        ["run", str(BREAKPOINT_PROGRAM)], ["q"], launcher=launcher, env={"PYTHONBREAKPOINT": "0"}
    )
    assert result.status == 0, explain(result)
    assert result.stdout == "value 42\n"


def test_pythonbreakpoint_names_another_hook_that_wins_under_run() -> None:
    # breakpoint() calls the hook with no arguments: print() prints an empty line.
    result = allstop_cli(
        ["run", str(BREAKPOINT_PROGRAM)], ["q"], env={"PYTHONBREAKPOINT": "builtins.print"}
    )
    assert result.status == 0, explain(result)
    assert result.stdout == "\nvalue 42\n"


def test_empty_pythonbreakpoint_is_the_same_as_unset() -> None:
    result = allstop_cli(
        ["run", str(BREAKPOINT_PROGRAM)], ["p value", "c"], env={"PYTHONBREAKPOINT": ""}
    )
    check_breakpoint_stop(result)


# -- end of input ---------------------------------------------------------------------------


@pytest.mark.parametrize("commands", [[], ["p value"]], ids=["no-input", "one-command"])
def test_end_of_input_at_the_prompt_ends_the_program_with_status_1(
    backend: str, commands: list[str]
) -> None:
    result = allstop_cli(["run", str(BREAKPOINT_PROGRAM)], commands, backend=backend)
    assert result.status == 1, explain(result)
    assert len(stops(result)) == 1
    assert answers(result)[: len(commands)] == ["41"][: len(commands)]
    assert "value 42" not in result.stdout, "the program must not go on"


UNFLUSHED_THEN_STOP = """\
import sys

sys.stdout.write("written before the stop")
breakpoint()
sys.stdout.write(" and " + "after")
"""


@pytest.mark.parametrize("command", ["q", None], ids=["quit", "end-of-input"])
def test_quit_flushes_what_the_program_wrote(
    backend: str, command: str | None, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    script = write_script(tmp_path, UNFLUSHED_THEN_STOP)
    result = allstop_cli(
        ["run", str(script)],
        [command] if command else [],
        backend=backend,
        env={"PYTHONUNBUFFERED": ""},  # a pipe: the program's output waits in its buffer
    )
    assert result.status == 1, explain(result)
    assert len(stops(result)) == 1
    assert "written before the stop" in result.stdout, explain(result)
    assert "and after" not in result.stdout


READS_STDIN = """\
breakpoint()
name = input()
print("hello", name)
"""


def test_program_input_after_the_commands_is_left_to_the_program(tmp_path: Path) -> None:
    script = write_script(tmp_path, READS_STDIN)
    result = allstop_cli(["run", str(script)], ["c", "bob"])
    assert result.status == 0, explain(result)
    assert result.stdout.splitlines()[-1] == PROMPT + "hello bob"


# -- the command line itself ----------------------------------------------------------------


def test_version(launcher: str) -> None:
    result = allstop_cli(["--version"], launcher=launcher)
    assert result.status == 0, explain(result)
    assert result.stdout == f"allstop {allstop.__version__}\n"


def test_run_help(launcher: str) -> None:
    result = allstop_cli(["run", "--help"], launcher=launcher)
    assert result.status == 0, explain(result)
    assert result.stdout.startswith("usage: allstop run ")
    for option in ("--stop", "--break SPEC", "-m MODULE", "FILE:LINE"):
        assert option in result.stdout


def test_no_command_is_a_usage_error(launcher: str) -> None:
    result = allstop_cli([], launcher=launcher)
    assert result.status == 2, explain(result)
    assert result.stdout == ""
    assert result.stderr.startswith("usage: allstop ")
    assert "required: COMMAND" in result.stderr


def test_unknown_command_is_a_usage_error() -> None:
    result = allstop_cli(["walk", str(TARGET)])
    assert result.status == 2, explain(result)
    assert "invalid choice: 'walk'" in result.stderr
    assert result.stdout == ""


def test_run_restarts_the_program_with_new_arguments_as_python_m_pdb(
    backend: str, tmp_path: Path
) -> None:
    script = write_script(tmp_path, "import sys\nprint('argv', sys.argv[1:])\n")
    commands = ['run a "b c"', "c", "restart \\", "restart", "q"]
    result = allstop_cli(["run", "--stop", str(script), "x"], commands, backend=backend)
    assert result.status == 0, explain(result)
    out = result.stdout
    assert f"Restarting {script} with arguments:\n\ta b c\n" in out
    assert "argv ['a', 'b c']" in out
    assert "*** Cannot run \\: No escaped character" in out
    assert out.count(f"Restarting {script} with arguments:") == 2  # restart keeps the arguments


def test_run_outside_python_m_pdb_is_refused_in_one_line(backend: str) -> None:
    result = allstop_cli(["run", str(BREAKPOINT_PROGRAM)], ["run", "c"], backend=backend)
    assert result.status == 0, explain(result)
    assert "*** run/restart command is disabled when pdb is running in inline mode." in (
        result.stdout
    )
