"""The ``sys.settrace`` backend (Python 3.10 and 3.11; available on 3.12+ for testing).

Design note
-----------
A trace function in a thread costs 2-9x on 3.10/3.11 even when it returns None for every
frame, so no thread has one unless something needs it:

- breakpoints set, the world running: no thread traces.  The code that holds breakpoints runs
  instrumented copies (``_instrument.py``) whose hooks evaluate the breakpoint there; a hook
  that stops gives its thread the trace function, which stops at the line event that follows.
  What no copy covers is traced: the threads whose stacks hold frames running the original
  code (until those frames return), and every thread, at each function call, while a
  generator or coroutine is suspended in such code;
- freezing: every other thread gets it, with ``f_trace`` set on every frame of its stack and
  opcode events on its innermost frame, so that it parks at its next opcode, and a thread in a
  C call parks at the first opcode after the call returns;
- stepping: the stepping thread traces its own stack (and every new frame, for ``step``).

A traced frame gets its line events from the interpreter: a copy's hooks stand aside for it
(their instructions have no line number, so the line event follows them).

Copies are made on 3.10 and 3.11 only (``_COPIES``).  From 3.12 on, where this backend is for
testing, ``sys.settrace`` is built on ``sys.monitoring``: with copies, 3.13 lost 26 of 100
stops of threads that met one breakpoint at once (the likely reason, not proven: a running
frame's code is instrumented again only at a function start or a jump back, so the line event
after a hook's ``sys.settrace`` may not come).  There every thread traces calls while
breakpoints exist, as the fallback above.

On thaw, the presenter puts every thread back to the running state before it wakes anybody;
a thread that was blocked in C and comes back later finds its opcode tracing gone or drops it
at its first event.  A thread caught inside a hook while the world freezes parks in the
program's frame the hook returns to, not in allstop's (nor in the condition it evaluates).

The presenter waits inside its trace function while the session runs (on a thread of allstop's
own), and runs the code the user types there, where CPython sends no events.
"""

from __future__ import annotations

import sys
import threading
from _thread import get_ident
from collections.abc import Callable
from functools import partial
from types import CodeType, FrameType
from typing import Any

from .._armed import QuickSwitch
from .._breakpoints import Hit
from .._frames import outward
from .._stops import World
from . import _ctrace
from ._instrument import Instrumenter
from .base import Backend, Host


class SettraceBackend(Backend):
    name = "settrace"

    def __init__(self, engine: Host) -> None:
        super().__init__(engine)
        self._tracing_all = False
        """Whether threads may have the trace function while the world runs."""
        self._everyone = False
        """Whether every thread traces calls for breakpoints (code no copy covers may run)."""
        self._instrumenter: Instrumenter | None = None
        self._hooked: set[int] = set()
        """The threads inside a hook, parked only once out of it."""
        self._hits: dict[int, tuple[FrameType, Hit]] = {}
        """The breakpoint a hook found for its thread, stopped at by the line event next."""

    def start(self) -> None:
        return None

    def shutdown(self) -> None:
        global _executing
        if self._instrumenter is not None:
            self._instrumenter.restore()
            self._instrumenter = None  # the next breakpoints (take_back) make copies anew
            _executing = _ignore
        _ctrace.untrace_all(
            skip=self.engine.own_threads(), frozen=self.engine.world is World.FROZEN
        )
        self._tracing_all = False

    # -- engine transitions ----------------------------------------------------------------
    def breakpoints_changed(self) -> None:
        if self.engine.world is World.RUNNING:
            if self.engine.breakpoints and self._instrumenter is None and _COPIES:
                with QuickSwitch():  # imports while the program's threads run
                    import bytecode  # noqa: F401 - the copies' maker, imported once
            self._steady(skip=frozenset(self.engine.steps))
        # While the world is frozen every thread traces already, and the thaw applies the
        # new table to all of them.

    def begin_freeze(self, me: int) -> None:
        engine = self.engine
        own = engine.own_threads()
        threading.settrace(self._trace)
        _ctrace.set_trace(self._trace, skip=own | {me})
        for ident, top in sys._current_frames().items():
            if ident == me or ident in own:
                continue
            for f in outward(top):
                f.f_trace = self._trace
            top.f_trace_opcodes = True

    def settle(self, blocked: dict[int, FrameType]) -> None:
        return None

    def thaw(self) -> None:
        steps = self.engine.steps
        self._steady(skip=frozenset(steps))
        if get_ident() in steps:
            # Where trace functions can only be set for every thread at once (3.13), the
            # thaw reset ours too.
            sys.settrace(self._trace)

    def loaded(self, code: CodeType) -> CodeType:
        instrumenter = self._instrument()
        return code if instrumenter is None else instrumenter.loaded(code)

    def _instrument(self) -> Instrumenter | None:
        """The copies' maker, from the first breakpoint on."""
        global _executing
        if self._instrumenter is None and self.engine.breakpoints and _COPIES:
            self._instrumenter = Instrumenter(
                self.engine.breakpoints, self._hook, partial(self._hook, None)
            )
            if _executing is None:
                sys.addaudithook(_audit)  # for good: audit hooks cannot be removed
            _executing = self._executing
        return self._instrumenter

    def _steady(self, skip: frozenset[int]) -> None:
        """Put every thread but ``skip`` back to the running state (see the design note)."""
        engine = self.engine
        bps = engine.breakpoints
        frozen = engine.world is World.FROZEN
        instrumenter = self._instrument()
        if instrumenter is not None and instrumenter.swapped_version != bps.version:
            instrumenter.swap()
        everyone = bool(bps) and (instrumenter is None or instrumenter.uncovered())
        steady = self._breakpoint_tracer() if everyone else None
        threading.settrace(steady)
        exempt = engine.own_threads()
        stacks = {
            ident: list(outward(top))
            for ident, top in sys._current_frames().items()
            if ident not in skip and ident not in exempt
        }
        stale: dict[int, list[FrameType]] = {}
        if instrumenter is not None and bps and not everyone:
            covered: dict[int, bool] = {}  # by code: a thousand stacks share a few
            for ident, frames in stacks.items():
                found = []
                for f in frames:
                    code = f.f_code  # alive as long as its frame: its id stays its own
                    known = covered.get(id(code))
                    if known is None:
                        known = covered[id(code)] = instrumenter.covers(code)
                    if not known and instrumenter.stale(f):
                        found.append(f)
                if found:
                    stale[ident] = found
        for ident, (frame, _) in list(self._hits.items()):
            if ident in stacks:  # a hook found its breakpoint: it stops at its line event
                stale.setdefault(ident, []).append(frame)
        if everyone or self._tracing_all or engine.world is not World.RUNNING:
            _ctrace.set_trace(steady, skip=exempt | skip | stale.keys(), frozen=frozen)
        if stale:
            _ctrace.set_trace(self._trace, only=stale.keys(), frozen=frozen)
        self._tracing_all = everyone or bool(stale)
        self._everyone = everyone
        for ident, frames in stacks.items():
            keep = stale.get(ident, ())
            for f in frames:
                f.f_trace_opcodes = False
                traced = f in keep or (
                    everyone
                    and (
                        instrumenter.stale(f)
                        if instrumenter is not None
                        else bps.interesting(f.f_code)
                    )
                )
                f.f_trace = self._trace if traced else None

    def _stale(self, frame: FrameType) -> bool:
        """Whether ``frame`` needs line events for breakpoints while the world runs: no
        copy's hook covers it (see ``Instrumenter.stale``)."""
        bps = self.engine.breakpoints
        if not bps:
            return False
        instrumenter = self._instrumenter
        if instrumenter is None:
            return bps.interesting(frame.f_code)
        return instrumenter.stale(frame)

    def _executing(self, code: CodeType) -> None:
        """``exec`` is about to run ``code`` in the calling thread (the audit hook): code that
        no loader of ours gave, such as pdb's script or pytest's rewritten test module, is
        traced when no copy covers it (its call event decides)."""
        engine = self.engine
        try:
            instrumenter = self._instrumenter
            if (
                instrumenter is not None
                and engine.breakpoints
                and engine.world is World.RUNNING
                and get_ident() not in engine.exempt
                and not instrumenter.covers(code)
            ):
                sys.settrace(self._trace)
        except Exception as exc:
            engine.hook_failed(exc)

    def _release(self, frame: FrameType | None) -> None:
        """The calling thread drops its trace function when no frame from ``frame`` out
        needs it any more (it was traced for frames no copy covers)."""
        if not self._everyone and not any(map(self._stale, outward(frame))):
            if self._instrumenter is not None:
                self._instrumenter.swap()  # what those frames made meanwhile gets its copies
            sys.settrace(None)

    def _breakpoint_tracer(self) -> _ctrace.TraceFunction:
        """The global trace function while code no copy covers may run anywhere: the cheapest
        answer to every function call.  Freezing and stepping install the full ``_trace``; a
        change of the breakpoint table installs a new one of these."""
        stale = self._stale
        seen: dict[CodeType, bool] = {}
        full = self._trace

        def on_call(frame: FrameType, event: str, arg: Any) -> Any:
            code = frame.f_code
            found = seen.get(code)
            if found is None:
                try:
                    found = seen[code] = stale(frame)  # a new frame: as its code says
                except Exception as exc:
                    self.failed(exc)
                    return None
            return full(frame, event, arg) if found else None

        return on_call

    # -- the copies' hooks (hot path) ------------------------------------------------------
    def _hook(self, line: int | None) -> None:
        """Called by a copy where ``line``, which holds a breakpoint, gets a line event; with
        None, at the start of a function a function breakpoint names."""
        frame = sys._getframe(1)
        if frame.f_trace == self._trace and sys.gettrace() is not None:
            return  # allstop's trace function gets this event itself
        engine = self.engine
        ident = get_ident()
        if ident in engine.exempt or engine.passes_breakpoints(ident):
            return  # a thread that comes here while another freezes the world stops too
        self._hooked.add(ident)
        try:
            if line is None:
                engine.on_call(frame)
            else:
                self._at_line(frame, ident, line)
        except Exception as exc:
            self.failed(exc)
        finally:
            self._hooked.discard(ident)

    def _at_line(self, frame: FrameType, ident: int, line: int) -> None:
        bps = self.engine.breakpoints
        candidates = bps.at_code_line(frame.f_code, line)
        if candidates:
            hit = bps.effective(candidates, frame, ident)
            if hit is not None:
                # Stopped at the line event that follows, as if traced all along: there
                # 'jump' and the user's code run as in every other stop.
                self._hits[ident] = (frame, hit)
                frame.f_trace = self._trace
                sys.settrace(self._trace)

    def arm_step(self, ident: int, frame: FrameType) -> None:
        if ident == get_ident():
            sys.settrace(self._trace)
        else:
            _ctrace.set_trace(self._trace, only=(ident,), frozen=True)
        for f in outward(frame):
            f.f_trace = self._trace
            f.f_trace_opcodes = False

    def step_done(self) -> None:
        return None

    def unparked(self, frame: FrameType) -> None:
        engine = self.engine
        if get_ident() in engine.steps:
            sys.settrace(self._trace)  # as in thaw: it may have been reset with every thread's
        elif engine.world is World.RUNNING:
            frame.f_trace_opcodes = False

    # -- the trace function (hot path) -----------------------------------------------------
    def _wants(self, frame: FrameType) -> bool:
        """Whether ``frame`` needs line events now."""
        engine = self.engine
        ident = get_ident()
        if engine.world is not World.RUNNING and ident != engine.runner:
            return True
        step = engine.steps.get(ident)
        if step is not None and (step.anywhere or step.frame is frame):
            return True
        if self._stale(frame):
            return True
        bps = engine.breakpoints
        return step is not None and bool(bps) and bps.interesting(frame.f_code)

    def _trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        try:
            engine = self.engine
            running = engine.world is World.RUNNING
            if not running and (
                frame.f_code is _HOOK or (self._hooked and get_ident() in self._hooked)
            ):
                return None  # a hook or its work (a condition): it parks where it returns
            if event == "call":
                if running and not engine.steps and not self._stale(frame):
                    return None
                engine.on_call(frame)
                return self._trace if self._wants(frame) else None
            if event == "line":
                if self._hits:
                    hit = self._hits.pop(get_ident(), None)
                    if hit is not None and hit[0] is frame:
                        engine.stop_at_hit(frame, hit[1])
                        return None
                if running and not engine.steps:
                    candidates = engine.breakpoints.at_code_line(frame.f_code, frame.f_lineno)
                    if candidates:
                        engine.at_breakpoints(frame, candidates)
                        return None
                    instrumenter = self._instrumenter
                    if instrumenter is not None and not instrumenter.covers(frame.f_code):
                        instrumenter.adopt(frame.f_locals.values())  # its 'def's so far
                    if not self._wants(frame):
                        frame.f_trace = None
                        self._release(frame)
                    return None
                engine.on_line(frame)
                return None
            if event == "opcode":
                ident = get_ident()
                hit = self._hits.get(ident)
                if hit is not None and hit[0] is frame:
                    return None  # between its hook and its line: the line event stops it
                if not running and ident != engine.runner:
                    engine.checkpoint(frame)
                else:
                    frame.f_trace_opcodes = False  # back from C after the thaw, or the runner
                return None
            if event == "return":
                if not running or engine.steps:
                    engine.on_return(frame, arg)
                else:
                    self._release(frame.f_back)
                return None
            if event == "exception" and engine.steps:
                engine.on_exception(frame, arg[1], arg[2])
        except Exception as exc:
            self.failed(exc)
        return None


_COPIES = sys.version_info < (3, 12)
"""Whether breakpoints run instrumented copies (see the design note)."""

_HOOK = SettraceBackend._hook.__code__


def _ignore(code: CodeType) -> None:
    return None


_executing: Callable[[CodeType], None] | None = None
"""What the audit hook tells of each code object ``exec`` runs (None: no hook yet)."""


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "exec" and _executing is not None and type(args[0]) is CodeType:
        _executing(args[0])
