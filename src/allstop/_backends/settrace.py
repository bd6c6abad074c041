"""The ``sys.settrace`` backend (Python 3.10 and 3.11; available on 3.12+ for testing).

Design note
-----------
A trace function in a thread costs 2-9x on 3.10/3.11 even when it returns None for every
frame, so no thread has one unless something needs it:

- breakpoints set: every thread gets the trace function (``_ctrace.set_trace`` for threads
  that run already, ``threading.settrace`` for later ones).  Its ``call`` handler answers a local
  tracer only for code objects that hold a breakpoint, so the cost is one C-to-Python call per
  function call (still far below pdb's, which traces every line of every file);
- freezing: every other thread gets it, with ``f_trace`` set on every frame of its stack and
  opcode events on its innermost frame, so that it parks at its next opcode, and a thread in a
  C call parks at the first opcode after the call returns;
- stepping: the stepping thread traces its own stack (and every new frame, for ``step``).

On thaw, the presenter puts every thread back to the breakpoint-only state (or to none) before
it wakes anybody; a thread that was blocked in C and comes back later finds its opcode tracing
gone or drops it at its first event.

The presenter waits inside its trace function while the session runs (on a thread of allstop's
own), and runs the code the user types there, where CPython sends no events.
"""

from __future__ import annotations

import sys
import threading
from _thread import get_ident
from types import CodeType, FrameType
from typing import Any

from .._frames import outward
from .._stops import World
from . import _ctrace
from .base import Backend, Host


class SettraceBackend(Backend):
    name = "settrace"

    def __init__(self, engine: Host) -> None:
        super().__init__(engine)
        self._tracing_all = False

    def start(self) -> None:
        return None

    def shutdown(self) -> None:
        _ctrace.untrace_all(
            skip=self.engine.own_threads(), frozen=self.engine.world is World.FROZEN
        )
        self._tracing_all = False

    # -- engine transitions ----------------------------------------------------------------
    def breakpoints_changed(self) -> None:
        if self.engine.world is World.RUNNING:
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

    def _steady(self, skip: frozenset[int]) -> None:
        """Put every thread but ``skip`` back to the breakpoint-only state (or no tracing)."""
        engine = self.engine
        bps = engine.breakpoints
        steady = self._breakpoint_tracer() if bps else None
        threading.settrace(steady)
        exempt = engine.own_threads()
        if bps or self._tracing_all or engine.world is not World.RUNNING:
            _ctrace.set_trace(steady, skip=exempt | skip, frozen=engine.world is World.FROZEN)
        self._tracing_all = bool(bps)
        for ident, top in sys._current_frames().items():
            if ident in skip or ident in exempt:
                continue
            for f in outward(top):
                f.f_trace_opcodes = False
                f.f_trace = self._trace if bps and bps.interesting(f.f_code) else None

    def _breakpoint_tracer(self) -> _ctrace.TraceFunction:
        """The global trace function of the breakpoint-only state: the cheapest answer to
        every function call (the hot path of 3.10/3.11).  Freezing and stepping install the
        full ``_trace``; a change of the breakpoint table installs a new one of these."""
        interesting = self.engine.breakpoints.interesting
        seen: dict[CodeType, bool] = {}
        full = self._trace

        def on_call(frame: FrameType, event: str, arg: Any) -> Any:
            code = frame.f_code
            found = seen.get(code)
            if found is None:
                try:
                    found = seen[code] = interesting(code)
                except Exception as exc:
                    self.failed(exc)
                    return None
            return full(frame, event, arg) if found else None

        return on_call

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
        bps = engine.breakpoints
        return bool(bps) and bps.interesting(frame.f_code)

    def _trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        try:
            engine = self.engine
            if event == "call":
                if engine.world is World.RUNNING and not engine.steps:
                    bps = engine.breakpoints
                    if not bps or not bps.interesting(frame.f_code):
                        return None
                engine.on_call(frame)
                return self._trace if self._wants(frame) else None
            if event == "line":
                if engine.world is World.RUNNING and not engine.steps:
                    candidates = engine.breakpoints.at_code_line(frame.f_code, frame.f_lineno)
                    if candidates:
                        engine.at_breakpoints(frame, candidates)
                    elif not self._wants(frame):
                        frame.f_trace = None
                    return None
                engine.on_line(frame)
                return None
            if event == "opcode":
                if engine.world is not World.RUNNING and get_ident() != engine.runner:
                    engine.checkpoint(frame)
                else:
                    frame.f_trace_opcodes = False  # back from C after the thaw, or the runner
                return None
            if event == "return":
                if engine.world is not World.RUNNING or engine.steps:
                    engine.on_return(frame, arg)
                return None
            if event == "exception" and engine.steps:
                engine.on_exception(frame, arg[1], arg[2])
        except Exception as exc:
            self.failed(exc)
        return None
