"""allstop in pdb's place, for CPython's pdb tests, and the two output normalizations.

``install()`` replaces ``pdb.Pdb``, ``pdb.set_trace``, ``pdb.post_mortem`` and ``pdb.pm``, and
makes every ``subprocess.Popen`` of ``python -m pdb ARGS`` run ``python -m allstop run --stop
ARGS``; what such a process writes comes back through ``normalize``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

PROMPT = "(allstop)"
PDB_PROMPT = "(Pdb)"
"""The prompt's text, also where a usage line shows it (without the space after it)."""
_HEADER = re.compile(r"\[thread \d+ [^\]\n]*\] (?:stopped at |crashed: |post-mortem: )[^\n]*\n?")
"""allstop's stop header, wherever a line holds it (after a prompt, when input is not echoed)."""


def normalize(text: str) -> str:
    """What allstop wrote, with its prompt read as pdb's and its stop header lines dropped:
    the only two differences the comparison forgives."""
    return _HEADER.sub("", text).replace(PROMPT, PDB_PROMPT)


def normalize_bytes(data: bytes) -> bytes:
    return normalize(data.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")


def _normalized(value: Any) -> Any:
    if isinstance(value, str):
        return normalize(value)
    if isinstance(value, bytes):
        return normalize_bytes(value)
    return value


def _rewritten(args: Any) -> Any:
    """``[python, -m, pdb, ...]`` -> ``[python, -m, allstop, run, --stop, ...]``."""
    if isinstance(args, (list, tuple)) and list(args[1:3]) == ["-m", "pdb"]:
        return [args[0], "-m", "allstop", "run", "--stop", *args[3:]]
    return args


class _Popen(subprocess.Popen):  # type: ignore[type-arg]
    """``subprocess.Popen`` with ``python -m pdb`` rewritten and its output normalized."""

    def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
        super().__init__(_rewritten(args), *rest, **kwargs)

    def communicate(self, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
        out, err = super().communicate(*args, **kwargs)
        return _normalized(out), _normalized(err)


def _route_breakpoint_resets() -> None:
    """The tests reset pdb's breakpoints (numbering from 1 again) through bdb's class, where
    pdb keeps them; allstop keeps its own table: reset that too."""
    import bdb

    clear = bdb.Breakpoint.clearBreakpoints

    def clear_both() -> None:
        clear()
        wiring = sys.modules.get("allstop._wiring")
        engine = getattr(wiring, "_engine", None)
        if engine is not None:
            engine.breakpoints.reset()
            engine.breakpoints_changed()

    bdb.Breakpoint.clearBreakpoints = staticmethod(clear_both)  # type: ignore[method-assign]


def install() -> None:
    """allstop in pdb's place in this process (and, through ``sitecustomize``, in those it
    starts, given ``PYTHONPATH``)."""
    import pdb

    import allstop

    if getattr(pdb, "_allstop_installed", False):
        return
    pdb.Pdb = allstop.Debugger  # type: ignore[misc, assignment]
    pdb.set_trace = allstop.set_trace  # type: ignore[assignment]
    pdb.post_mortem = allstop.post_mortem
    pdb.pm = allstop.pm
    pdb._allstop_installed = True  # type: ignore[attr-defined]
    _route_breakpoint_resets()
    subprocess.Popen = _Popen  # type: ignore[misc]
    sys.modules.setdefault("allstop", allstop)
