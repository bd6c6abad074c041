"""The ``sys.monitoring`` backend (Python 3.12+).

Design note
-----------
No events at all while nothing is asked for.  With breakpoints set, ``PY_START`` and
``PY_RESUME`` find the code objects that hold them (each other code location answers
``DISABLE`` once, so running code costs nothing after its first call) and those code objects
get local ``LINE`` events; their other lines answer ``DISABLE`` too.

Freezing turns on global ``LINE | JUMP | PY_START | PY_RESUME | CALL`` (a one-line loop makes
``JUMP`` events only; ``CALL`` parks a thread before it enters a C call) after
``restart_events()``, so a location disabled earlier fires again.  Once the runnable threads are
parked, the global line events go: a thread inside a monitoring callback gets no events, so
code the user types (run by the stopped thread inside its callback) runs at full speed, and
only ``PY_START | PY_RESUME`` (new threads, callbacks from C, resumed generators) and
``EXCEPTION_HANDLED`` stay global.  Each blocked thread gets local ``INSTRUCTION`` events on its
innermost code object, so it parks at the first instruction it runs when its C call returns;
if the call raised, where the exception is caught (the frames under a blocked thread's top are
never read: on 3.11+ that makes the interpreter build a frame object for each).

``DISABLE`` applies to a code location for every thread, so it is answered while the world
runs and no thread steps, and, while it is frozen with no thread running, to the calls of the
debugger's own threads in code that is not allstop's (``_frozen_disable``: prompt_toolkit's
redraws).  ``restart_events()`` also re-enables locations other tools disabled: they lose a
little speed, never correctness.

Stepping with ``step`` needs global line events; ``next``, ``until`` and ``return`` use local
events on the code objects of the stepping thread's stack only.  While a thread steps, ``RAISE``
(which cannot be local) and ``STOP_ITERATION`` give pdb's exception events, as 3.12's
``sys.settrace`` makes them from the same two events.

3.12 and 3.13 behave the same here, except that 3.13.0 emits no ``LINE`` for a body written on
the ``def`` line, which ``PY_START`` covers.
"""

from __future__ import annotations

import _thread
import sys
from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any

from .._frames import outward, own_code
from .._stops import World
from .base import Backend, Host

_M: Any = getattr(sys, "monitoring", None)
_E: Any = getattr(_M, "events", None)
_getframe = sys._getframe
_RUNNING = World.RUNNING
_get_ident = _thread.get_ident

if _M is not None:
    _DISABLE = _M.DISABLE
    _LINE: int = _E.LINE
    _JUMP: int = _E.JUMP
    _PY_START: int = _E.PY_START
    _PY_RESUME: int = _E.PY_RESUME
    _PY_RETURN: int = _E.PY_RETURN
    _PY_YIELD: int = _E.PY_YIELD
    _PY_UNWIND: int = _E.PY_UNWIND
    _CALL: int = _E.CALL
    _INSTRUCTION: int = _E.INSTRUCTION
    _RAISE: int = _E.RAISE
    _STOP_ITERATION: int = _E.STOP_ITERATION
    _EXCEPTION_HANDLED: int = _E.EXCEPTION_HANDLED
    _FREEZING = _LINE | _JUMP | _PY_START | _PY_RESUME | _CALL
    _FROZEN = _PY_START | _PY_RESUME | _EXCEPTION_HANDLED
    _DISCOVERY = _PY_START | _PY_RESUME
    _STEP_ANYWHERE = _LINE | _PY_START | _PY_RESUME | _PY_RETURN | _PY_YIELD | _STOP_ITERATION
    _STEP_LOCAL = _LINE | _PY_RETURN | _PY_YIELD | _STOP_ITERATION

Events = dict[int, tuple[CodeType, int]]
"""Local events wanted, by code object: ``id(code) -> (code, events)``."""


def _add(table: Events, code: CodeType, events: int) -> None:
    """``events`` wanted on ``code`` too."""
    found = table.get(id(code))
    table[id(code)] = (code, events | (found[1] if found else 0))


# Tool ids other tools take first: debugpy and 3.14's pdb use 0, coverage 1, profilers 2.
_TOOL_PREFERENCE = (3, 4, 5, 2, 1, 0)


class MonitoringBackend(Backend):
    name = "monitoring"

    def __init__(self, engine: Host) -> None:
        super().__init__(engine)
        self.tool: int | None = None
        # Code objects are kept by identity: two compilations of the same source are equal
        # (a program run again, a module reloaded), and each needs its own events.
        self._bp_codes: dict[int, CodeType] = {}
        self._bp_version = -1
        self._blocked_local: Events = {}
        self._step_local: dict[int, Events] = {}
        self._applied: Events = {}

    # -- set-up ----------------------------------------------------------------------------
    def start(self) -> None:
        if self.tool is not None:
            return
        for tool in _TOOL_PREFERENCE:
            if _M.get_tool(tool) is None:
                _M.use_tool_id(tool, "allstop")
                self.tool = tool
                break
        else:
            raise RuntimeError("every sys.monitoring tool id is taken by another tool")
        callbacks: dict[int, Callable[..., object]] = {
            _LINE: self._line,
            _JUMP: self._checkpoint,
            _PY_START: self._py_start,
            _PY_RESUME: self._py_resume,
            _PY_RETURN: self._py_return,
            _PY_YIELD: self._py_return,
            _PY_UNWIND: self._py_unwind,
            _CALL: self._checkpoint,
            _INSTRUCTION: self._checkpoint,
            _RAISE: self._raise,
            _STOP_ITERATION: self._raise,
            _EXCEPTION_HANDLED: self._handled,
        }
        for event, callback in callbacks.items():
            _M.register_callback(self.tool, event, callback)
        self._refresh()

    def shutdown(self) -> None:
        tool = self.tool
        if tool is None:
            return
        _M.set_events(tool, 0)
        for code, _ in self._applied.values():
            _M.set_local_events(tool, code, 0)
        for event in (
            _LINE,
            _JUMP,
            _PY_START,
            _PY_RESUME,
            _PY_RETURN,
            _PY_YIELD,
            _PY_UNWIND,
            _CALL,
            _INSTRUCTION,
            _RAISE,
            _STOP_ITERATION,
            _EXCEPTION_HANDLED,
        ):
            _M.register_callback(tool, event, None)
        _M.free_tool_id(tool)
        self.tool = None
        self._applied.clear()
        self._bp_codes.clear()
        self._blocked_local.clear()
        self._step_local.clear()

    # -- engine transitions ----------------------------------------------------------------
    def breakpoints_changed(self) -> None:
        if self.tool is None:
            return
        bps = self.engine.breakpoints
        codes = [*self._bp_codes.values()]
        # Code already running (a loop in some thread) starts no more: look at every stack.
        for top in sys._current_frames().values():
            codes += (f.f_code for f in outward(top))
        self._bp_codes = {id(code): code for code in codes if bps.holds_lines(code)}
        self._bp_version = bps.version
        _M.restart_events()
        self._refresh()

    def begin_freeze(self, me: int) -> None:
        _M.restart_events()
        self._refresh()

    def settle(self, blocked: dict[int, FrameType]) -> None:
        # A thread that comes back from C parks at the next instruction of its frame; if the
        # call raised, where the exception is caught (EXCEPTION_HANDLED, global while frozen):
        # its callers' code needs no events, and their frames are never read (on 3.11+ that
        # would make a frame object for each: 50 000 for 1000 threads of 50 frames).
        local: Events = {}
        for top in blocked.values():
            _add(local, top.f_code, _INSTRUCTION)
        self._blocked_local = local
        self._refresh()

    def thaw(self) -> None:
        self._blocked_local = {}
        steps = self.engine.steps
        for ident in [i for i in self._step_local if i not in steps]:
            del self._step_local[ident]
        self._refresh(world=World.RUNNING)

    def arm_step(self, ident: int, frame: FrameType) -> None:
        step = self.engine.steps.get(ident)
        if step is None:
            return
        anywhere = step.anywhere
        self._step_local[ident] = (
            {} if anywhere else {id(f.f_code): (f.f_code, _STEP_LOCAL) for f in outward(frame)}
        )
        _M.restart_events()
        self._refresh()

    def step_done(self) -> None:
        if self._step_local.pop(_get_ident(), None) is not None:
            self._refresh()

    # -- event configuration ---------------------------------------------------------------
    def _refresh(self, world: World | None = None) -> None:
        """Set global and local events to what the engine's state needs now."""
        tool = self.tool
        if tool is None:
            return
        engine = self.engine
        if world is None:
            world = engine.world
        if engine.breakpoints.version != self._bp_version and not engine.breakpoints:
            self._bp_codes.clear()
        wanted = 0
        if engine.breakpoints:
            wanted |= _DISCOVERY
        if world is World.FREEZING:
            wanted |= _FREEZING
        elif world is World.FROZEN:
            wanted |= _FROZEN
        steps = dict(engine.steps)
        if steps:
            wanted |= _PY_UNWIND | _RAISE
            if any(step.anywhere for step in steps.values()):
                wanted |= _STEP_ANYWHERE
        _M.set_events(tool, wanted)

        local: Events = {key: (code, _LINE) for key, code in self._bp_codes.items()}
        for table in (self._blocked_local, *self._step_local.values()):
            for code, events in table.values():
                _add(local, code, events)
        for key, (code, events) in local.items():
            if self._applied.get(key) != (code, events):
                _M.set_local_events(tool, code, events)
        for key, (code, _) in self._applied.items():
            if key not in local:
                _M.set_local_events(tool, code, 0)
        self._applied = local

    def _discover(self, code: CodeType) -> None:
        """``code`` starts running while breakpoints exist: watch it if it holds one."""
        if id(code) not in self._bp_codes and self.engine.breakpoints.holds_lines(code):
            self._bp_codes[id(code)] = code
            self._refresh()

    def _quiet(self) -> bool:
        """Whether nothing but breakpoints needs events: ``DISABLE`` is safe."""
        engine = self.engine
        return engine.world is _RUNNING and not engine.steps

    def _frozen_disable(self, code: CodeType) -> object:
        """A call or resume, while the world is frozen, by one of the debugger's own threads
        (the session's, the UI's): ``DISABLE`` for code not allstop's (prompt_toolkit's,
        asyncio's, the standard library's), while no thread of the program runs or steps, so
        that a redraw does not pay a callback for each call and each generator step (twice its
        time on 3.12).  A thread of the program that comes back from C parks at its frame's
        next instruction (``settle``); a thread that C calls into such code parks at its next
        call of other code.  allstop's own code keeps its events: the wake signal's handler
        and the input hook park threads where they start; so does code that holds a
        breakpoint, which the program may run once the world resumes.  The next freeze or step
        restarts the events."""
        engine = self.engine
        if own_code(code) or engine.runner is not None or engine.steps:
            return None
        bps = engine.breakpoints
        return None if bps and bps.interesting(code) else _DISABLE

    # -- callbacks (hot path) --------------------------------------------------------------
    def _line(self, code: CodeType, line: int) -> object:
        try:
            engine = self.engine
            if engine.world is _RUNNING and not engine.steps:  # _quiet(), inlined: hot
                candidates = engine.breakpoints.at_code_line(code, line)
                if candidates:
                    engine.at_breakpoints(_getframe(1), candidates)
                    return None
                return _DISABLE
            engine.on_line(_getframe(1))
        except Exception as exc:
            self.failed(exc)
        return None

    def _checkpoint(self, code: CodeType, *where: object) -> object:
        """``JUMP``, ``CALL`` and ``INSTRUCTION``: only a freeze asks for them, to park the
        thread there (``where``: the offsets, the callable, which tell nothing more)."""
        try:
            if self._quiet():
                return _DISABLE
            self.engine.checkpoint(_getframe(1))
        except Exception as exc:
            self.failed(exc)
        return None

    def _py_start(self, code: CodeType, offset: int) -> object:
        try:
            engine = self.engine
            if engine.world is World.RUNNING:
                bps = engine.breakpoints
                if bps:
                    self._discover(code)
                    entered = bps.has_functions and bps.functions_entered(code)
                else:
                    entered = False
                if not entered and not engine.steps:
                    return _DISABLE
            else:
                ident = _get_ident()
                if ident in engine.exempt:
                    return self._frozen_disable(code)
                if ident == engine.runner and engine.breakpoints:
                    # The one thread that runs (a locked step, debug's code).
                    self._discover(code)
            engine.on_call(_getframe(1))
        except Exception as exc:
            self.failed(exc)
        return None

    def _py_resume(self, code: CodeType, offset: int) -> object:
        try:
            engine = self.engine
            if engine.world is World.RUNNING:
                if engine.breakpoints:
                    self._discover(code)
                if not engine.steps:
                    return _DISABLE
            ident = _get_ident()
            if engine.world is not World.RUNNING and ident != engine.runner:
                if ident in engine.exempt:
                    return self._frozen_disable(code)
                engine.checkpoint(_getframe(1))
                return None
            if ident in engine.steps:  # a generator or coroutine comes back: bdb's call event
                engine.on_call(_getframe(1), resumed=True)
        except Exception as exc:
            self.failed(exc)
        return None

    def _handled(self, code: CodeType, offset: int, exception: BaseException) -> object:
        """``EXCEPTION_HANDLED``: a frozen world's thread that came back from C with an
        exception parks where it is caught.  Never ``DISABLE`` (not allowed for this event)."""
        try:
            engine = self.engine
            if engine.world is not _RUNNING and _get_ident() not in engine.exempt:
                engine.checkpoint(_getframe(1))
        except Exception as exc:
            self.failed(exc)
        return None

    def _py_return(self, code: CodeType, offset: int, value: object) -> object:
        try:
            engine = self.engine
            if self._quiet():
                return _DISABLE
            engine.on_return(_getframe(1), value)
        except Exception as exc:
            self.failed(exc)
        return None

    def _step_watches(self, code: CodeType) -> bool:
        """Whether a thread's step watches ``code``, as ``sys.settrace`` would trace it: a
        ``step`` watches every code; ``next``, ``until`` and ``return`` only the code of the
        frames they started in (and code holding breakpoints).  ``RAISE`` cannot be local:
        without this, asyncio's internal ``StopIteration`` stopped a ``next`` over an
        ``await`` in ``asyncio.sleep``."""
        local = self._step_local.get(_get_ident())
        if not local or id(code) in local:
            return True
        return self.engine.breakpoints.interesting(code)

    def _py_unwind(self, code: CodeType, offset: int, exception: BaseException) -> object:
        try:
            if self.engine.steps:
                self.engine.on_return(_getframe(1), None)
        except Exception as exc:
            self.failed(exc)
        return None

    def _raise(self, code: CodeType, offset: int, exception: BaseException) -> object:
        try:
            if self.engine.steps and self._step_watches(code):
                self.engine.on_exception(_getframe(1), exception, exception.__traceback__)
        except Exception as exc:
            self.failed(exc)
        return None
