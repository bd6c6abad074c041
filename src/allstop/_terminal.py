"""The terminal as the program left it, put back if the process is terminated mid-session.

Design note: the session puts the terminal in a mode of its own (raw for line editing, the
alternate screen for the full-screen UI) and puts it back when the stop ends.  A SIGTERM whose
action is the default one (the program handles none) ends the process at once, and the shell
would be left with a terminal that does not echo.  So while the main thread waits in a frozen
world (parked, or presenting a stop), allstop handles SIGTERM: the handler puts back the
terminal's mode saved when the wait began (before the session changed it), leaves the
alternate screen and shows the cursor, then lets the default action end the process, exit
status included, as without allstop (through ``_signal``: ``signal``'s Python code would be
stepped into by a main thread that steps).  Only the main thread may set a handler, so a main thread
blocked in C through a stop (allstop first imported in another thread) goes without.
"""

from __future__ import annotations

import _thread
import importlib
import os
import termios  # here, not where a thread parks: an import there could wait for a frozen one
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from types import FrameType
from typing import Any

from ._frames import main_ident

_signal: Any = importlib.import_module("_signal")
"""``signal``'s C module: see the design note."""

_RESET = b"\x1b[?1049l\x1b[?25h\x1b[?2004l\x1b[?1000l\x1b[?1006l"
"""Leave the alternate screen, show the cursor, stop bracketed paste and mouse reports."""


@contextmanager
def kept() -> Iterator[None]:
    """While the calling thread (the main one) waits: see the design note."""
    # Not threading.current_thread(): a thread past its end (stepping out of its last frame)
    # would be given a dummy Thread object, and a new name.
    if _thread.get_ident() != main_ident():
        yield
        return
    try:
        if _signal.getsignal(_signal.SIGTERM) is not _signal.SIG_DFL:
            yield  # the program's own handler decides (or one of ours, further out)
            return
    except ValueError:
        yield
        return
    saved = _mode()

    def put_back(signum: int, frame: FrameType | None) -> None:
        _restore(saved)
        _signal.signal(signum, _signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    _signal.signal(_signal.SIGTERM, put_back)
    try:
        yield
    finally:
        if _signal.getsignal(_signal.SIGTERM) is put_back:
            _signal.signal(_signal.SIGTERM, _signal.SIG_DFL)


def write(data: bytes) -> None:
    """``data`` on the controlling terminal, if there is one (never through ``sys.stdout``,
    whose lock a frozen thread may hold)."""
    with _tty() as fd:
        if fd is not None:
            os.write(fd, data)


def _mode() -> list[Any] | None:
    """The controlling terminal's mode now (None without one)."""
    with _tty() as fd, suppress(termios.error):
        return termios.tcgetattr(fd) if fd is not None else None
    return None


def _restore(saved: list[Any] | None) -> None:
    if saved is None:
        return
    with _tty() as fd, suppress(OSError):
        if fd is None:
            return
        with suppress(termios.error):
            termios.tcsetattr(fd, termios.TCSANOW, saved)
        os.write(fd, _RESET)


@contextmanager
def _tty() -> Iterator[int | None]:
    """A descriptor of the controlling terminal (None without one), closed afterwards."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        yield None
        return
    try:
        yield fd
    finally:
        os.close(fd)
