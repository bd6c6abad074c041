"""Carrying allstop into the program's child processes (``allstop run``; ``--no-children`` turns
it off).

Design note: a child Python process that the program starts (``multiprocessing``'s spawn and
forkserver, ``ProcessPoolExecutor``, ``subprocess`` running Python) is a new interpreter, with
nothing of the parent's allstop.  ``allstop run`` leaves two environment variables for the
children to inherit: ``ALLSTOP_CHILD`` (JSON: the top process's pid, its Python version, the
``-b`` breakpoints and the post-mortem mode) and ``PYTHONPATH`` headed by a folder of allstop's
that holds only a ``sitecustomize`` module (``_site``).  Python imports it at start-up, before
the program; it arms allstop as ``allstop run`` armed the top process, without Ctrl-\\ (the
terminal sends SIGQUIT to every process of its group), then imports the ``sitecustomize`` it
hides, if there is one.  A child of another Python version, or where allstop cannot be
imported, runs as if nothing were there.  The child of a fork inherits the parent's allstop as
it is (``Engine._after_fork``).  Every child's stops say its pid.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import fcntl
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator

VARIABLE = "ALLSTOP_CHILD"
SITE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_site")


def export(breaks: list[str], post_mortem: str) -> None:
    """Have every child Python process the program starts armed (see the design note)."""
    _sweep()
    folder = tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-")  # private: mode 0700
    terminal = os.path.join(folder, "terminal")
    with open(terminal, "w"):
        pass
    top = os.getpid()
    atexit.register(_remove, folder, top)
    os.environ[VARIABLE] = json.dumps(
        {
            "top": top,
            "python": list(sys.version_info[:2]),
            "breaks": breaks,
            "post_mortem": post_mortem,
            "terminal": terminal,
            "folder": folder,
        }
    )
    path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = SITE + (os.pathsep + path if path else "")
    register()


def register() -> None:
    """Enter this process in the program's list of processes (``processes``): a file named
    after its pid in the top process's private folder."""
    folder = _folder()
    if folder is not None:
        with contextlib.suppress(OSError), open(os.path.join(folder, f"pid-{os.getpid()}"), "w"):
            pass


def _folder() -> str | None:
    found = spec()
    folder = found.get("folder") if found is not None else None
    return folder if isinstance(folder, str) else None


@dataclasses.dataclass(frozen=True)
class Process:
    """One process of the program, as ``processes`` lists it."""

    number: int
    pid: int
    state: str
    threads: int | None
    command: str


def processes() -> list[Process]:
    """The program's processes in the order they were armed (empty outside ``allstop
    run``), read from Linux's ``/proc`` (elsewhere: only whether each still exists)."""
    folder = _folder()
    if folder is None:
        return []
    try:
        names = [name for name in os.listdir(folder) if name.startswith("pid-")]
        entries = sorted(
            (os.stat(os.path.join(folder, name)).st_mtime_ns, int(name[4:])) for name in names
        )
    except (OSError, ValueError):
        return []
    found = []
    for number, (_, pid) in enumerate(entries, start=1):
        state, threads, command = _proc(pid)
        if pid == os.getpid():
            state = "stopped"
        found.append(Process(number, pid, state, threads, command))
    return found


def _proc(pid: int) -> tuple[str, int | None, str]:
    """(state, thread count, command line) of process ``pid``."""
    try:
        with open(f"/proc/{pid}/status") as status:
            fields = dict(line.split(":", 1) for line in status if ":" in line)
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            words = cmdline.read().split(b"\0")
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            return "exited", None, ""
        return "running", None, ""
    if fields.get("State", "").strip().startswith(("Z", "X")):
        return "exited", None, ""
    command = " ".join(word.decode(errors="replace") for word in words if word)
    threads = fields.get("Threads", "").strip()
    return "running", int(threads) if threads.isdigit() else None, command


_PREFIX = "allstop-run-"
"""The private folders' names: then the top process's pid, a dash, a random part."""


def _sweep() -> None:
    """Remove the private folders of the user's ``allstop run`` processes that are gone
    without removing theirs (killed, or ended with ``os._exit``: atexit did not run)."""
    root = tempfile.gettempdir()
    with contextlib.suppress(OSError):
        for name in os.listdir(root):
            pid = name[len(_PREFIX) :].partition("-")[0]
            if not name.startswith(_PREFIX) or not pid.isdigit():
                continue
            path = os.path.join(root, name)
            if os.stat(path).st_uid == os.getuid() and not _alive(int(pid)):
                shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's: alive
        return True
    return True


def _remove(folder: str, top: int) -> None:
    if os.getpid() == top:  # not in the child of a fork, which runs atexit too
        shutil.rmtree(folder, ignore_errors=True)


_turn: list[int] = []
"""The descriptor holding this process's turn at the terminal, while it has it."""


@contextlib.contextmanager
def terminal_turn() -> Iterator[None]:
    """This process's turn at the terminal the program's processes share (under ``allstop
    run``): a stop waits for the stop shown by another process to end, so that stops in
    several processes are shown one at a time, the others frozen meanwhile.  A lock
    (``flock``) on a file of the top process's private folder: the system releases it when
    a process dies.  Re-entrant (a stop inside ``debug``); nothing outside ``allstop run``."""
    found = spec()
    path = found.get("terminal") if found is not None else None
    if _turn or not isinstance(path, str):
        yield
        return
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:  # the top process has ended (and removed its folder)
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        _turn.append(fd)
        yield
    finally:
        _turn.clear()
        os.close(fd)


def _forget_turn() -> None:
    """In the child of a fork: the turn is the parent's (closing the copy keeps its lock);
    the child is a process of the program of its own."""
    for fd in _turn:
        with contextlib.suppress(OSError):
            os.close(fd)
    _turn.clear()
    register()


os.register_at_fork(after_in_child=_forget_turn)


def spec() -> dict[str, object] | None:
    """What the top process exported, if this process is one of its children."""
    try:
        found = json.loads(os.environ.get(VARIABLE, ""))
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def arm_child() -> None:
    """In a child process at start-up (``_site``): arm allstop as its parent was."""
    found = spec()
    if found is None or found.get("python") != list(sys.version_info[:2]):
        return
    from . import _armed, _postmortem, _process_engine

    register()
    _armed.arm(_process_engine)
    if found.get("post_mortem") == "all":
        _postmortem.watch_all(_process_engine)
    breaks = found.get("breaks")
    if isinstance(breaks, list) and breaks:
        _set_breaks([str(text) for text in breaks])


def _set_breaks(breaks: list[str]) -> None:
    """The parent's ``-b`` breakpoints that mean something here (a file and line, a
    function), as ``allstop run`` sets them; the others are left out, said nowhere (every
    child would say it)."""
    from . import _process_engine
    from ._locations import LocationError, add_break

    engine = _process_engine()
    for text in breaks:
        with contextlib.suppress(LocationError):
            add_break(engine.breakpoints, text, "")
    engine.breakpoints_changed()


_FIRST_IMPORTED_IN = os.getpid()
"""The process allstop was first imported in: the child of a fork inherits it."""


def child_pid() -> int | None:
    """This process's pid when it is a child of the ``allstop run`` process or of a fork of
    the process allstop was first imported in (its stops say so), else None."""
    found = spec()
    top = found.get("top") if found is not None else None
    pid = os.getpid()
    return pid if pid != (top if isinstance(top, int) else _FIRST_IMPORTED_IN) else None
