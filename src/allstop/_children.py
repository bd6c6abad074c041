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
import json
import os
import shutil
import sys
import tempfile

from . import _pause

VARIABLE = "ALLSTOP_CHILD"
SITE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_site")


def export(breaks: list[str], post_mortem: str) -> None:
    """Have every child Python process the program starts armed (see the design note); once
    (``allstop.install(children=True)`` called again changes nothing)."""
    found = spec()
    if found is not None and found.get("top") == os.getpid():
        return
    _sweep()
    private = tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-")  # private: mode 0700
    with open(os.path.join(private, "terminal"), "w"):  # see _tree
        pass
    top = os.getpid()
    atexit.register(_remove, private, top)
    os.environ[VARIABLE] = json.dumps(
        {
            "top": top,
            "python": list(sys.version_info[:2]),
            "breaks": breaks,
            "post_mortem": post_mortem,
            "folder": private,
        }
    )
    path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = SITE + (os.pathsep + path if path else "")
    register()


def register() -> None:
    """Enter this process in the program's list of processes (``processes``): a file named
    after its pid in the top process's private folder."""
    found = folder()
    if found is not None:
        with contextlib.suppress(OSError), open(os.path.join(found, f"pid-{os.getpid()}"), "w"):
            pass


def folder() -> str | None:
    """The top process's private folder (None outside ``allstop run``)."""
    return _pause.run_folder()


def registered() -> list[int]:
    """The pids of the program's processes, in the order they were armed (none outside
    ``allstop run``)."""
    found = folder()
    if found is None:
        return []
    try:
        names = [name for name in os.listdir(found) if name.startswith("pid-")]
        entries = sorted((os.stat(os.path.join(found, name)).st_mtime_ns, name) for name in names)
    except OSError:
        return []
    return [int(name[4:]) for _, name in entries if name[4:].isdigit()]


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
            if os.stat(path).st_uid == os.getuid() and not alive(int(pid)):
                shutil.rmtree(path, ignore_errors=True)


def alive(pid: int) -> bool:
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


os.register_at_fork(after_in_child=register)  # a process of the program of its own


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
    helper = _multiprocessing_helper()
    if helper == "resource_tracker":
        return  # runs none of the program's code
    from . import _armed, _postmortem, _process_engine

    if helper != "forkserver":  # whose forks are the program's
        register()
    _armed.arm(_process_engine)
    if found.get("post_mortem") == "all":
        _postmortem.watch_all(_process_engine)
    breaks = found.get("breaks")
    if isinstance(breaks, list) and breaks:
        _set_breaks([str(text) for text in breaks])


def _multiprocessing_helper() -> str | None:
    """``resource_tracker`` or ``forkserver`` when this process is that server of
    ``multiprocessing``'s, else None."""
    argv = getattr(sys, "orig_argv", [])
    code = argv[argv.index("-c") + 1] if "-c" in argv[:-1] else ""
    for helper in ("resource_tracker", "forkserver"):
        if code.startswith(f"from multiprocessing.{helper} import"):
            return helper
    return None


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
