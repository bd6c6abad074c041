"""asyncio commands: ``tasks`` (``info tasks``), ``tasks all`` and ``task N``.

The tasks are read as the threads are (``_tasks``: no lock, no method of the program); ``task
N`` makes a task's coroutine stack the current stack, in the thread that runs its loop, until
``thread N`` (or the next stop).  A loop waiting in its selector (in C) is woken through its
self-pipe, as ``call_soon_threadsafe`` wakes it, so that its thread parks in Python and runs
what is typed for the task's frames; it runs none of the program's callbacks meanwhile.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from .. import _format, _tasks
from .._model import TaskState, TaskView, ThreadView
from .core import CommandError, Commands, UsageError, command

_PARK_WAIT = 1.0
"""How long ``task N`` waits for a woken loop's thread to park (it returns from C at once)."""


class TaskCommands(Commands):
    def stop_begins(self) -> None:
        self.session.current_task = None

    @command(states=TaskState.legend().replace("\n", "\n        "))
    def do_tasks(self, arg: str) -> None:
        """tasks [all]

        List every asyncio task of every event loop, under the thread that runs its loop:
        number, name, state, what it awaits and where it is ('*' marks the current task).
        With 'all', each task's await chain too (its coroutine stack, innermost first).
        The states:
        {states}"""
        if arg not in ("", "all"):
            raise UsageError
        session = self.session
        tasks = session.read_tasks()
        if not tasks:
            session.message("No asyncio task")
            return
        for line in tasks_table(tasks, session.threads, session.current_task, arg == "all"):
            session.message(line)

    def do_task(self, arg: str) -> None:
        """task [N]

        Without argument, show the current task.  With a number, make task N's coroutine
        stack current: where, up, down, list, p, args, expressions and stepping then act on
        its frames, in the thread that runs its loop ('next' runs that thread until the task
        comes back to the next line).  'thread N' goes back to a thread's stack."""
        session = self.session
        if not arg:
            task = session.task_view()
            if task is None:
                raise CommandError("No current task: 'task N' selects one ('tasks' lists them)")
            session.message(f'[Current task is {task.number} "{task.name}"]')
            return
        try:
            number = int(arg)
        except ValueError:
            raise CommandError(f"Invalid task number: {arg!r}") from None
        task = next((t for t in session.read_tasks() if t.number == number), None)
        if task is None:
            raise CommandError(f"Unknown task {number}")
        if not task.frames:
            raise CommandError(f"task {number} is {task.state.value}: it has no frames to show")
        if task.thread is not None:
            self._park_loop_thread(task)
        session.select_task(number)
        state = task.state.value + (f": awaits {task.awaits}" if task.awaits else "")
        session.message(f'[Switching to task {number} "{task.name}" ({state})]')
        session.print_location()
        if task.thread is None:
            thread = session.thread_view()
            runs_in = thread.number if thread is not None else "?"
            session.message(
                f"(no thread runs task {number}'s event loop now: code typed for it runs in "
                f"thread {runs_in}, and it cannot step)"
            )

    def _park_loop_thread(self, task: TaskView) -> None:
        """Wake a loop that waits in its selector, so that its thread parks in Python and can
        run code typed for the task."""
        session = self.session
        thread = session.thread_view(task.thread)
        if thread is None or not thread.state.counting.blocked:
            return
        if not _tasks.wake_loop(task.task):
            return
        deadline = time.monotonic() + _PARK_WAIT
        while time.monotonic() < deadline:
            session.forget_snapshot()
            session.refresh()
            thread = session.thread_view(task.thread)
            if thread is None or not thread.state.counting.blocked:
                return
            time.sleep(0.01)  # the loop's thread returns from its selector and parks


def tasks_table(
    tasks: Sequence[TaskView], threads: Sequence[ThreadView], current: int | None, chains: bool
) -> list[str]:
    """``tasks``: the tasks of each loop under the thread that runs it, a row each, ``*`` on
    the current one (with ``chains``, each task's await chain under its row)."""
    by_thread = {t.ident: t for t in threads}
    groups: dict[int | None, list[TaskView]] = {}
    for task in tasks:
        groups.setdefault(task.thread, []).append(task)
    lines: list[str] = []
    order = sorted(groups, key=lambda i: by_thread[i].number if i in by_thread else 1 << 30)
    for ident in order:
        members = groups[ident]
        if lines:
            lines.append("")
        thread = by_thread.get(ident) if ident is not None else None
        count = f"{len(members)} task{'s' if len(members) != 1 else ''}"
        if thread is None:
            lines.append(f"Event loop not running: {count}")
        else:
            lines.append(f'Thread {thread.number} "{thread.name}", event loop: {count}')
        header, *rows = _format.table(
            ("Id", "Name", "State", "Awaits", "Where"),
            [_row(task) for task in members],
            [task.number == current for task in members],
        )
        lines.append("  " + header)
        for task, row in zip(members, rows, strict=True):
            lines.append("  " + row)
            if chains:
                lines.extend(f"        {_format.place(frame)}" for frame in task.frames)
    return lines


def _row(task: TaskView) -> tuple[str, ...]:
    return (
        str(task.number),
        _format.clip(task.name, 32),
        task.state.value + (f": {task.error}" if task.error else ""),
        _format.clip(task.awaits, 48),
        _tasks.where(task),
    )
