"""The ``threading._DummyThread`` objects of allstop's own threads.

``threading.current_thread()`` in a thread ``threading`` did not start makes a dummy thread
object for it, which the program then sees in ``threading.enumerate()``; allstop's threads
get one from asyncio's runner, prompt_toolkit and the evaluation helper.  On 3.13+ the dummy
is taken out of ``threading`` when the thread's thread-local data is freed, under
``threading``'s lock: for a thread alive at the interpreter's exit that happens after daemon
threads are halted, and one halted while holding that lock hangs the exit forever (seen at
the end of a benchmark of 1000 daemon threads).  Hence the two clean-ups here.
"""

from __future__ import annotations

import atexit
import threading


def drop_dummy(ident: int) -> None:
    """Take back the ``threading._DummyThread`` that a call of ``threading.current_thread()``
    made for this thread of allstop's, which ends (asyncio's runner and prompt_toolkit make
    one): the program's ``threading.enumerate()`` stops listing it, and on 3.13+ its clean-up
    runs now, in this thread, not at the interpreter's exit."""
    info = getattr(threading, "_thread_local_info", None)
    if info is not None:
        info.__dict__.pop("_track_dummy_thread_ref", None)
    active: dict[int, object] = getattr(threading, "_active", {})
    if isinstance(active.get(ident), threading._DummyThread):
        active.pop(ident, None)


_DUMMY_CLEANUPS: list[object] = []


def keep_dummy_for_exit() -> None:
    """In a thread of allstop's that lives as long as the program, after
    ``threading.current_thread()`` made a ``threading._DummyThread`` for it: its 3.13+
    clean-up is kept here, and an ``atexit`` callback runs it, before daemon threads are
    halted."""
    info = getattr(threading, "_thread_local_info", None)
    if info is not None:
        cleanup = info.__dict__.pop("_track_dummy_thread_ref", None)
        if cleanup is not None:
            _DUMMY_CLEANUPS.append(cleanup)


atexit.register(_DUMMY_CLEANUPS.clear)
