"""Every thread's state, read while the world is frozen, as ``_model`` objects.

Design note: this runs while other threads are parked, possibly inside ``threading``'s own
code, so it takes none of ``threading``'s locks (no ``threading.enumerate()``): it reads
``sys._current_frames()``, the engine's own records and the ``threading._active`` dictionary,
copied without its lock (a dictionary copy is atomic under the GIL).

A parked thread's live stack starts in allstop's own code; the frame it parked in is taken from
the engine instead.  allstop's frames, and the ``runpy`` frames under the main script of
``allstop run``, are not shown.
"""

from __future__ import annotations

import os
import sys
import threading
from types import FrameType
from typing import TYPE_CHECKING, Any

from ._model import FrameView, StopEvent, ThreadState, ThreadView

if TYPE_CHECKING:
    from ._engine import Engine

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_RUNPY = {"<frozen runpy>", os.path.join(os.path.dirname(os.__file__), "runpy.py")}


def _hidden(filename: str) -> bool:
    return filename.startswith(_PACKAGE_DIR)


def frame_views(frame: FrameType | None) -> tuple[FrameView, ...]:
    """The stack from ``frame`` outwards, innermost first, without allstop's own frames and
    without the ``runpy`` frames (and what called them) a program run by ``allstop run`` or
    ``python -m`` sits on."""
    views: list[FrameView] = []
    while frame is not None:
        code = frame.f_code
        if not _hidden(code.co_filename):
            views.append(FrameView(code.co_filename, frame.f_lineno, code.co_name, frame))
        frame = frame.f_back
    runpy = [i for i, view in enumerate(views) if view.filename in _RUNPY]
    if runpy:
        del views[runpy[0] :]
    return tuple(views)


def _threads_by_ident() -> dict[int, Any]:
    active: dict[int, Any] = getattr(threading, "_active", {})
    while True:
        try:
            return dict(active)
        except RuntimeError:  # changed size during the copy: a thread started or ended
            continue


def take(engine: Engine, stop: StopEvent) -> list[ThreadView]:
    """Every thread the user may look at, in thread-number order."""
    current = sys._current_frames()
    parked = engine.parked_frames()
    new = engine.new_threads()
    pending = {s.ident: s for s in engine.pending_stops()}
    by_ident = _threads_by_ident()
    registry = engine.registry
    idents = [i for i in by_ident if i in current]
    idents += [i for i in current if i not in by_ident]
    idents += [i for i in registry.known() if i not in current]
    views: list[ThreadView] = []
    for ident in idents:
        if ident in engine.exempt:
            continue
        thread = by_ident.get(ident)
        frame: FrameType | None
        detail = ""
        if ident == stop.ident:
            state, frame = ThreadState.STOPPED, stop.frame
        elif ident in pending:
            state, frame = ThreadState.BREAKPOINT, pending[ident].frame
            number = pending[ident].breakpoint
            detail = str(number) if number else f"({pending[ident].reason.value})"
        elif ident in parked:
            frame = parked[ident]
            state = ThreadState.NEW if ident in new else ThreadState.FROZEN
        elif ident in current:
            state, frame = ThreadState.BLOCKED, current[ident]
        else:
            state, frame = ThreadState.FINISHED, None
        views.append(
            ThreadView(
                number=registry.number(ident),
                ident=ident,
                name=_name(thread, ident),
                daemon=bool(getattr(thread, "_daemonic", True)),
                state=state,
                frames=frame_views(frame),
                detail=detail,
            )
        )
    views.sort(key=lambda v: v.number)
    return views


def _name(thread: Any, ident: int) -> str:
    name = getattr(thread, "_name", None)
    return name if isinstance(name, str) else f"<unregistered {ident}>"
