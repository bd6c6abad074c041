"""Which waits will never end: who could wake each waiting thread, and who cannot.

Design note: a waiting thread can be woken only by a thread that can reach what it waits on
(a queue to put into, an event to set, a lock to release...), or, for a join, by the thread it
joins finishing.  A thread reaches an object when the object is among, or referred to by,
what its frames hold: their locals (``self``, arguments, closures' cells) and the globals
their code names (``co_names``: a module-level queue is reached by the code that uses it, not
by every thread of the module; the standard library's names are its own, as
``threading._active``, which holds every thread).  The references are followed with
``gc.get_referents``, which reads the objects' C structures and runs no code of the program
(no property, no ``__getattr__``, no ``__eq__``), through containers, instances'
``__dict__`` and slots, closures and bound methods, but not into modules, classes, code,
other frames or allstop's own objects (its hooks refer to every thread); the search
is bounded (``DEPTH`` references deep, ``OBJECTS`` objects, ``TIME_LIMIT`` seconds), and a
waiter whose search hit the bound is ``unknown``, never said to be stuck.

Then the waiters that will never wake are found together: every waiter is taken to be stuck,
and one is set free as soon as a thread that could wake it is not stuck itself (a running,
frozen or stopped thread, one blocked in C on something else, one that sleeps); what is left
when nothing changes any more waits forever (a consumer whose producer died; a main thread
joining it).  A thread that crashed is no longer able to wake anyone, but it is named as the
one that could have (its traceback's frames, at its post-mortem).
"""

from __future__ import annotations

import gc
import os
import sys
import time
import types
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import FrameType

from ._frames import outward, own_code
from ._waits import Wait

DEPTH = 32
"""How many references deep the search goes from a frame's locals and globals."""
OBJECTS = 20_000
"""How many objects the search of one thread may visit."""
TIME_LIMIT = 0.2
"""How long the search of every thread may take in all (seconds)."""

_OPAQUE = (
    types.ModuleType,
    type,
    types.CodeType,
    types.FrameType,
    str,
    bytes,
    int,
    float,
)
"""What the search never enters (what a module or class holds is reached through the names
the code uses; the other types refer to nothing that can wake a thread)."""

_VERBS = {
    "Queue": "put into it",
    "SimpleQueue": "put into it",
    "Event": "set it",
    "Condition": "notify it",
    "Semaphore": "release it",
    "BoundedSemaphore": "release it",
    "Barrier": "reach it",
    "Lock": "release it",
    "RLock": "release it",
}


@dataclass
class Verdict:
    """What the search found: the waiters that will never wake, each with who could have
    woken it and is gone or stuck too, and the waiters the bound left unknown."""

    never: dict[int, list[int]] = field(default_factory=dict)
    """waiter -> the threads that could wake it (all stuck, or crashed), in order."""
    unknown: set[int] = field(default_factory=set)


def never_wake(
    waits: Mapping[int, Wait],
    stacks: Mapping[int, FrameType],
    live: Iterable[int],
    crashed: Mapping[int, FrameType] | None = None,
) -> Verdict:
    """Which of the waiting threads (``waits``: ident -> its wait) will never wake.
    ``stacks``: the innermost frame of every thread whose references count (the live ones,
    and the crashed ones in ``crashed`` too); ``live``: the threads still able to run (the
    waiters among them)."""
    alive = set(live)
    crashed = crashed or {}
    targets = {id(w.obj) for w in waits.values() if w.obj is not None and w.kind != "join"}
    reaches, incomplete = _reach({**stacks, **crashed}, targets, time.monotonic() + TIME_LIMIT)
    could: dict[int, list[int]] = {}
    for ident, wait in waits.items():
        if wait.kind == "join":
            if wait.holder in alive:  # else it has ended, or ends after its post-mortem
                could[ident] = [wait.holder]
        elif wait.kind == "RLock" and wait.holder is not None:
            could[ident] = [wait.holder]  # only its owner releases it
        elif wait.kind != "sleep":
            wakers = [t for t, found in reaches.items() if t != ident and id(wait.obj) in found]
            if wait.holder is not None and wait.holder not in wakers:
                wakers.append(wait.holder)
            could[ident] = wakers
    # A thread whose search hit the bound may reach anything: it might wake any waiter.
    maybe = {ident: [t for t in incomplete if t != ident] for ident in could}
    certain = _stuck(could, alive)
    verdict = Verdict()
    verdict.unknown = certain - _stuck({i: could[i] + maybe[i] for i in could}, alive)
    verdict.never = {ident: could[ident] for ident in certain - verdict.unknown}
    return verdict


def _stuck(could: Mapping[int, list[int]], alive: set[int]) -> set[int]:
    """The waiters none of whose wakers (``could``) is a live thread that is not stuck."""
    stuck = set(could)
    changed = True
    while changed:
        changed = False
        for ident in list(stuck):
            if any(w in alive and w not in stuck for w in could[ident]):
                stuck.discard(ident)
                changed = True
    return stuck


def verb(wait: Wait) -> str:
    """What waking ``wait`` takes: ``put into it``, ``set it``..."""
    return _VERBS.get(wait.kind, "wake it")


def _reach(
    stacks: Mapping[int, FrameType], targets: set[int], deadline: float
) -> tuple[dict[int, set[int]], set[int]]:
    """For each thread, the ids among ``targets`` its frames reach; and the threads whose
    search hit a bound."""
    found: dict[int, set[int]] = {}
    incomplete: set[int] = set()
    namespaces = _module_namespaces()
    for ident, top in stacks.items():
        reached, complete = _search(_roots(top), targets, deadline, namespaces)
        found[ident] = reached
        if not complete:
            incomplete.add(ident)
    return found, incomplete


def _roots(top: FrameType) -> Iterator[object]:
    """What a thread's frames hold: locals, and the globals their code names (allstop's own
    frames left out: under ``allstop run``, they hold the debugger)."""
    for frame in outward(top):
        if own_code(frame.f_code):
            continue
        try:
            local = dict(frame.f_locals)
        except Exception:  # a frame whose locals cannot be read: what it holds is unknown
            continue
        yield from local.values()
        if not _standard(frame.f_code.co_filename):
            scope = frame.f_globals
            yield from (scope[name] for name in frame.f_code.co_names if name in scope)


def _search(
    roots: Iterable[object], targets: set[int], deadline: float, namespaces: set[int]
) -> tuple[set[int], bool]:
    """The ids of ``targets`` reachable from ``roots``; whether the search was complete.
    ``namespaces``: the modules' (a function's globals are reached through the names its
    code uses, not whole)."""
    reached: set[int] = set()
    seen: set[int] = set()
    layer = [obj for obj in roots if not isinstance(obj, _OPAQUE)]
    for _ in range(DEPTH + 1):
        following: list[object] = []
        for obj in layer:
            key = id(obj)
            if key in seen or key in namespaces:
                continue
            seen.add(key)
            if key in targets:
                reached.add(key)
                continue  # what the target holds (its own lock...) wakes nobody else
            if len(seen) > OBJECTS or time.monotonic() > deadline:
                return reached, False
            if not _own(obj):
                following.extend(
                    ref for ref in gc.get_referents(obj) if not isinstance(ref, _OPAQUE)
                )
        if not following:
            return reached, True
        layer = following
    return reached, not layer


_STDLIB = os.path.dirname(os.__file__) + os.sep


def _standard(filename: str) -> bool:
    """Whether ``filename`` is of Python's standard library, whose module-level names are its
    own (``threading._active`` refers to every thread)."""
    return filename.startswith(_STDLIB) and "site-packages" not in filename


def _own(obj: object) -> bool:
    """Whether ``obj`` is allstop's (its hooks, its engine): what they refer to (every thread)
    is the debugger's, not the program's."""
    if isinstance(obj, types.FunctionType):
        return own_code(obj.__code__)
    module = vars(type(obj)).get("__module__")
    return isinstance(module, str) and module.partition(".")[0] == __package__


def _module_namespaces() -> set[int]:
    """The ids of the modules' namespaces."""
    found = set()
    for module in list(sys.modules.values()):
        if isinstance(module, types.ModuleType):
            found.add(id(module.__dict__))
    return found


def crashed_frames(exception: BaseException | None) -> FrameType | None:
    """The innermost frame of a crashed thread's traceback (its frames, at its post-mortem)."""
    tb = exception.__traceback__ if exception is not None else None
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame if tb is not None else None
