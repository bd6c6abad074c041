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
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
import threading
from types import FrameType
from typing import TYPE_CHECKING, Any

from ._breakpoints import Breakpoint, BreakpointTable, code_file
from ._frames import START_WRAPPERS, outward
from ._locations import entry_line, function_code
from ._model import StopReason

if TYPE_CHECKING:
    from ._engine import Engine

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


def listen(engine: Engine, host: str, port: int) -> Listener:
    """Start debugpy's server on ``host:port`` (once per process; port 0 picks a free one)
    and make it the engine's peer; the same server again for the same address."""
    global _listener
    with _lock:
        if _listener is not None:
            if port in (0, _listener.port) and host == _listener.host:
                return _listener
            raise RuntimeError(f"already listening on {_listener.host}:{_listener.port}")
        _check_bindable(host, port)
        _listener = Listener(engine, host, port)
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

    def __init__(self, engine: Engine, host: str, port: int) -> None:
        # The warning about frozen standard modules (3.11+) is for breakpoints set in them
        # from the editor; it would be printed into the program's stderr at every start.
        os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
        import debugpy

        self.engine = engine
        self._attached = False
        self._has_interpreter = False
        self._lent: dict[tuple[str, int], int] = {}
        """The places of the breakpoints lent to pydevd, and pydevd's numbers for them."""
        self._state_lock = threading.Lock()
        self._pydevd = pydevd = _Pydevd()
        # pydevd starts its threads inside debugpy.listen, maybe while the world is frozen
        # (the session's listen): they must be the peer's from their first line, and the
        # wrapper it puts around every new thread's start must not park it.
        START_WRAPPERS.update(pydevd.start_wrappers)
        engine.peer = self
        try:
            self.host, self.port = debugpy.listen((host, port), in_process_debug_adapter=True)
        except BaseException:
            engine.peer = None
            raise
        self._py_db = py_db = pydevd.main.get_global_debugger()
        # pydevd neither traces nor shows allstop's frames, as it does with its own.
        pydevd.api.PyDevdAPI().set_dont_trace_start_end_patterns(
            py_db, (_folder_of(debugpy.__file__), _folder_of(__file__)), ("debugpy_launcher.py",)
        )
        # debugpy's guard prints a warning whenever sys.settrace is called; allstop's own
        # backend calls it while it has the interpreter.
        pydevd.tracing.restore_sys_set_trace_func()
        self._trace_off()
        self._wrap(py_db)
        py_db.add_dap_messages_listener(_HideOwnThreads(engine))

    @property
    def attached(self) -> bool:
        """Whether an editor is attached (it has sent ``configurationDone``)."""
        return self._attached

    def wait_for_client(self) -> None:
        """Block until an editor has attached (``--wait-for-client``)."""
        import debugpy

        debugpy.wait_for_client()

    # -- the peer protocol (see Engine) ----------------------------------------------------
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
        return bool(getattr(thread, "is_pydev_daemon_thread", False))

    def world_resumed(self) -> None:
        if self._attached and not self._has_interpreter:
            self._take_interpreter()

    def stop_soon(self, frame: FrameType) -> None:
        self._pydevd.main.settrace(
            suspend=True,
            trace_only_current_thread=True,
            patch_multiprocessing=False,
            stop_at_frame=frame,
            notify_stdin=False,
        )

    def stop_now(self, frame: FrameType, reason: StopReason) -> None:
        """Suspend the calling thread right in ``frame`` (every other thread follows), the
        way pydevd's own post-mortem suspends: with pydevd's tracing of this thread paused
        until the user resumes."""
        pydevd = self._pydevd
        py_db = self._py_db
        thread = threading.current_thread()
        info = py_db.set_additional_thread_info(thread)
        monitoring = pydevd.monitoring
        paused = monitoring is not None and monitoring.suspend_current_thread_tracing()
        info.is_tracing += 1
        try:
            pause = reason is StopReason.PAUSE
            command = pydevd.CMD_THREAD_SUSPEND if pause else pydevd.CMD_SET_BREAK
            # pydevd announces a CMD_THREAD_SUSPEND only while a pause is pending.
            py_db.set_suspend(
                thread, command, suspend_other_threads=True, is_pause=pause, suspend_requested=True
            )
            py_db.do_wait_suspend(thread, frame, "line", None)
        finally:
            info.is_tracing -= 1
            if paused:
                monitoring.resume_current_thread_tracing()

    def post_mortem(self, exception: BaseException, *, crashed: bool) -> None:
        """A crash stops as the editor's exception settings say ("Uncaught Exceptions");
        an explicit post-mortem always stops.  Both on the innermost frame of the traceback."""
        py_db = self._py_db
        if crashed:
            if threading.current_thread() is not threading.main_thread():
                return  # a thread's crash: pydevd has stopped on it itself
            if not py_db.break_on_uncaught_exceptions:
                return
        py_db.trigger_exception_handler(
            (type(exception), exception, exception.__traceback__), as_uncaught=False
        )
        if crashed:
            # The main script is over: its exit (allstop run's SystemExit with status 1,
            # through runpy) would be shown as one more uncaught exception.
            py_db.disable_tracing()

    # -- hand-over -------------------------------------------------------------------------
    def _wrap(self, py_db: Any) -> None:
        """Hear of the editor's ``configurationDone``, ``disconnect`` and breakpoint changes
        (pydevd calls these on its reader thread)."""
        done, disconnect = py_db.on_configuration_done, py_db.on_disconnect
        changed = py_db.on_breakpoints_changed

        def on_configuration_done() -> None:
            self._attach()
            done()  # only now does wait_for_client return: pydevd traces already

        def on_disconnect() -> None:
            disconnect()
            self._detached()

        def on_breakpoints_changed(removed: bool = False) -> None:
            changed(removed)
            # The editor setting a file's breakpoints removes every other one in the file.
            if removed and self._has_interpreter:
                with self._state_lock:
                    if self._has_interpreter:
                        self._lend_breakpoints()

        py_db.on_configuration_done = on_configuration_done
        py_db.on_disconnect = on_disconnect
        py_db.on_breakpoints_changed = on_breakpoints_changed
        if py_db.is_attached():  # an editor quicker than us
            self._attach()

    def _attach(self) -> None:
        self._attached = True
        self.world_resumed()
        self.engine.spawn_exempt(self._watch_reader)

    def _watch_reader(self) -> None:
        """The editor's socket closed without a ``disconnect``: detach as if it had sent one
        (otherwise threads would stay suspended, waiting for nobody)."""
        reader = getattr(self._py_db, "reader", None)
        if reader is None:
            return
        reader.join()
        if self._attached and getattr(self._py_db, "reader", None) is reader:
            self._pydevd.api.PyDevdAPI().request_disconnect(self._py_db, resume_threads=True)

    def _reader_alive(self) -> bool:
        reader = getattr(self._py_db, "reader", None)
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

    def _lend_breakpoints(self) -> None:
        """allstop's breakpoints stop in the editor too: pydevd watches their lines, and
        allstop's table decides, through the condition ``lent_hit``, whether a hit stops
        (conditions, ignore counts, thread filters, temporary breakpoints).  A line where the
        editor has a breakpoint of its own is left to that one."""
        api = self._pydevd.api.PyDevdAPI()
        py_db = self._py_db
        for (filename, line), numbers in lent_places(self.engine.breakpoints).items():
            number = self._lent.setdefault((filename, line), LENT_IDS + len(self._lent))
            canonical = self._pydevd.file_utils.canonical_normalized_path(filename)
            if line in py_db.breakpoints.get(canonical, {}):
                continue
            condition = (
                f"__import__('allstop._debugpy', fromlist=['_']).lent_hit({filename!r}, {line},"
                f" {numbers!r})"
            )
            api.add_breakpoint(
                py_db,
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

    def _take_breakpoints_back(self) -> None:
        api = self._pydevd.api.PyDevdAPI()
        for (filename, _), number in self._lent.items():
            api.remove_breakpoint(self._py_db, filename, "python-line", number)

    def _trace_on(self) -> None:
        """pydevd traces every thread (what it does itself at its first connection)."""
        py_db = self._py_db
        self._pydevd.monkey.enable_trace_thread_modules()
        py_db.patch_threads()
        py_db.enable_tracing(py_db.trace_dispatch, apply_to_all_threads=True)
        py_db.set_tracing_for_untraced_contexts()

    def _trace_off(self) -> None:
        """pydevd's hooks come off every thread."""
        pydevd = self._pydevd
        pydevd.monkey.disable_trace_thread_modules()
        if pydevd.monitoring is not None:
            pydevd.monitoring.stop_monitoring(all_threads=True)
            return
        from ._backends import _ctrace
        from ._stops import World

        # allstop's own threads too: pydevd gave them its trace function, and the session's
        # evaluator would suspend in it at the next expression, for an editor long gone.
        _ctrace.untrace_all(frozen=self.engine.world is World.FROZEN)


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


class _HideOwnThreads:
    """Before pydevd lists the threads for the editor, mark allstop's own as pydevd marks
    its own, so that the list shows only the program's.  (They get a ``threading`` object
    only when something in them asks for ``current_thread()``: that may happen any time.)"""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def before_send(self, message: dict[str, Any]) -> None:
        return None

    def after_receive(self, message: dict[str, Any]) -> None:
        if message.get("command") != "threads":
            return
        for ident in list(self._engine.exempt):
            thread = threading._active.get(ident)  # type: ignore[attr-defined]
            if thread is not None:
                thread.is_pydev_daemon_thread = True


class _Pydevd:
    """pydevd, and the parts of it the hand-off uses (importable once debugpy is)."""

    def __init__(self) -> None:
        import debugpy.server  # noqa: F401 - puts the vendored pydevd on sys.path
        import pydevd
        import pydevd_file_utils
        import pydevd_tracing
        from _pydev_bundle import pydev_monkey
        from _pydevd_bundle import pydevd_api, pydevd_comm_constants, pydevd_constants

        self.main = pydevd
        self.tracing = pydevd_tracing
        self.file_utils = pydevd_file_utils
        self.monkey = pydev_monkey
        self.api = pydevd_api
        self.CMD_THREAD_SUSPEND: int = pydevd_comm_constants.CMD_THREAD_SUSPEND
        self.CMD_SET_BREAK: int = pydevd_comm_constants.CMD_SET_BREAK
        self.start_wrappers = {
            pydev_monkey._NewThreadStartupWithTrace.__call__.__code__,
            pydev_monkey._NewThreadStartupWithoutTrace.__call__.__code__,
        }
        self.monitoring: Any = None
        """pydevd's sys.monitoring tracer, where pydevd uses it (3.12+)."""
        if pydevd_constants.PYDEVD_USE_SYS_MONITORING:
            from _pydevd_sys_monitoring import pydevd_sys_monitoring

            self.monitoring = pydevd_sys_monitoring


def _folder_of(path: str) -> str:
    return os.path.dirname(os.path.abspath(path))
