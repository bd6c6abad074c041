"""allstop's stops in an editor: a real Debug Adapter Protocol client, over loopback, against
programs under ``allstop run --listen`` (debugpy's server in the program's process)."""

from __future__ import annotations

import re
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.support.dap import DapClient, Message
from tests.support.run import (
    EXAMPLES,
    PROGRAMS,
    Result,
    Running,
    line_of,
    pause,
    run_allstop,
    run_python,
)
from tests.support.terminal import AFTER, ENTER, Terminal, allstop_command, cooked

pytestmark = pytest.mark.e2e


WORKERS = PROGRAMS / "editor_workers.py"
PROGRAM = str(WORKERS)


AT_CALL = sys.version_info >= (3, 13)
"""pdb's set_trace(), and so allstop.breakpoint(), stops on its own line from 3.13 on, and at
the next line before: the editor shows the stop where the terminal would."""


def after_breakpoint(path: Path, marker: str) -> int:
    """Where a stop at the allstop.breakpoint() just above the line holding ``marker`` shows."""
    line = line_of(path, marker)
    return line - 1 if AT_CALL else line


MARKER_LINE = after_breakpoint(WORKERS, "where the editor shows worker 1")
EDITOR_LINE = line_of(WORKERS, "where the editor shows worker 1") + 1
"""A line for the editor's own breakpoint, after allstop.breakpoint()'s stop."""
ALLSTOP_HOOKED = (
    "(sys.modules['allstop._wiring']._engine.active,"
    " 'allstop' in [sys.monitoring.get_tool(i) for i in range(6)] if hasattr(sys, 'monitoring')"
    " else 'SettraceBackend' in repr(sys.gettrace()))"
)
"""Evaluated in a stopped thread: whether allstop's engine is hooked in, whether allstop holds a
sys.monitoring tool (3.12+) or the thread's trace function (3.10/3.11)."""
PYDEVD_HOOKED = (
    "('pydevd hooked', any(sys.monitoring.get_tool(i) == 'pydevd' and sys.monitoring.get_events(i)"
    " for i in range(6)) if hasattr(sys, 'monitoring') else 'pydevd' in repr("
    "(threading._trace_hook, [f.f_trace for f in sys._current_frames().values()])))"
)
"""Evaluated at a terminal stop: whether pydevd still listens to any event (3.12+) or holds a
trace function (3.10/3.11)."""


def attach(client: DapClient) -> None:
    """What VS Code's 'Python Debugger: Remote Attach' sends, in its order."""
    client.request(
        "initialize",
        clientID="vscode",
        adapterID="debugpy",
        linesStartAt1=True,
        columnsStartAt1=True,
        pathFormat="path",
        supportsVariableType=True,
    )
    client.request("attach", justMyCode=False, connect={"host": "127.0.0.1"})
    client.request("setExceptionBreakpoints", filters=["uncaught"])
    client.request("configurationDone")


def port_of(program: Running) -> int:
    assert program.wait_for("listening on", stderr=True), program.error_output
    match = re.search(r"listening on 127\.0\.0\.1:(\d+)", program.error_output)
    assert match, program.error_output
    return int(match.group(1))


@contextmanager
def in_editor(
    *program_args: str, backend: str, options: tuple[str, ...] = ()
) -> Iterator[tuple[Running, DapClient]]:
    """``allstop run --listen 127.0.0.1:0 --wait-for-client`` with an editor attached."""
    program = Running(
        ["run", "--listen", "127.0.0.1:0", "--wait-for-client", *options, *program_args],
        backend=backend,
    )
    try:
        with DapClient(port_of(program)) as client:
            attach(client)
            yield program, client
    finally:
        program.kill()


def thread_ids(client: DapClient) -> dict[str, int]:
    return {t["name"]: t["id"] for t in client.request("threads")["threads"]}


def top_frame(client: DapClient, thread_id: int) -> Message:
    frames: list[Message] = client.request("stackTrace", threadId=thread_id)["stackFrames"]
    return frames[0]


def local_values(client: DapClient, frame_id: int) -> dict[str, str]:
    scopes = client.request("scopes", frameId=frame_id)["scopes"]
    local = next(s for s in scopes if s["name"] == "Locals")
    variables = client.request("variables", variablesReference=local["variablesReference"])
    return {v["name"]: v["value"] for v in variables["variables"]}


def evaluate(client: DapClient, frame_id: int, expression: str) -> str:
    body = client.request("evaluate", expression=expression, frameId=frame_id, context="repl")
    return str(body["result"])


def ended(program: Running) -> Result:
    """Wait for the program's end; its output."""
    return program.finish(timeout=20)


def test_a_worker_breakpoint_stops_every_thread_in_the_editor(backend: str) -> None:
    with in_editor(PROGRAM, backend=backend) as (program, client):
        stopped = client.event("stopped")
        assert stopped["allThreadsStopped"] is True
        assert stopped["reason"] == "breakpoint"
        ids = thread_ids(client)
        # The program's threads only: neither allstop's nor debugpy's own.
        assert set(ids) == {"MainThread", "worker-1", "worker-2", "worker-3"}
        assert stopped["threadId"] == ids["worker-1"]

        where = top_frame(client, ids["worker-1"])
        assert (where["name"], where["line"]) == ("count", MARKER_LINE)
        assert where["source"]["path"].endswith("editor_workers.py")

        # Another worker: its own frame and locals, and it is frozen (its count stays).
        frame = top_frame(client, ids["worker-2"])
        assert frame["name"] == "count"
        assert local_values(client, frame["id"]) == {"index": "1", "label": "'worker 2'"}
        first = evaluate(client, frame["id"], "counts[1]")
        assert int(first) > 0
        assert evaluate(client, frame["id"], "counts[1]") == first
        # Only one debugger traces: allstop holds no hook while the editor is attached.
        assert evaluate(client, frame["id"], ALLSTOP_HOOKED) == "(False, False)"

        client.request("continue", threadId=stopped["threadId"])
        result = ended(program)
    assert result.status == 0, result.stderr
    for line in ("worker 1: stopped here", "worker 2: counted", "all counted", "the end"):
        assert line in result.stdout
    assert "(allstop)" not in result.stdout  # nothing went to the terminal


def test_a_program_listens_from_its_own_code(backend: str) -> None:
    program_path = PROGRAMS / "listens_in_code.py"
    program = Running([str(program_path)], backend=backend, plain=True)
    try:
        assert program.wait_for("listening on"), program.error_output
        match = re.search(r"listening on 127\.0\.0\.1:(\d+)", program.output)
        assert match, program.output
        with DapClient(int(match.group(1))) as client:
            attach(client)
            stopped = client.event("stopped")
            assert stopped["allThreadsStopped"] is True
            assert stopped["threadId"] == thread_ids(client)["worker"]
            where = top_frame(client, stopped["threadId"])
            assert where["line"] == after_breakpoint(
                program_path, "where the editor shows the worker"
            )
            assert local_values(client, where["id"]) == {"answer": "42"}
            client.request("continue", threadId=stopped["threadId"])
            result = ended(program)
    finally:
        program.kill()
    assert result.status == 0, result.stderr
    assert result.stdout.endswith("answer 42\nthe end\n")
    assert result.stderr == ""  # nothing said: no warning on the loopback


def test_a_worker_crash_shows_in_the_editor_once(backend: str) -> None:
    with in_editor(PROGRAM, "crash", backend=backend) as (program, client):
        first = client.event("stopped")
        client.request("continue", threadId=first["threadId"])
        crash = client.event("stopped")
        assert crash["reason"] == "exception"
        assert crash["allThreadsStopped"] is True
        assert crash["text"] == "OSError"
        assert crash["description"] == "the disk is full"
        assert thread_ids(client)["crasher"] == crash["threadId"]
        assert top_frame(client, crash["threadId"])["name"] == "crash"
        client.request("continue", threadId=crash["threadId"])
        later = [e for e in client.drain() if e["event"] == "stopped"]
        result = ended(program)
    assert later == []  # allstop's post-mortem did not stop a second time
    assert result.status == 0, result.stderr
    assert "after the crash" in result.stdout
    assert "OSError: the disk is full" in result.stderr  # the usual traceback, as without us


def test_post_mortems_only_allstop_sees_show_in_the_editor(backend: str) -> None:
    # A pool worker's exception (its future keeps it) and the main script's (allstop run
    # catches it): pydevd sees neither as uncaught; allstop hands both to the editor.
    pool_crash = str(EXAMPLES / "pool_crash.py")
    with in_editor(pool_crash, backend=backend, options=("--post-mortem=all",)) as (
        program,
        client,
    ):
        worker = client.event("stopped")
        assert (worker["reason"], worker["text"], worker["description"]) == (
            "exception",
            "KeyError",
            "'plum'",
        )
        names = {v: k for k, v in thread_ids(client).items()}
        assert names[worker["threadId"]].startswith("pool")
        assert top_frame(client, worker["threadId"])["name"] == "price"
        client.request("continue", threadId=worker["threadId"])
        main = client.event("stopped")
        assert (main["reason"], main["description"]) == ("exception", "'plum'")
        # (On 3.10 pydevd adds that the main thread is paused in runpy: the script is over.)
        assert main["text"].startswith("KeyError")
        assert main["threadId"] == thread_ids(client)["MainThread"]
        client.request("continue", threadId=main["threadId"])
        result = ended(program)
    assert result.status == 1
    assert result.stderr.rstrip().endswith("KeyError: 'plum'")


COUNTED_LINE = line_of(WORKERS, 'print(f"{label}: counted"')


def detach_then_stop_in_the_terminal(program: Running, client: DapClient) -> None:
    """Once the workers have counted (``again``), the editor detaches and the main thread
    stops again: in the terminal."""
    assert program.wait_for("all counted"), program.output
    client.request("disconnect")
    client.close()
    program.send("go")
    # The main thread is the only one left: its stop shows as pdb shows it.
    again = after_breakpoint(WORKERS, 'print("stopped again"')
    assert program.wait_for(f"editor_workers.py({again})<module>()"), program.output


def test_allstop_breakpoints_stop_in_the_editor_beside_its_own(backend: str) -> None:
    entry = line_of(WORKERS, 'label = f"worker {index + 1}"')
    options = ("-b", "count, index == 2", "-b", f"{PROGRAM}:{COUNTED_LINE}, index == 1")
    with in_editor(PROGRAM, backend=backend, options=options) as (program, client):
        # The function breakpoint, at the first line of worker 3's call (the condition
        # is allstop's, evaluated in the worker).
        first = client.event("stopped")
        assert first["reason"] == "breakpoint"
        assert first["allThreadsStopped"] is True
        assert first["threadId"] == thread_ids(client)["worker-3"]
        where = top_frame(client, first["threadId"])
        assert (where["name"], where["line"]) == ("count", entry)
        assert local_values(client, where["id"]) == {"index": "2"}
        # The editor sets a breakpoint of its own in the same file: allstop's there stay.
        body = client.request(
            "setBreakpoints", source={"path": PROGRAM}, breakpoints=[{"line": EDITOR_LINE}]
        )
        assert [b["verified"] for b in body["breakpoints"]] == [True]
        seen = []
        for _ in range(3):
            client.request("continue", threadId=first["threadId"])
            stopped = client.event("stopped")
            names = {v: k for k, v in thread_ids(client).items()}
            seen.append(
                (names[stopped["threadId"]], top_frame(client, stopped["threadId"])["line"])
            )
            first = stopped
        client.request("continue", threadId=first["threadId"])
        result = ended(program)
    assert seen == [
        ("worker-1", MARKER_LINE),  # allstop.breakpoint()
        ("worker-1", EDITOR_LINE),  # the editor's breakpoint
        ("worker-2", COUNTED_LINE),  # allstop's line breakpoint
    ]
    assert result.status == 0, result.stderr
    assert "(allstop)" not in result.stdout  # nothing went to the terminal


def test_after_the_editor_detaches_the_next_stop_opens_the_terminal(backend: str) -> None:
    # allstop's breakpoints (-b) stop in the editor while it is attached, and in the
    # terminal again once it has detached.
    the_end = line_of(WORKERS, 'print("the end"')
    options = ("-b", f"{PROGRAM}:{COUNTED_LINE}, index == 1", "-b", f"{PROGRAM}:{the_end}")
    with in_editor(PROGRAM, "again", backend=backend, options=options) as (program, client):
        stopped = client.event("stopped")
        client.request("continue", threadId=stopped["threadId"])
        counted = client.event("stopped")
        assert counted["threadId"] == thread_ids(client)["worker-2"]
        assert top_frame(client, counted["threadId"])["line"] == COUNTED_LINE
        client.request("continue", threadId=counted["threadId"])
        detach_then_stop_in_the_terminal(program, client)
        program.send("threads", f"p {PYDEVD_HOOKED}", "continue")
        assert program.wait_for(f"editor_workers.py({the_end})<module>()"), program.output
        program.send("continue")
        result = ended(program)
    assert result.status == 0, result.stderr
    again = after_breakpoint(WORKERS, 'print("stopped again"')
    assert f"editor_workers.py({again})<module>()" in result.stdout
    assert re.search(r"\*\s+1\s+MainThread", result.stdout), result.stdout
    assert "('pydevd hooked', False)" in result.stdout  # the editor's debugger let go
    assert "stopped at breakpoint 1" not in result.stdout
    assert f"editor_workers.py({the_end})<module>()" in result.stdout
    assert "stopped again" in result.stdout
    assert result.stdout.rstrip().endswith("the end")


def test_an_editor_attaches_again_after_one_detached(backend: str) -> None:
    with in_editor(PROGRAM, "again", backend=backend) as (program, client):
        stopped = client.event("stopped")
        client.request("continue", threadId=stopped["threadId"])
        detach_then_stop_in_the_terminal(program, client)
        with DapClient(port_of(program)) as again:
            attach(again)
            program.send("continue")
            moved = again.event("stopped")
            assert moved["allThreadsStopped"] is True
            assert moved["threadId"] == thread_ids(again)["MainThread"]
            where = top_frame(again, moved["threadId"])
            assert where["line"] == after_breakpoint(WORKERS, 'print("stopped again"')
            again.request("continue", threadId=moved["threadId"])
            result = ended(program)
    assert result.status == 0, result.stderr
    assert result.stdout.rstrip().endswith("stopped again\nthe end")


@contextmanager
def moved_to_editor(
    program: Running, stop: str
) -> Iterator[tuple[DapClient, Message, dict[str, int]]]:
    """At the terminal stop that says ``stop``: ``listen``, attach an editor, ``continue``.
    The editor, its ``stopped`` event, and the ids of the threads it lists."""
    assert program.wait_for(stop), program.output
    program.send("listen 127.0.0.1:0")
    assert program.wait_for("type continue"), program.output
    match = re.search(r"listening on 127\.0\.0\.1:(\d+)", program.output)
    assert match, program.output
    with DapClient(int(match.group(1))) as client:
        attach(client)
        program.send("continue")
        stopped = client.event("stopped")
        yield client, stopped, thread_ids(client)


def test_listen_from_a_terminal_stop_moves_the_stop_to_the_editor(backend: str) -> None:
    program = Running(["run", PROGRAM], backend=backend)
    try:
        with moved_to_editor(program, "stopped at breakpoint()") as (client, stopped, ids):
            assert stopped["allThreadsStopped"] is True
            assert stopped["threadId"] == ids["worker-1"]
            where = top_frame(client, ids["worker-1"])
            assert (where["name"], where["line"]) == ("count", MARKER_LINE)
            assert top_frame(client, ids["worker-3"])["name"] == "count"
            client.request("continue", threadId=stopped["threadId"])
            result = ended(program)
    finally:
        program.kill()
    assert result.status == 0, result.stderr
    assert "worker 1: stopped here" in result.stdout
    assert result.stdout.rstrip().endswith("the end")


def test_stops_waiting_in_the_terminal_move_to_the_editor_too(backend: str) -> None:
    two_hits = PROGRAMS / "two_hits.py"
    line = line_of(two_hits, "# the breakpoint")
    program = Running(["run", "-b", f"{two_hits}:{line}, sync()", str(two_hits)], backend=backend)
    try:
        with moved_to_editor(program, "stopped at breakpoint 1") as (client, stopped, ids):
            assert stopped["threadId"] in (ids["hitter-0"], ids["hitter-1"])
            # The hitter whose stop was still waiting is held at the breakpoint too (it
            # would otherwise have run on).
            for name in ("hitter-0", "hitter-1"):
                where = top_frame(client, ids[name])
                assert (where["name"], where["line"]) == ("target", line), name
                assert "shout" not in local_values(client, where["id"]), name
            client.request("continue", threadId=stopped["threadId"])
            result = ended(program)
    finally:
        program.kill()
    assert result.status == 0, result.stderr
    assert result.stdout.rstrip().endswith("both done")
    assert result.stdout.count("stopped at breakpoint 1") == 1, result.stdout


def test_the_full_screen_ui_hands_its_stop_to_the_editor(backend: str) -> None:
    term = Terminal(f"{allstop_command('run', PROGRAM)}; {AFTER}", cols=160, backend=backend)
    try:
        assert term.wait_for(lambda text: "where the editor shows" in text and "? help" in text)
        term.send(":listen 127.0.0.1:0" + ENTER)
        assert term.wait_for("for an editor"), term.text  # the status line says it
        match = re.search(r"listening on 127\.0\.0\.1:(\d+) for an editor", term.text)
        assert match, term.text
        with DapClient(int(match.group(1))) as client:
            attach(client)
            assert term.wait_for("editor attached: continue moves this stop there"), term.text
            term.send("c")
            stopped = client.event("stopped")
            ids = thread_ids(client)
            assert stopped["threadId"] == ids["worker-1"]
            assert top_frame(client, ids["worker-1"])["line"] == MARKER_LINE
            client.request("continue", threadId=stopped["threadId"])
            raw = term.finish()
    finally:
        if term.child.isalive():
            term.child.terminate(force=True)
    assert "the end" in raw
    assert "STATUS=0" in raw
    assert cooked(raw), raw[-2000:]


def test_pause_from_outside_shows_in_the_editor(backend: str) -> None:
    with in_editor(PROGRAM, "again", backend=backend) as (program, client):
        stopped = client.event("stopped")
        client.request("continue", threadId=stopped["threadId"])
        assert program.wait_for("all counted"), program.output
        sent = pause(program.proc.pid)
        assert sent.returncode == 0, sent.stderr
        paused = client.event("stopped")
        assert paused["reason"] == "pause"
        assert paused["allThreadsStopped"] is True
        assert paused["threadId"] == thread_ids(client)["MainThread"]
        # The main thread is shown where the pause found it: reading its input.
        assert top_frame(client, paused["threadId"])["line"] == line_of(
            WORKERS, "sys.stdin.readline()"
        )
        client.request("continue", threadId=paused["threadId"])
        program.send("go")
        again = client.event("stopped")
        assert again["reason"] == "breakpoint"
        client.request("continue", threadId=again["threadId"])
        result = ended(program)
    assert result.status == 0, result.stderr
    assert result.stdout.rstrip().endswith("stopped again\nthe end")


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ["--listen", "nope"],
            "allstop: --listen nope: not a port number: 'nope' (give PORT or HOST:PORT)",
        ),
        (["--wait-for-client"], "allstop: --wait-for-client needs --listen"),
    ],
)
def test_bad_listen_options_are_one_line_errors(args: list[str], error: str) -> None:
    result = run_allstop(["run", *args, PROGRAM], timeout=20)
    assert result.status == 2
    assert result.stderr.strip() == error


def test_listen_with_a_bad_address_is_a_one_line_error_and_the_session_goes_on() -> None:
    result = run_allstop(["run", PROGRAM], ["listen bogus", "listen 70000", "p 6 * 7", "c"])
    assert result.status == 0, result.stderr
    assert (
        "(allstop) *** listen: not a port number: 'bogus' (give PORT or HOST:PORT)\n"
        "(allstop) *** listen: not a port number: '70000' (give PORT or HOST:PORT)\n"
        "(allstop) 42\n"
    ) in result.stdout
    assert result.stdout.rstrip().endswith("the end")


def test_a_port_in_use_is_a_one_line_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_allstop(["run", "--listen", str(port), PROGRAM], timeout=20)
    assert result.status == 2
    assert result.stderr.strip() == (
        f"allstop: --listen {port}: cannot listen on 127.0.0.1:{port}: Address already in use"
    )


LISTENING_PROBE = """
import os, sys, allstop
allstop.install()
mine = set()
for fd in os.listdir("/proc/self/fd"):
    try:
        mine.add(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:  # the descriptor of the listing itself, closed by now
        pass
listening = []
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    with open(table) as rows:
        for row in list(rows)[1:]:
            fields = row.split()
            if fields[3] == "0A" and f"socket:[{fields[9]}]" in mine:  # 0A: LISTEN
                listening.append(fields[1])
print("listening:", listening)
print("debugpy:", "debugpy" in sys.modules or "pydevd" in sys.modules)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_nothing_listens_and_debugpy_is_not_imported_unless_asked(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(LISTENING_PROBE)
    for args in ([], ["--stop"]):
        result = run_allstop(["run", *args, str(probe)], ["c"], timeout=20)
        assert result.status == 0, result.stderr
        assert "listening: []\ndebugpy: False" in result.stdout
    # The probe sees a server when there is one.
    result = run_allstop(["run", "--listen", "127.0.0.1:0", str(probe)], timeout=20)
    assert re.search(r"listening: \['0100007F:[0-9A-F]{4}'\]\ndebugpy: True", result.stdout)


WITHOUT_SET_SUSPEND = """
import os
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # pydevd warns when imported
import debugpy.server  # puts the vendored pydevd on sys.path
import pydevd
del pydevd.PyDB.set_suspend
"""
"""A sitecustomize that takes out of pydevd one name allstop needs, as a debugpy release
allstop was not tested with might."""

UNSUPPORTED = (
    f"debugpy {version('debugpy')} is not supported: pydevd has no PyDB.set_suspend (allstop is"
    " tested with debugpy 1.8.x from 1.8.22)"
)


@pytest.fixture
def unknown_pydevd(tmp_path: Path) -> dict[str, str]:
    """The environment of a program whose pydevd lacks ``PyDB.set_suspend``."""
    (tmp_path / "sitecustomize.py").write_text(WITHOUT_SET_SUSPEND)
    return {"PYTHONPATH": str(tmp_path)}


def test_an_unknown_pydevd_is_a_one_line_error_on_the_command_line(
    unknown_pydevd: dict[str, str],
) -> None:
    result = run_allstop(["run", "--listen", "127.0.0.1:0", PROGRAM], env=unknown_pydevd)
    assert result.status == 2
    assert result.stderr == f"allstop: --listen 127.0.0.1:0: {UNSUPPORTED}\n"


def test_an_unknown_pydevd_is_a_one_line_error_and_the_session_goes_on(
    unknown_pydevd: dict[str, str],
) -> None:
    result = run_allstop(
        ["run", PROGRAM], ["listen 127.0.0.1:0", "p 6 * 7", "c"], env=unknown_pydevd
    )
    assert result.status == 0, result.stderr
    assert f"(allstop) *** listen: {UNSUPPORTED}\n(allstop) 42\n" in result.stdout
    assert result.stdout.rstrip().endswith("the end")


REFUSED_PROBE = (
    """
import _thread, allstop
try:
    allstop.listen(0)
except RuntimeError as exc:
    print("refused:", exc)
# debugpy wraps the start of every new thread once it listens.
print("patched:", type(_thread.start_new_thread) is not type(len))
"""
    + LISTENING_PROBE
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_an_unknown_pydevd_is_refused_before_debugpy_starts(
    unknown_pydevd: dict[str, str],
) -> None:
    result = run_python(REFUSED_PROBE, env=unknown_pydevd)
    assert result.status == 0, result.stderr
    assert result.stdout.startswith(f"refused: {UNSUPPORTED}\npatched: False\nlistening: []\n")
    # The probe sees debugpy started when it is.
    result = run_python(REFUSED_PROBE)
    assert "refused" not in result.stdout
    assert "patched: True\n" in result.stdout
