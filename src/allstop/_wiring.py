"""The process-wide debugger: one engine with its backend, one session, one front end, set
up once.

Design note: this is the only module that knows every part; the parts know only the
vocabulary they share (``_stops``) and the protocols they are handed (the backend's ``Host``,
the session's ``SessionIO``), so that tests can build an engine on any backend and a session on
any front end.  The process's engine is built when first needed (a stop, a breakpoint, see
``_armed``), and its session with the front end at its first stop, once the world is frozen
(the engine's ``prepare``, see ``Engine._handler``), unless pdb's face asks for it first:
``breakpoint()`` makes an ``allstop.Debugger`` before it stops, as ``pdb.set_trace()`` makes
a ``pdb.Pdb()``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import IO, TYPE_CHECKING

from . import _armed, _postmortem
from ._backends import backend_class, default_name
from ._engine import Engine
from ._inputhook import InputHook
from ._model import StopReason
from ._snapshot import registered_threads

if TYPE_CHECKING:
    from .session import Session, SessionIO

_setup_lock = threading.Lock()
_setting_up: int | None = None
"""The thread that sets allstop up, while it does."""
_engine: Engine | None = None


@contextlib.contextmanager
def _setup() -> Iterator[None]:
    """Set allstop up, one thread at a time.  A signal handler that needs allstop (a pause)
    in the thread that sets it up would wait for itself: ImportError instead."""
    global _setting_up
    if _setting_up == threading.get_ident():
        raise ImportError("allstop is being set up in this thread")
    with _setup_lock:
        _setting_up = threading.get_ident()
        try:
            yield
        finally:
            _setting_up = None


def engine() -> Engine:
    """The engine of this process, set up and hooked in on first use; its session comes at
    its first stop (or ``session()``)."""
    global _engine
    with _setup():
        if _engine is None:
            _engine = _hooked_in(new_engine())
            _engine.prepare = _process_session
        _engine.start()
        return _engine


def session() -> Session:
    """The session of this process's engine."""
    from .session import Session

    handler = _process_session().handler
    assert isinstance(handler, Session)
    return handler


def _process_session() -> Engine:
    """Give the process's engine its session, on the front end that suits the terminal (if
    it has none yet); the engine."""
    found = engine()
    with _setup():
        if found.handler is None:
            _add_session(found, _front_end())
    return found


def pdb_front_end(stdin: IO[str], stdout: IO[str], *, rawinput: bool) -> SessionIO | None:
    """The front end pdb would use with these streams: None (the debugger's own) when they
    are the process's own, else the streams themselves (see ``ui.stream``)."""
    own_input = stdin is sys.__stdin__ or _input_taken_away(stdin)
    if own_input and (stdout is sys.__stdout__ or _on_the_terminal(stdout)):
        return None
    from .ui.stream import StreamIO

    return StreamIO(stdin, stdout, rawinput=rawinput)


def _input_taken_away(stdin: IO[str]) -> bool:
    """Whether ``stdin`` is the null device a ``multiprocessing`` child reads instead of the
    parent's input (descriptor 0, which it leaves open): the debugger reads descriptor 0,
    where pdb would read nothing."""
    try:
        return os.path.samestat(os.fstat(stdin.fileno()), os.stat(os.devnull))
    except (OSError, ValueError, AttributeError):
        return False


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
    engine = _hooked_in(new_engine())
    _add_session(engine, front_end())
    engine.start()
    return engine


def _hooked_in(engine: Engine) -> Engine:
    """``engine``, with what it needs of the process: the wake signal, the REPL's input
    hook, the threads of a Jupyter kernel, the crashes ``allstop.pm()`` looks at."""
    engine.wake_signal = _armed.wake_signal()
    engine.input_hook = _input_hook()
    engine.find_host_threads = _kernel_threads
    _postmortem.remember_crashes()
    return engine


def _add_session(engine: Engine, io: SessionIO) -> None:
    """Make a session on ``io`` the stop handler of ``engine``."""
    from .session import new_session

    session = new_session(engine, io)
    engine.handler = session
    session.evaluator.start()


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
    from .ui.line import LineIO

    return LineIO()
