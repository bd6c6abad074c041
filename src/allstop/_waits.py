"""What a blocked thread waits on, and who it waits for: the waits-for picture and deadlocks.

Design note: this reads frames and objects only: no lock is taken, no method of the program
is called (a queue's size is read from its container, an RLock's owner from its repr, which the
C type writes without locks).  A thread blocked in C is at a call in its innermost Python frame;
when that frame is ``threading``'s or ``queue``'s own code, its ``self`` says what it waits on
(a thread object only inside its ``join``: in its other methods, ``Timer.run`` or the start-up,
``self`` is the very thread that runs them); when it is the program's own code (``with lock:``,
``lock.acquire()``, ``time.sleep(...)``), the source line names the object, which is looked up
in the frame without running anything; when it is ``Thread.run`` itself, the thread's target is a
C function (``Thread(target=lock.acquire)``), whose bound object and name say it.  Who
holds a plain ``Lock`` is not recorded anywhere: it is taken to be a thread whose frame is inside
a ``with`` block on that very lock.  What cannot be told is left out rather than guessed.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import linecache
import queue
import re
import threading
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from types import BuiltinFunctionType, FrameType
from typing import Any, TypeVar

from ._frames import in_c_call, outward
from ._model import ThreadState

_THREADING = threading.__file__
_QUEUE = queue.__file__
_RLOCK_OWNER = re.compile(r"owner=(\d+)")
_WITH = re.compile(r"^\s*(?:async\s+)?with\s+(.+?)\s*:")
_CALLED = re.compile(r"([A-Za-z_][\w.]*)\.(acquire|join|wait|get|put)\s*\(")
_SLEEP = re.compile(r"\b(?:[\w.]+\.)?sleep\s*\(")
_THREAD_WORK = re.compile(r"\bawait\b.*\b(?:to_thread|run_in_executor)\s*\(")
_RUN = threading.Thread.run.__code__
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Wait:
    """What one thread waits on (``obj``), and the thread it waits for, when known."""

    kind: str
    """Queue, Event, Condition, Lock, RLock, Semaphore, Barrier, join, sleep."""
    obj: object = None
    holder: int | None = None
    """The ident of the thread that holds ``obj`` (a lock) or is being joined."""
    size: int | None = None
    """A queue's size."""

    def deadlock_words(self, numbers: Mapping[int, int]) -> str:
        """How a deadlock says this wait: ``RLock held by thread 3``, ``thread 3 to finish``."""
        holder = f"thread {numbers.get(self.holder or 0, '?')}"
        return f"{holder} to finish" if self.kind == "join" else f"{self.kind} held by {holder}"

    def describe(self, numbers: Mapping[int, int]) -> str:
        """``Queue (size 0)``, ``RLock held by thread 3``, ``thread 2 to finish``..."""
        holder = numbers.get(self.holder) if self.holder is not None else None
        if self.kind == "join":
            return f"thread {holder} to finish" if holder else "a thread to finish"
        text = self.kind
        if self.size is not None:
            text += f" (size {self.size})"
        if holder is not None:
            text += f" held by thread {holder}"
        return text


def _kind_of(obj: object) -> str | None:
    name = type(obj).__name__
    if isinstance(obj, queue.Queue):
        return "Queue"
    if isinstance(obj, queue.SimpleQueue):
        return "SimpleQueue"  # a ThreadPoolExecutor's idle workers wait on one
    if name in ("lock", "LockType"):
        return "Lock"
    if name in ("RLock", "_RLock", "_PyRLock"):
        return "RLock"
    for kind in ("Event", "Condition", "Semaphore", "BoundedSemaphore", "Barrier"):
        if isinstance(obj, getattr(threading, kind)):
            return kind
    if isinstance(obj, threading.Thread):
        return "join"
    return None


def _rlock_owner(obj: object) -> int | None:
    owner = getattr(obj, "_owner", None)  # the pure-Python RLock
    if isinstance(owner, int):
        return owner
    match = _RLOCK_OWNER.search(repr(obj))  # the C RLock writes its owner there, lock-free
    return int(match.group(1)) if match and int(match.group(1)) else None


def _queue_size(obj: object) -> int | None:
    if isinstance(obj, queue.SimpleQueue):
        return obj.qsize()  # C, lock-free
    container = getattr(obj, "queue", None)
    try:
        return len(container) if container is not None else None
    except TypeError:
        return None


def _lookup(frame: FrameType, dotted: str) -> object:
    """``dotted`` (``self.lock``) in ``frame``, by dictionary and static attribute lookups."""
    first, *rest = dotted.split(".")
    for ns in (frame.f_locals, frame.f_globals):
        if first in ns:
            value = ns[first]
            break
    else:
        return None
    try:
        for name in rest:
            value = inspect.getattr_static(value, name)
    except AttributeError:
        return None
    return value


def _wait_for(obj: object, method: str) -> Wait | None:
    """The wait of a thread inside ``obj.method(...)`` (``__enter__`` for ``with obj:``).

    A thread object is waited for only by its ``join``: in any other of its methods the thread
    is the one running them (``Timer.run``, the start-up) or one being started, and taking it
    for a join made a thread wait for itself to finish, a deadlock of one."""
    kind = _kind_of(obj)
    if kind is None or (kind == "join" and method != "join"):
        return None
    if kind in ("Queue", "SimpleQueue"):
        return Wait(kind, obj, size=_queue_size(obj))
    if kind == "RLock":
        return Wait(kind, obj, holder=_rlock_owner(obj))
    if kind == "join":
        ident = getattr(obj, "_ident", None)
        return Wait(kind, obj, holder=ident if isinstance(ident, int) else None)
    return Wait(kind, obj)


TYPED = "<stdin>"
"""The file name of code typed at the debugger's prompt (pdb's)."""


def wait_of(frame: FrameType, typed: str = "") -> Wait | None:
    """What the thread whose innermost frame is ``frame`` waits on, if it can be told
    (``typed``: the source of the code typed at the prompt it runs, if it does)."""
    found: Wait | None = None
    for f in itertools.islice(outward(frame), 8):
        if f.f_code is _RUN:  # where the target starts: below is the thread's start-up
            return _target_wait(f) if f is frame else found
        if f.f_code.co_filename not in (_THREADING, _QUEUE):
            return found if found is not None else _from_source(f, typed)
        wait = _wait_for(f.f_locals.get("self"), f.f_code.co_name)
        if wait is not None:
            found = wait  # outer library frames say more (Queue over its Condition)
    return found


def _target_wait(run: FrameType) -> Wait | None:
    """The wait of a thread whose innermost frame is ``Thread.run`` at the call of its target:
    a C function, which has no frame (``Thread(target=lock.acquire)``, ``time.sleep``).  Only
    C attributes are read (``__self__``, ``__name__``), and a ``partial`` only when it is not a
    subclass: nothing of the program runs.  Other callables (``os.read``) tell nothing."""
    try:
        target = inspect.getattr_static(run.f_locals.get("self"), "_target")
    except AttributeError:
        return None
    while type(target) is functools.partial:
        target = target.func
    if not isinstance(target, BuiltinFunctionType):
        return None
    if target.__name__ == "sleep":
        return Wait("sleep")
    return _wait_for(target.__self__, target.__name__)


def _from_source(frame: FrameType, typed: str = "") -> Wait | None:
    line = _source_line(frame, typed)
    if _SLEEP.search(line):
        return Wait("sleep")
    named = _named_wait(frame, line)
    return _wait_for(*named) if named is not None else None


def _source_line(frame: FrameType, typed: str = "") -> str:
    """The line ``frame`` runs ('' when there is none)."""
    if frame.f_lineno is None:
        return ""
    if frame.f_code.co_filename == TYPED and typed:
        lines = typed.splitlines()
        return lines[frame.f_lineno - 1] if 0 < frame.f_lineno <= len(lines) else ""
    return linecache.getline(frame.f_code.co_filename, frame.f_lineno)


def _named_wait(frame: FrameType, line: str) -> tuple[object, str] | None:
    """The object ``line`` waits on and the method it calls (``__enter__`` for ``with``),
    looked up in ``frame`` without running anything."""
    match = _WITH.match(line)
    if match:
        return _lookup(frame, match.group(1).split(" as ")[0].strip()), "__enter__"
    match = _CALLED.search(line)
    if match:
        return _lookup(frame, match.group(1)), match.group(2)
    return None


def blocking_line(frame: FrameType, ident: int) -> Wait | None:
    """What the line ``frame`` (of thread ``ident``) is about to run waits on, when only
    another thread can end that wait now: a get from an empty queue, a put into a full one,
    a lock another thread holds, an event not set, a semaphore at zero, a condition's wait, a
    join of a live thread, an ``await`` of work in another thread (``asyncio.to_thread``,
    ``run_in_executor``).  Read from the source line and the objects' own fields, as the
    rest of this module reads them (a ``sleep`` ends by itself: None)."""
    line = _source_line(frame)
    if _THREAD_WORK.search(line):
        return Wait("work in another thread")
    named = _named_wait(frame, line)
    if named is None:
        return None
    wait = _wait_for(*named)
    return wait if wait is not None and _blocks_now(wait, named[1], ident) else None


def _blocks_now(wait: Wait, method: str, ident: int) -> bool:
    obj: Any = wait.obj
    try:
        if wait.kind in ("Queue", "SimpleQueue"):
            full = 0 < getattr(obj, "maxsize", 0) <= (wait.size or 0)
            return wait.size == 0 if method == "get" else method == "put" and full
        if wait.kind == "Lock":
            return bool(obj.locked())
        if wait.kind == "RLock":
            return wait.holder not in (None, ident)
        if wait.kind == "Event":
            return method == "wait" and not inspect.getattr_static(obj, "_flag")
        if wait.kind in ("Semaphore", "BoundedSemaphore"):
            return not inspect.getattr_static(obj, "_value")
        if wait.kind == "Condition":
            return method == "wait"
        if wait.kind == "join":
            return bool(obj.is_alive())
    except Exception:  # an attribute the object does not have: nothing is told
        return False
    return False


def lock_holders(frames: Mapping[int, FrameType]) -> dict[int, int]:
    """id(lock) -> ident of a thread whose frame is inside ``with lock:`` (for plain locks,
    which do not record their owner)."""
    holders: dict[int, int] = {}
    for ident, top in frames.items():
        for f in outward(top):
            for lock in with_blocks_around(f, _thread_lock):
                holders.setdefault(id(lock), ident)
    return holders


def _thread_lock(obj: object) -> bool:
    return _kind_of(obj) in ("Lock", "RLock")


def with_blocks_around(frame: FrameType, wanted: Callable[[object], bool]) -> list[object]:
    """The objects of the ``with`` (and ``async with``) statements whose block holds
    ``frame``'s current line, those ``wanted`` says are locks."""
    filename = frame.f_code.co_filename
    current = frame.f_lineno
    start = frame.f_code.co_firstlineno
    lines = linecache.getlines(filename)
    if not lines or current is None:
        return []
    text = lines[current - 1] if 0 < current <= len(lines) else ""
    indent = len(text) - len(text.lstrip())
    found: list[object] = []
    for number in range(current - 1, start - 1, -1):
        line = lines[number - 1] if number - 1 < len(lines) else ""
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        line_indent = len(line) - len(line.lstrip())
        if line_indent < indent:
            indent = line_indent
            match = _WITH.match(line)
            if match:
                expression = match.group(1).split(" as ")[0].strip()
                obj = _lookup(frame, expression)
                if wanted(obj):
                    found.append(obj)
    return found


def waiting(states: Mapping[int, ThreadState], frames: Mapping[int, FrameType]) -> set[int]:
    """The threads that wait: blocked in C, or frozen at a call (parked by the wake signal in
    the middle of ``join()`` or ``sleep()``, say: they go back to waiting when thawed)."""
    return {
        ident
        for ident, state in states.items()
        if ident in frames
        and (state.counting.blocked or (state.counting.frozen and in_c_call(frames[ident])))
    }


def waits_for(
    frames: Mapping[int, FrameType], blocked: set[int], typed: str = ""
) -> dict[int, Wait]:
    """The wait of every thread in ``blocked`` (ident -> innermost frame in ``frames``), with
    the holder of plain locks filled in (``typed``: see ``wait_of``)."""
    waits: dict[int, Wait] = {}
    holders: dict[int, int] | None = None
    for ident in blocked:
        frame = frames.get(ident)
        wait = wait_of(frame, typed) if frame is not None else None
        if wait is None:
            continue
        if wait.kind == "Lock" and wait.holder is None:
            if holders is None:
                holders = lock_holders({i: f for i, f in frames.items() if i != ident})
            holder = holders.get(id(wait.obj))
            if holder is not None:
                wait = Wait(wait.kind, wait.obj, holder=holder)
        waits[ident] = wait
    return waits


def cycles(edges: Mapping[K, K | None]) -> list[list[K]]:
    """Each cycle of waiters waiting for one another (``edges``: who each one waits for),
    each reported once."""
    found: list[list[K]] = []
    seen: set[frozenset[K]] = set()
    for start in edges:
        path: list[K] = []
        node: K | None = start
        while node is not None and node in edges and node not in path:
            path.append(node)
            node = edges[node]
        if node is not None and node in path:
            cycle = path[path.index(node) :]
            key = frozenset(cycle)
            if key not in seen:
                seen.add(key)
                found.append(cycle)
    return found


def describe_cycle(cycle: list[str], words: Mapping[str, str]) -> str:
    """``deadlock: thread 2 waits for RLock held by thread 3, which waits for RLock held by
    thread 2`` (``words``: how each waiter's wait is said, ``RLock held by thread 3``)."""
    parts = [
        f"{node if index == 0 else 'which'} waits for {words[node]}"
        for index, node in enumerate(cycle)
    ]
    return "deadlock: " + ", ".join(parts)
