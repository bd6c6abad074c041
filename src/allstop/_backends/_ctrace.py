"""Give another thread a ``sys.settrace`` trace function, through CPython's C API.

Design note
-----------
``sys.settrace`` reaches only the calling thread and ``threading.settrace`` only threads started
later; a thread that runs already (one started before allstop was imported, say) has no trace
function, and setting ``f_trace`` on its frames does nothing until it has one.  Python 3.12 has
``threading.settrace_all_threads``, but it cannot leave the debugger's own threads alone.  So we
do what pydevd's attach helper does, with ``ctypes`` instead of a compiled module:

- ``_PyEval_SetTrace(tstate, func, arg)`` (exported by CPython 3.10-3.12, written to be called
  for a thread state other than the current one) installs a trace function in any thread;
- ``func`` must be the C trampoline that ``sys.settrace`` itself installs, which is not
  exported: we find it by calling ``sys.settrace`` in our own thread and reading our own thread
  state, where ``c_tracefunc`` sits two pointers before ``c_traceobj`` (true of 3.10-3.13); the
  probe checks itself and refuses to guess when the layout differs;
- 3.13 exports no per-thread setter: there the backend (only used for testing on 3.12+)
  installs the trace function in every thread with ``sys._settraceallthreads``, the debugger's
  own threads included; they answer no local tracer;
- thread states map to thread idents through their current frame, which is the very object
  ``sys._current_frames()`` returns.

No thread may end (and free its thread state) during the walk, which gives up the GIL between
two C calls: either the world is frozen (no thread runs, so none ends), or the walk holds
``threading._active_limbo_lock``, which every ``threading.Thread`` takes in ``_delete()`` before
its thread state goes.  A thread started with ``_thread.start_new_thread`` directly, ending at
that very moment while the world runs, is the case this cannot cover.  (Raising the switch
interval instead starves every thread that starts waiting for the GIL meanwhile.)

Only CPython with the GIL; the free-threaded build is not supported.
"""

from __future__ import annotations

import ctypes
import sys
import threading
from collections.abc import Callable, Collection
from types import FrameType
from typing import Any

from .._frames import outward

TraceFunction = Callable[[FrameType, str, Any], Any]

_api = ctypes.pythonapi
_vp = ctypes.c_void_p


def _fn(name: str, restype: Any, *argtypes: Any) -> Any:
    """A new foreign function object for ``name`` (None when this Python does not export it)."""
    try:
        fn = _api[name]
    except AttributeError:
        return None
    fn.restype = restype
    fn.argtypes = list(argtypes)
    return fn


_get_current = _fn("PyThreadState_Get", _vp)
_interp_of = _fn("PyThreadState_GetInterpreter", _vp, _vp)
_thread_head = _fn("PyInterpreterState_ThreadHead", _vp, _vp)
_thread_next = _fn("PyThreadState_Next", _vp, _vp)
_get_frame = _fn("PyThreadState_GetFrame", _vp, _vp)
_decref = _fn("Py_DecRef", None, _vp)
_set_trace = _fn("_PyEval_SetTrace", ctypes.c_int, _vp, _vp, ctypes.py_object)
_set_trace_null = _fn("_PyEval_SetTrace", ctypes.c_int, _vp, _vp, _vp)


class UnsupportedInterpreter(RuntimeError):
    pass


def _probe(frame: FrameType, event: str, arg: object) -> None:
    return None


_trampoline: int | None = None


def _find_trampoline() -> int:
    """The address of the C function ``sys.settrace`` installs (see the design note)."""
    global _trampoline
    if _trampoline is not None:
        return _trampoline
    words = (_vp * 96).from_address(_get_current())
    previous = sys.gettrace()
    try:
        sys.settrace(_probe)
        with_probe = list(words)
        sys.settrace(None)
        without = list(words)
    finally:
        sys.settrace(previous)
    slots = [i for i, w in enumerate(with_probe) if w == id(_probe)]
    if len(slots) != 1 or slots[0] < 2:
        raise UnsupportedInterpreter("cannot find c_traceobj in this interpreter's thread state")
    slot = slots[0]
    func = with_probe[slot - 2]
    if not func or without[slot - 2] or without[slot]:
        raise UnsupportedInterpreter("unexpected thread state layout")
    _trampoline = int(func)
    return _trampoline


def per_thread() -> bool:
    """Whether one thread's trace function can be set apart from the others'."""
    if _set_trace is None:
        return False
    try:
        _find_trampoline()
    except UnsupportedInterpreter:
        return False
    return True


def _thread_states() -> list[tuple[int, int | None]]:
    """(thread state address, thread ident or None) for every thread of this interpreter."""
    by_frame = {id(frame): ident for ident, frame in sys._current_frames().items()}
    found: list[tuple[int, int | None]] = []
    tstate = _thread_head(_interp_of(_get_current()))
    while tstate:
        frame = _get_frame(tstate)
        ident = None
        if frame:
            ident = by_frame.get(frame)
            _decref(frame)
        found.append((tstate, ident))
        tstate = _thread_next(tstate)
    return found


def set_trace(
    func: TraceFunction | None,
    *,
    only: Collection[int] | None = None,
    skip: Collection[int] = (),
    frozen: bool = False,
) -> None:
    """Install ``func`` (None removes) as the trace function of the threads ``only`` (default:
    every thread) except those in ``skip``.  Threads with no Python frame count as unknown:
    they are included unless ``only`` is given.  ``frozen``: no other thread runs now."""
    if not per_thread():
        # 3.13 no longer exports _PyEval_SetTrace: every thread, through the public API.
        sys._settraceallthreads(func)  # type: ignore[attr-defined]
        return
    trampoline = _find_trampoline()
    ending: Any = getattr(threading, "_active_limbo_lock", None)
    # Threads end only briefly holding it; the world is not frozen, so nobody parks with it.
    held = not frozen and ending is not None and ending.acquire(timeout=1.0)
    try:
        for tstate, ident in _thread_states():
            if ident is not None and ident in skip:
                continue
            if only is not None and ident not in only:
                continue
            if func is None:
                _set_trace_null(tstate, None, None)
            else:
                _set_trace(tstate, trampoline, func)
    finally:
        if held:
            ending.release()


def untrace_all(*, skip: Collection[int] = (), frozen: bool = False) -> None:
    """Take every trace function away: from the calling thread, every thread but ``skip``,
    the threads ``threading`` starts later, and every frame of every stack."""
    threading.settrace(None)
    set_trace(None, skip=skip, frozen=frozen)
    for top in sys._current_frames().values():
        for frame in outward(top):
            frame.f_trace = None
            frame.f_trace_opcodes = False
    sys.settrace(None)
