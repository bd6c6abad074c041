"""Pausing a program from outside: the signal, the marker that says a process takes it, and
``allstop pause``'s check before it sends anything.

Design note: this module is armed before the program starts (``_armed``), so it imports only
what ``python`` itself has loaded by then (no ``signal``, ``enum``, ``pathlib`` or
``tempfile``: each would cost ``allstop run`` milliseconds that a program without a stop never
gets back).  Signal handlers are set through ``_signal``, the C module behind ``signal``; the
marker's folder is the first of ``$XDG_RUNTIME_DIR``, ``$TMPDIR``, ``$TEMP``, ``$TMP`` that
names a folder, else ``/tmp``: the sender and the program agree when they share an
environment.
"""

from __future__ import annotations

import atexit
import faulthandler
import importlib
import os
import threading

from ._procfs import stat_fields

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType, ModuleType
    from typing import Any

_signal: Any = importlib.import_module("_signal")


def handle_unless_taken(
    number: int | None, handler: Callable[[int, FrameType | None], object]
) -> bool:
    """Install ``handler`` for signal ``number`` unless the program handles it already; only
    on the main thread (only it may set handlers).  Whether it was installed."""
    if number is None or threading.current_thread() is not threading.main_thread():
        return False
    try:
        if _signal.getsignal(number) not in (_signal.SIG_DFL, None):
            return False
        _signal.signal(number, handler)
    except (OSError, ValueError):
        return False
    return True


PAUSE_SIGNAL = "SIGUSR1"


def pause_signal() -> int | None:
    """The signal ``allstop pause`` sends: ``$ALLSTOP_PAUSE_SIGNAL`` (default SIGUSR1)."""
    return signal_number(os.environ.get("ALLSTOP_PAUSE_SIGNAL", PAUSE_SIGNAL))


def signal_number(name: str) -> int | None:
    """The number of signal ``name`` (``SIGUSR1``, ``usr1``, ``10``); None if unknown."""
    if name.isdigit():
        return int(name)
    number = getattr(
        _signal, name.upper() if name.upper().startswith("SIG") else "SIG" + name.upper(), None
    )
    return int(number) if number is not None else None


def run_folder() -> str | None:
    """Under ``allstop run``, the top process's private folder, which its child processes
    inherit in ``$ALLSTOP_CHILD`` (see ``_children``); None elsewhere."""
    import json

    try:
        folder = json.loads(os.environ.get("ALLSTOP_CHILD", ""))["folder"]
    except (ValueError, KeyError, TypeError):
        return None
    return folder if isinstance(folder, str) else None


def hold_marker(pid: int) -> str | None:
    """Under ``allstop run``, the file by which another process of the program asks process
    ``pid`` to pause with it (see ``_tree``); None elsewhere."""
    folder = run_folder()
    return os.path.join(folder, f"hold-{pid}") if folder is not None else None


def holding_back() -> bool:
    """Whether this process is asked to pause with another (see ``hold_marker``)."""
    marker = hold_marker(os.getpid())
    return marker is not None and os.path.exists(marker)


def pause_marker(pid: int) -> str:
    """Where a process that can be paused says so (a folder only its user may write), with
    the signal, when the process started and who takes the signal (``HANDLED``...): a
    marker left by a process that died without removing it (``os._exit``, a kill) must not
    speak for another that got its id."""
    return os.path.join(_runtime_folder(), f"allstop-{os.getuid()}", str(pid))


def _runtime_folder() -> str:
    """Where the markers' folder is (see the module's design note)."""
    for name in ("XDG_RUNTIME_DIR", "TMPDIR", "TEMP", "TMP"):
        folder = os.environ.get(name)
        if folder and os.path.isdir(folder):
            return folder
    return "/tmp"


def process_started(pid: int) -> str:
    """When process ``pid`` started, in the kernel's clock ticks since boot ('' where there
    is no ``/proc``)."""
    fields = stat_fields(f"/proc/{pid}/stat")
    return fields[19].decode() if len(fields) > 19 else ""  # starttime, field 22


# Who takes the pause signal in a process allstop armed (the marker holds the name), and why
# ``allstop pause`` then sends nothing.
HANDLED = "HANDLED"
REPLACED = "REPLACED"
FAULTHANDLER = "FAULTHANDLER"
DEFAULT = "DEFAULT"
IGNORED = "IGNORED"
_WHY_NOT = {
    REPLACED: "the program replaced the handler",
    FAULTHANDLER: "the program gave it to faulthandler.register()",
    DEFAULT: "reset to the default action",
    IGNORED: "ignored",
}


def _why_not(state: str, number: int) -> str:
    """Why signal ``number`` would not pause a process whose marker says ``state``."""
    words = _WHY_NOT[state]
    if state != DEFAULT:
        return words
    harmless = number in (_signal.SIGCHLD, _signal.SIGCONT, _signal.SIGURG, _signal.SIGWINCH)
    return f"{words}, which {'does nothing' if harmless else 'would kill it'}"


class NotPausable(Exception):
    """Why ``allstop pause`` sent nothing to a process: the words that follow its id."""


def send_pause(pid: int) -> int:
    """Send process ``pid`` its pause signal, checked the moment before: the process runs
    allstop with pausing on (its marker, from this very process), the kernel still lets it
    catch the signal (``/proc/PID/status``: neither ignored nor back to the default action,
    whoever did that, the program or a C library), and allstop's Python handler is still the
    one that catches it (the marker, which ``PauseWatch`` keeps current).  The signal sent;
    ``NotPausable`` says why nothing was."""
    not_armed = "does not run allstop with pausing on (or is not yours)"
    try:
        with open(pause_marker(pid)) as marker:
            number_text, started, state = marker.read().split(" ")
        number = int(number_text)
        os.kill(pid, 0)
    except (OSError, ValueError):
        raise NotPausable(not_armed) from None
    if started != process_started(pid):  # the marker of a dead process with this id
        raise NotPausable(not_armed)
    kernel = kernel_state(pid, number)  # what C code did shows only there
    if kernel is not None:
        state = kernel
    if state != HANDLED:
        if state not in _WHY_NOT:
            raise NotPausable(not_armed)
        raise NotPausable(
            f"no longer handles {signal_name(number)} for allstop ({_why_not(state, number)})"
        )
    try:
        os.kill(pid, number)
    except ProcessLookupError:
        raise NotPausable("has ended") from None
    return number


def signal_name(number: int) -> str:
    """``SIGUSR1`` for 10; the number itself for a signal without a name (real-time ones)."""
    import signal

    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def kernel_state(pid: int, number: int) -> str | None:
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
        return IGNORED
    return None if masks["SigCgt"] & bit else DEFAULT


def _faulthandler_chains(
    file: object = None, all_threads: bool = True, chain: bool = False
) -> bool:
    """Whether ``faulthandler.register(signum, ...)`` with these arguments (its own, which it
    has accepted) passes the signal on to the handler it replaced."""
    return bool(chain)


class PauseWatch:
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

    The child of a fork, which inherits the handler, writes a marker of its own, and never
    writes or removes its parent's.
    """

    def __init__(self, number: int, handler: Callable[[int, FrameType | None], None]) -> None:
        self.number = number
        self.handler = handler
        self.pid = os.getpid()
        self.marker = pause_marker(self.pid)
        self.started = process_started(self.pid)
        self.faulthandler_took = False
        self.written: str | None = None
        # Reentrant: a signal handler that sets the pause signal's handler may run inside a
        # write.
        self.lock = threading.RLock()

    def start(self) -> None:
        """Write the marker, keep it current, and remove it when the program ends."""
        os.makedirs(os.path.dirname(self.marker), mode=0o700, exist_ok=True)
        _sweep(os.path.dirname(self.marker))
        self.record()
        atexit.register(self.forget)
        os.register_at_fork(after_in_child=self.forked)
        _after_calls(_signal, "signal", self.after_signal)
        _after_calls(faulthandler, "register", self.after_register)
        _after_calls(faulthandler, "unregister", self.after_unregister)

    def forked(self) -> None:
        """In the child of a fork: a marker of its own (a child of ``multiprocessing`` ends
        through ``os._exit``, which skips atexit: the next fork removes its marker)."""
        self.pid = os.getpid()
        self.marker = pause_marker(self.pid)
        self.started = process_started(self.pid)
        self.written = None
        self.lock = threading.RLock()  # another thread of the parent's may have held it
        _sweep(os.path.dirname(self.marker))
        self.record()

    def after_signal(self, signalnum: int, handler: object) -> None:
        if signalnum == self.number:
            self.record(faulthandler_took=False)

    def after_register(self, signum: int, *args: Any, **kwargs: Any) -> None:
        if signum == self.number:
            self.record(faulthandler_took=not _faulthandler_chains(*args, **kwargs))

    def after_unregister(self, signum: int) -> None:
        if signum == self.number:
            self.record(faulthandler_took=False)

    def state(self) -> str:
        """Who takes the signal now."""
        handler = _signal.getsignal(self.number)
        if handler is self.handler:
            return FAULTHANDLER if self.faulthandler_took else HANDLED
        if type(handler) is int:  # SIG_IGN or SIG_DFL
            return IGNORED if handler == _signal.SIG_IGN else DEFAULT
        return REPLACED

    def record(self, *, faulthandler_took: bool | None = None) -> None:
        """Rewrite the marker if who takes the signal changed; replaced whole, so that
        ``allstop pause`` never reads half of it."""
        with self.lock:
            if faulthandler_took is not None:
                self.faulthandler_took = faulthandler_took
            state = self.state()
            if state == self.written or os.getpid() != self.pid:
                return
            fresh = self.marker + ".new"
            try:
                with open(fresh, "w") as marker:
                    marker.write(f"{self.number} {self.started} {state}")
                os.replace(fresh, self.marker)
            except OSError:
                return
            self.written = state

    def forget(self) -> None:
        if os.getpid() == self.pid:
            try:  # noqa: SIM105 (contextlib is not loaded before the program is)
                os.unlink(self.marker)
            except OSError:
                pass


def _sweep(folder: str) -> None:
    """Remove the markers of processes that have ended without removing theirs (killed, or
    ended through ``os._exit``)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if not name.isdigit():
            continue
        try:
            os.kill(int(name), 0)
        except ProcessLookupError:
            try:  # noqa: SIM105 (contextlib is not loaded before the program is)
                os.unlink(os.path.join(folder, name))
            except OSError:
                pass
        except OSError:  # alive, another user's
            pass


def _after_calls(module: ModuleType, name: str, after: Callable[..., None]) -> None:
    """Make ``module.name`` call ``after`` with its arguments each time it has returned."""
    original = getattr(module, name)

    def watched(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        after(*args, **kwargs)
        return result

    # functools.wraps, without importing functools before the program does.
    for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(watched, attribute, getattr(original, attribute, None))
    watched.__wrapped__ = original  # type: ignore[attr-defined]
    setattr(module, name, watched)
