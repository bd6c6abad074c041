"""The process-wide debugger: one engine with its backend, one session, one front end, set
up once, and the signals allstop answers (wake, pause).

Design note: this is the only module that knows every part; the parts know only the
vocabulary they share (``_stops``) and the protocols they are handed (the backend's ``Host``,
the session's ``SessionIO``), so that tests can build an engine on any backend and a session on
any front end.  Everything the session needs is imported here, before the first freeze (see
``session``): an import while the world is frozen can wait on a frozen thread's module lock.
It also watches the program's calls that could take the pause signal from allstop
(``_PauseWatch``), so that ``allstop pause`` knows before it sends anything.
"""

from __future__ import annotations

import atexit
import contextlib
import enum
import faulthandler
import functools
import importlib
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType, ModuleType
from typing import IO, Any

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
    engine = Engine(make)
    fault = os.environ.get("ALLSTOP_FAULT")
    if fault:
        inject_fault(engine, fault)
    return engine


FAULT_OWNERS = ("engine", "backend", "breakpoints")


def inject_fault(engine: Engine, name: str) -> None:
    """For tests only (``ALLSTOP_FAULT=engine.on_line``, ``backend._quiet``,
    ``breakpoints.at_code_line``...): that method of the engine, its backend or its breakpoint
    table raises at every call, to prove that a bug in any hook is reported and never reaches
    the program (see ``Backend.failed``)."""
    owner_name, _, method = name.partition(".")
    owners = dict(zip(FAULT_OWNERS, (engine, engine.backend, engine.breakpoints), strict=True))
    owner = owners.get(owner_name)
    if owner is None or not callable(getattr(owner, method, None)):
        print(f"allstop: ALLSTOP_FAULT={name}: no such hook", file=sys.stderr)
        return

    def fault(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"fault injected in {name}")

    setattr(owner, method, fault)


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
    marker (``pause_marker``), kept true to who takes the signal (``_PauseWatch``), that
    ``allstop pause`` checks before it sends anything (``send_pause``).  Returns the signal,
    or None."""

    def pause(signum: int, frame: FrameType | None) -> None:
        if frame is not None and engine.world is World.RUNNING:
            engine.stop_now(frame)

    if key and os.environ.get("ALLSTOP_PAUSE_KEY", "1") != "0":
        _handle_unless_taken(signal.SIGQUIT, pause)
    number = pause_signal()
    if number is None or not _handle_unless_taken(number, pause):
        return None
    _PauseWatch(number, pause).start()
    return number


def pause_marker(pid: int) -> Path:
    """Where a process that can be paused says so (a folder only its user may write), with
    the signal, when the process started and who takes the signal (a ``PauseState``): a
    marker left by a process that died without removing it (``os._exit``, a kill) must not
    speak for another that got its id."""
    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    return Path(base) / f"allstop-{os.getuid()}" / str(pid)


def process_started(pid: int) -> str:
    """When process ``pid`` started, in the kernel's clock ticks since boot ('' where there
    is no ``/proc``)."""
    fields = stat_fields(f"/proc/{pid}/stat")
    return fields[19].decode() if len(fields) > 19 else ""  # starttime, field 22


class PauseState(enum.Enum):
    """Who takes the pause signal in a process allstop armed; the value says why ``allstop
    pause`` sends nothing (the marker holds the name)."""

    HANDLED = ""
    REPLACED = "the program replaced the handler"
    FAULTHANDLER = "the program gave it to faulthandler.register()"
    DEFAULT = "reset to the default action"
    IGNORED = "ignored"

    def reason(self, number: int) -> str:
        """Why signal ``number`` would not pause the process, in words."""
        words = str(self.value)
        if self is not PauseState.DEFAULT:
            return words
        harmless = number in (signal.SIGCHLD, signal.SIGCONT, signal.SIGURG, signal.SIGWINCH)
        return f"{words}, which {'does nothing' if harmless else 'would kill it'}"


class NotPausable(Exception):
    """Why ``allstop pause`` sent nothing to a process: the words that follow its id."""


def send_pause(pid: int) -> int:
    """Send process ``pid`` its pause signal, checked the moment before: the process runs
    allstop with pausing on (its marker, from this very process), the kernel still lets it
    catch the signal (``/proc/PID/status``: neither ignored nor back to the default action,
    whoever did that, the program or a C library), and allstop's Python handler is still the
    one that catches it (the marker, which ``_PauseWatch`` keeps current).  The signal sent;
    ``NotPausable`` says why nothing was."""
    not_armed = "does not run allstop with pausing on (or is not yours)"
    try:
        number_text, started, state_name = pause_marker(pid).read_text().split(" ")
        number, state = int(number_text), PauseState[state_name]
        os.kill(pid, 0)
    except (OSError, ValueError, KeyError):
        raise NotPausable(not_armed) from None
    if started != process_started(pid):  # the marker of a dead process with this id
        raise NotPausable(not_armed)
    kernel = _kernel_state(pid, number)  # what C code did shows only there
    if kernel is not None:
        state = kernel
    if state is not PauseState.HANDLED:
        raise NotPausable(
            f"no longer handles {signal_name(number)} for allstop ({state.reason(number)})"
        )
    try:
        os.kill(pid, number)
    except ProcessLookupError:
        raise NotPausable("has ended") from None
    return number


def signal_name(number: int) -> str:
    """``SIGUSR1`` for 10; the number itself for a signal without a name (real-time ones)."""
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def _kernel_state(pid: int, number: int) -> PauseState | None:
    """What the kernel does with signal ``number`` sent to process ``pid``: ignore it, or its
    default action; None when the process catches it (or where there is no ``/proc``)."""
    masks: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("SigIgn", "SigCgt"):
                    masks[key] = int(value, 16)
    except (OSError, ValueError):
        return None
    if len(masks) < 2:
        return None
    bit = 1 << (number - 1)
    if masks["SigIgn"] & bit:
        return PauseState.IGNORED
    return None if masks["SigCgt"] & bit else PauseState.DEFAULT


def _faulthandler_chains(
    file: object = None, all_threads: bool = True, chain: bool = False
) -> bool:
    """Whether ``faulthandler.register(signum, ...)`` with these arguments (its own, which it
    has accepted) passes the signal on to the handler it replaced."""
    return bool(chain)


class _PauseWatch:
    """Keeps this process's pause marker true to who takes the pause signal.

    Why the program's calls are watched: from outside, ``/proc`` says whether the signal is
    caught, ignored or left to its default action, but not by which Python function, since
    CPython catches it with one C handler whatever Python handler the program sets.  So
    ``start`` wraps the calls that change that: ``_signal.signal`` (what ``signal.signal``
    calls, looked up at each call: a program that imported ``signal.signal`` before allstop
    was set up is watched as well) and faulthandler's ``register``/``unregister``, whose C
    handler replaces CPython's unless it chains to it (``signal.signal`` puts CPython's back).
    After each such call for the pause signal the marker is rewritten from
    ``signal.getsignal``: another function (``REPLACED``), ``SIG_DFL``, ``SIG_IGN``, and
    allstop's own handler put back (``old = signal.signal(...); signal.signal(SIG, old)``)
    arms it again.  A call the interpreter refuses (``signal.signal`` off the main thread
    raises ValueError) changes nothing and is not recorded; the wrappers raise what the calls
    raise.  ``signal.set_wakeup_fd`` changes no handler: allstop's still runs (an asyncio
    ``add_signal_handler`` for the signal sets a handler of its own, and is seen).

    What cannot be seen, and is not guarded:

    - a C handler installed without Python (a C extension or ctypes calling ``sigaction``:
      gevent/libev signal watchers, a JVM): the kernel still counts the signal as caught, so
      ``allstop pause`` sends it and the program's handler gets it (resetting the signal to
      the default action or ignoring it from C is seen, in ``/proc``);
    - ``_signal.signal`` or faulthandler's functions bound under another name before allstop
      was set up (``from _signal import signal``);
    - a handler of the program's that calls allstop's in turn: it is called ``REPLACED``,
      and ``allstop pause`` refuses where it would have worked;
    - a program that blocks the signal and takes it itself (``sigwait``, ``signalfd``): the
      kernel may hand it to that thread instead of to one where CPython catches it;
    - a change in the instant between ``allstop pause``'s check and its sending;
    - without ``/proc`` (macOS), a reset or ``SIG_IGN`` made from C.

    A forked child has no marker of its own (``allstop pause`` refuses it) and never writes
    or removes its parent's.
    """

    def __init__(self, number: int, handler: Callable[[int, FrameType | None], None]) -> None:
        self.number = number
        self.handler = handler
        self.pid = os.getpid()
        self.marker = pause_marker(self.pid)
        self.started = process_started(self.pid)
        self.faulthandler_took = False
        self.written: PauseState | None = None
        # Reentrant: a signal handler that sets the pause signal's handler may run inside a
        # write.
        self.lock = threading.RLock()

    def start(self) -> None:
        """Write the marker, keep it current, and remove it when the program ends."""
        self.marker.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.record()
        atexit.register(self.forget)
        _after_calls(importlib.import_module("_signal"), "signal", self.after_signal)
        _after_calls(faulthandler, "register", self.after_register)
        _after_calls(faulthandler, "unregister", self.after_unregister)

    def after_signal(self, signalnum: int, handler: object) -> None:
        if signalnum == self.number:
            self.record(faulthandler_took=False)

    def after_register(self, signum: int, *args: Any, **kwargs: Any) -> None:
        if signum == self.number:
            self.record(faulthandler_took=not _faulthandler_chains(*args, **kwargs))

    def after_unregister(self, signum: int) -> None:
        if signum == self.number:
            self.record(faulthandler_took=False)

    def state(self) -> PauseState:
        """Who takes the signal now."""
        handler = signal.getsignal(self.number)
        if handler is self.handler:
            return PauseState.FAULTHANDLER if self.faulthandler_took else PauseState.HANDLED
        if handler is signal.SIG_IGN:
            return PauseState.IGNORED
        if handler is signal.SIG_DFL:
            return PauseState.DEFAULT
        return PauseState.REPLACED

    def record(self, *, faulthandler_took: bool | None = None) -> None:
        """Rewrite the marker if who takes the signal changed; replaced whole, so that
        ``allstop pause`` never reads half of it."""
        with self.lock:
            if faulthandler_took is not None:
                self.faulthandler_took = faulthandler_took
            state = self.state()
            if state is self.written or os.getpid() != self.pid:
                return
            fresh = self.marker.with_name(self.marker.name + ".new")
            with contextlib.suppress(OSError):
                fresh.write_text(f"{self.number} {self.started} {state.name}")
                os.replace(fresh, self.marker)
                self.written = state

    def forget(self) -> None:
        if os.getpid() == self.pid:
            with contextlib.suppress(OSError):
                self.marker.unlink()


def _after_calls(module: ModuleType, name: str, after: Callable[..., None]) -> None:
    """Make ``module.name`` call ``after`` with its arguments each time it has returned."""
    original = getattr(module, name)

    @functools.wraps(original)
    def watched(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        after(*args, **kwargs)
        return result

    setattr(module, name, watched)


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
