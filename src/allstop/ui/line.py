"""Line mode: pdb-style prompt on the program's standard input and output.

Design note: the world is frozen while this runs, and a frozen thread may hold the lock of
``sys.stdout`` (parked in the middle of a ``print``) or be blocked reading ``sys.stdin``.  So
line mode never touches those objects: it reads and writes file descriptors of its own,
duplicated from 0 and 1 when the debugger is set up.  It reads in blocks but no byte past the
end of a command line: what follows may be the program's input, and the program's own
``sys.stdin`` could not get it back (``_taker``).  On a terminal it edits the line as readline
does for pdb (history across stops, Tab completion of commands, names in the current frame
and attributes after a dot, listed readline's way on a second Tab): prompt_toolkit, on those
same file descriptors, imported when the debugger is set up.
"""

from __future__ import annotations

import codecs
import errno
import os
import select
import socket
import stat
import sys
import termios
from collections.abc import Callable
from contextlib import suppress
from functools import partial
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
        self._interrupted, self._interrupt = os.pipe()
        """Ctrl-C, which the main thread hears, makes ``read_command`` (on the session's
        thread) raise: one byte written here wakes it."""
        os.set_blocking(self._interrupt, False)
        self._lines = _Lines(self._in, self._interrupted)
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
        while True:
            try:
                return self._lines.readline()
            except KeyboardInterrupt:  # Ctrl-C at the prompt: a new line, as pdb
                self._lines.discard()
                self._write("\n--KeyboardInterrupt--\n" + prompt)

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


_BLOCK = 65536
"""The most read at once: the capacity of a pipe on Linux."""

_SPLICE_F_NONBLOCK = 2
"""``tee(2)``'s flag: fail with EAGAIN rather than wait for data (<linux/splice.h>)."""


class _Lines:
    """Lines from a file descriptor, decoded as UTF-8 (a character may span two reads).

    Each read's bytes are searched for a newline once, and a long line's pieces are joined
    once, at its end: a line costs time in proportion to its length.
    """

    def __init__(self, fd: int, interrupted: int) -> None:
        self._fd = fd
        self._interrupted = interrupted
        self._take = _taker(fd)
        self._ahead = b""
        """Bytes read past a newline, the start of the next line: only when another reader
        of the descriptor took bytes between a peek and the read, or a file could not be
        rewound (``_taker``)."""
        self._pieces: list[str] = []
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._eof = False

    def readline(self) -> str | None:
        """The next line without its ``\\n`` or ``\\r\\n``; the last one even if no newline ends
        it; None at the end of the input (and from then on).  A byte on ``interrupted``
        (Ctrl-C) raises KeyboardInterrupt, and what was read of the line stays until
        ``discard``."""
        while not self._eof:
            chunk = self._ahead or self._next()
            self._ahead = b""
            if not chunk:
                self._eof = True
            elif (end := chunk.find(b"\n")) < 0:
                self._pieces.append(self._decoder.decode(chunk))
            else:
                self._ahead = chunk[end + 1 :]
                return self._line(chunk[:end])
        return self._line(b"") if self._pieces else None

    def discard(self) -> None:
        """Forget the line read so far (Ctrl-C at the prompt: pdb starts a new one)."""
        self._pieces.clear()
        self._decoder.reset()
        self._ahead = b""

    def _line(self, tail: bytes) -> str:
        text = "".join(self._pieces) + self._decoder.decode(tail, final=True)
        self._pieces.clear()
        return text.rstrip("\r")

    def _next(self) -> bytes:
        """The next bytes of input (b"" at its end), waiting for them."""
        while True:
            ready, _, _ = select.select([self._fd, self._interrupted], [], [])
            if self._interrupted in ready:
                os.read(self._interrupted, 64)
                raise KeyboardInterrupt
            with suppress(BlockingIOError):  # non-blocking, and another reader was first
                chunk = self._take()
                if chunk is not None:
                    return chunk


def _taker(fd: int) -> Callable[[], bytes | None]:
    """How line mode reads ``fd`` once it is readable: the bytes read, up to the end of the
    first line in them (b"" at the end of the input; None when there was nothing after all).

    Why no further: what follows the debugger's commands on standard input belongs to the
    program (the answer to its own ``input()`` after ``continue``).  pdb reads through
    ``sys.stdin``, whose buffer the program shares, so it takes nothing of the program's.
    Line mode cannot use ``sys.stdin`` (a frozen thread may hold its lock), and bytes read
    ahead from a descriptor cannot be handed back to the program's ``sys.stdin``: so it
    reads in blocks, but never past a newline:

    - a regular file (``< commands.txt``): a block, then the file offset, which descriptor
      0 shares, goes back to just after the newline;
    - a terminal: a block; in canonical mode, which ``enter`` sets, a read returns at most
      one line;
    - a pipe (on Linux) or a socket: a look at what is there without taking it (``tee(2)``
      into a pipe of its own; ``MSG_PEEK``), then a read up to and including the newline;
    - anything else (a pipe elsewhere than on Linux, a device): one byte a read, as
      allstop always did; slow on a long line, a system call a byte, but exact.
    """
    mode = os.fstat(fd).st_mode
    if stat.S_ISREG(mode):
        return partial(_read_rewinding, fd)
    if os.isatty(fd):
        return partial(os.read, fd, _BLOCK)
    peek = None
    if stat.S_ISFIFO(mode):
        peek = _pipe_peek(fd)
    elif stat.S_ISSOCK(mode):
        peek = _socket_peek(fd)
    if peek is None:
        return partial(os.read, fd, 1)
    return partial(_read_peeked, fd, peek)


def _read_rewinding(fd: int) -> bytes:
    """A block of regular file ``fd``, the file then rewound to just after its first line."""
    data = os.read(fd, _BLOCK)
    end = data.find(b"\n") + 1
    if 0 < end < len(data):
        with suppress(OSError):  # kept as the next line's start: see _Lines._ahead
            os.lseek(fd, end - len(data), os.SEEK_CUR)
            return data[:end]
    return data


def _read_peeked(fd: int, peek: Callable[[int], bytes | None]) -> bytes | None:
    """What ``peek`` shows of ``fd``, taken up to its first newline."""
    try:
        seen = peek(_BLOCK)
    except OSError:  # no tee(2) after all (a sandbox's system call filter, say)
        return os.read(fd, 1)
    if not seen:
        return seen
    return os.read(fd, seen.find(b"\n") + 1 or len(seen))


def _pipe_peek(fd: int) -> Callable[[int], bytes | None] | None:
    """What pipe ``fd`` holds, left in it: Linux's ``tee(2)`` copies it into a pipe of our
    own, read at once.  None where there is no ``tee``."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    tee = getattr(ctypes.CDLL(None, use_errno=True), "tee", None)
    if tee is None:
        return None
    tee.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_size_t, ctypes.c_uint]
    tee.restype = ctypes.c_ssize_t
    copy, into = os.pipe()
    os.set_blocking(copy, False)

    def peek(size: int) -> bytes | None:
        copied: int = tee(fd, into, size, _SPLICE_F_NONBLOCK)
        if copied < 0:
            error = ctypes.get_errno()
            if error in (errno.EAGAIN, errno.EINTR):
                return None
            raise OSError(error, os.strerror(error))
        # All the copy holds, of which the last bytes are this one's: a KeyboardInterrupt
        # (Python's own SIGINT handler) between a copy and its read leaves bytes before them.
        held = []
        with suppress(BlockingIOError):
            while True:
                held.append(os.read(copy, _BLOCK))
        data = b"".join(held)
        return data[len(data) - copied :]

    return peek


def _socket_peek(fd: int) -> Callable[[int], bytes | None] | None:
    """What socket ``fd`` holds, left in it (``MSG_PEEK``)."""
    duplicate = os.dup(fd)
    try:
        sock = socket.socket(fileno=duplicate)
    except OSError:  # a kind of socket Python does not know
        os.close(duplicate)
        return None
    return lambda size: sock.recv(size, socket.MSG_PEEK)


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
