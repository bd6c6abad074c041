"""The hand-off to debugpy: allstop's stops, shown in an editor (imported only when used).

Design note
-----------
debugpy (pydevd inside) is a whole debugger: it traces threads, suspends them itself and
answers the editor's questions about stacks and variables from its own bookkeeping, so a
thread allstop has parked means nothing to it.  Rather than translate between the two,
allstop hands the interpreter over to pydevd while an editor is attached, and only then:

- ``listen()`` starts debugpy's server inside the process (``in_process_debug_adapter``: a
  separate adapter process would inherit the program's output and outlive it).  Until an
  editor attaches, allstop keeps the interpreter: the trace functions pydevd installs on every
  thread at once (3.10/3.11) come off again, and so does its ``sys.settrace`` guard.
- The editor's ``configurationDone`` hands over: allstop's backend lets go of every hook and
  pydevd traces every thread.  ``breakpoint()``, a post-mortem and a pause then become pydevd
  stops, which suspend every thread (debugpy's single-notification mode) and say
  ``allThreadsStopped``.  allstop's breakpoints are lent to pydevd: pydevd watches their
  lines, allstop's table still decides whether a hit stops (``lent_hit``).
- ``disconnect`` (or the editor's socket closing without one) takes back: pydevd's tracing
  comes off every thread, allstop re-arms its breakpoints, and the next stop opens the
  terminal.  Only one of the two debuggers traces at any time.

pydevd's own threads are the peer's: never parked, never listed, so that an editor can attach
while the terminal holds the world frozen (the session's ``listen``); the hand-over then waits
until the world runs again.  A thread that dies of an exception while the editor is attached is
pydevd's to show (it stops on uncaught exceptions itself, as the editor's settings say);
allstop adds the stops pydevd cannot see: the main script's exception, which ``allstop run``
catches, a pool worker's (``--post-mortem=all``) and ``post_mortem()`` calls.

Only the class ``Pydevd`` knows pydevd's internals (its note says why): ``listen`` first checks
that every name of pydevd it uses is there, and refuses any other debugpy with one line.
"""

from __future__ import annotations

import dis
import functools
import ipaddress
import os
import pkgutil
import socket
import sys
import threading
from collections.abc import Callable, Iterable
from types import CodeType, FrameType, SimpleNamespace
from typing import TYPE_CHECKING, Any

from ._backends import _ctrace
from ._breakpoints import Breakpoint, BreakpointTable, code_file
from ._frames import OWN_DIR, START_WRAPPERS, outward
from ._locations import entry_line, function_code
from ._model import StopReason
from ._stops import World

if TYPE_CHECKING:
    from ._stops import PeerHost

DEFAULT_HOST = "127.0.0.1"
DEFAULT_ENDPOINT = (DEFAULT_HOST, 5678)
LENT_IDS = 1_000_000_000
"""pydevd's numbers for the breakpoints allstop lends it start here, far from the editor's."""

_lock = threading.Lock()
_listener: Listener | None = None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_endpoint(text: str) -> tuple[str, int]:
    """``PORT`` or ``HOST:PORT`` (the host defaults to loopback); ValueError if malformed."""
    host, sep, port = text.rpartition(":")
    if not sep:
        host = DEFAULT_HOST
    host = host.strip("[]") or DEFAULT_HOST
    if not port.isdigit() or not 0 <= int(port) < 65536:
        raise ValueError(f"not a port number: {port!r} (give PORT or HOST:PORT)")
    return host, int(port)


def attach_hint(host: str, port: int) -> str:
    """What to tell the user once the server listens."""
    return (
        f"listening on {host}:{port}: attach the editor there (VS Code: 'Python Debugger:"
        " Remote Attach', see examples/vscode/launch.json)"
    )


def listener() -> Listener | None:
    """The server, if ``listen`` started one."""
    return _listener


def exposure_warning(host: str) -> str | None:
    """What to warn about before listening on ``host``: None on the loopback."""
    if is_loopback(host):
        return None
    return (
        f"warning: {host} is not this machine's loopback: anyone who can reach the port can run"
        " code in this process"
    )


def listen(engine: PeerHost, host: str, port: int) -> Listener:
    """Start debugpy's server on ``host:port`` (once per process; port 0 picks a free one)
    and make it the engine's peer; the same server again for the same address."""
    global _listener
    with _lock:
        if _listener is not None:
            if port in (0, _listener.port) and host == _listener.host:
                return _listener
            raise RuntimeError(f"already listening on {_listener.host}:{_listener.port}")
        pydevd = Pydevd()  # first: a debugpy allstop cannot use is refused before it starts
        _check_bindable(host, port)
        _listener = Listener(engine, pydevd, host, port)
        return _listener


def _check_bindable(host: str, port: int) -> None:
    """Bind ``host:port`` the way pydevd will, and let go: pydevd binds on a thread of its
    own and, when that fails, debugpy.listen waits forever for the socket."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
    except OSError as exc:
        raise OSError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    finally:
        probe.close()


class Listener:
    """debugpy's server in this process, and allstop's peer while an editor is attached."""

    def __init__(self, engine: PeerHost, pydevd: Pydevd, host: str, port: int) -> None:

        self.engine = engine
        self._attached = False
        self._has_interpreter = False
        self._lent: dict[tuple[str, int], int] = {}
        """The places of the breakpoints lent to pydevd, and pydevd's numbers for them."""
        self._state_lock = threading.Lock()
        self._pydevd = pydevd
        # pydevd starts its threads inside listen, maybe while the world is frozen (the
        # session's listen): they must be the peer's from their first line, and the wrapper
        # it puts around every new thread's start must not park it.
        START_WRAPPERS.update(pydevd.thread_start_wrappers())
        engine.peer = self
        try:
            self.host, self.port = pydevd.listen(host, port)
        except BaseException:
            engine.peer = None
            raise
        self._trace_off()
        pydevd.on_editor_events(
            attached=self._attach,
            detached=self._detached,
            breakpoints_removed=self._breakpoints_removed,
        )
        pydevd.before_listing_threads(self._hide_own_threads)

    @property
    def attached(self) -> bool:
        """Whether an editor is attached (it has sent ``configurationDone``)."""
        return self._attached

    def wait_for_client(self) -> None:
        """Block until an editor has attached (``--wait-for-client``)."""
        self._pydevd.wait_for_client()

    # -- the peer protocol (see _stops.Peer) ------------------------------------------------
    def has_client(self) -> bool:
        if not self._attached:
            return False
        if not self._reader_alive():
            self._detached()
            return False
        self.world_resumed()
        return True

    def owns(self, ident: int) -> bool:
        thread = threading._active.get(ident)  # type: ignore[attr-defined]
        return thread is not None and self._pydevd.is_own(thread)

    def world_resumed(self) -> None:
        if self._attached and not self._has_interpreter:
            self._take_interpreter()

    def stop_soon(self, frame: FrameType) -> None:
        self._pydevd.stop_at(frame)

    def stop_now(self, frame: FrameType, reason: StopReason) -> None:
        """Suspend the calling thread right in ``frame`` (every other thread follows)."""
        self._pydevd.suspend_here(frame, pause=reason is StopReason.PAUSE)

    def post_mortem(self, exception: BaseException, *, crashed: bool) -> None:
        """A crash stops as the editor's exception settings say ("Uncaught Exceptions");
        an explicit post-mortem always stops.  Both on the innermost frame of the traceback."""
        pydevd = self._pydevd
        if crashed:
            if threading.current_thread() is not threading.main_thread():
                return  # a thread's crash: pydevd has stopped on it itself
            if not pydevd.stops_on_uncaught_exceptions():
                return
        pydevd.show_exception(exception)
        if crashed:
            # The main script is over: its exit (allstop run's SystemExit with status 1,
            # through runpy) would be shown as one more uncaught exception.
            pydevd.untrace_this_thread()

    # -- hand-over -------------------------------------------------------------------------
    def _attach(self) -> None:
        self._attached = True
        self.world_resumed()
        self.engine.spawn_exempt(self._watch_reader)

    def _watch_reader(self) -> None:
        """The editor's socket closed without a ``disconnect``: detach as if it had sent one
        (otherwise threads would stay suspended, waiting for nobody)."""
        reader = self._pydevd.reader_thread()
        if reader is None:
            return
        reader.join()
        if self._attached and self._pydevd.reader_thread() is reader:
            self._pydevd.disconnect()

    def _reader_alive(self) -> bool:
        reader = self._pydevd.reader_thread()
        return reader is not None and reader.is_alive()

    def _take_interpreter(self) -> None:
        with self._state_lock:
            if self._has_interpreter or not self._attached:
                return
            if self.engine.hand_over():
                self._has_interpreter = True
                self._trace_on()
                self._lend_breakpoints()

    def _detached(self) -> None:
        with self._state_lock:
            self._attached = False
            if not self._has_interpreter:
                return
            self._has_interpreter = False
            self._trace_off()
            self._take_breakpoints_back()
            self.engine.take_back()

    def _breakpoints_removed(self) -> None:
        """The editor setting a file's breakpoints removes every other one in the file,
        those allstop lent included: lend them again."""
        if self._has_interpreter:
            with self._state_lock:
                if self._has_interpreter:
                    self._lend_breakpoints()

    def _lend_breakpoints(self) -> None:
        """allstop's breakpoints stop in the editor too: pydevd watches their lines, and
        allstop's table decides, through the condition ``lent_hit``, whether a hit stops
        (conditions, ignore counts, thread filters, temporary breakpoints).  A line where the
        editor has a breakpoint of its own is left to that one (and one lent already stays)."""
        pydevd = self._pydevd
        for (filename, line), numbers in lent_places(self.engine.breakpoints).items():
            number = self._lent.setdefault((filename, line), LENT_IDS + len(self._lent))
            if pydevd.has_breakpoint(filename, line):
                continue
            condition = (
                f"__import__('allstop._debugpy', fromlist=['_']).lent_hit({filename!r}, {line},"
                f" {numbers!r})"
            )
            pydevd.lend_breakpoint(number, filename, line, condition)

    def _take_breakpoints_back(self) -> None:
        for (filename, _), number in self._lent.items():
            self._pydevd.take_breakpoint_back(number, filename)

    def _trace_on(self) -> None:
        self._pydevd.trace_all_threads()

    def _trace_off(self) -> None:
        self._pydevd.untrace_all_threads(frozen=self.engine.world is World.FROZEN)

    def _hide_own_threads(self) -> None:
        """Mark allstop's own threads as pydevd's, so that the editor's list of threads shows
        only the program's.  (They get a ``threading`` object only when something in them asks
        for ``current_thread()``: that may happen any time, hence before every listing.)"""
        for ident in list(self.engine.exempt):
            thread = threading._active.get(ident)  # type: ignore[attr-defined]
            if thread is not None:
                self._pydevd.mark_as_own(thread)


def lent_places(table: BreakpointTable) -> dict[tuple[str, int], tuple[int, ...]]:
    """Where allstop's breakpoints stop, as (file, line) -> their numbers: a line breakpoint
    at its line, a function breakpoint at the first line of the function's body.  (A function
    breakpoint given only by name, with no file, has no place.)"""
    places: dict[tuple[str, int], tuple[int, ...]] = {}
    for bp in table.every():
        where = _place_of(bp)
        if where is not None:
            places[where] = (*places.get(where, ()), bp.number)
    return places


def _place_of(bp: Breakpoint) -> tuple[str, int] | None:
    if bp.funcname is None:
        return bp.filename, bp.line
    code = bp.code
    if code is None and bp.filename:
        code = function_code(bp.filename, bp.line, bp.funcname)
    line = entry_line(code) if code is not None else None
    return (code_file(code), line) if code is not None and line is not None else None


def lent_hit(filename: str, line: int, numbers: tuple[int, ...]) -> bool:
    """pydevd's condition on the breakpoints allstop lent it at ``filename:line``: whether
    allstop's breakpoints ``numbers`` stop the calling thread there (allstop's table counts
    the hit, as if allstop had the interpreter)."""
    current = _listener
    if current is None:
        return False
    table = current.engine.breakpoints
    candidates = [bp for bp in map(table.get, numbers) if bp is not None]
    # Below the condition's own frame, the program's, at that line.
    frame = next(
        (
            f
            for f in outward(sys._getframe(1))
            if f.f_lineno == line and code_file(f.f_code) == filename
        ),
        None,
    )
    if frame is None or not candidates:
        return False
    return table.effective(candidates, frame, threading.get_ident()) is not None


TESTED_DEBUGPY = "1.8.x from 1.8.22"
"""The debugpy releases allstop is tested with (pyproject.toml asks for the same)."""

PYDEVD_PLACES: dict[str, str] = {
    "pydevd": "pydevd",
    "PyDB": "pydevd:PyDB",
    "IDAPMessagesListener": "pydevd:IDAPMessagesListener",
    "PyDBAdditionalThreadInfo": (
        "_pydevd_bundle.pydevd_additional_thread_info:PyDBAdditionalThreadInfo"
    ),
    "PyDevdAPI": "_pydevd_bundle.pydevd_api:PyDevdAPI",
    "pydev_monkey": "_pydev_bundle.pydev_monkey",
    "pydevd_tracing": "pydevd_tracing",
    "pydevd_file_utils": "pydevd_file_utils",
    "pydevd_comm_constants": "_pydevd_bundle.pydevd_comm_constants",
    "pydevd_constants": "_pydevd_bundle.pydevd_constants",
    "pydevd_sys_monitoring": "_pydevd_sys_monitoring.pydevd_sys_monitoring",
}
"""The modules and classes of pydevd that ``Pydevd`` uses, by label (``module:class``, as
``pkgutil.resolve_name`` takes them)."""

PYDEVD_NAMES: tuple[tuple[str, str], ...] = (
    ("pydevd", "get_global_debugger"),
    ("pydevd", "settrace"),
    ("PyDB", "add_dap_messages_listener"),
    ("PyDB", "break_on_uncaught_exceptions"),
    ("PyDB", "breakpoints"),
    ("PyDB", "disable_tracing"),
    ("PyDB", "do_wait_suspend"),
    ("PyDB", "enable_tracing"),
    ("PyDB", "is_attached"),
    ("PyDB", "on_breakpoints_changed"),
    ("PyDB", "on_configuration_done"),
    ("PyDB", "on_disconnect"),
    ("PyDB", "patch_threads"),
    ("PyDB", "reader"),
    ("PyDB", "set_additional_thread_info"),
    ("PyDB", "set_suspend"),
    ("PyDB", "set_tracing_for_untraced_contexts"),
    ("PyDB", "trace_dispatch"),
    ("PyDB", "trigger_exception_handler"),
    ("IDAPMessagesListener", "after_receive"),
    ("IDAPMessagesListener", "before_send"),
    ("PyDBAdditionalThreadInfo", "is_tracing"),
    ("PyDevdAPI", "add_breakpoint"),
    ("PyDevdAPI", "remove_breakpoint"),
    ("PyDevdAPI", "request_disconnect"),
    ("PyDevdAPI", "set_dont_trace_start_end_patterns"),
    ("pydev_monkey", "_NewThreadStartupWithTrace"),
    ("pydev_monkey", "_NewThreadStartupWithoutTrace"),
    ("pydev_monkey", "disable_trace_thread_modules"),
    ("pydev_monkey", "enable_trace_thread_modules"),
    ("pydevd_tracing", "restore_sys_set_trace_func"),
    ("pydevd_file_utils", "canonical_normalized_path"),
    ("pydevd_comm_constants", "CMD_SET_BREAK"),
    ("pydevd_comm_constants", "CMD_THREAD_SUSPEND"),
    ("pydevd_constants", "PYDEVD_USE_SYS_MONITORING"),
)
"""Every name of pydevd that ``Pydevd`` uses, as (label in PYDEVD_PLACES, attribute).  A
class's attributes include those its constructor sets (most of PyDB's are)."""

PYDEVD_MONITORING_NAMES: tuple[tuple[str, str], ...] = (
    ("pydevd_sys_monitoring", "resume_current_thread_tracing"),
    ("pydevd_sys_monitoring", "stop_monitoring"),
    ("pydevd_sys_monitoring", "suspend_current_thread_tracing"),
)
"""The names ``Pydevd`` uses too where pydevd traces with sys.monitoring (3.12+)."""


def missing_name(names: Iterable[tuple[str, str]], space: Callable[[str], object]) -> str | None:
    """The first of ``names`` that is not there, as ``label.attribute``; None if all are.
    ``space(label)`` is the module or class the label stands for (None: there is none)."""
    for label, attribute in names:
        found = space(label)
        if found is None or attribute not in _names_of(found):
            return f"{label}.{attribute}"
    return None


def _names_of(space: object) -> set[str]:
    """The attributes of a module or class; a class's include those its ``__init__`` sets."""
    names = set(dir(space))
    code = getattr(getattr(space, "__init__", None), "__code__", None)
    if isinstance(space, type) and code is not None:
        names.update(i.argval for i in dis.get_instructions(code) if i.opname == "STORE_ATTR")
    return names


def unsupported(version: str, missing: str) -> str:
    """The error for a debugpy whose pydevd lacks ``missing``."""
    return (
        f"debugpy {version} is not supported: pydevd has no {missing} (allstop is tested with"
        f" debugpy {TESTED_DEBUGPY})"
    )


def _resolve(place: str) -> Any:
    try:
        return pkgutil.resolve_name(place)
    except (ImportError, AttributeError):
        return None


class Pydevd:
    """pydevd, as allstop uses it: the only code that knows pydevd.

    Design note
    -----------
    pydevd has no public API for what allstop does with it (hand the interpreter over and
    back, suspend a thread in a given frame, lend breakpoints, hide threads), so allstop uses
    its internals, which change between debugpy releases without notice.  This class is the
    only place that touches them: everything else asks it for what it wants done, in allstop's
    terms, as pydevd's own DAP layer reaches pydevd's core only through ``PyDevdAPI``.  So a
    new debugpy means reading one class, and every name it uses is declared up front
    (``PYDEVD_NAMES``): constructing it imports pydevd and checks each one, before debugpy
    listens or patches anything, and refuses a debugpy that lacks one with a one-line error,
    rather than an AttributeError later, halfway through a hand-over or a stop (maybe on one
    of pydevd's threads, the editor left waiting).
    """

    def __init__(self) -> None:
        # The warning about frozen standard modules (3.11+) is for breakpoints set in them
        # from the editor; pydevd prints it into the program's stderr when imported.
        os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
        import debugpy
        import debugpy.server  # puts the vendored pydevd on sys.path

        space = functools.cache(lambda label: _resolve(PYDEVD_PLACES[label]))
        missing = missing_name(PYDEVD_NAMES, space)
        monitoring = missing is None and space("pydevd_constants").PYDEVD_USE_SYS_MONITORING
        if monitoring:
            missing = missing_name(PYDEVD_MONITORING_NAMES, space)
        if missing is not None:
            raise RuntimeError(unsupported(debugpy.__version__, missing))
        self._main = space("pydevd")
        self._api = space("PyDevdAPI")()
        self._monkey = space("pydev_monkey")
        self._tracing = space("pydevd_tracing")
        self._file_utils = space("pydevd_file_utils")
        self._commands = space("pydevd_comm_constants")
        self._monitoring: Any = space("pydevd_sys_monitoring") if monitoring else None
        """pydevd's sys.monitoring tracer, where pydevd uses it (3.12+)."""
        self._py_db: Any = None
        """pydevd's debugger, once listening."""

    # -- the server ------------------------------------------------------------------------
    def thread_start_wrappers(self) -> set[CodeType]:
        """The code pydevd runs around every new thread's start (it wraps
        ``_thread.start_new_thread``, once listening)."""
        return {
            self._monkey._NewThreadStartupWithTrace.__call__.__code__,
            self._monkey._NewThreadStartupWithoutTrace.__call__.__code__,
        }

    def listen(self, host: str, port: int) -> tuple[str, int]:
        """Start debugpy's server in this process; the address it listens on.  (A separate
        adapter process would inherit the program's output and outlive it.)"""
        import debugpy

        host, port = debugpy.listen((host, port), in_process_debug_adapter=True)
        self._py_db = self._main.get_global_debugger()
        # pydevd neither traces nor shows allstop's frames, as it does with its own.
        self._api.set_dont_trace_start_end_patterns(
            self._py_db,
            (os.path.dirname(os.path.abspath(debugpy.__file__)), OWN_DIR),
            ("debugpy_launcher.py",),
        )
        # debugpy's guard prints a warning whenever sys.settrace is called; allstop's own
        # backend calls it while it has the interpreter.
        self._tracing.restore_sys_set_trace_func()
        return host, port

    def wait_for_client(self) -> None:
        """Block until an editor has attached."""
        import debugpy

        debugpy.wait_for_client()

    def on_editor_events(
        self,
        *,
        attached: Callable[[], None],
        detached: Callable[[], None],
        breakpoints_removed: Callable[[], None],
    ) -> None:
        """Hear of the editor's ``configurationDone`` (``attached``, called before
        ``wait_for_client`` returns), its ``disconnect`` (``detached``, once pydevd has
        handled it) and of breakpoints it removed.  pydevd calls them on its reader thread;
        an editor attached already (quicker than us) is ``attached`` at once."""
        py_db = self._py_db
        done, disconnect = py_db.on_configuration_done, py_db.on_disconnect
        changed = py_db.on_breakpoints_changed

        def on_configuration_done() -> None:
            attached()
            done()  # only now does wait_for_client return: pydevd traces already

        def on_disconnect() -> None:
            disconnect()
            detached()

        def on_breakpoints_changed(removed: bool = False) -> None:
            changed(removed)
            if removed:
                breakpoints_removed()

        py_db.on_configuration_done = on_configuration_done
        py_db.on_disconnect = on_disconnect
        py_db.on_breakpoints_changed = on_breakpoints_changed
        if py_db.is_attached():
            attached()

    def reader_thread(self) -> threading.Thread | None:
        """pydevd's thread that reads the editor's socket (None before the first editor);
        it ends when the socket closes."""
        reader: threading.Thread | None = self._py_db.reader
        return reader

    def disconnect(self) -> None:
        """As if the editor had sent ``disconnect``: its breakpoints go, every thread
        resumes, and ``detached`` is called."""
        self._api.request_disconnect(self._py_db, resume_threads=True)

    # -- threads ---------------------------------------------------------------------------
    def is_own(self, thread: threading.Thread) -> bool:
        """Whether ``thread`` is pydevd's (or debugpy's) own."""
        # A mark pydevd sets and reads on thread objects, not a name it defines: nothing
        # for PYDEVD_NAMES to check.
        return bool(getattr(thread, "is_pydev_daemon_thread", False))

    def mark_as_own(self, thread: threading.Thread) -> None:
        """pydevd leaves ``thread`` out of the threads it lists, as one of its own."""
        thread.is_pydev_daemon_thread = True  # type: ignore[attr-defined]

    def before_listing_threads(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` whenever the editor asks for the threads, before pydevd lists
        them."""

        def after_receive(message: dict[str, Any]) -> None:
            if message.get("command") == "threads":
                callback()

        # The two methods pydevd calls on a listener of the editor's messages.
        listener = SimpleNamespace(before_send=lambda message: None, after_receive=after_receive)
        self._py_db.add_dap_messages_listener(listener)

    # -- tracing ---------------------------------------------------------------------------
    def trace_all_threads(self) -> None:
        """pydevd traces every thread (what it does itself at its first connection)."""
        py_db = self._py_db
        self._monkey.enable_trace_thread_modules()
        py_db.patch_threads()
        py_db.enable_tracing(py_db.trace_dispatch, apply_to_all_threads=True)
        py_db.set_tracing_for_untraced_contexts()

    def untrace_all_threads(self, *, frozen: bool) -> None:
        """pydevd's hooks come off every thread: its sys.monitoring events (3.12+), or its
        trace functions (3.10/3.11), from allstop's own threads too: pydevd gave them its
        trace function, and the session's evaluator would suspend in it at the next
        expression, for an editor long gone.  ``frozen``: no other thread runs now."""
        self._monkey.disable_trace_thread_modules()
        if self._monitoring is not None:
            self._monitoring.stop_monitoring(all_threads=True)
            return
        _ctrace.untrace_all(frozen=frozen)

    def untrace_this_thread(self) -> None:
        """pydevd stops tracing the calling thread."""
        self._py_db.disable_tracing()

    # -- stops -----------------------------------------------------------------------------
    def stop_at(self, frame: FrameType) -> None:
        """Stop the calling thread at the next line of ``frame``, every thread with it."""
        self._main.settrace(
            suspend=True,
            trace_only_current_thread=True,
            patch_multiprocessing=False,
            stop_at_frame=frame,
            notify_stdin=False,
        )

    def suspend_here(self, frame: FrameType, *, pause: bool) -> None:
        """Suspend the calling thread right in ``frame``, every other thread with it, until
        the user resumes; the editor is told of a pause (``pause``) or of a breakpoint.  The
        way pydevd's own post-mortem suspends: with pydevd's tracing of this thread paused
        meanwhile."""
        py_db = self._py_db
        thread = threading.current_thread()
        info = py_db.set_additional_thread_info(thread)
        monitoring = self._monitoring
        paused = monitoring is not None and monitoring.suspend_current_thread_tracing()
        info.is_tracing += 1
        try:
            commands = self._commands
            command = commands.CMD_THREAD_SUSPEND if pause else commands.CMD_SET_BREAK
            # pydevd announces a CMD_THREAD_SUSPEND only while a pause is pending.
            py_db.set_suspend(
                thread, command, suspend_other_threads=True, is_pause=pause, suspend_requested=True
            )
            py_db.do_wait_suspend(thread, frame, "line", None)
        finally:
            info.is_tracing -= 1
            if paused:
                monitoring.resume_current_thread_tracing()

    def stops_on_uncaught_exceptions(self) -> bool:
        """Whether the editor asked to stop on uncaught exceptions."""
        return bool(self._py_db.break_on_uncaught_exceptions)

    def show_exception(self, exception: BaseException) -> None:
        """Stop on ``exception``, on the innermost frame of its traceback, every thread with
        the calling one, whatever the editor's exception settings; until the user resumes."""
        self._py_db.trigger_exception_handler(
            (type(exception), exception, exception.__traceback__), as_uncaught=False
        )

    # -- breakpoints -----------------------------------------------------------------------
    def has_breakpoint(self, filename: str, line: int) -> bool:
        """Whether pydevd has a breakpoint at ``filename:line``: the editor's, or one lent."""
        canonical = self._file_utils.canonical_normalized_path(filename)
        return line in self._py_db.breakpoints.get(canonical, {})

    def lend_breakpoint(self, number: int, filename: str, line: int, condition: str) -> None:
        """pydevd stops at ``filename:line`` (every thread with it) when ``condition``,
        evaluated there, is true.  ``number`` is pydevd's for it: it must differ from the
        editor's numbers."""
        self._api.add_breakpoint(
            self._py_db,
            filename,
            "python-line",
            number,
            line,
            condition,
            func_name="None",  # any function
            expression=None,
            suspend_policy="ALL",
            hit_condition=None,
            is_logpoint=False,
        )

    def take_breakpoint_back(self, number: int, filename: str) -> None:
        """The breakpoint lent as ``number`` in ``filename`` goes."""
        self._api.remove_breakpoint(self._py_db, filename, "python-line", number)
