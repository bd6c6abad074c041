"""pdb's own front end: the session on Python file objects, as ``pdb.Pdb(stdin, stdout)`` uses
them.

Design note: pdb writes to its ``stdout`` (``sys.stdout`` when it was made, unless given one)
and reads with ``input()`` (``use_rawinput``, the default) or, when given a ``stdout``, with its
``stdin.readline()``.  Programs and tests that hand pdb streams, or replace ``sys.stdin`` and
``sys.stdout`` (doctest does), expect to see the session there.  Unlike line mode (``line``,
which writes file descriptors of its own), this writes through the program's file objects: a
frozen thread that holds such an object's lock would block the session, so it is used only when
streams were given or replaced, as pdb would use them.
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from ..session import SessionView


class StreamIO:
    """A ``SessionIO`` over a pair of text files, pdb's way."""

    def __init__(self, stdin: IO[str], stdout: IO[str], *, rawinput: bool) -> None:
        self.stdin = stdin
        self.stdout = stdout
        self.rawinput = rawinput
        """Read with ``input()`` (on the ``sys.stdin``/``sys.stdout`` of that moment)."""

    def enter(self, session: SessionView) -> None:
        return None

    def leave(self) -> None:
        return None

    def interrupt(self) -> None:
        return None  # input() on another thread cannot be interrupted: the line finishes it

    def message(self, text: str) -> None:
        print(text, file=self.stdout)

    def error(self, text: str) -> None:
        print(text, file=self.stdout)

    def read_command(self, prompt: str) -> str | None:
        while True:
            try:
                return self._read(prompt)
            except KeyboardInterrupt:  # Ctrl-C at the prompt: a new prompt, as pdb
                self.message("\n--KeyboardInterrupt--")

    def _read(self, prompt: str) -> str | None:
        try:
            if self.rawinput:
                return input(prompt)
            self.stdout.write(prompt)
            self.stdout.flush()
            line = self.stdin.readline()
        except EOFError:
            return None
        except (OSError, ValueError, IndexError):  # closed, or a scripted input ran out
            return None
        return line.rstrip("\r\n") if line else None
