"""Thread commands, gdb's way: ``threads`` (``info threads``), ``thread N``, ``thread apply``,
``waits``, ``set``/``show scheduler-locking``.

Each one reads the threads again first (a thread may have parked, started or ended since the
last command), from the engine's records and ``sys._current_frames()``, taking no lock a
frozen thread may hold.
"""

from __future__ import annotations

import os
from types import FrameType

from .. import _format, _tree, _waits, _wake
from .._model import ThreadState
from .._stops import Resume, ResumeHow
from .core import CommandError, Commands, UsageError, command


class ThreadCommands(Commands):
    @command(states=ThreadState.legend().replace("\n", "\n        "))
    def do_threads(self, arg: str) -> None:
        """threads

        List every thread (gdb: info threads): number, name, ident, daemon flag, state and
        location.  '*' marks the current thread.  The states:
        {states}"""
        session = self.session
        session.refresh()
        for line in _format.threads_table(session.threads, session.current):
            session.message(line)

    def do_info(self, arg: str) -> None:
        """info threads | info tasks | info inferiors | info breakpoints

        gdb's spelling of 'threads', 'tasks', 'processes' and 'break'."""
        if arg in ("threads", "thread"):
            self.do_threads("")
        elif arg in ("inferiors", "inferior"):
            self.do_processes("")
        elif arg in ("tasks", "task"):
            self.session.commands["tasks"].run("")
        elif arg in ("breakpoints", "break", "b"):
            self.session.commands["break"].run("")
        else:
            raise CommandError(f"Undefined info command: {arg!r}. Try 'info threads'.")

    def do_processes(self, arg: str) -> None:
        """processes

        List the processes of the program under 'allstop run' (gdb: info inferiors): the top
        process and every Python child it started, in the order they started, with their
        pid, state, threads and command line.  '*' marks this process.  The states:
        stopped: its stop is shown (this one), or was before 'process N'
        waiting: a stop of its own waits for the one shown
        paused: paused with the others, its threads frozen
        running: not paused (allstop does not take its pause signal)
        exited with N, killed by SIGNAL, exited: it has ended"""
        self.takes_no_argument(arg)
        session = self.session
        found = session.read_processes()
        if not found:
            session.message(
                f"only this process (pid {os.getpid()}): the processes of a program are "
                "listed under 'allstop run'"
            )
            return
        for line in _format.table(
            ("Id", "PID", "State", "Threads", "Command"),
            [
                (
                    str(p.number),
                    str(p.pid),
                    p.state,
                    "" if p.threads is None else str(p.threads),
                    _format.clip(_command(p.command), 80),
                )
                for p in found
            ],
            [p.pid == os.getpid() for p in found],
        ):
            session.message(line)

    @command(resumes=True)
    def do_process(self, arg: str) -> Resume | None:
        """process [N]

        Without argument, say which process this is.  With N (a number 'processes' shows):
        hand the terminal to process N, stopped with the others: its threads, frames and
        commands are the session's from then on (gdb: inferior N), until 'process M' hands
        it on, or a command resumes; 'continue' resumes every process."""
        session = self.session
        found = session.read_processes()
        here = next((p for p in found if p.pid == os.getpid()), None)
        if not arg.strip():
            if here is None:
                session.message(f"only this process (pid {os.getpid()}), outside 'allstop run'")
            else:
                session.message(f"process {here.number} (pid {here.pid}) of {len(found)}")
            return None
        if not arg.strip().isdigit():
            raise UsageError
        number = int(arg)
        chosen = next((p for p in found if p.number == number), None)
        if chosen is None:
            raise CommandError(f"no process {number}: 'processes' lists them")
        if chosen is here:
            session.message(f"process {number} (pid {chosen.pid}) is this one")
            return None
        if chosen.state not in (_tree.PAUSED, _tree.WAITING, _tree.STOPPED):
            raise CommandError(
                f"process {number} (pid {chosen.pid}) is {chosen.state}: only a process "
                "stopped with this one can take the terminal"
            )
        session.message(f"[switching to process {number} (pid {chosen.pid})]")
        return _tree.Switch(ResumeHow.CONTINUE, pid=chosen.pid)

    def do_thread(self, arg: str) -> None:
        """thread [N]
        thread apply all|N[,M...] COMMAND

        Without argument, show the current thread.  With a number, make that thread current:
        where, up, down, list, p, args, interact, expressions and stepping then act on it.
        'thread apply' runs COMMAND for each listed thread (or all), as in gdb."""
        session = self.session
        session.refresh()
        if not arg:
            thread = session.thread_view()
            if thread is not None:
                session.message(f'[Current thread is {thread.number} "{thread.name}"]')
            return
        word, _, rest = arg.partition(" ")
        if word == "apply":
            self._thread_apply(rest.strip())
            return
        thread = session.thread_by_number(arg)
        session.current = thread.ident
        session.current_task = None
        session.list_lineno = None
        state = _format.state_text(thread)
        session.message(f'[Switching to thread {thread.number} "{thread.name}" ({state})]')
        session.print_location()

    def _thread_apply(self, arg: str) -> None:
        session = self.session
        which, _, line = arg.partition(" ")
        line = line.strip()
        if not which or not line:
            raise UsageError
        if which == "all":
            targets = list(session.threads)
        else:
            targets = [session.thread_by_number(part) for part in which.split(",")]
        name, spec = session.spec_of(line)
        if spec.resumes:
            raise CommandError(f"thread apply cannot run {name!r}: it would resume the program")
        saved = session.current, session.current_task
        session.current_task = None
        try:
            for thread in targets:
                session.message("")
                session.message(_format.thread_header(thread))
                session.current = thread.ident
                session.onecmd(line)
        finally:
            session.current, session.current_task = saved

    def do_waits(self, arg: str) -> None:
        """waits

        Print what each blocked thread waits on (a queue, event, condition, lock, a thread to
        finish, sleep) and the thread it waits for when known; then what each waiting asyncio
        task awaits (a queue, lock, event, another task, to_thread work and its thread).
        Name every cycle of threads and tasks waiting for one another as a deadlock, then,
        under 'will never wake:', each thread that no live thread can wake (none can reach
        what it waits on, or all that can wait forever too, or crashed)."""
        session = self.session
        tasks = session.read_tasks()
        threads = session.threads
        numbers = {t.ident: t.number for t in threads}
        frames = {t.ident: t.top.frame for t in threads if t.top and t.top.frame}
        blocked = _waits.waiting({t.ident: t.state for t in threads}, frames)
        waits = _waits.waits_for(frames, blocked)
        edges: dict[str, str | None] = {}
        words: dict[str, str] = {}
        for thread in threads:
            wait = waits.get(thread.ident)
            if wait is not None:
                what = wait.describe(numbers)
                session.message(f"thread {thread.number} ({thread.name}) waits on {what}")
                node = f"thread {thread.number}"
                holder = numbers.get(wait.holder) if wait.holder is not None else None
                edges[node] = f"thread {holder}" if holder is not None else None
                words[node] = wait.deadlock_words(numbers)
            elif thread.state.counting.blocked:
                session.message(f"thread {thread.number} ({thread.name}) is blocked in a C call")
        if not blocked:
            session.message("no thread waits")
        for task in tasks:
            if task.awaits:
                session.message(f"task {task.number} ({task.name}) waits on {task.awaits}")
                node = f"task {task.number}"
                edges[node] = task.awaits_node or None
                words[node] = task.deadlock_words
        for cycle in _waits.cycles(edges):
            session.message(_waits.describe_cycle(cycle, words))
        self._never_wake(waits, frames)

    def _never_wake(self, waits: dict[int, _waits.Wait], frames: dict[int, FrameType]) -> None:
        """The waits no live thread will ever end (see ``_wake``), under their heading."""
        session = self.session
        threads = {t.ident: t for t in session.threads}
        crashed = {i: f for i, f in frames.items() if threads[i].state is ThreadState.CRASHED}
        live = {
            t.ident
            for t in threads.values()
            if not t.state.counting.finished and t.state is not ThreadState.CRASHED
        }
        verdict = _wake.never_wake(waits, frames, live, crashed)
        if not verdict.never and not verdict.unknown:
            return
        numbers = {ident: t.number for ident, t in threads.items()}

        def named(ident: int) -> str:
            thread = threads.get(ident)
            return f"thread {thread.number} ({thread.name})" if thread else "a finished thread"

        if verdict.never:
            session.message("will never wake:")
        for ident, wakers in sorted(verdict.never.items(), key=lambda item: numbers[item[0]]):
            wait = waits[ident]
            line = f"  {named(ident)} waits on {wait.describe(numbers)}: "
            if wait.kind == "join":
                line += f"{named(wait.holder or 0)} will never finish"
            else:
                stuck = [named(w) for w in wakers if w in live]
                verb = _wake.verb(wait)
                if stuck:
                    many = len(stuck) > 1
                    line += (
                        f"the only live thread{'s' if many else ''} that could {verb}, "
                        f"{', '.join(stuck)}, wait{'' if many else 's'} forever too"
                    )
                else:
                    line += f"no other live thread can {verb}"
                for dead in (w for w in wakers if w in crashed):
                    line += f" — {named(dead)}, which could, {_format.state_text(threads[dead])}"
            session.message(line)
        for ident in sorted(verdict.unknown):
            session.message(
                f"who could wake {named(ident)} is unknown: the search of the threads' "
                "references hit its bound"
            )

    def do_set(self, arg: str) -> None:
        """set scheduler-locking on|off

        on (the default): step, next, return and until move only the current thread while
        every other thread stays frozen.  off: the other threads run until the step ends."""
        words = arg.split()
        if len(words) != 2 or words[0] != "scheduler-locking" or words[1] not in ("on", "off"):
            raise UsageError
        self.session.scheduler_locking = words[1] == "on"

    def do_show(self, arg: str) -> None:
        """show scheduler-locking

        Print whether stepping keeps the other threads frozen."""
        if arg.strip() != "scheduler-locking":
            raise UsageError
        state = "on" if self.session.scheduler_locking else "off"
        self.session.message(f'Mode for locking scheduler during execution is "{state}".')


def _command(command: str) -> str:
    """A command line with its program's folder left out (the interpreter's path is long)."""
    first, _, rest = command.partition(" ")
    return f"{os.path.basename(first)} {rest}".strip()
