"""The dummy thread objects of allstop's own threads are taken back (``_dummies``)."""

from __future__ import annotations

import _thread
import sys
import threading
from collections.abc import Callable

import pytest

from allstop import _dummies

pytestmark = pytest.mark.unit


def in_a_c_thread(body: Callable[[], object]) -> object:
    """Run ``body`` in a thread ``threading`` did not start, as allstop's are; its result."""
    done = threading.Event()
    result: list[object] = []

    def run() -> None:
        try:
            result.append(body())
        finally:
            done.set()

    _thread.start_new_thread(run, ())
    assert done.wait(10)
    return result[0]


def test_a_thread_that_ends_leaves_no_dummy_thread_behind() -> None:
    def body() -> tuple[int, bool, bool]:
        ident = _thread.get_ident()
        made = isinstance(threading.current_thread(), threading._DummyThread)
        _dummies.drop_dummy(ident)
        return ident, made, ident in threading._active

    ident, made, listed = in_a_c_thread(body)  # type: ignore[misc]
    assert made
    assert not listed
    assert all(thread.ident != ident for thread in threading.enumerate())


def test_a_thread_that_lives_on_gives_its_clean_up_to_the_exit() -> None:
    kept_before = len(_dummies._DUMMY_CLEANUPS)

    def body() -> tuple[int, bool]:
        threading.current_thread()
        _dummies.keep_dummy_for_exit()
        info = getattr(threading, "_thread_local_info", None)
        return _thread.get_ident(), info is not None and hasattr(info, "_track_dummy_thread_ref")

    ident, still_tracked = in_a_c_thread(body)  # type: ignore[misc]
    assert not still_tracked
    if sys.version_info >= (3, 13):
        # The thread has ended, its thread-local data is gone, and the dummy is still listed:
        # the clean-up waits for the exit.  Running it (as atexit will) takes the dummy back.
        assert len(_dummies._DUMMY_CLEANUPS) == kept_before + 1
        assert isinstance(threading._active.get(ident), threading._DummyThread)
        del _dummies._DUMMY_CLEANUPS[kept_before]
        assert ident not in threading._active
    else:
        assert len(_dummies._DUMMY_CLEANUPS) == kept_before
        threading._active.pop(ident, None)  # 3.10-3.12 never take a dummy thread back
