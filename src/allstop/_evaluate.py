"""Run the user's expressions and statements in a chosen frame, without hanging the session.

Design note
-----------
User code typed at the prompt runs on a helper thread of allstop's own (exempt from freezing),
and the session waits for it.  The reason is the "waiting on a frozen thread" guard: an
expression may need a lock that a frozen thread holds (``q.qsize()`` while a thread is parked
inside ``Queue.put``, or ``print`` while a thread is parked holding a wrapper's lock) and would
then wait until the world resumes, which cannot happen while the session waits for it.  When the
helper stands in a C call (decided from where it is, as for the engine's ``blocked`` threads)
for ``BLOCKED_AFTER`` seconds, the session stops waiting, says where it waits, and goes on; the
evaluation finishes by itself when the world resumes, its result dropped, and the next
evaluation gets a fresh helper.  A computation that keeps running Python code is given
``RUNNING_LIMIT`` seconds.

Writes to a frame's variables: on 3.13 ``frame.f_locals`` writes through (PEP 667); before, the
changed dictionary is written back into the frame's fast locals with
``PyFrame_LocalsToFast``, for every frame, not only the innermost one as in pdb.

Code runs with ``threading.current_thread()`` answering the helper, not the frame's thread.
"""

from __future__ import annotations

import _thread
import ctypes
import os
import sys
from _queue import SimpleQueue
from collections.abc import Callable
from dataclasses import dataclass, field
from types import CodeType, FrameType
from typing import Any, Generic, TypeVar

from ._frames import in_c_call

T = TypeVar("T")

BLOCKED_AFTER = float(os.environ.get("ALLSTOP_EVAL_BLOCKED_AFTER", "0.5"))
RUNNING_LIMIT = float(os.environ.get("ALLSTOP_EVAL_LIMIT", "30"))
_POLL = 0.05


class EvaluationAbandoned(Exception):
    """The session stopped waiting for an evaluation (the message says why)."""


@dataclass(eq=False)
class _Job(Generic[T]):
    fn: Callable[[], T]
    done: _thread.LockType = field(default_factory=_thread.allocate_lock)
    result: T | None = None
    error: BaseException | None = None


class Evaluator:
    """Runs callables on allstop's evaluation thread, with the guard described above."""

    def __init__(self, spawn: Callable[[Callable[[], None]], None]) -> None:
        """``spawn`` starts a thread of the debugger's own (never frozen)."""
        self._spawn = spawn
        self._jobs: SimpleQueue[_Job[Any] | None] | None = None
        self._ident: int | None = None
        self._ready = _thread.allocate_lock()
        self._inline = False
        """No thread can start (the interpreter is shutting down): run on the caller's."""

    def start(self) -> None:
        """Start the helper thread (before any freeze: thread start-up imports nothing)."""
        if self._jobs is not None or self._inline:
            return
        jobs: SimpleQueue[_Job[Any] | None] = SimpleQueue()
        self._ready.acquire()
        try:
            self._spawn(lambda: self._serve(jobs))
        except RuntimeError:  # "can't create new thread at interpreter shutdown"
            self._ready.release()
            self._inline = True
            return
        self._jobs = jobs
        self._ready.acquire()
        self._ready.release()

    def _serve(self, jobs: SimpleQueue[_Job[Any] | None]) -> None:
        self._ident = _thread.get_ident()
        self._ready.release()
        while True:
            job = jobs.get()
            if job is None:
                return
            try:
                job.result = job.fn()
            except BaseException as exc:
                job.error = exc
            job.done.release()

    def run(self, fn: Callable[[], T]) -> T:
        """``fn()`` on the helper thread; raises what it raises, or ``EvaluationAbandoned``."""
        self.start()
        if self._inline:
            return fn()
        assert self._jobs is not None
        job: _Job[T] = _Job(fn)
        job.done.acquire()
        helper = self._ident
        self._jobs.put(job)
        waited = blocked_for = 0.0
        while not job.done.acquire(timeout=_POLL):
            waited += _POLL
            frame = sys._current_frames().get(helper) if helper is not None else None
            if frame is not None and in_c_call(frame):
                blocked_for += _POLL
            else:
                blocked_for = 0.0
            if blocked_for >= BLOCKED_AFTER and frame is not None:
                self._abandon()
                where = f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"
                raise EvaluationAbandoned(
                    f"still waiting after {waited:.1f}s, blocked in a C call at {where} "
                    "(a lock or queue of a frozen thread?); it finishes when the world "
                    "resumes and its result is dropped"
                )
            if waited >= RUNNING_LIMIT:
                self._abandon()
                raise EvaluationAbandoned(
                    f"still running after {RUNNING_LIMIT:.0f}s; left to finish in the "
                    "background, its result is dropped"
                )
        if job.error is not None:
            raise job.error
        return job.result  # type: ignore[return-value]

    def _abandon(self) -> None:
        """Leave the current helper to its job; the next evaluation starts another."""
        self._jobs = None
        self._ident = None


_locals_to_fast: Any = getattr(ctypes.pythonapi, "PyFrame_LocalsToFast", None)
if _locals_to_fast is not None:
    _locals_to_fast.argtypes = [ctypes.py_object, ctypes.c_int]
    _locals_to_fast.restype = None


def evaluate(source: str, frame: FrameType) -> object:
    """``eval(source)`` in ``frame`` (on the calling thread)."""
    code = compile(source, "<stdin>", "eval")
    return eval(code, frame.f_globals, frame.f_locals)


def execute(code: CodeType, frame: FrameType) -> None:
    """``exec(code)`` in ``frame`` and make changed variables visible to the frame's code."""
    # Read f_locals once: before 3.13 every read reloads the dictionary from the frame.
    ns = frame.f_locals
    try:
        exec(code, frame.f_globals, ns)
    finally:
        if ns is not frame.f_globals and sys.version_info < (3, 13) and _locals_to_fast:
            _locals_to_fast(frame, 0)
