"""asyncio at a stop: every task of every event loop, what each awaits, its coroutine stack.

Design note: this reads while the world is frozen, as ``_waits`` reads threads: no lock is
taken and no method of the program runs.  The tasks come from asyncio's own registries
(``_all_tasks`` before 3.12, ``_scheduled_tasks`` and ``_eager_tasks`` since), weak sets read
through their underlying sets; a task's fields (``_state``, ``_coro``, ``_fut_waiter``...) are
read through the C type's descriptors or the instance's dictionary (a pure-Python task), never
through methods a subclass may override (``exception()`` would even clear the "exception was
never retrieved" flag).  A suspended task's stack is its chain of awaits (``cr_await``,
``gi_yieldfrom``, ``ag_await``); a running task's is the part of its thread's stack down to its
coroutine.  What a task awaits is told by the future it waits on (another task, a ``gather``,
work in a thread through ``to_thread``/``run_in_executor``), else by asyncio's frames at the
inner end of that chain, the outermost of them saying most (a queue's ``join`` over the event
it waits on, a lock's ``acquire``, ``sleep``).  Who holds an ``asyncio.Lock`` is not recorded
anywhere: it is taken to be a task whose coroutine is inside an ``async with`` block on that
very lock (as ``_waits`` does for threads).  A loop's thread is the one whose ident the loop
records while it runs (asyncio's ``_thread_id``); uvloop records none: then it is the thread
whose stack holds the loop's running task, or whose innermost frames name the loop.  Nothing
here imports asyncio: a program that never imported it has no tasks.
"""

from __future__ import annotations

import functools
import gc
import inspect
import itertools
import os
import re
import sys
import time
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import (
    AsyncGeneratorType,
    CoroutineType,
    FrameType,
    GeneratorType,
    GetSetDescriptorType,
    MemberDescriptorType,
    MethodDescriptorType,
)

from . import _waits
from ._format import place, printable
from ._frames import outward
from ._model import FrameView, TaskState, TaskView, ThreadView

_MISSING = object()
_C_FIELDS = (GetSetDescriptorType, MemberDescriptorType)
_DESCRIPTORS: dict[tuple[type, str], object] = {}
"""(type, field name) -> the C descriptor that holds the field, or None (see ``field``)."""
_DEFAULT_NAME = re.compile(r"Task-(\d+)$")
_NUMBERED = re.compile(r"(\D*)(\d*)")
_CHAIN_LIMIT = 100
"""Awaits followed at most from a task's coroutine (a cycle of awaits cannot run, but a
hostile awaitable may claim to await itself)."""


def field(obj: object, name: str, default: object = None) -> object:
    """``obj.name`` read without running the program's code: an instance's dictionary, or a
    C type's descriptor (``_asyncio.Task._state``, found once per type: a data descriptor,
    which no instance's dictionary shadows)."""
    kind = type(obj)
    descriptor = _DESCRIPTORS.get((kind, name), _MISSING)
    if descriptor is _MISSING:
        found = next((c.__dict__[name] for c in kind.__mro__ if name in c.__dict__), None)
        descriptor = found if isinstance(found, _C_FIELDS) else None
        _DESCRIPTORS[kind, name] = descriptor
    if descriptor is not None:
        try:
            return descriptor.__get__(obj, kind)  # type: ignore[attr-defined]
        except Exception:
            return default
    try:
        value = inspect.getattr_static(obj, name, _MISSING)
    except Exception:
        return default
    if isinstance(value, (GetSetDescriptorType, MemberDescriptorType)):
        try:
            return value.__get__(obj, type(obj))
        except Exception:
            return default
    return default if value is _MISSING else value


def _asyncio_file(name: str) -> str | None:
    module = sys.modules.get(f"asyncio.{name}")
    filename = getattr(module, "__file__", None) if module is not None else None
    return filename if isinstance(filename, str) else None


def imported() -> bool:
    """Whether the program imported asyncio's tasks (else it has none)."""
    return "asyncio.tasks" in sys.modules


def live_tasks() -> list[object]:
    """Every task asyncio knows of now (none if it was never imported)."""
    module = sys.modules.get("asyncio.tasks")
    if module is None:
        return []
    found: dict[int, object] = {}
    for name in ("_all_tasks", "_scheduled_tasks"):
        registry = module.__dict__.get(name)
        data = getattr(registry, "data", None)  # a WeakSet's set of references
        if isinstance(data, set):
            for ref in list(data):
                task = ref() if isinstance(ref, weakref.ref) else None
                if task is not None:
                    found.setdefault(id(task), task)
    eager = module.__dict__.get("_eager_tasks")
    if isinstance(eager, set):
        for task in list(eager):
            found.setdefault(id(task), task)
    return list(found.values())


def running_tasks() -> dict[int, object]:
    """id(loop) -> the task whose code runs in that loop now."""
    module = sys.modules.get("asyncio.tasks")
    current = module.__dict__.get("_current_tasks") if module is not None else None
    if not isinstance(current, dict):
        return {}
    return {id(loop): task for loop, task in list(current.items())}


class TaskNumbers:
    """Small numbers for tasks, the same at every stop while the task lives."""

    def __init__(self) -> None:
        self._numbers: dict[int, tuple[weakref.ref[object], int]] = {}
        self._next = 1

    def known(self, task: object) -> int | None:
        entry = self._numbers.get(id(task))
        return entry[1] if entry is not None and entry[0]() is task else None

    def number(self, tasks: Sequence[object]) -> dict[int, int]:
        """id(task) -> number for each of ``tasks``; new ones numbered in creation order as
        far as their default names tell (``Task-12``)."""
        new = [task for task in tasks if self.known(task) is None]
        new.sort(key=_creation_order)
        for task in new:
            try:
                ref = weakref.ref(task)
            except TypeError:
                continue
            self._numbers[id(task)] = (ref, self._next)
            self._next += 1
        for key in [k for k, (ref, _) in self._numbers.items() if ref() is None]:
            del self._numbers[key]
        return {id(task): n for task in tasks if (n := self.known(task)) is not None}


def name_of(task: object) -> str:
    """A task's name, from its field or through the C type's own ``get_name``."""
    name = field(task, "_name")
    if name is None:
        method = inspect.getattr_static(task, "get_name", None)
        if isinstance(method, MethodDescriptorType):
            try:
                name = method(task)
            except Exception:
                name = None
    return name if isinstance(name, str) else ""


def _creation_order(task: object) -> tuple[int, list[tuple[str, int]]]:
    """Tasks named by asyncio in the order it named them, then the others by name, numbers
    within names counted as numbers (``worker-2`` before ``worker-10``)."""
    text = name_of(task)
    match = _DEFAULT_NAME.match(text)
    parts = [(part, int(number or 0)) for part, number in _NUMBERED.findall(text)]
    return (int(match.group(1)) if match else sys.maxsize, parts)


@dataclass(frozen=True)
class _Awaited:
    """What a task awaits: a description, and the task or thread it waits for."""

    text: str
    task: object = None
    thread: int | None = None
    kind: str = ""
    """For a deadlock's words: ``asyncio.Lock`` when ``task`` holds the lock awaited."""


def take(threads: Sequence[ThreadView], numbers: TaskNumbers) -> list[TaskView]:
    """Every live task, in task-number order, with its loop's thread and what it awaits."""
    tasks = live_tasks()
    if not tasks:
        return []
    by_id = numbers.number(tasks)
    running = running_tasks()
    by_ident = {t.ident: t for t in threads}
    thread_numbers = {t.ident: t.number for t in threads}
    frames = {t.ident: t.top.frame for t in threads if t.top is not None and t.top.frame}
    chains = {id(task): _chain(field(task, "_coro")) for task in tasks}
    loops = {id(loop): loop for task in tasks if (loop := field(task, "_loop")) is not None}
    loop_threads = _loop_threads(loops, running, chains, frames)
    holders = functools.cache(lambda: _lock_holders(tasks, chains))  # only if a lock is awaited
    workers = _executor_workers(frames)
    views = []
    for task in tasks:
        number = by_id.get(id(task))
        if number is None:
            continue
        loop = field(task, "_loop")
        thread = loop_threads.get(id(loop))
        state, error = _state(task, running.get(id(loop)) is task)
        chain = chains[id(task)]
        if state is TaskState.RUNNING and thread is not None:
            stack = _running_frames(by_ident[thread].frames, chain)
        else:
            stack = _views(chain)
        awaited = _awaited(task, chain, holders, workers) if state is TaskState.WAITING else None
        views.append(
            TaskView(
                number=number,
                name=printable(name_of(task), 40),
                state=state,
                thread=thread,
                frames=stack,
                error=error,
                awaits=_describe(awaited, by_id, thread_numbers),
                awaits_node=_node(awaited, by_id, thread_numbers),
                deadlock_words=_deadlock_words(awaited, by_id, thread_numbers),
                task=task,
            )
        )
    views.sort(key=lambda v: v.number)
    return views


def _loop_threads(
    loops: Mapping[int, object],
    running: Mapping[int, object],
    chains: Mapping[int, list[object]],
    frames: Mapping[int, FrameType],
) -> dict[int, int]:
    """id(loop) -> the ident of the thread that runs it: the one asyncio's loops record, else
    (uvloop's, which record none) the thread whose stack holds the coroutine of the loop's
    running task, or a frame that names the loop (``loop.run_until_complete(...)``, an
    ``asyncio.Runner``'s loop)."""
    found: dict[int, int] = {}
    for key, loop in loops.items():
        ident = field(loop, "_thread_id")
        if isinstance(ident, int) and ident in frames:
            found[key] = ident
    # asyncio's loops that record no thread are not running; uvloop's record none at all.
    missing = {key for key, loop in loops.items() if _no_field(loop, "_thread_id")}
    if not missing:
        return found
    coroutines: dict[int, int] = {}  # id(frame of a running task's coroutine) -> id(loop)
    for key in missing:
        chain = chains.get(id(running.get(key)))
        frame = _frame_of(chain[0]) if chain else None
        if frame is not None:
            coroutines[id(frame)] = key
    for ident, top in frames.items():
        for frame in itertools.islice(outward(top), 64):
            running_in = coroutines.get(id(frame))
            if running_in is not None:
                found.setdefault(running_in, ident)
    for ident, top in frames.items():
        # A loop waiting in C (its selector) is run from the innermost Python frames.
        for frame in itertools.islice(outward(top), 4):
            named = _named_loop(frame, missing - found.keys())
            if named is not None:
                found.setdefault(named, ident)
    return found


def _no_field(obj: object, name: str) -> bool:
    return field(obj, name, _MISSING) is _MISSING


def _named_loop(frame: FrameType, loops: set[int]) -> int | None:
    """The id of the loop among ``loops`` a local variable of ``frame`` is, or holds as its
    ``_loop`` (a runner)."""
    for value in frame.f_locals.values():
        if id(value) in loops:
            return id(value)
        held = id(field(value, "_loop"))
        if held in loops:
            return held
    return None


def _state(task: object, running: bool) -> tuple[TaskState, str]:
    state = field(task, "_state")
    if state == "CANCELLED":
        return TaskState.CANCELLED, ""
    if state == "FINISHED":
        exception = field(task, "_exception")
        if isinstance(exception, BaseException):
            return TaskState.FAILED, type(exception).__name__
        return TaskState.DONE, ""
    if running:
        return TaskState.RUNNING, ""
    if field(task, "_fut_waiter") is None:
        return TaskState.READY, ""
    return TaskState.WAITING, ""


def _chain(coro: object) -> list[object]:
    """The coroutines (and generators) a task's coroutine awaits through, outermost first,
    then the awaitable the innermost one waits on, if it is none of those."""
    chain: list[object] = []
    obj = coro
    while obj is not None and len(chain) < _CHAIN_LIMIT:
        chain.append(obj)
        obj = _inner(obj)
    return chain


_LINKS = (
    (CoroutineType, "cr_frame", "cr_await"),
    (GeneratorType, "gi_frame", "gi_yieldfrom"),
    (AsyncGeneratorType, "ag_frame", "ag_await"),
)
"""For each kind of a chain's links: its frame's attribute, and what it awaits."""


def _inner(obj: object) -> object:
    for kind, _, awaited in _LINKS:
        if isinstance(obj, kind):
            return getattr(obj, awaited)
    if type(obj).__name__ in ("async_generator_asend", "async_generator_athrow"):
        return next((r for r in gc.get_referents(obj) if isinstance(r, AsyncGeneratorType)), None)
    return None


def _frame_of(obj: object) -> FrameType | None:
    for kind, frame, _ in _LINKS:
        if isinstance(obj, kind):
            found: FrameType | None = getattr(obj, frame)
            return found
    return None


def _frames(chain: Sequence[object]) -> Iterator[FrameType]:
    """The frames of a chain, innermost first."""
    for obj in reversed(chain):
        frame = _frame_of(obj)
        if frame is not None:
            yield frame


def _views(chain: Sequence[object]) -> tuple[FrameView, ...]:
    return tuple(
        FrameView(f.f_code.co_filename, f.f_lineno, f.f_code.co_name, f) for f in _frames(chain)
    )


def _running_frames(stack: Sequence[FrameView], chain: Sequence[object]) -> tuple[FrameView, ...]:
    """A running task's frames: its thread's, from the innermost down to the task's
    coroutine."""
    outermost = _frame_of(chain[0]) if chain else None
    for index, view in enumerate(stack):
        if view.frame is outermost:
            return tuple(stack[: index + 1])
    return tuple(stack)


_LOCKS = ("Lock", "Event", "Condition", "Semaphore", "BoundedSemaphore", "Barrier")
_SOCKETS = {
    "sock_recv": "socket read",
    "sock_recv_into": "socket read",
    "sock_recvfrom": "socket read",
    "sock_recvfrom_into": "socket read",
    "sock_accept": "socket accept",
    "sock_connect": "socket connect",
    "sock_sendall": "socket write",
    "sock_sendto": "socket write",
    "_wait_for_data": "stream read",
    "_drain_helper": "stream write (drain)",
}


def _awaited(
    task: object,
    chain: Sequence[object],
    holders: Callable[[], Mapping[int, object]],
    workers: Mapping[int, int],
) -> _Awaited | None:
    waiter = field(task, "_fut_waiter")
    if waiter is None:
        return None
    if _is_task(waiter):
        return _Awaited("task", task=waiter)
    children = field(waiter, "_children")
    if isinstance(children, list):
        return _Awaited("gather", task=next((c for c in children if _is_pending(c)), None))
    worker = _worker_of(waiter, workers)
    if worker is not None:
        return worker
    found = None
    for frame in _frames(chain):
        if not _in_asyncio(frame.f_code.co_filename):
            break
        # Outer frames of asyncio's say more: a queue's join over the event it waits on.
        found = _asyncio_wait(frame, holders) or found
    return found or _Awaited("a future")


def _is_task(obj: object) -> bool:
    return any(cls.__name__ == "Task" and "asyncio" in cls.__module__ for cls in type(obj).__mro__)


def _is_pending(obj: object) -> bool:
    return field(obj, "_state") == "PENDING"


def _asyncio_wait(frame: FrameType, holders: Callable[[], Mapping[int, object]]) -> _Awaited | None:
    """What ``frame``, one of asyncio's, waits on (a queue's ``get``, a lock's ``acquire``,
    ``sleep``...), if it is such a frame."""
    code = frame.f_code
    name = code.co_name
    filename = code.co_filename
    if filename == _asyncio_file("tasks") and name in ("sleep", "__sleep0"):
        return _Awaited(_sleep_text(frame))
    if filename in (_asyncio_file("selector_events"), _asyncio_file("streams")):
        kind = _SOCKETS.get(name)
        return _Awaited(kind) if kind is not None else None
    this = frame.f_locals.get("self")
    if filename == _asyncio_file("queues") and name in ("get", "put"):
        size = _size(field(this, "_queue"))
        full = " (full)" if name == "put" else ""
        return _Awaited(f"asyncio.Queue{full} (size {size})" if size is not None else "Queue")
    if filename == _asyncio_file("queues") and name == "join":
        left = field(this, "_unfinished_tasks")
        return _Awaited(f"asyncio.Queue join ({left} unfinished)" if left else "asyncio.Queue join")
    if filename == _asyncio_file("locks"):
        kind = next((k for k in _LOCKS if _class_is(this, k)), None)
        if kind is None:
            return None
        holder = holders().get(id(this)) if kind == "Lock" else None
        text = f"asyncio.{kind}"
        return _Awaited(text, task=holder, kind=text)
    return None


def _asyncio_lock(obj: object) -> bool:
    return _class_is(obj, "Lock")


def _class_is(obj: object, name: str) -> bool:
    return any(
        cls.__name__ == name and cls.__module__ == "asyncio.locks" for cls in type(obj).__mro__
    )


def _size(container: object) -> int | None:
    try:
        return len(container) if container is not None else None  # type: ignore[arg-type]
    except TypeError:
        return None


def _sleep_text(frame: FrameType) -> str:
    handle = frame.f_locals.get("h")
    when = field(handle, "_when")
    if isinstance(when, float):
        return f"sleep ({max(0.0, when - time.monotonic()):.1f}s left)"
    return "sleep"


def _worker_of(future: object, workers: Mapping[int, int]) -> _Awaited | None:
    """The thread running the work ``future`` waits for (``to_thread``, ``run_in_executor``:
    an asyncio future chained to a ``concurrent.futures`` one)."""
    callbacks = field(future, "_callbacks")
    for entry in callbacks if isinstance(callbacks, list) else ():
        callback = entry[0] if isinstance(entry, tuple) else entry
        code = getattr(callback, "__code__", None)
        cells = getattr(callback, "__closure__", None)
        if code is None or not cells or "source" not in code.co_freevars:
            continue
        try:
            source = cells[code.co_freevars.index("source")].cell_contents
        except (ValueError, IndexError):
            continue
        thread = workers.get(id(source))
        return _Awaited("to_thread work", thread=thread)
    return None


def _executor_workers(frames: Mapping[int, FrameType]) -> dict[int, int]:
    """id(concurrent future) -> ident of the thread running its work item."""
    module = sys.modules.get("concurrent.futures.thread")
    work_item = getattr(module, "_WorkItem", None) if module is not None else None
    run = getattr(getattr(work_item, "run", None), "__code__", None)
    if run is None:
        return {}
    found: dict[int, int] = {}
    for ident, top in frames.items():
        for frame in outward(top):
            if frame.f_code is run:
                future = field(frame.f_locals.get("self"), "future")
                if future is not None:
                    found[id(future)] = ident
                break
    return found


def _lock_holders(tasks: Sequence[object], chains: Mapping[int, list[object]]) -> dict[int, object]:
    """id(asyncio.Lock) -> a task whose coroutine is inside ``async with`` on it."""
    holders: dict[int, object] = {}
    for task in tasks:
        for frame in _frames(chains[id(task)]):
            for lock in _waits.with_blocks_around(frame, _asyncio_lock):
                holders.setdefault(id(lock), task)
    return holders


def _describe(
    awaited: _Awaited | None, tasks: Mapping[int, int], threads: Mapping[int, int]
) -> str:
    if awaited is None:
        return ""
    target = tasks.get(id(awaited.task)) if awaited.task is not None else None
    if awaited.text in ("task", "gather"):
        if target is None:
            return "a task" if awaited.text == "task" else "gather"
        return f"task {target}" if awaited.text == "task" else f"gather (task {target} first)"
    if awaited.thread is not None:
        return f"{awaited.text} in thread {threads.get(awaited.thread, '?')}"
    if target is not None:
        return f"{awaited.text} held by task {target}"
    return awaited.text


def _node(awaited: _Awaited | None, tasks: Mapping[int, int], threads: Mapping[int, int]) -> str:
    """The waits-for graph's node this task waits for: ``task 5``, ``thread 3``, or ''."""
    if awaited is None:
        return ""
    if awaited.task is not None and id(awaited.task) in tasks:
        return f"task {tasks[id(awaited.task)]}"
    if awaited.thread is not None and awaited.thread in threads:
        return f"thread {threads[awaited.thread]}"
    return ""


def _deadlock_words(
    awaited: _Awaited | None, tasks: Mapping[int, int], threads: Mapping[int, int]
) -> str:
    """How a deadlock names this task's wait: ``asyncio.Lock held by task 5``, ``task 5 to
    finish``, ``to_thread work in thread 3``."""
    if awaited is None:
        return ""
    node = _node(awaited, tasks, threads)
    if awaited.kind:
        return f"{awaited.kind} held by {node}"
    if awaited.thread is not None:
        return f"{awaited.text} in {node}"
    return f"{node} to finish"


def _in_asyncio(filename: str) -> bool:
    module = sys.modules.get("asyncio")
    package = getattr(module, "__file__", None)
    return isinstance(package, str) and filename.startswith(os.path.dirname(package) + os.sep)


def program_frame(frames: Sequence[FrameView]) -> int:
    """The index of the innermost of ``frames`` that is not asyncio's own code (0 if none)."""
    return next((i for i, f in enumerate(frames) if not _in_asyncio(f.filename)), 0)


def where(task: TaskView) -> str:
    """Where the task is (suspended, or running), in the program's code."""
    frames = task.frames
    return place(frames[program_frame(frames)]) if frames else ""


def wake_loop(task: object) -> bool:
    """Wake ``task``'s loop out of its selector, so that its thread comes back to Python
    (where it parks); whether it could.  asyncio's own loops are woken through their
    self-pipe (what ``call_soon_threadsafe`` does, without queueing a callback), uvloop's with
    a callback that does nothing; another loop's methods would be the program's code."""
    loop = field(task, "_loop")
    events = sys.modules.get("asyncio.selector_events")
    base = getattr(events, "BaseSelectorEventLoop", None) if events is not None else None
    try:
        if base is not None and isinstance(loop, base):
            if inspect.getattr_static(loop, "_write_to_self", None) is not base._write_to_self:
                return False
            base._write_to_self(loop)
            return True
        if type(loop).__module__.partition(".")[0] == "uvloop":
            type(loop).call_soon_threadsafe(loop, _nothing)  # type: ignore[attr-defined]
            return True
    except Exception:
        return False
    return False


def _nothing() -> None:
    """What a woken uvloop loop runs."""
