"""The full-screen front end: a ``SessionIO`` whose prompt_toolkit application shows every
thread, the current stack, source and variables while the world is stopped.

Design note
-----------
For each stop the application runs on a thread of allstop's own (exempt from freezing), on the
controlling terminal (``/dev/tty``), so it works whichever thread stopped, and when the
program's stdin/stdout are redirected.  Off the main thread prompt_toolkit installs no SIGINT or
SIGWINCH handler: Ctrl-C is an ordinary key here (it asks before quitting) and the terminal size
is polled (``refresh_interval``).

The session's thread (the presenter) keeps running the session: ``read_command`` waits for the
next request from the UI, a command line to run, or a job to run on the session's side (reading
variables goes through the session's evaluation guard, never through the UI thread).  Keys
never implement commands: each one sends a line-mode command or moves a cursor.  ``leave`` ends
the application and waits for it, so the terminal is restored (cooked mode, cursor shown,
alternate screen left) before the world resumes.
"""

from __future__ import annotations

import asyncio
import linecache
import os
import threading
import time
from _queue import SimpleQueue
from collections.abc import Callable
from contextlib import suppress
from typing import TYPE_CHECKING, TextIO, TypeVar

from prompt_toolkit.application import Application
from prompt_toolkit.buffer import Buffer
from prompt_toolkit.document import Document
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import Input, create_input
from prompt_toolkit.layout import Window
from prompt_toolkit.output import Output, create_output

from ... import _terminal
from ..._model import TaskView
from ..._tree import Process
from ..completer import SessionCompleter
from ..hooks import python_breakpoint_hook
from ..line import LineIO
from .keys import load_bindings
from .layout import Panes
from .state import TaskGroup, TuiState
from .style import make_style

if TYPE_CHECKING:
    from ...session import SessionView

T = TypeVar("T")
OUTPUT_LINES = 5000
STREAM_AFTER = 0.1
"""A command's output is drawn once, when it is done, or as it comes from this many seconds
after its start on: a command that prints five lines redraws once, not five times."""
Request = str | Callable[[], None] | None


class Tui:
    """The full-screen ``SessionIO``."""

    def __init__(
        self,
        *,
        input: Input | None = None,
        output: Output | None = None,
        terminal: tuple[TextIO, TextIO] | None = None,
    ) -> None:
        self.state = TuiState()
        self.history = InMemoryHistory()
        """Kept across stops, for the whole process."""
        self.command_buffer = Buffer(
            history=self.history,
            completer=SessionCompleter(self.ask_session),
            complete_while_typing=False,
            multiline=False,
            accept_handler=self._accept,
        )
        self.output_buffer = Buffer(read_only=True)
        self.panes = Panes(
            self.state,
            self.command_buffer,
            self.output_buffer,
            on_thread=self.select_thread,
            on_frame=self.select_frame,
            on_variable=self._click_variable,
            on_source_line=self._click_source,
        )
        if input is None or output is None:
            stdin, stdout = terminal or _open_terminal()
            input = input or create_input(stdin=stdin)
            output = output or create_output(stdout=stdout)
        self.app: Application[None] = Application(
            layout=self.panes.layout(),
            key_bindings=load_bindings(self),
            style=make_style(),
            full_screen=True,
            mouse_support=True,
            input=input,
            output=output,
            refresh_interval=0.5,  # no SIGWINCH off the main thread: notice resizes anyway
        )
        self._requests: SimpleQueue[Request] = SimpleQueue()
        self.waiting = threading.Event()
        """Set while the session waits for the next command."""
        self._running = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()
        self._command_origin: Window | None = None
        self._command_since: float | None = None
        """When the command under way started, while its output waits to be drawn."""
        self._flush_timer: asyncio.TimerHandle | None = None
        self.fallback: LineIO | None = None
        """Line mode on the terminal, if the application failed."""

    # -- SessionIO -------------------------------------------------------------------------
    def enter(self, session: SessionView) -> None:
        self._command_since = self._flush_timer = None  # a timer left by the last stop's loop
        self.state.session = session
        self.state.sync()
        self._refresh_rows()
        if self.fallback is not None:
            return
        self._running.clear()
        self._stopped.clear()
        try:
            session.spawn(self._run)
        except RuntimeError as exc:  # no thread can start at interpreter shutdown
            self._stopped.set()
            self._fail(exc)
            return
        self._running.wait(5.0)

    def leave(self) -> None:
        if not self._stopped.is_set():
            loop = self.app.loop
            if loop is not None and not loop.is_closed():
                loop.call_soon_threadsafe(_exit, self.app)
            self._stopped.wait(10.0)
        while not self._requests.empty():
            self._requests.get_nowait()  # keys pressed after a resuming command

    def interrupt(self) -> None:
        if self.fallback is not None:
            self.fallback.interrupt()  # raw mode sends Ctrl-C as a key otherwise

    def read_command(self, prompt: str) -> str | None:
        if self.fallback is not None:
            return self.fallback.read_command(prompt)
        state = self.state
        state.prompt = prompt
        if state.session is not None:
            state.tasks = state.session.read_tasks()
            state.processes = state.session.read_processes()
        state.sync()
        self._refresh_rows()
        self._command_since = None
        self._in_ui(self._command_done)
        if prompt.startswith("(("):  # debug's code stopped: the command line has the keys
            self._in_ui(lambda: self.app.layout.focus(self.panes.command))
        while True:
            self.waiting.set()
            request = self._requests.get()
            self.waiting.clear()
            if request is None or isinstance(request, str):
                self._command_since = self._command_since or time.monotonic()
                return request
            request()
            if self.failed:
                return self.read_command(prompt)

    def message(self, text: str) -> None:
        if self.fallback is not None:
            self.fallback.message(text)
        self._append(text, "")

    def error(self, text: str) -> None:
        if self.fallback is not None:
            self.fallback.error(text)
        elif self._stopped.is_set():
            # No application shows it (an internal error once the stop ended): the terminal.
            _terminal.write((text + "\n").encode(errors="replace"))
        self._append(text, "class:output.error")

    @property
    def failed(self) -> bool:
        return self.fallback is not None

    # -- the application thread ------------------------------------------------------------
    def _run(self) -> None:
        try:
            with python_breakpoint_hook():
                self.app.run(handle_sigint=False, pre_run=self._on_start)
        except BaseException as exc:  # the UI failed: the session goes on in line mode
            self._fail(exc)
        finally:
            self._running.set()
            self._stopped.set()

    def _on_start(self) -> None:
        self._update_output()
        self._running.set()

    def _fail(self, exc: BaseException) -> None:
        """Go on in line mode on the terminal, after saying why."""
        import traceback

        fallback = LineIO(_terminal_fd(), _terminal_fd())
        fallback.error("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
        fallback.error("*** the full-screen UI failed: going on in line mode")
        self.fallback = fallback
        self._requests.put(lambda: None)

    def _in_ui(self, job: Callable[[], None], redraw: bool = True) -> None:
        """Run ``job`` on the application's loop (if it runs), then redraw (if ``redraw``)."""
        loop = self.app.loop
        if loop is None or loop.is_closed() or not self.app.is_running:
            return

        def run() -> None:
            job()
            if redraw:
                self.app.invalidate()

        loop.call_soon_threadsafe(run)

    def _append(self, text: str, style: str) -> None:
        lines = self.state.output
        lines.extend((style, line) for line in text.split("\n"))
        del lines[:-OUTPUT_LINES]
        if self._command_since is None:
            self._in_ui(self._update_output)
        elif self._flush_timer is None:
            self._in_ui(self._flush_later, redraw=False)

    def _flush_later(self) -> None:
        """Draw the output of the command under way ``STREAM_AFTER`` seconds after its
        start, unless it is done first (in the application's loop)."""
        since, loop = self._command_since, self.app.loop
        if since is None or self._flush_timer is not None or loop is None:
            return
        self._flush_timer = loop.call_later(
            max(0.0, since + STREAM_AFTER - time.monotonic()), self._flush
        )

    def _flush(self) -> None:
        self._flush_timer = None
        self._command_since = None  # from now on, as it comes
        self._update_output()
        self.app.invalidate()

    def _command_done(self) -> None:
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        self._update_output()

    def _update_output(self) -> None:
        text = "\n".join(line for _, line in self.state.output)
        self.output_buffer.set_document(Document(text, len(text)), bypass_readonly=True)

    # -- actions (keys and clicks) ---------------------------------------------------------
    def send(self, command: str) -> None:
        """Run a line-mode command in the session, echoing it in the output pane (drawn
        with the command's output, in one redraw: see ``STREAM_AFTER``)."""
        self._command_since = self._command_since or time.monotonic()
        self._append(f"{self.state.prompt}{command}", "class:prompt")
        self._requests.put(command)

    def ask_quit(self) -> None:
        """Show the quit confirmation (q, Ctrl-C): quitting ends the program."""
        self.state.confirm = "Quit the program? [y/N]"

    def note(self, text: str) -> None:
        self._append(text, "")

    def _accept(self, buffer: Buffer) -> bool:
        self.send(buffer.text)
        if self._command_origin is not None:
            self.close_command_line()
        return False

    def open_command_line(self, text: str = "") -> None:
        """Focus the command line for one command (``:``, ``!``); ``close_command_line``
        goes back to the pane it came from."""
        layout = self.app.layout
        self._command_origin = layout.current_window
        layout.focus(self.panes.command)
        self.command_buffer.insert_text(text)

    def close_command_line(self) -> None:
        origin = self._command_origin or self.panes.threads
        self._command_origin = None
        self.app.layout.focus(origin)

    def _refresh_rows(self) -> None:
        """Read the variables view again (on the session's thread)."""
        session = self.state.session
        if session is not None:
            self.state.rows = session.variable_rows(
                self.state.scope, frozenset(self.state.expanded)
            )
            self.state.var_cursor = min(self.state.var_cursor, max(len(self.state.rows) - 1, 0))

    def ask_session(self, fn: Callable[[SessionView], T]) -> asyncio.Future[T]:
        """``fn(session)`` run on the session's thread (where the program's frames are read,
        through the evaluation guard); its result (or what it raised), on the UI's loop.  A
        stop that ends first leaves the future cancelled with the application."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()

        def job() -> None:
            session = self.state.session
            try:
                if session is None:
                    raise LookupError("no stop is shown")
                outcome: T | BaseException = fn(session)
            except Exception as exc:
                outcome = exc
            with suppress(RuntimeError):  # the loop closed meanwhile: nobody waits any more
                loop.call_soon_threadsafe(_settle, future, outcome)

        self._requests.put(job)
        return future

    def _request_rows(self) -> None:
        def job() -> None:
            self._refresh_rows()
            self._in_ui(lambda: None)

        self._requests.put(job)

    def move_thread(self, delta: int) -> None:
        count = len(self.state.thread_rows)
        self.state.thread_cursor = _clamp(self.state.thread_cursor + delta, count)

    def select_thread(self, index: int) -> None:
        """Enter (or a click) on a row of the threads pane: make its thread or task current,
        or show or fold a loop's tasks."""
        state = self.state
        if not 0 <= index < len(state.thread_rows):
            return
        state.thread_cursor = index
        row = state.thread_rows[index]
        if isinstance(row, TaskGroup):
            state.open_loops ^= {row.thread}
            state.build_thread_rows()
            self.app.invalidate()
        elif isinstance(row, TaskView):
            self.send(f"task {row.number}")
        elif isinstance(row, Process):
            self.send(f"process {row.number}")
        else:
            self.send(f"thread {row.number}")

    def move_frame(self, delta: int) -> None:
        count = len(self.state.session.frames) if self.state.session else 0
        self.state.stack_cursor = _clamp(self.state.stack_cursor + delta, count)

    def select_frame(self, index: int) -> None:
        self.state.stack_cursor = index
        self.send(f"frame {index}")

    def move_source(self, delta: int) -> None:
        count = len(linecache.getlines(self.state.source_file))
        self.state.source_cursor = _clamp(self.state.source_cursor - 1 + delta, count) + 1

    def _click_source(self, line: int) -> None:
        self.state.source_cursor = line

    def toggle_breakpoint(self) -> None:
        state = self.state
        session = state.session
        if session is None or not state.source_file:
            return
        where = f"{state.source_file}:{state.source_cursor}"
        lines = session.breakpoint_lines(state.source_file)
        self.send(f"clear {where}" if state.source_cursor in lines else f"break {where}")

    def move_variable(self, delta: int) -> None:
        self.state.var_cursor = _clamp(self.state.var_cursor + delta, len(self.state.rows))

    def toggle_variable(self, index: int) -> None:
        rows = self.state.rows
        if not 0 <= index < len(rows) or not rows[index].expandable:
            return
        path = rows[index].path
        self.state.expanded ^= {path}
        self._request_rows()

    def _click_variable(self, index: int) -> None:
        self.state.var_cursor = index
        self.toggle_variable(index)

    def toggle_scope(self) -> None:
        self.state.scope = "globals" if self.state.scope == "locals" else "locals"
        self.state.expanded = set()
        self.state.var_cursor = 0
        self._request_rows()


def _exit(app: Application[None]) -> None:
    if app.is_running and not app.future.done():  # type: ignore[union-attr]
        app.exit()


def _clamp(value: int, count: int) -> int:
    return max(0, min(value, count - 1))


def _open_terminal() -> tuple[TextIO, TextIO]:
    """The controlling terminal, for reading and for writing (OSError when there is none)."""
    stdin = open("/dev/tty")  # noqa: SIM115 - kept open for the life of the process
    stdout = open("/dev/tty", "w")  # noqa: SIM115
    return stdin, stdout


def _terminal_fd() -> int:
    return os.open("/dev/tty", os.O_RDWR)


def _settle(future: asyncio.Future[T], outcome: T | BaseException) -> None:
    if future.done():
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
