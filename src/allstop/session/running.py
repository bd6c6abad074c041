"""Commands that move the program: ``step``, ``next``, ``return``, ``until``, ``continue``,
``jump``, ``thaw``, ``detach``, ``quit``, and ``exceptions`` (which moves through a post-mortem's
chain).

A command that resumes returns a ``Resume`` for the engine (and is declared ``resumes=True``):
stepping moves the current thread, alone unless ``set scheduler-locking off``.  ``quit`` ends
the process at once, after giving the terminal back and flushing what the program wrote, unless
that flush would wait on a frozen thread.
"""

from __future__ import annotations

import _thread
import shlex
import sys
import time
from contextlib import suppress
from types import FrameType
from typing import NoReturn

from .. import _waits
from .._evaluate import RUNNING_LIMIT, EvaluationAbandoned
from .._model import StopReason, TaskState
from .._stops import CONTINUE, Resume, ResumeHow, StepKind, StepRequest
from .core import CommandError, Commands, UsageError, command


def _restart() -> NoReturn:
    """Raise pdb's ``Restart`` in the stopped thread: ``python -m pdb``'s loop (which
    ``allstop run --stop`` runs) starts the program again."""
    import pdb  # the world runs again here, and the loop that catches it imported pdb

    raise pdb.Restart


class RunningCommands(Commands):
    def _step(self, kind: StepKind, lineno: int = 0) -> Resume:
        session = self.session
        thread = session.thread_view()
        frame = session.curframe
        if session.post_mortem_here():
            raise CommandError(
                "post-mortem: these frames have finished; step another thread, or continue"
            )
        task = session.task_view()
        if task is not None:
            if task.thread is None:
                raise CommandError(f"task {task.number}'s loop is not running: it cannot step")
            if kind is StepKind.STEP and task.state is not TaskState.RUNNING:
                kind = StepKind.NEXT  # a suspended task: its next line, when it comes back
        if thread is None or frame is None:
            raise CommandError("this thread cannot step: it has no Python frame")
        if not thread.state.counting.steppable:
            raise CommandError(f"this thread cannot step: it is {thread.state.value}")
        self._refuse_in_recursion(thread.ident)
        if thread.state.counting.blocked:
            session.message(
                f"thread {thread.number} is blocked in a C call: the step starts when it "
                "returns to Python"
            )
        elif session.scheduler_locking and kind in (StepKind.NEXT, StepKind.UNTIL):
            self._warn_if_waiting(frame, thread.ident)
        face = session.face
        skip = tuple(face.skip or ()) if face is not None else ()
        step = StepRequest(kind, None if kind is StepKind.STEP else frame, lineno, skip=skip)
        return Resume(
            ResumeHow.STEP,
            step,
            thread=thread.ident,
            scheduler_locking=session.scheduler_locking,
        )

    def _warn_if_waiting(self, frame: FrameType, ident: int) -> None:
        """The line about to run waits for something only another thread can give, and the
        others stay frozen while this one steps: say so before the step starts."""
        session = self.session
        wait = _waits.blocking_line(frame, ident)
        if wait is None:
            return
        numbers = {thread.ident: thread.number for thread in session.threads}
        session.message(
            f"this line waits on {wait.describe(numbers)}, and the other threads stay frozen "
            "while this one steps (scheduler-locking on): Ctrl-C interrupts the step; "
            "'set scheduler-locking off' lets the others run during steps"
        )

    def _refuse_in_recursion(self, ident: int | None = None) -> None:
        """In ``debug``'s debugger, only the thread running its code moves."""
        recursion = self.session.recursion
        if recursion is not None and ident != recursion.ident:
            thread = self.session.thread_view(recursion.ident)
            number = thread.number if thread is not None else "?"
            raise CommandError(
                f"in the recursive debugger, only thread {number} runs (the code given to "
                "debug): 'continue' runs it to its end, 'quit' leaves it"
            )

    @command("s", resumes=True)
    def do_step(self, arg: str) -> Resume:
        """s(tep)

        Run the current line of the current thread and stop at the first possible occasion
        (in a function that is called, or on the next line).  Other threads stay frozen
        unless 'set scheduler-locking off'."""
        self.takes_no_argument(arg)
        return self._step(StepKind.STEP)

    @command("n", resumes=True)
    def do_next(self, arg: str) -> Resume:
        """n(ext)

        Continue the current thread until the next line in the current frame is reached or
        it returns.  Other threads stay frozen unless 'set scheduler-locking off'."""
        self.takes_no_argument(arg)
        return self._step(StepKind.NEXT)

    @command("r", resumes=True)
    def do_return(self, arg: str) -> Resume:
        """r(eturn)

        Continue the current thread until the current function returns."""
        self.takes_no_argument(arg)
        return self._step(StepKind.RETURN)

    @command("unt", resumes=True)
    def do_until(self, arg: str) -> Resume:
        """unt(il) [lineno]

        Without argument, continue until a line with a number greater than the current one
        is reached.  With a line number, continue until a line with a number greater or
        equal to that is reached.  In both cases, also stop when the current frame returns."""
        frame = self.session.frame()
        current = frame.f_lineno or frame.f_code.co_firstlineno  # None: see FrameView.lineno
        if not arg:
            return self._step(StepKind.UNTIL, current + 1)
        try:
            lineno = int(arg)
        except ValueError:
            raise CommandError(f"Error in argument: {arg!r}") from None
        if lineno <= current:
            raise CommandError('"until" line number is smaller than current line number')
        return self._step(StepKind.UNTIL, lineno)

    @command("c", "cont", resumes=True)
    def do_continue(self, arg: str) -> Resume:
        """c(ont(inue))

        Resume the world: every thread runs until the next breakpoint.  With an editor
        attached (see listen), the stop moves to the editor instead."""
        self.takes_no_argument(arg)
        session = self.session
        peer = session.engine.peer
        if peer is not None and peer.has_client():
            return Resume(ResumeHow.HAND_OVER)
        face = session.face
        if face is not None:
            return Resume(ResumeHow.CONTINUE, then=lambda: face.do_continue(""))
        return CONTINUE

    def do_thaw(self, arg: str) -> None:
        """thaw [seconds]

        Let the other threads run until the evaluations left waiting complete (code typed
        at the prompt that waits for a lock or queue a frozen thread holds), then freeze them
        again: at most SECONDS (default: $ALLSTOP_EVAL_LIMIT, 30).  The stopped thread and
        the threads running those evaluations stay where they are; a thread that reaches a
        breakpoint meanwhile waits for its turn, as during any stop."""
        session = self.session
        jobs = session.evaluator.waiting()
        if not jobs:
            raise CommandError("No evaluation is waiting: there is nothing to thaw for")
        try:
            limit = float(arg) if arg else RUNNING_LIMIT
        except ValueError:
            raise UsageError(f"not a number of seconds: {arg!r}") from None
        started = time.monotonic()
        finished = session.engine.thaw_until(jobs, limit)
        took = time.monotonic() - started
        session.refresh()
        state = "completed" if finished else "still waiting"
        session.message(f"thawed for {took:.2f}s; {state}; every thread is frozen again")
        for job in jobs:
            if job.finished and job.label:
                session.message(f"{job.label}:")
                session.show_result(job)

    @command("restart", resumes=True)
    def do_run(self, arg: str) -> Resume:
        """run [args...]

        Restart the program (under allstop run --stop, as python -m pdb does): with
        arguments (split as the shell does), they are its new sys.argv[1:].  Breakpoints
        and aliases stay.  'restart' is the same."""
        self._refuse_in_recursion()
        face = self.session.face
        if face is None or not face.mainpyfile:
            raise CommandError(
                "run/restart command is disabled when pdb is running in inline mode.\n"
                "Use the command line interface to enable restarting your program\n"
                'e.g. "python -m pdb myscript.py"'
            )
        if arg:
            try:
                argv = shlex.split(arg)
            except ValueError as exc:
                raise CommandError(f"Cannot run {arg}: {exc}") from None
            sys.argv[1:] = argv
        return Resume(ResumeHow.QUIT, then=_restart)

    @command(resumes=True)
    def do_detach(self, arg: str) -> Resume:
        """detach

        Remove every breakpoint and all tracing, then resume the world.  A later
        breakpoint() call stops again."""
        self._refuse_in_recursion()
        return Resume(ResumeHow.DETACH)

    @command("q", "exit", resumes=True)
    def do_quit(self, arg: str) -> Resume:
        """q(uit) | exit

        Quit from the debugger, as pdb does: the program stops running (pdb's BdbQuit is
        raised in the stopped thread; under pytest, the test session ends).  When other
        threads run, quitting one of them would leave the program waiting for it: the whole
        program ends then, with exit status 1."""
        session = self.session
        face = session.face
        if session.recursion is not None:  # leaves the recursive debugger only, as pdb's
            return Resume(ResumeHow.QUIT)
        if not session.alone() and not (face is not None and face.handles_quit):
            self._exit(1)
        if face is None:
            return Resume(ResumeHow.QUIT)
        return Resume(ResumeHow.QUIT, then=lambda: face.do_quit(""))

    @command(resumes=True)
    def do_EOF(self, arg: str) -> Resume:
        """EOF

        (end of input) Same as quit."""
        self.session.message("")
        return self.do_quit("")

    def _exit(self, status: int) -> NoReturn:
        """End the process now: give the terminal back, flush the program's buffered output
        unless that blocks (a frozen thread may hold the stream's lock), then exit."""
        session = self.session
        session.io.leave()
        flushed = _thread.allocate_lock()
        flushed.acquire()

        def flush() -> None:
            for stream in (sys.stdout, sys.stderr):
                with suppress(Exception):
                    if stream is not None:
                        stream.flush()
            flushed.release()

        try:
            session.spawn(flush)
        except RuntimeError:  # no thread can start at interpreter shutdown: flush here
            flush()
        flushed.acquire(timeout=1.0)
        session.exit_process(status)

    @command("j", ends_commands=True)
    def do_jump(self, arg: str) -> None:
        """j(ump) lineno

        Set the next line that will be executed (only in the innermost frame of the stopped
        thread).  You cannot jump into a block (for, with, try) or out of a finally."""
        session = self.session
        stop = session.stop
        try:
            lineno = int(arg)
        except ValueError:
            raise CommandError("The 'jump' command requires a line number") from None
        if stop is None or session.current != stop.ident or session.index != 0:
            raise CommandError("You can only jump within the bottom frame of the stopped thread")
        if stop.reason in (StopReason.CALL, StopReason.RETURN) or stop.post_mortem:
            raise CommandError(
                "Jump failed: only at a line event, not in a call, return or post-mortem"
            )

        def jump() -> None:
            stop.frame.f_lineno = lineno  # type: ignore[misc]  # writable in trace functions

        try:
            session.run(jump)  # in the stopped thread: inside its trace function
        except (ValueError, EvaluationAbandoned) as exc:
            raise CommandError(f"Jump failed: {exc}") from None
        session.refresh()
        session.print_location()

    def do_exceptions(self, arg: str) -> None:
        """exceptions [number]

        At a post-mortem stop, list the chain of exceptions (the first cause first; '>'
        marks the one shown); with a number, show that exception's traceback in the stopped
        thread."""
        session = self.session
        chain = session.exception_chain()
        if not chain:
            raise CommandError(
                "Did not find chained exceptions. To move between threads, use 'thread'."
            )
        if not arg:  # pdb's format: '-' for an exception without a traceback
            for index, exc in enumerate(chain):
                mark = ">" if index == session.exception_index else " "
                number = "  -" if exc.__traceback__ is None else f"{index:>3}"
                text = session.repr(exc)
                text = text if len(text) <= 80 else text[:77] + "..."
                session.message(f"{mark} {number} {text}")
            return
        try:
            index = int(arg)
        except ValueError:
            raise CommandError("Argument must be an integer") from None
        if not 0 <= index < len(chain):
            raise CommandError("No exception with that number")
        if chain[index].__traceback__ is None:
            raise CommandError("This exception does not have a traceback, cannot jump to it")
        assert session.stop is not None
        session.exception_index = index
        session.current = session.stop.ident
        session.refresh()
        session.set_convenience("_exception", chain[index])
        session.select_frame(0)
