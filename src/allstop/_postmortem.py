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
from contextlib import suppress
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


def watch_all(make_engine: Callable[[], Engine]) -> None:
    """``allstop run --post-mortem=all``: stop at the exceptions a thread pool's future or a
    forgotten asyncio task would keep (see below) too."""
    watch_thread_pools(make_engine)
    watch_tasks(make_engine)


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


_UNRETRIEVED = ("Task exception was never retrieved", "Future exception was never retrieved")


def watch_tasks(make_engine: Callable[[], Engine]) -> None:
    """Also stop when an asyncio task (or future) is forgotten with an exception nobody
    retrieved, at the frame that raised it, before asyncio logs "Task exception was never
    retrieved" (``allstop run --post-mortem=all``).  asyncio is not imported for it: the hook
    is set once the program imports it."""
    if "tasks" in _installed:
        return
    _installed.add("tasks")

    def wrap(module: Any) -> None:
        loop_class = module.BaseEventLoop
        handle = loop_class.call_exception_handler

        def call_exception_handler(loop: object, context: Any) -> None:
            exc = context.get("exception") if isinstance(context, dict) else None
            message = context.get("message") if isinstance(context, dict) else None
            if isinstance(exc, BaseException) and message in _UNRETRIEVED and _crash(exc):
                _stop_at(make_engine, exc, crashed=False)
            handle(loop, context)

        loop_class.call_exception_handler = call_exception_handler

    events = sys.modules.get("asyncio.base_events")
    if events is not None:
        wrap(events)
    else:
        sys.meta_path.insert(0, _AfterImport("asyncio.base_events", wrap))


class _AfterImport:
    """A ``sys.meta_path`` finder that calls ``then(module)`` once module ``name`` has been
    loaded by its own loader (then it leaves ``sys.meta_path``)."""

    def __init__(self, name: str, then: Callable[[Any], None]) -> None:
        self.name = name
        self.then = then

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> Any:
        if fullname != self.name:
            return None
        with suppress(ValueError):
            sys.meta_path.remove(self)
        from importlib.util import find_spec

        spec = find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        # A loader by protocol (create_module, exec_module): importlib.abc is not imported.
        spec.loader = _ThenLoader(spec.loader, self.then)  # type: ignore[assignment]
        return spec


class _ThenLoader:
    """``loader``, then ``then(module)`` once it has run the module."""

    def __init__(self, loader: Any, then: Callable[[Any], None]) -> None:
        self._loader = loader
        self._then = then

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self._loader.exec_module(module)
        self._then(module)

    def __getattr__(self, name: str) -> Any:  # get_source, get_filename...: the loader's
        return getattr(self._loader, name)


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
