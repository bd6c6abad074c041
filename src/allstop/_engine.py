"""The world: freeze, park, thaw and resume every Python thread of the process.

Design note
-----------
When one thread *stops* (breakpoint, finished step, ``breakpoint()``), it becomes the
*presenter*: it freezes the world and hands a ``StopEvent`` to the stop handler (the session).
The session runs on a thread of allstop's own, started for the stop, and applies the
``Resume`` it decides on; meanwhile the presenter waits inside the interpreter hook, like a
parked thread.

Every stopped thread (the presenter and each parked one) runs the *jobs* the session sends it
(``run_in``): code the user typed, run in the thread that owns the frame, with its
thread-locals, context variables and ``sys.exc_info()``; then it waits again.  A thread running
a job is never parked by a checkpoint, and its stops (a breakpoint in code the user called) are
ignored, as pdb ignores them in code run from its prompt.  Because the session is elsewhere, a
job that blocks on a lock a frozen thread holds does not hang it: the session stops waiting
(see ``_evaluate``), and ``thaw_until`` lets the other threads run until the job completes.
A thread blocked in C takes no job until it returns to Python and parks.

Freezing is cooperative.  The backend makes every other thread call ``checkpoint()`` at its
next Python line (or call, or instruction, depending on the backend); there the thread *parks*:
it blocks on a lock of its own until it is woken.  A thread that is inside a C call (sleep,
lock, queue, socket...) cannot park until it returns; we call it *blocked*, decide that from
where its innermost frame is (an instruction that calls out), never from a timer, and the
backend keeps a checkpoint where it will come back to Python, so it parks before it runs any
Python code of its own.  The presenter waits only for the threads that can still move.

What it guarantees:

- While the handler runs, no other non-exempt thread runs Python code, except
  (a) a thread running ``threading``'s own start-up code, so that ``Thread.start()`` called
  from the session returns (the new thread parks when its target is entered, as ``new``);
  (b) the *runner*: the one thread stepping with scheduler-locking on.
- Two threads that stop at once: one presents, the other parks as ``breakpoint`` and presents
  when the first one continues.  Nothing is lost; the engine lock is never held while waiting.
- Ctrl-C (which Python delivers to the main thread) never reaches the program while the main
  thread is stopped: the handler hears it (``on_interrupt``).
- The debugger's own threads (``exempt``) are never parked, nor are a peer's (see below).

A *peer* is another debugger in the process (debugpy, see ``_debugpy``).  While it has a client
(an editor), the engine has handed the interpreter over to it: the backend holds no hook,
the breakpoint table waits, and the stops that come from the program itself
(``breakpoint()``, a post-mortem, a pause) go to the peer, which freezes the world its own way.

What it cannot do: park a thread that never returns from C (it stays ``blocked``), or stop
Python code run by signal handlers or finalizers inside a parked thread's wait.

The engine never prints and knows nothing about commands: that is the session's job.
"""

from __future__ import annotations

import _thread
import importlib
import itertools
import os
import signal
import sys
import threading
import time
import traceback
import weakref
from collections import deque
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from types import CodeType, FrameType, TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from . import _terminal, _tree
from ._armed import QuickSwitch
from ._breakpoints import Breakpoint, BreakpointTable, Hit
from ._dummies import drop_dummy
from ._format import printable
from ._frames import (
    in_c_call,
    in_import_machinery,
    in_repl_machinery,
    in_thread_startup,
    inside_an_import,
    main_ident,
    outward,
)
from ._inputhook import HOOK_CODE
from ._model import NO_VALUE, StopEvent, StopReason
from ._stops import (
    CONTINUE,
    FOR_THE_PROGRAM,
    Job,
    Peer,
    Quit,
    Recursion,
    Resume,
    ResumeHow,
    StepKind,
    StepRequest,
    StopHandler,
    World,
)

if TYPE_CHECKING:
    from ._backends import Backend
    from ._inputhook import InputHook

T = TypeVar("T")

_signal: Any = importlib.import_module("_signal")
"""``signal``'s C module: its functions run no Python code of
``signal``'s, where a thread that steps would stop (see ``_catch_ctrl_c``)."""

RUNNER_POLL = 0.25
"""How often allstop looks whether the thread stepping alone still exists."""

PREPARE_LIMIT = 60.0
"""How long the first stop waits for its handler's modules to be imported."""

FREEZE_LIMIT = 5.0
"""How long a freeze waits for a thread that keeps running Python (see ``_wait_settled``)."""

# Bound now: a peer debugger may later wrap ``_thread.start_new_thread`` with its own start-up
# code, which would run (and could be parked) before ``_exempt_entry`` exempts the thread.
_start_new_thread = _thread.start_new_thread


@dataclass(eq=False)
class _Parked:
    """A stopped thread (parked, or the presenter): where it stopped, the lock it sleeps on,
    and the job it is asked to run."""

    ident: int
    frame: FrameType
    new: bool
    wake: _thread.LockType = field(default_factory=_thread.allocate_lock)
    job: Job[object] | None = None
    busy: bool = False
    """Running a job."""


def _exempt_entry(engine: Engine, fn: Callable[[], None]) -> None:
    """The first frame of every thread allstop starts: a checkpoint never parks in it, and
    it exempts the thread while ``fn`` runs."""
    ident = _thread.get_ident()
    engine.exempt.add(ident)
    try:
        fn()
    finally:
        drop_dummy(ident)  # while exempt: a call once it is not can park the thread
        engine.exempt.discard(ident)  # the ident may be given to a program thread next


EXEMPT_ENTRY_CODE: CodeType = _exempt_entry.__code__

FORK_WAIT = 1.0
"""How long a fork waits for the engine's lock (see ``Engine._before_fork``)."""


def _watch_forks(engine: Engine) -> None:
    """Have ``engine`` told of each fork (see ``Engine._after_fork``), while it lives: fork
    handlers cannot be removed, and tests make many engines."""
    ref = weakref.ref(engine)

    def call(method: str) -> None:
        found = ref()
        if found is not None:
            getattr(found, method)()

    os.register_at_fork(
        before=lambda: call("_before_fork"),
        after_in_parent=lambda: call("_after_fork_in_parent"),
        after_in_child=lambda: call("_after_fork"),
    )


class ThreadRegistry:
    """Small stable thread numbers: 1 is the main thread, then in order of first sight."""

    def __init__(self) -> None:
        self._numbers: dict[int, int] = {}
        self._next = 2
        self._names: dict[int, tuple[str, bool]] = {}
        """The name and daemon flag each thread had when last seen alive."""
        self._threads: dict[int, Any] = {}
        """``threading``'s object of each numbered thread."""

    def number(self, ident: int) -> int:
        found = self._numbers.get(ident)
        if found is None:
            if ident == main_ident():
                found = 1
            else:
                found = self._next
                self._next += 1
            self._numbers[ident] = found
        return found

    def known(self) -> dict[int, int]:
        return dict(self._numbers)

    def claim(self, ident: int, thread: Any) -> None:
        """``thread`` (``threading``'s) runs as ``ident`` now: an ident is reused once its
        thread has ended, and a new thread gets a number of its own."""
        if self._threads.setdefault(ident, thread) is not thread:
            self.forget(ident)
            self._threads[ident] = thread

    def describe(self, ident: int, thread: Any) -> tuple[str, bool]:
        """The name (bounded, control characters escaped) and daemon flag of ``threading``'s
        ``thread`` (None: it finished, or ``threading`` never knew it): remembered, so that a
        thread that finished since the last stop keeps them."""
        if thread is None:
            return self._names.get(ident, (f"<unregistered {ident}>", True))
        name = getattr(thread, "_name", None)
        found = (
            printable(name) if isinstance(name, str) else f"<unregistered {ident}>",
            bool(getattr(thread, "_daemonic", True)),
        )
        self._names[ident] = found
        return found

    def forget(self, ident: int) -> None:
        self._numbers.pop(ident, None)
        self._names.pop(ident, None)
        self._threads.pop(ident, None)


class Engine:
    """The one engine of the process (see the module's design note)."""

    def __init__(self, backend: Callable[[Engine], Backend]) -> None:
        """``backend`` makes the interpreter mechanism, given this engine (see ``_wiring``)."""
        self.exempt: set[int] = set()
        self.world = World.RUNNING
        self.runner: int | None = None
        """The thread allowed to run while the world is frozen (a locked step)."""
        self.steps: dict[int, StepRequest] = {}
        self.breakpoints = BreakpointTable()
        self.registry = ThreadRegistry()
        self.handler: StopHandler | None = None
        self.prepare: Callable[[], object] | None = None
        """Makes the handler at the first stop (see ``_handler``)."""
        self._new_lock()
        self._parked: dict[int, _Parked] = {}
        self._hosts: dict[int, _Parked] = {}
        """The threads that take jobs: the parked ones and the presenter."""
        self._serving: set[int] = set()
        """Threads never parked by a checkpoint, whose stops are ignored: the presenter while
        the session runs, and every thread while it runs a job."""
        self._held: frozenset[int] = frozenset()
        """Threads that stay parked while the others run for ``thaw_until``."""
        self._awaited: set[int] = set()
        self._recursions: list[Recursion] = []
        """The ``debug`` runs under way, the innermost last."""
        self._pending: deque[StopEvent] = deque()
        self._presenter: int | None = None
        self._interrupting: int | None = None
        """The thread taken out of its wait to present a step that cannot stop: Ctrl-C
        during it (the main thread, see ``_interrupt_step``), or the stepping thread has
        finished (see ``_watch_runner``)."""
        self._interrupt_reason = StopReason.INTERRUPT
        self._locked_steps = 0
        """How many steps of one thread alone have started (see ``_watch_runner``)."""
        self._ctrl_c: Callable[[int, FrameType | None], object] | None = None
        """The SIGINT handler set while the main thread steps (see ``_catch_ctrl_c``)."""
        self._ctrl_c_before: object = None
        self._failures: set[tuple[str, int | None]] = set()
        """Where hooks raised (see ``hook_failed``): each is reported once."""
        self._busy: int | None = None
        """The thread applying a resume (never parked by a checkpoint meanwhile)."""
        self._alive_at_freeze: frozenset[int] = frozenset()
        self.backend: Backend = backend(self)
        self.active = False
        self.peer: Peer | None = None
        self.handed_over = False
        """The peer has the interpreter (see ``hand_over``)."""
        self.wake_signal: int | None = None
        """A signal whose Python handler allstop installed in the main thread (see
        ``_wake_main``), or None."""
        self.find_host_threads: Callable[[], set[int]] | None = None
        """Finds, at each freeze, the threads of what hosts the program (a Jupyter kernel's
        output, input and control threads): never frozen, as the debugger's own."""
        self._host_threads: frozenset[int] = frozenset()
        self.input_hook: InputHook | None = None
        """Parks a main thread waiting in GNU readline while the world is frozen (see
        ``_hold_keyboard``)."""
        _watch_forks(self)

    # -- fork --------------------------------------------------------------------------------
    _fork_locked = False

    def _new_lock(self) -> None:
        self._lock = threading.Lock()
        self._settled = threading.Condition(self._lock)

    def _before_fork(self) -> None:
        """No thread is inside the engine's lock when the process forks (the child could
        never take it); a fork that waits is bounded: the child starts afresh anyway."""
        self._fork_locked = self._lock.acquire(timeout=FORK_WAIT)

    def _after_fork_in_parent(self) -> None:
        if self._fork_locked:
            self._lock.release()

    def _after_fork(self) -> None:
        """In the child of a fork: only the forking thread lives on.  The engine keeps its
        breakpoints and forgets the rest: no world is frozen, no thread parked or stepping,
        allstop's own threads are gone (the session starts new ones), thread numbers start
        again (the forking thread is the child's main thread, number 1).  A thread that forked
        while serving a stop (code typed at the prompt) runs on: its session stayed in the
        parent."""
        self._new_lock()
        self.world = World.RUNNING
        self.runner = self._presenter = self._busy = self._interrupting = None
        self.steps.clear()
        self.exempt.clear()
        self._parked.clear()
        self._hosts.clear()
        self._serving.clear()
        self._awaited.clear()
        self._pending.clear()
        self._recursions.clear()
        self._held = self._host_threads = self._alive_at_freeze = frozenset()
        self.registry = ThreadRegistry()
        self.backend.thaw()

    # -- setting up ------------------------------------------------------------------------
    def start(self) -> None:
        """Hook into the interpreter.  Costs nothing while no breakpoint is set."""
        if not self.active and not self.handed_over:
            self.backend.start()
            self.active = True

    def spawn_exempt(self, fn: Callable[[], None]) -> None:
        """Start a thread of the debugger's own: never parked, never traced."""
        _start_new_thread(_exempt_entry, (self, fn))

    def is_own(self, ident: int) -> bool:
        """Whether thread ``ident`` belongs to the debugger (or to the peer, or to what hosts
        the program)."""
        if ident in self.exempt or ident in self._host_threads:
            return True
        peer = self.peer
        return peer is not None and peer.owns(ident)

    def passes_breakpoints(self, ident: int) -> bool:
        """Whether thread ``ident`` runs code for the session now (the debugger's threads, a
        thread serving an evaluation, while the world is frozen): it passes breakpoints by."""
        return (
            self.world is not World.RUNNING
            and ident != self.runner
            and (self.is_own(ident) or ident in self._serving)
        )

    def own_threads(self) -> set[int]:
        """The threads ``is_own`` is true of, now."""
        return {ident for ident in sys._current_frames() if self.is_own(ident)}

    def breakpoints_changed(self) -> None:
        self.start()
        if self.active:
            self.backend.breakpoints_changed()

    def hand_over(self) -> bool:
        """The peer takes the interpreter: drop every hook, keep the breakpoint table for
        ``take_back``.  Refused (False) while a stop is being shown or frozen for, or a step
        is under way (its stop shows here): the peer asks again when the world has resumed.
        A stop that fires meanwhile from a hook not yet removed goes to the peer
        (``report_stop``)."""
        with self._lock:
            if self.world is not World.RUNNING or self._presenter is not None or self.steps:
                return False
            self.handed_over = True
        if self.active:
            self.backend.shutdown()
            self.active = False
        return True

    def take_back(self) -> None:
        """The peer has let go of the interpreter: hook in again, re-arm the breakpoints."""
        self.handed_over = False
        if self.breakpoints:
            self.breakpoints_changed()

    def _peer(self) -> Peer | None:
        """The peer, if the program's stops go to it now."""
        peer = self.peer
        return peer if peer is not None and peer.has_client() else None

    def post_mortem(self, exception: BaseException, *, crashed: bool) -> None:
        """Stop the world on the calling thread to look at ``exception``'s traceback
        (``crashed``: the thread is dying of it).  Returns when the user resumes."""
        tb = exception.__traceback__
        if tb is None:
            return
        peer = self._peer()
        if peer is not None:
            peer.post_mortem(exception, crashed=crashed)
            return
        while tb.tb_next is not None:
            tb = tb.tb_next
        self.start()
        self.report_stop(tb.tb_frame, StopReason.EXCEPTION, exception=exception, crashed=crashed)

    def stop_now(self, frame: FrameType, reason: StopReason = StopReason.PAUSE) -> None:
        """Stop the world now, the calling thread presenting ``frame`` (the pause signal's
        handler; ``Debugger.set_trace``).  Returns when the user resumes."""
        peer = self._peer()
        if peer is not None:
            peer.stop_now(frame, reason)
            return
        self.start()
        self.report_stop(frame, reason)

    def pause(self, frame: FrameType) -> None:
        """The pause signal's handler, in the main thread at ``frame``: stop the world there,
        unless it is stopped already (the handler runs at a parked thread's next line).
        Under ``allstop run`` the signal may come from another process that stopped: this
        one then pauses with it (see ``_tree``)."""
        if self.world is World.RUNNING:
            self.stop_now(frame, StopReason.HELD if _tree.asked_to_hold() else StopReason.PAUSE)

    def step_from(self, frame: FrameType) -> None:
        """Stop the calling thread at its next event, in ``frame`` or any function it calls
        (pdb's ``set_step``, for ``runcall``); ``cancel_step`` undoes it."""
        ident = _thread.get_ident()
        self.start()
        with self._lock:
            self.steps[ident] = StepRequest(StepKind.STEP, reason=StopReason.TRACE)
        self.backend.arm_step(ident, frame)

    def cancel_step(self) -> None:
        """Forget the calling thread's step, if it has one."""
        with self._lock:
            had = self.steps.pop(_thread.get_ident(), None)
        if had is not None:
            self.backend.step_done()

    def stop_soon(
        self, frame: FrameType, kind: StepKind = StepKind.STEP, skip: tuple[str, ...] = ()
    ) -> None:
        """Stop the calling thread at its next event (a line of ``frame``, its return, a call
        from it), as pdb's ``set_trace()`` does before 3.13; with ``kind`` ``NEXT``, at the
        next line of ``frame`` or its return; never in a module ``skip`` names.  The
        debugger's own threads never stop."""
        ident = _thread.get_ident()
        if self.is_own(ident):
            return
        peer = self._peer()
        if peer is not None:
            peer.stop_soon(frame)
            return
        self.start()
        above = frozenset(itertools.takewhile(lambda f: f is not frame, outward(sys._getframe(1))))
        step = StepRequest(kind, frame, reason=StopReason.TRACE, passed_over=above, skip=skip)
        with self._lock:
            self.steps[ident] = step
        self.backend.arm_step(ident, frame)

    def stop_on_entry(self, filename: str, code: CodeType | None = None) -> None:
        """Stop at the first line run in ``code``, or in module-level code of ``filename``
        (``allstop run --stop``, pdb's ``run`` and ``runcall``): an internal breakpoint,
        number 0, gone once it stops (or with ``cancel_entry_stop``)."""
        self.breakpoints.add(
            code.co_filename if code is not None else filename,
            code.co_firstlineno if code is not None else 0,
            temporary=True,
            funcname=code.co_name if code is not None else "<module>",
            code=code,
            internal=True,
        )
        self.breakpoints_changed()

    def cancel_entry_stop(self) -> None:
        """Forget the stop ``stop_on_entry`` asked for, if it has not happened."""
        entry = self.breakpoints.get(0)
        if entry is not None:
            self.breakpoints.delete(entry)
            self.breakpoints_changed()

    # -- what the session reads ------------------------------------------------------------
    def parked_frames(self) -> dict[int, FrameType]:
        """Where each parked thread parked, and where the presenter stopped (their live
        stacks show allstop's own code on top)."""
        stopped = {**self._hosts, **self._parked}
        return {ident: p.frame for ident, p in stopped.items()}

    def new_threads(self) -> frozenset[int]:
        return frozenset(ident for ident, p in list(self._parked.items()) if p.new)

    def pending_stops(self) -> list[StopEvent]:
        return list(self._pending)

    # -- hot path: called by the backends --------------------------------------------------
    def checkpoint(self, frame: FrameType) -> None:
        """Park the calling thread if the world is (being) frozen and it may not run."""
        ident = _thread.get_ident()
        if self.world is World.RUNNING or ident in (self.runner, self._presenter, self._busy):
            return
        if self.is_own(ident) or ident in self._serving:
            return
        if frame.f_code is EXEMPT_ENTRY_CODE or frame.f_code is HOOK_CODE:
            return  # a thread of ours, before it exempts itself or after it has left; the
            # input hook, which parks the thread in its own code
        if in_thread_startup(frame) or in_import_machinery(frame):
            return
        hook = self.input_hook
        if hook is not None and hook.armed and in_repl_machinery(frame):
            return  # 3.13's REPL runs on to the input hook, to park at its prompt
        self._park(ident, frame)

    def on_line(self, frame: FrameType) -> None:
        """A line event in a frame the backend watches for this thread."""
        ident = _thread.get_ident()
        frozen = self.world is not World.RUNNING and ident != self.runner
        if frozen and self.passes_breakpoints(ident):
            return
        # A thread that comes to a breakpoint's line while the world is frozen stops there
        # too, after the stop being shown (``breakpoint`` in ``threads``); of the steps, only
        # a function breakpoint's way to its first line outlives a freeze (``_freeze``).
        stopped = self._step_stops_at(frame, ident) or self._breakpoint_at(frame, ident)
        if frozen and not stopped:
            self.checkpoint(frame)

    def _step_stops_at(self, frame: FrameType, ident: int) -> bool:
        """Whether thread ``ident``'s step stopped it at ``frame``'s line."""
        step = self.steps.get(ident)
        if step is None or not step.stops_at_line(frame):
            return False
        condition_error = None
        if step.kind is StepKind.FIRST_LINE and step.breakpoint is not None:
            bp = self.breakpoints.get(step.breakpoint)
            hit = None if bp is None else self.breakpoints.effective([bp], frame, ident)
            if hit is None:
                del self.steps[ident]
                self.backend.step_done()
                return False
            condition_error = hit.condition_error
        self.report_stop(
            frame, step.reason, breakpoint=step.breakpoint, condition_error=condition_error
        )
        return True

    def hook_failed(self, exc: Exception) -> None:
        """A hook raised (a bug of allstop's, caught by the backend's callback): say so once
        per place it was raised from, on the standard error descriptor (``sys.stderr``'s
        lock may be held by a frozen thread), and let the program go on."""
        frames = traceback.extract_tb(exc.__traceback__)
        where = (frames[-1].filename, frames[-1].lineno) if frames else ("", None)
        if where in self._failures:  # no lock: the hook may have raised with the engine's held
            return
        self._failures.add(where)
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        text += "*** internal error in allstop: the program goes on running\n"
        with suppress(OSError):
            os.write(2, text.encode("utf-8", "replace"))

    def at_breakpoints(self, frame: FrameType, candidates: list[Breakpoint]) -> None:
        """The backends' fast path: ``frame`` comes to a line that holds ``candidates`` while
        the world runs and no thread steps (``on_line`` says the same, slower)."""
        self._breakpoint_at(frame, _thread.get_ident(), candidates)

    def _breakpoint_at(
        self, frame: FrameType, ident: int, candidates: list[Breakpoint] | None = None
    ) -> bool:
        """Stop at the breakpoint of ``frame``'s line (one of ``candidates``, when the caller
        looked them up) that stops thread ``ident``, if one does; whether one did."""
        if candidates is None:
            candidates = self.breakpoints.at_code_line(frame.f_code, frame.f_lineno)
        if not candidates:
            return False
        hit = self.breakpoints.effective(candidates, frame, ident)
        if hit is None:
            return False
        self.stop_at_hit(frame, hit)
        return True

    def stop_at_hit(self, frame: FrameType, hit: Hit) -> None:
        """The calling thread stops at ``hit``, which ``breakpoints.effective`` gave for
        ``frame``."""
        self.report_stop(
            frame,
            StopReason.BREAKPOINT,
            breakpoint=hit.breakpoint.number,
            condition_error=hit.condition_error,
        )

    def on_call(self, frame: FrameType, resumed: bool = False) -> None:
        """A frame starts running code the backend watches (or any code, while stepping);
        ``resumed``: a generator or coroutine comes back (bdb sees a call there too)."""
        ident = _thread.get_ident()
        if self.world is not World.RUNNING and ident != self.runner:
            # A thread that enters a function breakpoint's function while the world is
            # frozen stops at its first line once it runs again, as at a line breakpoint.
            if not resumed and not self.passes_breakpoints(ident):
                self._enter_function_breakpoint(frame, ident)
            self.checkpoint(frame)
            return
        step = self.steps.get(ident)
        if step is not None and step.stops_at_call(frame):
            self.report_stop(frame, StopReason.CALL)
            return
        if not resumed:
            self._enter_function_breakpoint(frame, ident)

    def _enter_function_breakpoint(self, frame: FrameType, ident: int) -> None:
        """Thread ``ident`` enters ``frame``: if a function breakpoint holds its function, it
        stops at the function's first line."""
        if not self.breakpoints.has_functions:
            return
        step = self.steps.get(ident)
        if step is not None and step.kind is StepKind.FIRST_LINE:
            return
        for bp in self.breakpoints.functions_entered(frame.f_code):
            if bp.enabled and (bp.thread is None or bp.thread == ident):
                self.steps[ident] = StepRequest(
                    StepKind.FIRST_LINE,
                    frame,
                    reason=StopReason.BREAKPOINT,
                    breakpoint=bp.number,
                )
                self.backend.arm_step(ident, frame)
                return

    def on_return(self, frame: FrameType, value: object) -> None:
        """A watched frame is returning (or unwinding, with ``value`` None)."""
        ident = _thread.get_ident()
        if self.world is not World.RUNNING and ident != self.runner:
            self.checkpoint(frame)
            return
        step = self.steps.get(ident)
        if step is None:
            return
        if step.stops_at_return(frame):
            self.report_stop(frame, StopReason.RETURN, return_value=value)
        elif step.frame is frame and step.kind is StepKind.FIRST_LINE:
            # A function breakpoint's frame returned before running a line.
            del self.steps[ident]
            self.backend.step_done()

    def on_exception(
        self, frame: FrameType, exception: BaseException, traceback: TracebackType | None
    ) -> None:
        """An exception is raised in, or passes through, ``frame`` of a stepping thread
        (``traceback``: as the interpreter gives it with the event)."""
        ident = _thread.get_ident()
        if self.world is not World.RUNNING and ident != self.runner:
            self.checkpoint(frame)
            return
        step = self.steps.get(ident)
        if step is not None and step.stops_at_exception(frame, exception, traceback):
            self.report_stop(frame, StopReason.RAISE, exception=exception, traceback=traceback)

    # -- stops -----------------------------------------------------------------------------
    def report_stop(
        self,
        frame: FrameType,
        reason: StopReason,
        *,
        breakpoint: int | None = None,
        return_value: object = NO_VALUE,
        exception: BaseException | None = None,
        crashed: bool = False,
        traceback: TracebackType | None = None,
        condition_error: BaseException | None = None,
        focus: int | None = None,
    ) -> None:
        """The calling thread stops: present it now, or after the stop being shown."""
        ident = _thread.get_ident()
        if self.is_own(ident) or ident in self._serving:
            return
        stop = StopEvent(
            ident,
            frame,
            reason,
            breakpoint,
            return_value,
            exception,
            crashed,
            traceback,
            condition_error,
            focus,
        )
        recursion = self._recursions[-1] if self._recursions else None
        if recursion is not None and recursion.ident == ident:
            self._present_recursive(recursion, stop)
            return
        with self._lock:
            handed_over = self.handed_over
            had_step = self.steps.pop(ident, None) is not None
            if self.runner == ident:
                self.runner = None
            queued = False
            if handed_over:
                pass
            elif self._presenter is None:
                self._presenter = ident
            else:
                self._pending.append(stop)
                queued = True
        if had_step:
            self.backend.step_done()
        if handed_over:
            # A hook not yet removed fired as the peer took the interpreter: its stop.
            peer = self._peer()
            if peer is not None:
                peer.stop_now(frame, reason)
            return
        if queued:
            self._park(ident, frame)
            if self._presenter != ident:
                # The world was detached, or handed over to the peer, before this stop was
                # presented: the peer shows it (see _release_pending).
                peer = self._peer() if self.handed_over else None
                if peer is not None:
                    peer.stop_now(frame, reason)
                return
        self._present(stop)

    def _present(self, stop: StopEvent) -> None:
        me = stop.ident
        if me == main_ident():
            self._release_ctrl_c()
        self._freeze(me)
        resume = self._hold_session(stop)
        self._after_serving(me, stop.frame)
        if resume.how is ResumeHow.STEP and resume.thread in (None, me) and me == main_ident():
            self._catch_ctrl_c()
        if resume.then is not None:
            try:
                resume.then()
            except BaseException as exc:
                setattr(exc, FOR_THE_PROGRAM, True)
                raise
        if resume.how is ResumeHow.QUIT and not stop.post_mortem:
            raise Quit
        peer = self.peer
        if peer is not None:
            peer.world_resumed()
            if resume.how is ResumeHow.HAND_OVER:
                self._release_pending()
                if peer.has_client():
                    peer.stop_now(stop.frame, stop.reason)

    def _release_pending(self) -> None:
        """After a hand-over, the stops that were waiting to be presented (their threads still
        parked): each thread shows its own to the peer; if the peer could not take the
        interpreter, the next one is presented here."""
        with self._lock:
            if not self.handed_over:
                if self._presenter is None:
                    self._pass_presenting()
                return
            waiting = [stop.ident for stop in self._pending]
            self._pending.clear()
            for ident in waiting:
                self._wake(ident)

    def _pass_presenting(self) -> bool:
        """Make the next waiting stop's thread the presenter and wake it; whether there was
        one (engine lock held)."""
        nxt = self._pending.popleft() if self._pending else None
        self._presenter = nxt.ident if nxt is not None else None
        if nxt is not None:
            self._wake(nxt.ident)
        return nxt is not None

    def _hold_session(self, stop: StopEvent) -> Resume:
        """Run the session on a thread of allstop's own while the presenter waits, serving
        the jobs it sends; the session applies the resume it decides on.  Return that resume
        once the presenter may go on: it stays parked while another thread presents or
        steps.  At interpreter shutdown, where no thread can start, the session runs here."""
        me = stop.ident
        host = _Parked(me, stop.frame, new=False)
        host.wake.acquire()
        outcome: list[Resume] = []

        def session() -> None:
            resume = CONTINUE
            try:
                resume = self._ask(stop)
            finally:
                with self._lock:
                    # The presenter counts as parked from now on (it waits on host.wake),
                    # before any thread the resume wakes looks at it.
                    self._parked[me] = host
                try:
                    self._apply(stop, resume)
                finally:
                    with self._lock:
                        outcome.append(resume)
                        if host.wake.locked():
                            host.wake.release()

        with self._lock:
            self._hosts[me] = host
            self._serving.add(me)
        try:
            try:
                self.spawn_exempt(session)
            except RuntimeError:  # "can't create new thread at interpreter shutdown"
                with self._lock:
                    del self._hosts[me]
                session()
            with _terminal.kept():
                self._serve(host, lambda: bool(outcome) and self._may_leave(me))
        finally:
            with self._lock:
                self._parked.pop(me, None)
                self._hosts.pop(me, None)
                self._serving.discard(me)
            self.backend.unparked(stop.frame)
        return outcome[0] if outcome else CONTINUE  # none in the child of a fork

    def _ask(self, stop: StopEvent) -> Resume:
        """The handler's answer to ``stop`` (CONTINUE when it fails)."""
        try:
            handler = self._handler()
        except Exception as exc:
            self.hook_failed(exc)
            return CONTINUE
        if handler is None:
            return CONTINUE
        try:
            return handler.on_stop(stop)
        except BaseException as exc:
            # The program must not receive the debugger's errors (nor a Ctrl-C meant for
            # it), and a session that ends must resume the world: report and resume.
            handler.on_internal_error(exc)
            return CONTINUE

    def _handler(self) -> StopHandler | None:
        """The stop handler, made by ``prepare`` at the first stop (see ``_armed``), once the
        world is frozen, on a thread of allstop's own, so that the modules it imports do not
        delay the freeze.  An import waits for the module locks other threads hold: when a
        frozen thread is inside an import, the others run until the handler is made."""
        prepare = self.prepare
        if self.handler is not None or prepare is None:
            return self.handler
        # The presenter's own imports (a stop in a module's body) are of the program's
        # modules, which the handler's do not need.
        if not any(
            inside_an_import(frame)
            for ident, frame in sys._current_frames().items()
            if ident != self._presenter and not self.is_own(ident)
        ):
            prepare()  # here: no thread of its own is left running when the program ends
            return self.handler
        job: Job[object] = Job(prepare)
        try:
            self.spawn_exempt(job.run)
        except RuntimeError:  # at interpreter shutdown, where no thread can start
            job.run()
        with QuickSwitch():  # the import gives the GIL away at each file
            self.thaw_until([job], PREPARE_LIMIT)
        job.wait(PREPARE_LIMIT)
        if job.error is not None:
            raise job.error
        return self.handler

    def _apply(self, stop: StopEvent, resume: Resume) -> None:
        """Rearrange the world as ``resume`` says."""
        # At interpreter shutdown the presenter applies it in its own Python code (not
        # always run inside an interpreter hook), where it must not park meanwhile.
        self._busy = stop.ident
        try:
            self._rearrange(stop, resume)
        except Exception as exc:  # a bug of allstop's: the world must resume all the same
            self.hook_failed(exc)
            with self._lock:
                self.steps.clear()
                self._pending.clear()
                self._presenter = None
            self._thaw_anyway()
        finally:
            self._busy = None

    def _serve(self, host: _Parked, leave: Callable[[], bool]) -> None:
        """Wait on ``host.wake`` until ``leave()`` (asked with the engine lock held), running
        the jobs sent meanwhile."""
        ident = host.ident
        pid = os.getpid()
        while True:
            if os.getpid() != pid:
                return  # forked while it served a stop (code typed at the prompt): see _after_fork
            with self._lock:
                if leave():
                    return
                job, host.job = host.job, None
                if job is not None:
                    host.busy = True
                    serving = ident in self._serving
                    self._serving.add(ident)
            if job is not None:
                try:
                    job.run()
                finally:
                    with self._lock:
                        host.busy = False
                        if not serving:
                            self._serving.discard(ident)
                continue
            try:
                host.wake.acquire()
            except KeyboardInterrupt:
                # Ctrl-C reaches the main thread even while it is stopped: the world stays
                # frozen; the session owns the keyboard, or a step runs, which it interrupts.
                handler = self.handler
                if not self._interrupt_step(ident) and handler is not None:
                    handler.on_interrupt()

    # -- pdb's debug: a debugger inside the debugger ------------------------------------------
    def debug(self, recursion: Recursion, code: CodeType, run: Callable[[], T]) -> T | None:
        """Called by a stopped thread running a job: ``run()`` (which runs ``code``) traced,
        stopping at ``code``'s first line and wherever its steps and the breakpoints say,
        while every other thread stays frozen.  Its stops go to the session through
        ``recursion`` (``answer`` resumes them); a quit there ends ``run()`` (None)."""
        ident = _thread.get_ident()
        with self._lock:
            recursion.ident = ident
            self._recursions.append(recursion)
            runner, self.runner = self.runner, ident
            self._serving.discard(ident)
            self.steps[ident] = StepRequest(StepKind.FIRST_LINE, code=code, reason=StopReason.DEBUG)

        def traced() -> T:
            # Armed in here: 3.11's call_tracing lets events come only once the trace
            # function is set again inside it (pdb's do_debug sets it there too).
            self.backend.arm_step(ident, sys._getframe())
            return run()

        try:
            # The thread may be inside an interpreter hook, where no events come:
            # call_tracing lets them come for this code.
            return sys.call_tracing(traced, ())
        except Quit:
            return None
        finally:
            with self._lock:
                self._serving.add(ident)
                self.runner = runner
                self._recursions.remove(recursion)
                had_step = self.steps.pop(ident, None) is not None
            if had_step:
                self.backend.step_done()

    def _present_recursive(self, recursion: Recursion, stop: StopEvent) -> None:
        """A stop of code run by ``debug``: hand it to the session, run the jobs it sends
        until it answers, then go on as the answer says."""
        ident = stop.ident
        with self._lock:
            had_step = self.steps.pop(ident, None) is not None
            host = self._hosts.get(ident)
            if recursion.abandoned or host is None:
                return
            recursion.hand_over(stop)
            host.busy = False
        if had_step:
            self.backend.step_done()
        try:
            self._serve(host, lambda: recursion.answer is not None or recursion.abandoned)
        finally:
            with self._lock:
                host.busy = True
        resume = recursion.answer
        if resume is None or resume.how is ResumeHow.CONTINUE:
            return
        if resume.how is ResumeHow.QUIT:
            raise Quit
        if resume.step is not None:
            step = self._step_on(stop, resume.step)
            with self._lock:
                self.steps[ident] = step
            self.backend.arm_step(ident, stop.frame)

    def answer(self, recursion: Recursion, resume: Resume) -> None:
        """The session's answer to ``recursion``'s stop: the thread goes on (a step, a
        continue to the end of the code or its next breakpoint, or a quit)."""
        with self._lock:
            recursion.stop = None
            recursion.answer = resume
            self._wake_host(recursion.ident)

    def abandon(self, recursion: Recursion) -> None:
        """The session stops waiting for ``recursion``'s code (see ``Recursion.abandoned``)."""
        with self._lock:
            recursion.abandoned = True
            self._wake_host(recursion.ident)

    def _wake_host(self, ident: int) -> None:
        """Wake a thread waiting for jobs (engine lock held)."""
        host = self._hosts.get(ident)
        if host is not None and host.wake.locked():
            host.wake.release()

    # -- jobs and thaws: called by the session -----------------------------------------------
    def run_in(self, ident: int, job: Job[object]) -> bool:
        """Have stopped thread ``ident`` run ``job`` in its own context.  False when it
        cannot take it: it is not stopped (blocked in C, finished), or it still runs a job."""
        with self._lock:
            host = self._hosts.get(ident)
            if host is None or host.busy or host.job is not None:
                return False
            host.job = job
            if host.wake.locked():
                host.wake.release()
        return True

    def thaw_until(self, jobs: Sequence[Job[object]], limit: float) -> bool:
        """Let the frozen threads run, not those running ``jobs`` (nor the presenter), until
        every job finished or for ``limit`` seconds, then freeze the world again; whether
        they finished.  The stops the others reach meanwhile wait, as during any stop."""
        presenter = self._presenter
        if presenter is None:
            return all(job.finished for job in jobs)
        with self._lock:
            self._held = frozenset(job.runner for job in jobs if job.runner is not None)
        deadline = time.monotonic() + limit
        try:
            self._thaw()
            return all(job.wait(max(0.0, deadline - time.monotonic())) for job in jobs)
        finally:
            self._freeze(presenter)
            with self._lock:
                self._held = frozenset()

    def _rearrange(self, stop: StopEvent, resume: Resume) -> None:
        """Apply ``resume``.  The presenter stays parked while the world stays frozen for
        another thread (that presents a waiting stop, or steps alone)."""
        me = stop.ident
        if resume.how is ResumeHow.DETACH:
            self.detach()
            return
        if resume.how in (ResumeHow.QUIT, ResumeHow.HAND_OVER):
            with self._lock:
                if resume.how is ResumeHow.QUIT:
                    self._pending.clear()
                self._presenter = None  # waiting stops stay parked: see _release_pending
            self._thaw()
            return
        if resume.how is ResumeHow.CONTINUE:
            with self._lock:
                passed = self._pass_presenting()
            if not passed:
                self._thaw()
            return
        assert resume.step is not None
        target = resume.thread if resume.thread is not None else me
        step = self._step_on(stop, resume.step) if target == me else resume.step
        frame = stop.frame if target == me else self._frame_of(target)
        with self._lock:
            self.steps[target] = step
            self._presenter = None
            if resume.scheduler_locking:
                self.runner = target
                self._locked_steps += 1
                step_number = self._locked_steps
        if frame is not None:
            self.backend.arm_step(target, frame)
        if not resume.scheduler_locking:
            self._thaw()
            return
        with suppress(RuntimeError):  # no thread can start at interpreter shutdown
            self.spawn_exempt(lambda: self._watch_runner(target, step_number))
        if target != me:
            with self._lock:
                self._wake(target)

    @staticmethod
    def _step_on(stop: StopEvent, step: StepRequest) -> StepRequest:
        """``step`` as the stopped thread takes it.  At a --Return--, the frame is leaving:
        next/until/step stop at the next event of the thread, and return stops in the
        caller (bdb does the same)."""
        if stop.reason is not StopReason.RETURN or step.frame is not stop.frame:
            return step
        if step.kind is StepKind.RETURN and stop.frame.f_back is not None:
            return StepRequest(StepKind.NEXT, stop.frame.f_back, skip=step.skip)
        return StepRequest(StepKind.STEP, skip=step.skip)

    def _frame_of(self, ident: int) -> FrameType | None:
        parked = self._parked.get(ident)
        if parked is not None:
            return parked.frame
        return sys._current_frames().get(ident)

    # -- freezing --------------------------------------------------------------------------
    def _freeze(self, me: int, *, again: bool = False) -> None:
        """Stop every other thread (``again``: even in a frozen world, where a thread that
        ran alone must park too)."""
        find = self.find_host_threads
        host_threads = frozenset(find()) if find is not None else frozenset()
        # Armed before the world freezes: 3.13's REPL would park in its own code otherwise.
        self._hold_keyboard(me)
        with self._lock:
            if self.world is World.FROZEN and not again:
                return
            self._host_threads = host_threads
            self.world = World.FREEZING
            # A stop by another thread ends every step in progress (gdb reports the new stop),
            # but not a function breakpoint's way to its first line.
            for ident, step in list(self.steps.items()):
                if ident != me and not step.to_breakpoint:
                    del self.steps[ident]
        # Not under QuickSwitch: a thread gives the GIL away as it parks, and a shorter
        # interval only made the running ones pass it around (100 busy threads took 3 to 100
        # times longer to park).
        self.backend.begin_freeze(me)
        blocked = self._wait_settled(me)
        with self._lock:
            self.world = World.FROZEN
            # The main thread at the REPL's prompt has no frame, and is not new.
            self._alive_at_freeze = frozenset(sys._current_frames()) | {main_ident()}
        self.backend.settle(blocked)
        self._wake_main(me, blocked)

    def _wake_main(self, me: int, blocked: dict[int, FrameType]) -> None:
        """Bring a main thread blocked in C (``input()`` at the terminal, ``join``, ``sleep``)
        back to Python, where it parks: otherwise it would read the keys meant for the
        debugger.  A signal does it: its Python handler is a checkpoint; the interrupted call
        is resumed after the thaw (PEP 475)."""
        main = main_ident()
        if self.wake_signal is None or main == me or main not in blocked:
            return
        try:
            signal.pthread_kill(main, self.wake_signal)
        except (OSError, ValueError):
            return
        with self._settled:
            self._awaited = {main}
            self._settled.wait_for(lambda: main in self._parked, timeout=0.2)
            self._awaited = set()

    def _hold_keyboard(self, me: int) -> None:
        """The main thread may be waiting for a line at a REPL's prompt (GNU readline's,
        where it has no Python frame at all, or 3.13's): the input hook parks it there
        before it reads a key meant for the debugger (see ``_inputhook``)."""
        hook = self.input_hook
        if hook is not None and main_ident() != me:
            hook.arm()

    def _at_repl_prompt(self, ident: int, frame: FrameType) -> bool:
        """Whether thread ``ident``, in a C call at ``frame``, is the main thread waiting at
        3.13's REPL's prompt, which calls the input hook within 0.1 s and parks there: it
        is waited for, not taken for blocked."""
        hook = self.input_hook
        return (
            hook is not None and hook.armed and ident == main_ident() and in_repl_machinery(frame)
        )

    def _wait_settled(self, me: int) -> dict[int, FrameType]:
        """Wait until every other thread is parked or blocked in C; return the blocked ones.
        A thread still running Python after ``FREEZE_LIMIT`` seconds (its checkpoints fail:
        a bug of allstop's, reported by ``hook_failed``) counts as blocked: the stop opens."""
        stuck_since: dict[int, tuple[FrameType, int, int]] = {}
        deadline = time.monotonic() + FREEZE_LIMIT
        with self._settled:
            while True:
                blocked: dict[int, FrameType] = {}
                moving: dict[int, FrameType] = {}
                for ident, frame in sys._current_frames().items():
                    if ident == me or ident in self._parked or self.is_own(ident):
                        continue
                    if in_c_call(frame) and not self._at_repl_prompt(ident, frame):
                        blocked[ident] = frame
                        continue
                    # Safety net for code that blocks without a call instruction (a C
                    # iterator, a C __enter__): unmoved across four waits is blocked.
                    seen = stuck_since.get(ident)
                    if seen is not None and seen[0] is frame and seen[1] == frame.f_lasti:
                        if seen[2] >= 4:
                            blocked[ident] = frame
                            continue
                        stuck_since[ident] = (frame, frame.f_lasti, seen[2] + 1)
                    else:
                        stuck_since[ident] = (frame, frame.f_lasti, 0)
                    moving[ident] = frame
                if not moving or time.monotonic() > deadline:
                    self._awaited = set()
                    return {**blocked, **moving}
                self._awaited = set(moving)
                self._settled.wait(0.05)

    def _park(self, ident: int, frame: FrameType) -> None:
        """Block the calling thread until it may leave: the world thaws, it must present a
        stop, or it is asked to run a step while the others stay frozen."""
        with self._lock:
            if self._may_leave(ident):
                return
            parked = _Parked(
                ident,
                frame,
                new=self.world is World.FROZEN and ident not in self._alive_at_freeze,
            )
            parked.wake.acquire()
            self._parked[ident] = self._hosts[ident] = parked
            if ident in self._awaited:
                self._awaited.discard(ident)
                if not self._awaited:
                    self._settled.notify()
        try:
            with _terminal.kept():
                self._serve(parked, lambda: self._may_leave(ident))
        finally:
            with self._lock:
                self._parked.pop(ident, None)
                self._hosts.pop(ident, None)
            self.backend.unparked(frame)
        self._after_serving(ident, frame)

    def _may_leave(self, ident: int) -> bool:
        """Whether a parked (or parking) thread may go on (engine lock held)."""
        if ident in (self._presenter, self.runner, self._interrupting):
            return True
        if self.world is not World.RUNNING or ident in self._held:
            return False
        return not any(stop.ident == ident for stop in self._pending)

    # -- Ctrl-C during a step ----------------------------------------------------------------
    def _interrupt_step(self, ident: int, reason: StopReason = StopReason.INTERRUPT) -> bool:
        """Ctrl-C reached the main thread (``ident``) waiting while another thread steps
        alone, no session open: the main thread leaves its wait to present the interrupted
        step (``_after_serving``); whether it will."""
        with self._lock:
            if self._presenter is not None or self.runner in (None, ident):
                return False
            if self._interrupting is None:
                self._interrupting, self._interrupt_reason = ident, reason
        return True

    def _watch_runner(self, runner: int, step_number: int) -> None:
        """On a thread of allstop's, while thread ``runner`` steps alone (the
        ``step_number``-th such step): once it has
        finished (it returned from its last frame, or a hook failed: its step can never
        stop), a waiting thread (the main one, if it waits) is woken to present a stop about
        it instead, the world still frozen."""
        while True:
            time.sleep(RUNNER_POLL)  # nothing announces the end of a thread
            with self._lock:
                if self._locked_steps != step_number or self.runner != runner:
                    return  # the step ended; a thread that steps again has a new watch
                if self._interrupting is not None:
                    return
                if runner in sys._current_frames():
                    continue
                waiting = [i for i in self._parked if i != runner]
                if not waiting:
                    continue
                chosen = main_ident() if main_ident() in waiting else waiting[0]
                self._interrupting, self._interrupt_reason = chosen, StopReason.ENDED
                self._wake(chosen)
                return

    def _after_serving(self, ident: int, frame: FrameType) -> None:
        """Once thread ``ident`` stopped waiting: if Ctrl-C took it out of its wait to
        interrupt a step, the world is frozen again (the stepping thread parks at its next
        line, or stays blocked in C) and ``ident`` presents the stop, about that thread."""
        with self._lock:
            if self._interrupting != ident:
                return
            self._interrupting = None
            target, self.runner = self.runner, None
        self._freeze(ident, again=True)
        self.report_stop(frame, self._interrupt_reason, focus=target)

    def _catch_ctrl_c(self) -> None:
        """The main thread is about to step: until its next stop, Ctrl-C interrupts the step
        (a stop where it is, even inside a C call that waits) instead of raising
        ``KeyboardInterrupt`` into the program (gdb keeps SIGINT from the program too).
        ``_signal``'s functions, not ``signal``'s: the step is armed, and would stop in
        ``signal``'s Python code."""
        if self._ctrl_c is not None:
            return
        handler = self._on_ctrl_c
        try:
            self._ctrl_c_before = _signal.signal(_signal.SIGINT, handler)
        except (ValueError, OSError, TypeError):  # not the main thread; a platform without
            return
        self._ctrl_c = handler

    def _release_ctrl_c(self) -> None:
        """Put back the SIGINT handler ``_catch_ctrl_c`` replaced (unless the program has set
        one of its own since)."""
        handler, self._ctrl_c = self._ctrl_c, None
        if handler is not None and _signal.getsignal(_signal.SIGINT) is handler:
            with suppress(ValueError, OSError, TypeError):
                _signal.signal(_signal.SIGINT, self._ctrl_c_before)

    def _on_ctrl_c(self, signum: int, frame: FrameType | None) -> None:
        ident = _thread.get_ident()
        with self._lock:
            stepping = ident in self.steps and self._presenter is None
        if stepping and frame is not None:
            self.report_stop(frame, StopReason.INTERRUPT, focus=ident)
            return
        before = self._ctrl_c_before
        if callable(before):
            before(signum, frame)
        elif before != _signal.SIG_IGN:
            raise KeyboardInterrupt

    def _wake(self, ident: int) -> None:
        """Wake one parked thread (engine lock held)."""
        parked = self._parked.get(ident)
        if parked is not None and parked.wake.locked():
            parked.wake.release()

    def _thaw(self) -> None:
        if self.input_hook is not None:
            self.input_hook.disarm()
        self.backend.thaw()
        self._thaw_anyway()

    def _thaw_anyway(self) -> None:
        """Let every parked thread go (after the backend stopped freezing, or failed to)."""
        with self._lock:
            self.world = World.RUNNING
            self.runner = None
            for ident in list(self._parked):
                self._wake(ident)

    def detach(self) -> None:
        """Remove every breakpoint and all tracing, then resume the world."""
        with self._lock:
            self.breakpoints.clear()
            self.steps.clear()
            self._pending.clear()
            self._presenter = None
        self.backend.shutdown()
        self.active = False
        self._thaw()
