"""Stack commands: ``where`` (``bt``, ``bt all``), ``up``, ``down``, ``frame``.

They move only the session's current frame of the current thread; the threads' stacks are the
views read at the last ``refresh``, so walking them runs no program code.
"""

from __future__ import annotations

import os

from .. import _format, _tree
from .core import NO_FRAME, CommandError, Commands, UsageError, command


class StackCommands(Commands):
    @command("w", "bt")
    def do_where(self, arg: str) -> None:
        """w(here) [all [processes]]

        Print the current thread's stack, most recent frame last; '>' marks the current
        frame.  With 'all' (bt all), print the stack of every thread, the current thread
        first.  With 'all processes', that of every process of the program under 'allstop
        run' (see 'processes'), this one first."""
        session = self.session
        if arg.split() == ["all", "processes"]:
            self._all_processes()
            return
        if arg != "all":
            self.takes_no_argument(arg)
        if arg == "all":
            session.refresh()
            for line in _format.all_stacks(
                session.threads,
                session.current,
                session.index,
                session.return_repr(innermost_only=False),
            ):
                session.message(line)
            return
        if arg:
            raise UsageError(f"Invalid argument: {arg}")
        frames = session.frames
        if not frames:
            session.message(_format.NO_FRAMES)
            return
        for line in _format.stack(frames, session.index, session.return_repr(False)):
            session.message(line)
        thread = session.thread_view() if session.current_task is None else None
        if thread is not None and thread.state.counting.blocked:
            detail = f": {thread.detail}" if thread.detail else ""
            session.message(f"(blocked in a C call{detail})")

    def _all_processes(self) -> None:
        session = self.session
        found = sorted(session.read_processes(), key=lambda p: p.pid != os.getpid())
        if not found:
            self.do_where("all")
            return
        for process in found:
            here = process.pid == os.getpid()
            session.message(
                f"{'*' if here else ' '} process {process.number} (pid {process.pid}, "
                f"{process.state})"
            )
            if here:
                self.do_where("all")
            elif process.state in (_tree.PAUSED, _tree.WAITING, _tree.STOPPED):
                lines = _tree.stacks_of(process.pid)
                for line in lines if lines is not None else ["  (it did not answer)"]:
                    session.message(line)
            session.message("")

    def _move(self, arg: str, direction: int) -> None:
        try:
            count = int(arg) if arg else 1
        except ValueError:
            raise CommandError(f"Invalid frame count ({arg})") from None
        session = self.session
        frames = session.frames
        if not frames:
            raise CommandError(NO_FRAME)
        index = session.index
        if direction > 0 and index == len(frames) - 1:
            raise CommandError("Oldest frame")
        if direction < 0 and index == 0:
            raise CommandError("Newest frame")
        session.select_frame(min(max(index + direction * count, 0), len(frames) - 1))

    @command("u")
    def do_up(self, arg: str) -> None:
        """u(p) [count]

        Move the current frame count (default one) levels up in the stack (to an older
        frame)."""
        self._move(arg, +1)

    @command("d")
    def do_down(self, arg: str) -> None:
        """d(own) [count]

        Move the current frame count (default one) levels down in the stack (to a newer
        frame)."""
        self._move(arg, -1)

    def do_frame(self, arg: str) -> None:
        """frame [N]

        Without argument, print the current frame; with a number, make frame N of the
        current thread current (0 is the innermost frame, as 'where' counts from the
        bottom)."""
        session = self.session
        frames = session.frames
        if not frames:
            raise CommandError(NO_FRAME)
        if not arg:
            session.print_location()
            return
        try:
            number = int(arg)
        except ValueError:
            raise CommandError(f"Invalid frame number: {arg!r}") from None
        if not 0 <= number < len(frames):
            raise CommandError(f"No frame {number}: this thread has frames 0 to {len(frames) - 1}")
        session.select_frame(number)
