"""Post-mortem: stop the world when a thread dies of an exception.

Design note: ``threading.excepthook`` runs in the dying thread itself, before it is gone, and
``sys.excepthook`` in the main thread once the main module has ended with an exception; both
are wrapped so that the world freezes there, with the dying thread's traceback on show.  When
the user continues, the previous hook runs (the traceback is printed as it would have been)
and the thread finishes dying.  ``SystemExit`` is not a crash.  Hooks installed by the program
later replace ours: then the program has asked to handle deaths itself.

The hooks are set before the program starts, when the engine may not exist yet (see
``_armed``): they build it through the function they are given, and this module imports only
what a program without a stop pays for anyway.  A failure to stop (the engine cannot be built
at interpreter shutdown, say) is said in one line on stderr, and the program's own hook runs.
"""

from __future__ import annotations

import gc
import sys
import threading
from types import TracebackType

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from ._engine import Engine

_installed: set[str] = set()
_last_crash: list[tuple[BaseException, object]] = []
"""The exception the last thread died of, with what ``sys.last_exc`` was then."""


def remember_crashes() -> None:
    """Keep the exception of each thread that dies of one, for ``allstop.pm()`` (once per
    process; a hook the program installs later replaces ours)."""
    if "remember" in _installed:
        return
    previous_thread_hook = threading.excepthook

    def remember(args: Any) -> None:
        exc = args.exc_value
        if exc is not None and _crash(exc):
            _last_crash[:] = [(exc, _main_last())]
        previous_thread_hook(args)

    threading.excepthook = remember
    _installed.add("remember")


def last_exception() -> BaseException | None:
    """The last uncaught exception: of the last thread that died of one, unless the main
    thread's (``sys.last_exc``, the REPL's) came after."""
    main = _main_last()
    if not _last_crash:
        return main
    crash, main_then = _last_crash[0]
    return main if main is not None and main is not main_then else crash


def _main_last() -> BaseException | None:
    found = getattr(sys, "last_exc", None) or getattr(sys, "last_value", None)
    return found if isinstance(found, BaseException) else None


def is_quit(exc: BaseException) -> bool:
    """Whether ``exc`` is the ``Quit`` a user's ``quit`` raises in the program, told without
    importing the engine's vocabulary: only a program that has stopped can have one."""
    stops = sys.modules.get("allstop._stops")
    return stops is not None and isinstance(exc, stops.Quit)


def _crash(exc: BaseException) -> bool:
    """Whether a thread dying of ``exc`` crashed (it did not exit, nor did the user quit)."""
    return not isinstance(exc, SystemExit) and not is_quit(exc)


def _stop_at(make_engine: Callable[[], Engine], exc: BaseException, *, crashed: bool) -> None:
    """The post-mortem of ``exc`` (see the module's design note)."""
    try:
        engine = make_engine()
    except Exception as error:
        print(f"allstop: no post-mortem ({type(error).__name__}: {error})", file=sys.stderr)
        return
    engine.post_mortem(exc, crashed=crashed)


def install(make_engine: Callable[[], Engine]) -> None:
    """Wrap ``threading.excepthook`` and ``sys.excepthook`` (once per process)."""
    if "threading" not in _installed:
        previous_thread_hook = threading.excepthook

        def thread_hook(args: Any) -> None:
            exc = args.exc_value
            if exc is not None and _crash(exc):
                _stop_at(make_engine, exc, crashed=True)
            previous_thread_hook(args)

        threading.excepthook = thread_hook
        _installed.add("threading")
    if "sys" not in _installed:
        previous_sys_hook = sys.excepthook

        def sys_hook(
            kind: type[BaseException], exc: BaseException, tb: TracebackType | None
        ) -> None:
            if _crash(exc) and not isinstance(exc, KeyboardInterrupt):
                _stop_at(make_engine, exc, crashed=True)
            previous_sys_hook(kind, exc, tb)

        sys.excepthook = sys_hook
        _installed.add("sys")


def watch_thread_pools(make_engine: Callable[[], Engine]) -> None:
    """Also stop when a ``ThreadPoolExecutor`` worker function raises, at the raising frame,
    before its future keeps the exception (``allstop run --post-mortem=all``)."""
    from concurrent.futures import thread as pool

    if "pools" in _installed:
        return
    run = pool._WorkItem.run

    def watched_run(item: Any) -> None:
        fn = item.fn

        def watched(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                _stop_at(make_engine, exc, crashed=False)
                raise

        item.fn = watched
        run(item)

    pool._WorkItem.run = watched_run  # type: ignore[method-assign, assignment]
    _installed.add("pools")


def exception_of(t: BaseException | TracebackType | None) -> BaseException | None:
    """The exception ``post_mortem(t)`` looks at: ``t`` itself, the exception of a traceback,
    or the one being handled."""
    if isinstance(t, BaseException):
        return t
    if isinstance(t, TracebackType):
        # A traceback has no link to its exception, but the exception refers to it.
        for owner in gc.get_referrers(t):
            if isinstance(owner, BaseException) and owner.__traceback__ is t:
                return owner
        return _WithTraceback(t)
    return sys.exc_info()[1]


class _WithTraceback(Exception):
    """Stands for the exception of a bare traceback (``post_mortem(tb)``)."""

    def __init__(self, tb: TracebackType) -> None:
        super().__init__("post-mortem of a traceback")
        self.__traceback__ = tb
