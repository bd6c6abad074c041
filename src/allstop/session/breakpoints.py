"""Breakpoint commands: ``break``, ``tbreak``, ``clear``, ``disable``, ``enable``,
``condition``, ``ignore``, ``commands``, with pdb's messages and list format, plus gdb's
``thread N`` filter.

The table is the engine's; every change is followed by ``breakpoints_changed()`` so that the
backend watches the code that holds breakpoints now.  Places are resolved by ``_locations``
(shared with ``allstop run -b``): a name is first looked up in the current frame, then as a
``def`` in the current file and along ``sys.path``.
"""

from __future__ import annotations

import os
import sys

from .._breakpoints import Breakpoint, canonic
from .._locations import LocationError, find_file, parse_break_spec, resolve
from .core import CommandError, Commands, UsageError, command, exception_text

_USAGE_FROM_DOC = sys.version_info >= (3, 13)
"""3.13's pdb answers a malformed argument with the command's usage from its docstring."""


def describe(bp: Breakpoint) -> str:
    return f"breakpoint {bp.number} at {bp.filename}:{bp.line}"


def format_breakpoint(bp: Breakpoint) -> str:
    """One row of the breakpoint list, in pdb's format (``bpformat``)."""
    disp = ("del  " if bp.temporary else "keep ") + ("yes  " if bp.enabled else "no   ")
    text = f"{bp.number:<4}breakpoint   {disp} at {bp.filename}:{bp.line}"
    if bp.funcname:
        text += f" (function {bp.funcname})"
    if bp.thread_number is not None:
        text += f"\n\tonly in thread {bp.thread_number}"
    if bp.condition:
        text += f"\n\tstop only if {bp.condition}"
    if bp.ignore:
        text += f"\n\tignore next {bp.ignore} hits"
    if bp.hits:
        text += f"\n\tbreakpoint already hit {bp.hits} time{'s' if bp.hits > 1 else ''}"
    return text


class BreakpointCommands(Commands):
    def _near(self) -> list[str]:
        """Folders where a relative file name given to a command is looked up first."""
        frame = self.session.curframe
        return [os.path.dirname(frame.f_code.co_filename)] if frame is not None else []

    def _by_number(self, text: str) -> Breakpoint:
        if not text:
            raise CommandError("Breakpoint number expected")
        try:
            number = int(text)
        except ValueError:
            raise CommandError(f"Non-numeric breakpoint number {text}") from None
        table = self.session.engine.breakpoints
        bp = table.get(number)
        if bp is None:
            if 0 <= number < table.next_number:
                raise CommandError(f"Breakpoint {number} already deleted")
            raise CommandError(f"Breakpoint number {number} out of range")
        return bp

    def _changed(self) -> None:
        """The table changed: the backend re-arms."""
        engine = self.session.engine
        engine.breakpoints.changed()
        engine.breakpoints_changed()

    @command("b")
    def do_break(self, arg: str, temporary: bool = False) -> None:
        """b(reak) [ ([filename:]lineno | function) [thread N] [, condition] ]

        Without argument, list all breakpoints.  With a line number, set a breakpoint at
        that line of the current file (or of filename); with a function name, at the first
        line run in that function.  'thread N' stops only in thread N.  The condition (a
        Python expression, also accepted after 'if' as in gdb) must be true for the
        breakpoint to stop."""
        session = self.session
        table = session.engine.breakpoints
        if not arg:
            if table:
                session.message("Num Type         Disp Enb   Where")
                for bp in table:
                    session.message(format_breakpoint(bp))
            return
        try:
            location, thread_text, condition = parse_break_spec(arg)
            thread = session.thread_by_number(thread_text) if thread_text is not None else None
            frame = session.curframe
            place = resolve(
                location,
                frame.f_code.co_filename if frame is not None else None,
                self._near(),
                frame.f_globals if frame is not None else None,
                lookup=session.value_of if frame is not None else None,
            )
        except LocationError as exc:
            raise CommandError(str(exc)) from None
        bp = table.add(
            place.filename,
            place.line,
            temporary=temporary,
            condition=condition,
            thread=thread.ident if thread is not None else None,
            thread_number=thread.number if thread is not None else None,
            funcname=place.funcname,
            code=place.code,
        )
        session.engine.breakpoints_changed()
        where = f" in thread {thread.number}" if thread is not None else ""
        session.message(f"Breakpoint {bp.number} at {bp.filename}:{bp.line}{where}")  # pdb's

    def do_tbreak(self, arg: str) -> None:
        """tbreak [ ([filename:]lineno | function) [thread N] [, condition] ]

        A temporary breakpoint: removed when first hit."""
        self.do_break(arg, temporary=True)

    @command("cl")
    def do_clear(self, arg: str) -> None:
        """cl(ear) [filename:lineno | bpnumber ...]

        With a space-separated list of numbers, clear those breakpoints; with
        filename:lineno, the breakpoints at that line; without argument, all of them (after
        confirmation)."""
        session = self.session
        table = session.engine.breakpoints
        if not arg:
            reply = session.read_line("Clear all breaks? ")
            if reply is not None and reply.strip().lower() in ("y", "yes"):
                deleted = list(table)
                table.clear()
                session.engine.breakpoints_changed()
                for bp in deleted:
                    session.message(f"Deleted {describe(bp)}")
            return
        if ":" in arg:
            name, _, line_text = arg.rpartition(":")
            try:
                lineno = int(line_text)
            except ValueError:
                raise CommandError(f"Invalid line number ({line_text})") from None
            filename = find_file(name, self._near()) or name
            found = table.at(canonic(filename), lineno)
            if not found:
                raise CommandError(f"There is no breakpoint at {filename}:{lineno}")
            for bp in list(found):
                table.delete(bp)
                session.message(f"Deleted {describe(bp)}")
        else:
            for text in arg.split():
                try:
                    bp = self._by_number(text)
                except CommandError as exc:
                    session.error(str(exc))
                    continue
                table.delete(bp)
                session.message(f"Deleted {describe(bp)}")
        session.engine.breakpoints_changed()

    def _enable(self, arg: str, enabled: bool) -> None:
        session = self.session
        for text in arg.split():
            try:
                bp = self._by_number(text)
            except CommandError as exc:
                session.error(str(exc))
                continue
            bp.enabled = enabled
            session.message(f"{'Enabled' if enabled else 'Disabled'} {describe(bp)}")
        self._changed()

    def do_disable(self, arg: str) -> None:
        """disable bpnumber [bpnumber ...]

        Disable the breakpoints: they stay in the list but do not stop."""
        self._enable(arg, False)

    def do_enable(self, arg: str) -> None:
        """enable bpnumber [bpnumber ...]

        Enable the breakpoints."""
        self._enable(arg, True)

    def do_condition(self, arg: str) -> None:
        """condition bpnumber [condition]

        Set a new condition for the breakpoint; without condition, make it unconditional."""
        number, _, condition = arg.strip().partition(" ")
        condition = condition.strip()
        if condition:
            try:
                compile(condition, "<stdin>", "eval")
            except (SyntaxError, ValueError) as exc:  # ValueError: a null byte, on 3.10
                raise CommandError(
                    f"Invalid condition {condition}: {exception_text(exc)}"
                ) from None
        bp = self._by_number(number)
        bp.condition = condition or None
        self.session.engine.breakpoints.changed()
        if condition:
            self.session.message(f"New condition set for breakpoint {bp.number}.")
        else:
            self.session.message(f"Breakpoint {bp.number} is now unconditional.")

    def do_ignore(self, arg: str) -> None:
        """ignore bpnumber [count]

        Ignore the breakpoint the next count times it is reached (count 0: stop next
        time)."""
        words = arg.split()
        if not words:
            raise CommandError("Breakpoint number expected")
        try:
            count = int(words[1]) if len(words) > 1 else 0
        except ValueError:
            raise CommandError(f"Invalid argument: {arg}") from None
        bp = self._by_number(words[0])
        bp.ignore = count
        if count > 0:
            crossings = "1 crossing" if count == 1 else f"{count} crossings"
            self.session.message(f"Will ignore next {crossings} of breakpoint {bp.number}.")
        else:
            self.session.message(f"Will stop next time breakpoint {bp.number} is reached.")

    def do_commands(self, arg: str) -> None:
        """(allstop) commands [bpnumber]
        (com) ...
        (com) end
        (allstop)

        Give commands to run when the breakpoint (default: the last one set) is reached, one
        per line, ended by a line with 'end'.  'silent' does not print the location; a
        command that resumes (continue, step, next...), or jump, ends the list."""
        session = self.session
        if not arg:
            numbers = [bp.number for bp in session.engine.breakpoints]
            if not numbers:
                raise CommandError("cannot set commands: no breakpoints")
            arg = str(numbers[-1])
        try:
            int(arg)
        except ValueError:
            if not _USAGE_FROM_DOC:
                raise CommandError("Usage: commands [bnum]\n        ...\n        end") from None
            raise UsageError(f"Invalid argument: {arg}") from None
        try:
            bp = self._by_number(arg)
        except CommandError as exc:
            raise CommandError(f"cannot set commands: {exc}") from None
        lines: list[str] = []
        while True:
            line = session.next_line("(com) ")
            if line is not None:
                line = session.cut_at_separator(line.strip())
            if line is None or line.strip() == "end":
                break
            lines.append(line.strip())
            if session.spec_of(line)[1].ends_commands:
                break
        bp.commands = lines
