"""Run the user's expressions and statements in a chosen frame, in the thread that owns it,
without hanging the session.

Design note
-----------
Code typed at the prompt runs where pdb runs it: in the thread that owns the frame, so that
``threading.current_thread()``, thread-locals, context variables and ``sys.exc_info()`` are the
program's.  The stopped thread runs it as a ``Job`` between two waits of its park (see the
engine), and the session, which runs on a thread of its own, waits for it.

The guard: the code may need a lock that a frozen thread holds (``q.qsize()`` while a thread is
parked inside ``Queue.put``, ``print`` while a thread is parked holding a stream's lock) and
would then wait until the world resumes, which cannot happen while the session waits for it.
When the thread running the job waits in a C call for something only another thread can give
(a lock, queue, event or join, told from the waits-for picture; else a thread the kernel says
is sleeping, not running) for ``BLOCKED_AFTER`` seconds, the session stops waiting and raises
``EvaluationAbandoned``, saying where the job waits; the job completes when the world resumes,
or during a ``thaw`` (its result is dropped, or shown by ``thaw``).  A ``sleep``, or a
computation (in Python or in C), is given ``RUNNING_LIMIT`` seconds; Ctrl-C interrupts it.
The thread never runs the program's own code past its stop: once the job is done it parks
again.

A thread that cannot take a job (blocked in C, or still running an abandoned one) cannot run
anything until it returns: its jobs run on a helper thread of allstop's instead (the fallback;
the session says so), where thread-locals and ``current_thread()`` are the helper's.

Writes to a frame's variables: on 3.13 ``frame.f_locals`` writes through (PEP 667); before, the
changed dictionary is written back into the frame's fast locals with
``PyFrame_LocalsToFast``, for every frame, not only the innermost one as in pdb.
"""

from __future__ import annotations

import _thread
import ctypes
import os
import sys
import textwrap
import threading
import types
import weakref
from _queue import SimpleQueue
from collections.abc import Callable, Iterator
from types import CodeType, FrameType
from typing import Any, TypeVar, cast

from ._dummies import keep_dummy_for_exit
from ._frames import in_c_call, main_ident
from ._model import Raised
from ._procfs import stat_fields
from ._stops import Job
from ._waits import wait_of

T = TypeVar("T")

BLOCKED_AFTER = float(os.environ.get("ALLSTOP_EVAL_BLOCKED_AFTER", "0.5"))
RUNNING_LIMIT = float(os.environ.get("ALLSTOP_EVAL_LIMIT", "30"))
_POLL = 0.05


class EvaluationAbandoned(Exception):
    """The session stopped waiting for ``job``: blocked in C at ``frame`` (None: still
    running Python code after ``RUNNING_LIMIT`` seconds)."""

    def __init__(self, job: Job[Any], frame: FrameType | None, waited: float) -> None:
        super().__init__(job.label)
        self.job = job
        self.frame = frame
        self.waited = waited


def _forget_threads(ref: weakref.ref[Evaluator]) -> None:
    evaluator = ref()
    if evaluator is not None:
        evaluator.forget_threads()


class Evaluator:
    """Sends jobs to stopped threads (or to its helper) and waits for them, with the guard
    described above."""

    def __init__(
        self, spawn: Callable[[Callable[[], None]], None], run_in: Callable[[int, Job[Any]], bool]
    ) -> None:
        """``spawn`` starts a thread of the debugger's own (never frozen); ``run_in`` has a
        stopped thread run a job (the engine's), false when it cannot."""
        self._spawn = spawn
        self._run_in = run_in
        self._jobs: SimpleQueue[tuple[Job[Any], bool]] | None = None
        self._helper: int | None = None
        self._inline = False
        """No thread can start (the interpreter is shutting down): run on the caller's."""
        self.abandoned: list[Job[Any]] = []
        """Jobs the session stopped waiting for, until they finish."""
        self._waiting_for: Job[Any] | None = None
        evaluator = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: _forget_threads(evaluator))

    def start(self) -> None:
        """Start the helper thread (before any freeze: thread start-up imports nothing)."""
        if self._jobs is not None or self._inline:
            return
        jobs: SimpleQueue[tuple[Job[Any], bool]] = SimpleQueue()
        try:
            self._spawn(lambda: self._serve(jobs))
        except RuntimeError:  # "can't create new thread at interpreter shutdown"
            self._inline = True
            return
        self._jobs = jobs

    def _serve(self, jobs: SimpleQueue[tuple[Job[Any], bool]]) -> None:
        self._helper = _thread.get_ident()
        helper = threading.current_thread()
        keep_dummy_for_exit()
        while True:
            job, daemon = jobs.get()
            # A thread the code starts is a daemon as it would be in the thread the code was
            # typed for (threading.Thread takes the flag of the thread that makes it).
            helper._daemonic = daemon  # type: ignore[attr-defined]
            job.run()

    def submit(self, job: Job[Any], ident: int | None) -> None:
        """Start ``job`` in thread ``ident``, or on the helper when that thread cannot take
        it or ``ident`` is None (``job.runner`` says where it ran)."""
        if ident is not None and self._run_in(ident, job):
            return
        self.start()
        if self._inline:
            job.run()
        else:
            assert self._jobs is not None
            self._jobs.put((job, _daemon(ident)))

    def wait(self, job: Job[T]) -> T:
        """What ``job`` returns; raises what it raises, or ``EvaluationAbandoned``."""
        for _ in self.polls(job):
            pass
        error = job.error
        if error is None:
            return job.result  # type: ignore[return-value]
        if isinstance(error, (Exception, KeyboardInterrupt)):
            raise error
        raise Raised(error)

    def polls(self, job: Job[Any], limit: float | None = RUNNING_LIMIT) -> Iterator[None]:
        """Wait for ``job``, yielding at each poll while it runs; the guard raises
        ``EvaluationAbandoned`` (``limit``: how long it may run, None for as long as it
        takes).  Ctrl-C meanwhile interrupts it."""
        self._waiting_for = job
        try:
            waited = blocked_for = 0.0
            while not job.wait(_POLL):
                waited += _POLL
                runner = job.runner
                frame = sys._current_frames().get(runner) if runner is not None else None
                if frame is not None and in_c_call(frame) and _waits_for_others(frame, job):
                    blocked_for += _POLL
                else:
                    blocked_for = 0.0
                over = limit is not None and waited >= limit
                if (blocked_for >= BLOCKED_AFTER and frame is not None) or over:
                    self._abandon(job)
                    raise EvaluationAbandoned(job, frame if blocked_for else None, waited)
                yield
        finally:
            self._waiting_for = None

    def forget_threads(self) -> None:
        """In the child of a fork: the helper and the threads running abandoned jobs are
        gone (the next job starts a new helper)."""
        self._jobs = None
        self._helper = None
        self.abandoned = []
        self._waiting_for = None

    def _abandon(self, job: Job[Any]) -> None:
        self.abandoned = [j for j in self.abandoned if not j.finished] + [job]
        if job.runner == self._helper:
            # Leave the helper to its job (it then waits on a queue nobody feeds): the next
            # job goes to a new one.
            self._jobs = None
            self._helper = None

    def interrupt(self) -> bool:
        """Ctrl-C (heard by the main thread): raise ``KeyboardInterrupt`` in the job being
        waited for, if another thread runs it (it gets it at its next Python instruction);
        whether there was one."""
        job = self._waiting_for
        runner = job.runner if job is not None else None
        if job is None or runner is None or job.finished or runner == main_ident():
            return False
        _async_exc(ctypes.c_ulong(runner), ctypes.py_object(KeyboardInterrupt))
        return True

    def waiting(self) -> list[Job[Any]]:
        """The abandoned jobs still running."""
        self.abandoned = [j for j in self.abandoned if not j.finished]
        return list(self.abandoned)


def _daemon(ident: int | None) -> bool:
    """Whether thread ``ident`` is a daemon (allstop's own reads, with no thread: yes)."""
    thread = threading._active.get(ident) if ident is not None else None  # type: ignore[attr-defined]
    return True if thread is None else bool(thread.daemon)


def _waits_for_others(frame: FrameType, job: Job[Any]) -> bool:
    """Whether ``job``'s thread, in a C call at ``frame``, waits for something only another
    thread can give (a lock, a queue, an event, a join...), rather than sleeping or computing:
    told from the wait's source when it can be, else from the kernel's state of the thread
    (sleeping, not running), else assumed."""
    wait = wait_of(frame, job.label)
    if wait is not None:
        return wait.kind != "sleep"
    fields = stat_fields(f"/proc/self/task/{job.native_id}/stat")
    return not fields or fields[0] != b"R"


_async_exc: Any = ctypes.pythonapi.PyThreadState_SetAsyncExc
_async_exc.argtypes = [ctypes.c_ulong, ctypes.py_object]
_async_exc.restype = ctypes.c_int

_locals_to_fast: Any = getattr(ctypes.pythonapi, "PyFrame_LocalsToFast", None)
if _locals_to_fast is not None:
    _locals_to_fast.argtypes = [ctypes.py_object, ctypes.c_int]
    _locals_to_fast.restype = None


def evaluate(source: str, frame: FrameType) -> object:
    """``eval(source)`` in ``frame`` (on the calling thread)."""
    code = compile(source, "<stdin>", "eval")
    return eval(code, frame.f_globals, frame.f_locals)


def run_interactive(code: CodeType, source: str, frame: FrameType) -> None:
    """Run code typed at the prompt as 3.13's pdb does (on the calling thread): ``code`` was
    compiled in ``single`` mode, so an expression's value is printed (by a display hook that
    leaves ``builtins._`` alone); when ``source`` makes functions, it runs in a closure over
    the frame's locals, so that they see them."""
    saved = sys.displayhook
    sys.displayhook = _display
    try:
        if not _exec_in_closure(source, frame.f_globals, frame.f_locals):
            execute(code, frame)
    finally:
        sys.displayhook = saved


def _display(value: object) -> None:
    if value is not None:
        print(repr(value))


def _exec_in_closure(source: str, globals: dict[str, Any], locals: Any) -> bool:
    """pdb 3.13's ``_exec_in_closure``: whether ``source`` made code objects and ran inside a
    function whose free variables are the frame's locals (then written back)."""
    code = compile(source, "<string>", "exec")
    if not any(isinstance(const, CodeType) for const in code.co_consts):
        return False
    scope = dict(locals)
    scope["__pdb_eval__"] = {"result": None, "write_back": {}}
    try:
        compile(source, "<string>", "eval")
    except SyntaxError:
        pass
    else:
        source = "__pdb_eval__['result'] = " + source
    source = (
        "try:\n"
        + textwrap.indent(source, "  ")
        + "\nfinally:\n  __pdb_eval__['write_back'] = locals()"
    )
    outer = (
        "def __pdb_outer():\n"
        + "".join(f"  {name} = None\n" for name in scope)
        + "  def __pdb_scope():\n"
        + "".join(f"    nonlocal {name}\n" for name in scope)
        + textwrap.indent(source, "    ")
        + "\n  return __pdb_scope.__code__"
    )
    made: dict[str, Any] = {}
    try:
        exec(outer, {}, made)
    except Exception:
        return False
    inner = made["__pdb_outer"]()
    cells = tuple(types.CellType(scope.get(name)) for name in inner.co_freevars)
    try:
        cast(Any, exec)(inner, globals, scope, closure=cells)
    except Exception:
        return False
    found = scope["__pdb_eval__"]
    found["write_back"].pop("__pdb_eval__", None)
    locals.update(found["write_back"])
    if found["result"] is not None:
        print(repr(found["result"]))
    return True


def execute(code: CodeType, frame: FrameType) -> None:
    """``exec(code)`` in ``frame`` and make changed variables visible to the frame's code."""
    # Read f_locals once: before 3.13 every read reloads the dictionary from the frame.
    ns = frame.f_locals
    try:
        exec(code, frame.f_globals, ns)
    finally:
        if ns is not frame.f_globals and sys.version_info < (3, 13) and _locals_to_fast:
            _locals_to_fast(frame, 0)
