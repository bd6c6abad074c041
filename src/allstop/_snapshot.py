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
from collections.abc import Iterable
from types import FrameType
from typing import TYPE_CHECKING, Any, Protocol

from . import _waits
from ._format import printable
from ._frames import in_repl_machinery, outward, own_file
from ._inputhook import PROMPT_CODE
from ._model import FrameView, Stack, StopEvent, StopReason, ThreadState, ThreadView

if TYPE_CHECKING:
    from ._engine import ThreadRegistry

_RUNPY = {"<frozen runpy>", os.path.join(os.path.dirname(os.__file__), "runpy.py")}


def frame_views(frame: FrameType | None) -> tuple[FrameView, ...]:
    """The stack from ``frame`` outwards, innermost first (see ``_views``).  A module's frame
    stopped before its first line (3.12+ says line 0) shows that first line."""
    return _views([(f, _line(f)) for f in outward(frame)])


def _line(frame: FrameType) -> int | None:
    line = frame.f_lineno
    return frame.f_code.co_firstlineno if line == 0 else line


def traceback_views(exception: BaseException | None) -> tuple[FrameView, ...]:
    """The stack of ``exception``'s traceback, innermost first, at the lines the exception
    passed (a finished frame's ``f_lineno`` may have moved on to cleanup code), then the frames
    under it (pdb's ``get_stack``).  The traceback may cross threads (``future.result()``
    raising a worker's exception): its frames are what matters."""
    entries = []
    tb = exception.__traceback__ if exception is not None else None
    while tb is not None:
        entries.append((tb.tb_frame, tb.tb_lineno))
        tb = tb.tb_next
    if not entries:
        return ()
    below = frame_views(entries[0][0].f_back)
    return _views(entries[::-1]) + below


def raise_views(stop: StopEvent) -> tuple[FrameView, ...]:
    """At a ``RAISE`` stop: the frames the exception has left (its traceback below the stop's
    frame, innermost first), then the live stack (pdb's ``get_stack(frame, traceback)``)."""
    entries = []
    tb = stop.traceback
    if tb is not None and tb.tb_frame is stop.frame:
        tb = tb.tb_next
    while tb is not None:
        entries.append((tb.tb_frame, tb.tb_lineno))
        tb = tb.tb_next
    return _views(entries[::-1]) + frame_views(stop.frame)


def _views(pairs: Iterable[tuple[FrameType, int | None]]) -> tuple[FrameView, ...]:
    """Frame views, without allstop's own frames and without the ``runpy`` frames (and what
    called them) a program run by ``allstop run`` or ``python -m`` sits on."""
    views = [
        FrameView(frame.f_code.co_filename, line, frame.f_code.co_name, frame)
        for frame, line in pairs
        if not own_file(frame.f_code.co_filename)
    ]
    below = [i for i, view in enumerate(views) if view.frame is not None and _below(view.frame)]
    if below:
        del views[below[0] :]
    return tuple(views)


def _below(frame: FrameType) -> bool:
    """Whether ``frame`` runs ``runpy`` or the REPL: where a program's stack ends."""
    return frame.f_code.co_filename in _RUNPY or in_repl_machinery(frame)


def stack(frame: FrameType | None) -> Stack:
    """``frame_views(frame)``, its top read now and the rest when asked for."""
    for top in outward(frame):
        if not own_file(top.f_code.co_filename):
            break
    else:
        return Stack()
    if _below(top):
        return Stack()
    view = FrameView(top.f_code.co_filename, _line(top), top.f_code.co_name, top)
    return Stack((view,), lambda: frame_views(top.f_back))


def registered_threads() -> dict[int, Any]:
    """``threading``'s threads by ident, copied without its lock."""
    active: dict[int, Any] = getattr(threading, "_active", {})
    while True:
        try:
            return dict(active)
        except RuntimeError:  # changed size during the copy: a thread started or ended
            continue


class Records(Protocol):
    """What the snapshot reads of the engine's own records."""

    @property
    def registry(self) -> ThreadRegistry: ...

    def parked_frames(self) -> dict[int, FrameType]: ...

    def new_threads(self) -> frozenset[int]: ...

    def pending_stops(self) -> list[StopEvent]: ...

    def is_own(self, ident: int) -> bool: ...


Seen = tuple[int, ThreadState, "FrameType | None", str]
"""A thread's ident, state, innermost frame and what it does (before waits are told)."""


class Mark:
    """What ``take`` reads that changes only when a thread of the program runs Python code
    or a jump moves one (innermost frames and their instructions, where threads park and
    stop, the stops waiting, ``threading``'s threads; of allstop's own threads, which run,
    only their idents): equal marks, equal snapshots, and ``thread N`` among 1000 frozen
    threads reads none of their waits again.  Code typed at the prompt may change what a
    thread waits on (a queue's size) without moving a frame: the session forgets the mark
    when it runs some.  The objects are held, so that equal ids are the same objects."""

    def __init__(self, engine: Records, stop: StopEvent) -> None:
        current = sys._current_frames()
        parked = engine.parked_frames()
        pending = engine.pending_stops()
        registered = registered_threads()
        self._held = (stop, current, parked, pending, registered)
        self._key = (
            id(stop),
            [
                (ident,) if engine.is_own(ident) else (ident, id(frame), frame.f_lasti)
                for ident, frame in current.items()
            ],
            stop.frame.f_lasti,  # a jump moves it
            [(ident, id(frame), frame.f_lasti) for ident, frame in parked.items()],
            [(id(pending_stop), pending_stop.frame.f_lasti) for pending_stop in pending],
            [(ident, id(thread)) for ident, thread in registered.items()],
            engine.new_threads(),
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mark) and self._key == other._key

    __hash__ = None  # type: ignore[assignment]


def take(engine: Records, stop: StopEvent) -> list[ThreadView]:
    """Every thread the user may look at, in thread-number order."""
    by_ident = registered_threads()
    registry = engine.registry
    seen = _seen(engine, stop, by_ident)
    numbers = {ident: registry.number(ident) for ident, *_ in seen}
    stacks = {ident: stack(frame) for ident, _, frame, _ in seen}
    if stop.post_mortem:
        stacks[stop.ident] = Stack(traceback_views(stop.exception))
    elif stop.reason is StopReason.RAISE:
        stacks[stop.ident] = Stack(raise_views(stop))
    tops = {ident: s.top.frame for ident, s in stacks.items() if s.top and s.top.frame}
    states = {ident: state for ident, state, *_ in seen}
    waits = _waits.waits_for(tops, _waits.waiting(states, tops))
    views: list[ThreadView] = []
    for ident, state, _, known in seen:
        name, daemon = registry.describe(ident, by_ident.get(ident))
        detail = "waits on " + waits[ident].describe(numbers) if ident in waits else known
        views.append(
            ThreadView(
                number=numbers[ident],
                ident=ident,
                name=name,
                daemon=daemon,
                state=state,
                stack=stacks[ident],
                detail=detail,
            )
        )
    views.sort(key=lambda v: v.number)
    return views


def _seen(engine: Records, stop: StopEvent, by_ident: dict[int, Any]) -> list[Seen]:
    """What each thread is doing; a thread whose ident one of allstop's threads took since
    is finished (and left out of ``by_ident``)."""
    current = sys._current_frames()
    parked = engine.parked_frames()
    new = engine.new_threads()
    pending = {s.ident: s for s in engine.pending_stops()}
    frameless = {i for i, thread in by_ident.items() if i not in current and _frameless(thread)}
    numbered = _claimed(engine, by_ident)
    seen: list[Seen] = []
    for ident in _idents(by_ident, current, frameless, numbered):
        if engine.is_own(ident):
            if ident in numbered:  # a thread that finished: one of allstop's has its ident
                by_ident.pop(ident, None)
                seen.append((ident, ThreadState.FINISHED, None, ""))
            continue
        frame: FrameType | None
        detail = ""
        if ident == stop.ident:
            state, frame = ThreadState.STOPPED, stop.frame
            if stop.crashed and stop.exception is not None:
                state, detail = ThreadState.CRASHED, exception_line(stop.exception)
        elif ident in pending:
            state, frame = ThreadState.BREAKPOINT, pending[ident].frame
            number = pending[ident].breakpoint
            detail = str(number) if number else f"({pending[ident].reason.value})"
        elif ident in parked:
            frame = parked[ident]
            state = ThreadState.NEW if ident in new else ThreadState.FROZEN
            if frame.f_code is PROMPT_CODE:
                detail = AT_THE_PROMPT
        elif ident in current:
            state, frame = ThreadState.BLOCKED, current[ident]
        elif ident in frameless:
            state, frame = ThreadState.BLOCKED, None
            detail = AT_THE_PROMPT if _at_the_prompt(by_ident[ident]) else NO_FRAME
        else:
            state, frame = ThreadState.FINISHED, None
        seen.append((ident, state, frame, detail))
    return seen


def _claimed(engine: Records, by_ident: dict[int, Any]) -> dict[int, int]:
    """The numbered threads, once every live thread of the program has claimed its ident
    (a thread that took the ident of one that ended gets a number of its own)."""
    registry = engine.registry
    for ident, thread in by_ident.items():
        if not engine.is_own(ident):
            registry.claim(ident, thread)
    return registry.known()


def _idents(
    by_ident: dict[int, Any],
    current: dict[int, FrameType],
    frameless: set[int],
    known: Iterable[int],
) -> list[int]:
    """The threads to show: ``threading``'s with a frame or ``frameless``, then those with a
    frame that ``threading`` does not know, then those seen before that have finished."""
    idents = [i for i in by_ident if i in current or i in frameless]
    idents += [i for i in current if i not in by_ident]
    idents += [i for i in known if i not in current and i not in frameless]
    return idents


NO_FRAME = "no Python frame"
AT_THE_PROMPT = "at the REPL prompt"


def _frameless(thread: Any) -> bool:
    """Whether a registered thread with no Python frame runs still: the main thread (the
    classic REPL waits for a line in C), or a thread of ``threading`` inside C (not a dummy
    thread, made for a thread started in C, which may have ended)."""
    return not isinstance(thread, threading._DummyThread)


def _at_the_prompt(thread: Any) -> bool:
    """Whether ``thread``, with no Python frame, is the main thread of an interactive
    interpreter (waiting at ``>>>``)."""
    return thread is threading.main_thread() and hasattr(sys, "ps1")


def exception_line(exception: BaseException, limit: int = 120) -> str:
    """``ValueError: message``, never raising, at most about ``limit`` characters."""
    name = type(exception).__name__
    try:
        message = str(exception)
    except Exception:
        message = "<str() failed>"
    text = f"{name}: {message}" if message else name
    return printable(" ".join(text.split()), limit)
