"""Line mode: pdb-style prompt on the program's standard input and output.

Design note: the world is frozen while this runs, and a frozen thread may hold the lock of
``sys.stdout`` (parked in the middle of a ``print``) or be blocked reading ``sys.stdin``.  So
line mode never touches those objects: it reads and writes file descriptors of its own,
duplicated from 0 and 1 when the debugger is set up, with its own line buffer.  On a terminal
it edits the line as readline does for pdb (history across stops, Tab completion of commands,
names in the current frame and attributes after a dot, listed readline's way on a second Tab):
prompt_toolkit, on those same file descriptors, imported when the debugger is set up.
"""

from __future__ import annotations

import errno
import os
import select
import termios
from collections.abc import Callable
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from .hooks import python_breakpoint_hook

if TYPE_CHECKING:
    from typing import TextIO

    from prompt_toolkit.output import Output

    from ..session import SessionView


class LineIO:
    """A ``SessionIO`` over two file descriptors."""

    def __init__(self, in_fd: int = 0, out_fd: int = 1) -> None:
        self._in = os.dup(in_fd)
        self._out = os.dup(out_fd)
        self._buffer = b""
        self._eof = False
        self._interrupted, self._interrupt = os.pipe()
        """Ctrl-C, which the main thread hears, makes ``read_command`` (on the session's
        thread) raise: one byte written here wakes it."""
        os.set_blocking(self._interrupt, False)
        self._editor = _LineEditor(self._in, self._out) if _editable(self._in) else None
        self._session: SessionView | None = None
        self._saved_mode: list[Any] | None = None

    def enter(self, session: SessionView) -> None:
        self._session = session
        self._saved_mode = _cook(self._in)

    def leave(self) -> None:
        saved, self._saved_mode = self._saved_mode, None
        if saved is not None:
            with suppress(termios.error):
                termios.tcsetattr(self._in, termios.TCSADRAIN, saved)

    def interrupt(self) -> None:
        with suppress(OSError):  # a byte is waiting already
            os.write(self._interrupt, b"!")

    def message(self, text: str) -> None:
        self._write(text + "\n")

    def error(self, text: str) -> None:
        self._write(text + "\n")

    def read_command(self, prompt: str) -> str | None:
        if self._editor is not None and self._session is not None:
            return self._editor.read(prompt, self._session)
        self._write(prompt)
        while b"\n" not in self._buffer:
            if self._eof:
                break
            try:
                chunk = self._read()
            except KeyboardInterrupt:
                self._buffer = b""
                self._write("\n--KeyboardInterrupt--\n" + prompt)
                continue
            if not chunk:
                self._eof = True
        if b"\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\n", 1)
        elif self._buffer:
            line, self._buffer = self._buffer, b""
        else:
            return None
        return line.decode("utf-8", "replace").rstrip("\r")

    def _read(self) -> bytes:
        while True:
            ready, _, _ = select.select([self._in, self._interrupted], [], [])
            if self._interrupted in ready:
                os.read(self._interrupted, 64)
                raise KeyboardInterrupt
            try:
                # One byte at a time: what follows the command line belongs to the program
                # (its own input() after the stop), so nothing is read ahead.
                chunk = os.read(self._in, 1)
            except BlockingIOError:
                continue
            self._buffer += chunk
            return chunk

    def _write(self, text: str) -> None:
        data = text.encode("utf-8", "replace")
        while data:
            try:
                written = os.write(self._out, data)
            except BlockingIOError:
                select.select([], [self._out], [])
                continue
            except OSError as exc:
                if exc.errno in (errno.EPIPE, errno.EBADF):
                    return  # nobody reads our output any more; the session goes on
                raise
            data = data[written:]


def _output(stream: TextIO) -> Output:
    """The terminal's output, without cursor position requests (the prompt takes one line,
    as readline's, and a terminal that does not answer them would be warned about)."""
    from prompt_toolkit.data_structures import Size
    from prompt_toolkit.output.vt100 import Vt100_Output

    def size() -> Size:
        columns, rows = os.get_terminal_size(stream.fileno())
        return Size(rows=rows or 24, columns=columns or 80)

    return Vt100_Output(stream, size, enable_cpr=False)


def _cook(fd: int) -> list[Any] | None:
    """Put terminal ``fd`` in the mode a line is read and written in (a program waiting for
    a key, 3.13's REPL say, may have left it raw: no echo, no carriage return before a
    newline); the mode it had, to put back, or None when nothing changed."""
    try:
        saved = termios.tcgetattr(fd)
    except termios.error:  # not a terminal
        return None
    iflag, oflag, cflag, lflag, *rest = saved
    cooked = [
        iflag | termios.ICRNL,
        oflag | termios.OPOST | termios.ONLCR,
        cflag,
        lflag | termios.ICANON | termios.ECHO | termios.ISIG | termios.IEXTEN,
        *rest,
    ]
    if cooked == saved:
        return None
    with suppress(termios.error):
        termios.tcsetattr(fd, termios.TCSADRAIN, cooked)
    return saved


def _editable(fd: int) -> bool:
    """Whether line editing can run on ``fd``: a terminal that is not a dumb one."""
    return os.isatty(fd) and os.environ.get("TERM", "") not in ("", "dumb")


class _LineEditor:
    """readline's comforts at the prompt, with prompt_toolkit on line mode's own descriptors."""

    def __init__(self, in_fd: int, out_fd: int) -> None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import InMemoryHistory
        from prompt_toolkit.input import create_input
        from prompt_toolkit.shortcuts import CompleteStyle

        from .completer import SessionCompleterHere

        self._view: SessionView | None = None
        self._prompt = PromptSession[str](
            history=InMemoryHistory(),
            completer=SessionCompleterHere(self._ask),
            complete_style=CompleteStyle.READLINE_LIKE,
            complete_while_typing=False,
            input=create_input(os.fdopen(os.dup(in_fd), "r", closefd=True)),
            output=_output(os.fdopen(os.dup(out_fd), "w", closefd=True)),
        )

    def _ask(self, fn: Callable[[SessionView], list[str]]) -> list[str]:
        """The completer's questions, answered right here: line mode reads its command
        on the session's own thread."""
        return fn(self._view) if self._view is not None else []

    def read(self, prompt: str, view: SessionView) -> str | None:
        self._view = view
        while True:
            try:
                with python_breakpoint_hook():
                    return self._prompt.prompt(prompt, handle_sigint=False)
            except KeyboardInterrupt:  # Ctrl-C at the prompt: a new prompt, as pdb
                self._prompt.output.write("--KeyboardInterrupt--\n")
                self._prompt.output.flush()
            except EOFError:
                return None
