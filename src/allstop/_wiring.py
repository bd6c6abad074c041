"""The process-wide debugger: one engine with its backend, one session, one front end, set
up once, and the signals allstop answers (wake, pause).

Design note: this is the only module that knows every part; the parts know only the
vocabulary they share (``_stops``) and the protocols they are handed (the backend's ``Host``,
the session's ``SessionIO``), so that tests can build an engine on any backend and a session on
any front end.  Everything the session needs is imported here, before the first freeze (see
``session``): an import while the world is frozen can wait on a frozen thread's module lock.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import IO

from . import _postmortem
from ._backends import backend_class, default_name
from ._engine import Engine
from ._inputhook import InputHook
from ._model import StopReason
from ._procfs import stat_fields
from ._snapshot import registered_threads
from ._stops import World
from .session import Session, SessionIO, new_session
from .ui.line import LineIO
from .ui.stream import StreamIO

_setup_lock = threading.Lock()
_engine: Engine | None = None


def engine() -> Engine:
    """The engine of this process, set up and hooked in on first use."""
    global _engine
    with _setup_lock:
        if _engine is None:
            _engine = build(_front_end)
        _engine.start()
        return _engine


def session() -> Session:
    """The session of this process's engine."""
    handler = engine().handler
    assert isinstance(handler, Session)
    return handler


def pdb_front_end(stdin: IO[str], stdout: IO[str], *, rawinput: bool) -> SessionIO | None:
    """The front end pdb would use with these streams: None (the debugger's own) when they
    are the process's own, else the streams themselves (see ``ui.stream``)."""
    if stdin is sys.__stdin__ and (stdout is sys.__stdout__ or _on_the_terminal(stdout)):
        return None
    return StreamIO(stdin, stdout, rawinput=rawinput)


def _on_the_terminal(stream: IO[str]) -> bool:
    """Whether ``stream`` stands for the process's own terminal output (IPython's prompt
    writes through a proxy whose writer thread is frozen with the others: the debugger's own
    front end writes to the terminal instead)."""
    original = sys.__stdout__
    try:
        fd = stream.fileno()
        return original is not None and fd == original.fileno() and os.isatty(fd)
    except (AttributeError, OSError, ValueError):
        return False


def trace(engine: Engine, frame: FrameType, skip: tuple[str, ...] = ()) -> None:
    """``set_trace()`` in ``frame``: stop where the running Python's pdb stops, at the next
    event (3.10-3.12), or on the ``set_trace()`` line itself (3.13+); never in a module
    ``skip`` names (pdb's ``skip=``)."""
    if sys.version_info >= (3, 13):
        engine.stop_now(frame, StopReason.TRACE)
    else:
        engine.stop_soon(frame, skip=skip)


def new_engine(backend: str | None = None) -> Engine:
    """An engine on the backend named ``backend`` (default: ``$ALLSTOP_BACKEND``, else the
    best for this Python), not hooked in yet."""
    try:
        make = backend_class(backend)
    except ValueError as exc:  # a bad ALLSTOP_BACKEND
        print(f"allstop: {exc}; using the default backend", file=sys.stderr)
        make = backend_class(default_name())
    return Engine(make)


def build(front_end: Callable[[], SessionIO]) -> Engine:
    """An engine with its session on ``front_end()``, hooked in.  ``engine()`` builds
    the process's one; tests and benchmarks build theirs on a given front end."""
    engine = new_engine()
    session = new_session(engine, front_end())
    engine.handler = session
    session.evaluator.start()
    engine.wake_signal = _install_wake_signal()
    engine.input_hook = _input_hook()
    engine.find_host_threads = _kernel_threads
    _postmortem.remember_crashes()
    engine.start()
    return engine


def route_breakpoint() -> None:
    """``breakpoint()`` stops the world from now on (a ``PYTHONBREAKPOINT`` the user set
    still wins)."""
    if not os.environ.get("PYTHONBREAKPOINT"):
        from . import set_trace

        sys.breakpointhook = set_trace


def _kernel_threads() -> set[int]:
    """The threads of a Jupyter kernel the program runs in (ipykernel's: they carry the
    notebook's output and input, and answer its heartbeat): frozen, they would leave the
    session silent and the notebook waiting.  Read without ``threading``'s lock."""
    if "ipykernel" not in sys.modules:
        return set()
    found = set()
    for ident, thread in registered_threads().items():
        owner = getattr(getattr(thread, "_target", None), "__self__", thread)
        if any(type(o).__module__.startswith("ipykernel") for o in (thread, owner)):
            found.add(ident)
    return found


def _input_hook() -> InputHook | None:
    """readline's input hook, which parks the main thread at the REPL's prompt (None where
    ctypes cannot reach ``PyOS_InputHook``)."""
    try:
        return InputHook()
    except (AttributeError, ValueError, OSError):
        return None


def _wake(signum: int, frame: object) -> None:
    """The wake signal's handler: running it is what parks the main thread."""


def _install_wake_signal() -> int | None:
    """Handle ``$ALLSTOP_WAKE_SIGNAL`` (default SIGURG, which Python programs leave alone) in
    the main thread (see ``_handle_unless_taken``)."""
    number = _signal_number(os.environ.get("ALLSTOP_WAKE_SIGNAL", "SIGURG"))
    return number if _handle_unless_taken(number, _wake) else None


def _handle_unless_taken(
    number: int | None, handler: Callable[[int, FrameType | None], object]
) -> bool:
    """Install ``handler`` for signal ``number`` unless the program handles it already; only
    on the main thread (only it may set handlers).  Whether it was installed."""
    if number is None or threading.current_thread() is not threading.main_thread():
        return False
    try:
        if signal.getsignal(number) not in (signal.SIG_DFL, None):
            return False
        signal.signal(number, handler)
    except (OSError, ValueError):
        return False
    return True


PAUSE_SIGNAL = "SIGUSR1"


def pause_signal() -> int | None:
    """The signal ``allstop pause`` sends: ``$ALLSTOP_PAUSE_SIGNAL`` (default SIGUSR1)."""
    return _signal_number(os.environ.get("ALLSTOP_PAUSE_SIGNAL", PAUSE_SIGNAL))


def _signal_number(name: str) -> int | None:
    if name.isdigit():
        return int(name)
    number = getattr(
        signal, name.upper() if name.upper().startswith("SIG") else "SIG" + name.upper(), None
    )
    return int(number) if number is not None else None


def install_pause(engine: Engine, *, key: bool = False) -> int | None:
    """Let the program be paused from outside: the pause signal (and, with ``key``, Ctrl-\\,
    SIGQUIT) freezes the world and opens the session with the main thread current.  Installed
    only on the main thread, only where the program has no handler of its own.  Leaves a
    marker (``pause_marker``) that ``allstop pause`` checks before it sends anything: a
    process without the handler would die of the signal.  Returns the signal, or None."""

    def pause(signum: int, frame: FrameType | None) -> None:
        if frame is not None and engine.world is World.RUNNING:
            engine.stop_now(frame)

    if key and os.environ.get("ALLSTOP_PAUSE_KEY", "1") != "0":
        _handle_unless_taken(signal.SIGQUIT, pause)
    number = pause_signal()
    if not _handle_unless_taken(number, pause):
        return None
    pid = os.getpid()
    marker = pause_marker(pid)
    marker.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    marker.write_text(f"{number} {process_started(pid)}")
    atexit.register(_forget_marker, marker)
    return number


def pause_marker(pid: int) -> Path:
    """Where a process that can be paused says so (a folder only its user may write), with
    the signal and when the process started: a marker left by a process that died without
    removing it (``os._exit``, a kill) must not speak for another that got its id."""
    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    return Path(base) / f"allstop-{os.getuid()}" / str(pid)


def process_started(pid: int) -> str:
    """When process ``pid`` started, in the kernel's clock ticks since boot ('' where there
    is no ``/proc``)."""
    fields = stat_fields(f"/proc/{pid}/stat")
    return fields[19].decode() if len(fields) > 19 else ""  # starttime, field 22


def _forget_marker(marker: Path) -> None:
    with contextlib.suppress(OSError):
        marker.unlink()


def _front_end() -> SessionIO:
    """The full-screen UI on the controlling terminal when stdin is a terminal (or with
    ``ALLSTOP_UI=tui``), line mode otherwise (or with ``ALLSTOP_UI=line``)."""
    mode = os.environ.get("ALLSTOP_UI", "").lower()
    if mode != "line" and (mode == "tui" or os.isatty(0)):
        try:
            from .ui.tui.app import Tui

            return Tui()
        except OSError:  # no controlling terminal after all
            pass
    return LineIO()
