"""Line mode: pdb-style prompt on the program's standard input and output.

Design note: the world is frozen while this runs, and a frozen thread may hold the lock of
``sys.stdout`` (parked in the middle of a ``print``) or be blocked reading ``sys.stdin``.  So
line mode never touches those objects: it reads and writes file descriptors of its own,
duplicated from 0 and 1 when the debugger is set up, with its own line buffer.  It never
imports prompt_toolkit.
"""

from __future__ import annotations

import errno
import os
import select
from contextlib import suppress
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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

    def enter(self, session: SessionView) -> None:
        return None

    def leave(self) -> None:
        return None

    def interrupt(self) -> None:
        with suppress(OSError):  # a byte is waiting already
            os.write(self._interrupt, b"!")

    def message(self, text: str) -> None:
        self._write(text + "\n")

    def error(self, text: str) -> None:
        self._write(text + "\n")

    def read_command(self, prompt: str) -> str | None:
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
