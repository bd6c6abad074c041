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

import json
import os
import sys

VARIABLE = "ALLSTOP_CHILD"
SITE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_site")


def export(breaks: list[str], post_mortem: str) -> None:
    """Have every child Python process the program starts armed (see the design note)."""
    os.environ[VARIABLE] = json.dumps(
        {
            "top": os.getpid(),
            "python": list(sys.version_info[:2]),
            "breaks": breaks,
            "post_mortem": post_mortem,
        }
    )
    path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = SITE + (os.pathsep + path if path else "")


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
    from ._locations import FunctionNotFound, LocationError, parse_break_spec, resolve

    engine = _process_engine()
    for text in breaks:
        try:
            location, _, condition = parse_break_spec(text)
        except LocationError:
            continue
        try:
            place = resolve(location, "", [], missing="no such file: {name}")
        except FunctionNotFound:
            engine.breakpoints.add("", 0, condition=condition, funcname=location)
            continue
        except LocationError:
            continue
        engine.breakpoints.add(
            place.filename, place.line, condition=condition, funcname=place.funcname
        )
    engine.breakpoints_changed()


def top_pid() -> int | None:
    """The pid of the ``allstop run`` process this one descends from (None: no such)."""
    found = spec()
    top = found.get("top") if found is not None else None
    return top if isinstance(top, int) else None
