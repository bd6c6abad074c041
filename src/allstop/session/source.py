"""Source commands: ``list``, ``longlist``, ``source``, in pdb's format (``B`` marks a
breakpoint, ``->`` the current line, ``>>`` the line an exception left the frame at).  Source
is read through ``linecache`` (with the frame's globals, so a module's loader can give it),
never by running program code, except for ``source EXPRESSION``, which evaluates its
argument."""

from __future__ import annotations

import inspect
import linecache
from types import FrameType

from .core import CommandError, Commands, command


class SourceCommands(Commands):
    def _print_lines(
        self, lines: list[str], start: int, breaks: frozenset[int], frame: FrameType | None
    ) -> None:
        current = frame.f_lineno if frame is not None else -1
        raised = self._raised_at(frame)
        for lineno, line in enumerate(lines, start):
            text = str(lineno).rjust(3)
            if len(text) < 4:
                text += " "
            text += "B" if lineno in breaks else " "
            if lineno == current:
                text += "->"
            elif lineno == raised:
                text += ">>"
            self.session.message(text + "\t" + line.rstrip())

    def _raised_at(self, frame: FrameType | None) -> int:
        """Where an exception left ``frame``, when the frame has moved on since (to a
        ``finally`` block, say): the line of its traceback entry (-1 otherwise)."""
        session = self.session
        views = session.frames
        view = views[session.index] if views else None
        if frame is None or view is None or view.frame is not frame or view.lineno is None:
            return -1
        return view.lineno if view.lineno != frame.f_lineno else -1

    @command("l")
    def do_list(self, arg: str) -> None:
        """l(ist) [first[, last] | .]

        List source code of the current file: 11 lines around the current line, or continue
        the previous listing.  'list .' lists around the current line again; one argument
        lists 11 lines around that line; two list that range (a second smaller than the
        first is a count)."""
        session = self.session
        frame = session.frame()
        session.lastcmd = "list"
        last: int | None = None
        if arg and arg != ".":
            try:
                if "," in arg:
                    first_text, last_text = arg.split(",")
                    first, last = int(first_text.strip()), int(last_text.strip())
                    if last < first:
                        last = first + last
                else:
                    first = max(1, int(arg.strip()) - 5)
            except ValueError:
                raise CommandError(f"Error in argument: {arg!r}") from None
        elif session.list_lineno is None or arg == ".":
            first = max(1, (frame.f_lineno or frame.f_code.co_firstlineno) - 5)
        else:
            first = session.list_lineno + 1
        if last is None:
            last = first + 10
        filename = frame.f_code.co_filename
        if filename.startswith("<frozen"):  # the module's __file__ says where its source is
            given = frame.f_globals.get("__file__")
            filename = given if isinstance(given, str) else filename
        lines = linecache.getlines(filename, frame.f_globals)
        if not lines:
            raise CommandError(f"source not available for {filename}")
        breaks = session.breakpoint_lines(filename)
        self._print_lines(lines[first - 1 : last], first, breaks, frame)
        session.list_lineno = min(last, len(lines))
        if len(lines) < last:
            session.message("[EOF]")

    @command("ll")
    def do_longlist(self, arg: str) -> None:
        """ll | longlist

        List the whole source code of the current function or frame."""
        self.takes_no_argument(arg)
        frame = self.session.frame()
        try:
            lines, lineno = inspect.getsourcelines(frame)
        except (OSError, TypeError) as exc:
            raise CommandError(str(exc)) from None
        breaks = self.session.breakpoint_lines(frame.f_code.co_filename)
        self._print_lines(lines, max(1, lineno), breaks, frame)

    def do_source(self, arg: str) -> None:
        """source expression

        Print the source code of the object the expression gives."""
        value = self.session.value_of(arg)
        try:
            lines, lineno = inspect.getsourcelines(value)
        except (OSError, TypeError) as exc:
            raise CommandError(str(exc)) from None
        self._print_lines(lines, max(1, lineno), frozenset(), None)
