"""All-stop across the program's processes, under ``allstop run``: when one process stops, the
others pause with it; the user switches between them (``process N``) and resumes them all.

Design note: no process serves the others (the one that would is frozen as often as not).
The processes share files in the top process's private folder (see ``_children``):

- ``terminal``, locked (``flock``) by the process whose stop is shown, the *owner*, from the
  moment it is its turn until the user resumes: a stop of another process waits its turn,
  its world frozen; the others see from the lock that the program is stopped.  The system
  releases the lock of a process that dies.
- ``current``: which process has the terminal: the owner's pid, or the pid of the process
  ``process N`` handed it to; ``resume`` once the user resumed from there.
- ``hold-PID``: left by the owner before it sends process PID the pause signal: the signal
  then means "pause with the program" (a stop that shows nothing unless the terminal is
  handed to it), not a pause of its own (``allstop pause PID``, which pauses them all).
- ``state-PID``: what ``processes`` says of a process that is not running.
- ``ask-PID``, ``answer-QUESTION``: a question to a stopped process (its threads' stacks, for
  ``bt all processes``) and its answer.

A process waiting (its own stop before its turn, or paused with the others) looks at these
every ``POLL`` seconds: its threads are frozen meanwhile, only allstop's thread waits.  While
one process steps, the others run, and pause again at its next stop.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import fcntl
import os
import time
from collections.abc import Callable, Iterator

from . import _children, _pause
from ._procfs import stat_fields
from ._stops import Resume

POLL = 0.02
"""How often a waiting process looks at the shared files (seconds)."""

RESUMED = "resume"


@dataclasses.dataclass(frozen=True)
class Switch(Resume):
    """What the session's ``process N`` answers: the terminal goes to process ``pid`` once
    this process's front end has left it; this process stays stopped (``Turn.mine`` waits
    for the terminal to come back).  Never reaches the engine."""

    pid: int = 0


# What a stopped process says of itself (``state-PID``).
WAITING = "waiting"
"""Its own stop waits for the stop shown by another process."""
STOPPED = "stopped"
PAUSED = "paused"


def _path(name: str) -> str | None:
    folder = _children.folder()
    return os.path.join(folder, name) if folder is not None else None


def _read(name: str) -> str:
    path = _path(name)
    try:
        with open(path or "", encoding="utf-8") as file:
            return file.read()
    except (OSError, ValueError):
        return ""


def _write(name: str, text: str) -> None:
    """Replace file ``name`` whole: a reader never sees half of it."""
    path = _path(name)
    if path is None:
        return
    fresh = f"{path}.{os.getpid()}"
    with contextlib.suppress(OSError):
        with open(fresh, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(fresh, path)


def _touch(path: str) -> None:
    with contextlib.suppress(OSError), open(path, "w"):
        pass


def _unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _set_state(state: str | None) -> None:
    name = f"state-{os.getpid()}"
    path = _path(name)
    if state is None and path is not None:
        _unlink(path)
    elif state is not None:
        _write(name, state)


def stopped() -> bool:
    """Whether a process of the program presides a stop now (it holds the terminal's lock)."""
    path = _path("terminal")
    try:
        fd = os.open(path or "", os.O_RDONLY)
    except OSError:  # the top process has ended (and removed its folder)
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as exc:
        return exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN)
    finally:
        os.close(fd)
    return False


def asked_to_hold() -> bool:
    """In the pause signal's handler: whether the signal came from the owner of a stop of the
    program, which pauses every process (then the pause shows nothing here)."""
    path = _pause.hold_marker(os.getpid())
    if path is None:
        return False
    try:
        os.unlink(path)
    except OSError:
        return False
    return stopped()


class Turn:
    """This process's part in a stop of the program: its own stop (``held`` false) or a pause
    with the others (``held``).  Outside ``allstop run`` the terminal is always its own."""

    def __init__(self, held: bool, alone: bool) -> None:
        self.held = held
        self.alone = alone
        self.fd: int | None = None
        """The terminal's lock, while this process owns the stop."""

    def mine(self, stacks: Callable[[], list[str]]) -> bool:
        """Wait until this process has the terminal (True), or the program resumed from
        another process (False: this one resumes too); meanwhile give its threads' stacks
        (``stacks()``) to the process that asks (``bt all processes``)."""
        if self.alone:
            return True
        me = str(os.getpid())
        _set_state(PAUSED if self.held else WAITING)
        while True:
            _answer(stacks)
            current = _read("current")
            if self.fd is not None:  # its own stop, handed to another process
                if current == RESUMED:
                    return False
                if current == me or not _alive_pid(current):
                    _write("current", me)
                    break
            elif current == me and stopped():  # handed the terminal
                break
            elif self.held:
                if not stopped():
                    return False
            elif self._take():
                break
            time.sleep(POLL)
        _set_state(STOPPED)
        return True

    def _take(self) -> bool:
        """Take the terminal if no other process has it, and pause the others."""
        path = _path("terminal")
        try:
            fd = os.open(path or "", os.O_RDWR)
        except OSError:  # the top process has ended: this process is alone
            self.alone = True
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self.fd = fd
        _write("current", str(os.getpid()))
        _hold_others()
        return True

    def done(self) -> None:
        """The user resumed from this process: every process resumes (a process the
        terminal was handed to tells the owner, which releases the lock)."""
        if not self.alone and self.fd is None and _read("current") == str(os.getpid()):
            _write("current", RESUMED)

    def hand_to(self, pid: int) -> None:
        """Give the terminal to process ``pid``, stopped with the others (``process N``)."""
        if not self.alone:
            _set_state(PAUSED if self.held else WAITING)
            _write("current", str(pid))

    def close(self) -> None:
        if self.alone:
            return
        _set_state(None)
        marker = _pause.hold_marker(os.getpid())
        if marker is not None:
            _unlink(marker)  # a pause asked for while this process was stopped
        if self.fd is not None:
            _write("current", "")  # before another owner writes its own
            os.close(self.fd)  # releases the lock: the others resume
            self.fd = None


ANSWER_LIMIT = 2.0
"""How long ``stacks_of`` waits for a process's answer (seconds)."""


def stacks_of(pid: int) -> list[str] | None:
    """The stacks of every thread of process ``pid``, stopped with this one (``bt all
    processes``); None if it does not answer within ``ANSWER_LIMIT`` seconds."""
    question = f"{os.getpid()}-{time.monotonic_ns()}"
    _write(f"ask-{pid}", question)
    deadline = time.monotonic() + ANSWER_LIMIT
    while time.monotonic() < deadline and _alive(pid):
        path = _path(f"answer-{question}")
        if path is not None and os.path.exists(path):
            answer = _read(f"answer-{question}")
            _unlink(path)
            return answer.split("\n")
        time.sleep(POLL)
    return None


def _answer(stacks: Callable[[], list[str]]) -> None:
    """Answer the question another process asked this one, if any (see ``stacks_of``)."""
    question = _read(f"ask-{os.getpid()}")
    if question:
        _unlink(_path(f"ask-{os.getpid()}") or "")
        _write(f"answer-{question}", "\n".join(stacks()))


_turns: list[Turn] = []


@contextlib.contextmanager
def turn(*, held: bool) -> Iterator[Turn]:
    """This process's turn at the program's stop (see ``Turn``); re-entrant (a stop inside
    ``debug`` is the stop of the same turn)."""
    inner = bool(_turns) or _children.folder() is None
    current = Turn(held, alone=inner)
    if not inner:
        _turns.append(current)
    try:
        yield current
    finally:
        if not inner:
            _turns.clear()
            current.close()


def _forget() -> None:
    """In the child of a fork: the turn is the parent's (closing the copy keeps its lock)."""
    for held in _turns:
        if held.fd is not None:
            with contextlib.suppress(OSError):
                os.close(held.fd)
        held.alone, held.fd = True, None
    _turns.clear()


os.register_at_fork(after_in_child=_forget)


HOLD_LIMIT = 2.0
"""How long the owner waits for the other processes to pause before it shows its stop
(seconds): a process whose main thread is in a long C call pauses when it returns."""


def shown_pid() -> int | None:
    """The pid the stops of this process name (header and prompt): a child's always (see
    ``_children.child_pid``), the top process's while another process of the program
    lives."""
    child = _children.child_pid()
    if child is not None:
        return child
    me = os.getpid()
    return me if any(pid != me and _alive(pid) for pid in _children.registered()) else None


def _hold_others() -> None:
    """Pause every other process of the program (see the design note), and wait until they
    have (or ended), at most ``HOLD_LIMIT`` seconds."""
    me = os.getpid()
    number = _pause.pause_signal()
    if number is None:
        return
    asked = []
    for pid in _children.registered():
        marker = _pause.hold_marker(pid)
        if pid != me and marker is not None and _alive(pid):
            _touch(marker)
            if _send(pid, number):
                asked.append(pid)
            else:
                _unlink(marker)
    deadline = time.monotonic() + HOLD_LIMIT
    while asked and time.monotonic() < deadline:
        asked = [pid for pid in asked if not _read(f"state-{pid}") and _alive(pid)]
        time.sleep(POLL)


def _send(pid: int, number: int) -> bool:
    """Send process ``pid`` the pause signal if allstop takes it there: checked as ``allstop
    pause`` checks it where the process has a marker (its own start), else (the child of a
    fork) only that the kernel has it caught."""
    try:
        _pause.send_pause(pid)
    except _pause.NotPausable:
        if os.path.exists(_pause.pause_marker(pid)) or _pause.kernel_state(pid, number):
            return False
        try:
            os.kill(pid, number)
        except OSError:
            return False
    return True


def _alive(pid: int) -> bool:
    return _exit_status(pid) is None and _children.alive(pid)


def _alive_pid(text: str) -> bool:
    return text.isdigit() and _alive(int(text))


def _exit_status(pid: int) -> int | None:
    """The wait status of process ``pid`` if it has ended and its parent has not waited for it
    yet (a zombie: its parent is paused, say), else None."""
    fields = stat_fields(f"/proc/{pid}/stat")
    if len(fields) > 49 and fields[0] in (b"Z", b"X"):
        return int(fields[49])  # exit_code, field 52
    return None


@dataclasses.dataclass(frozen=True)
class Process:
    """One process of the program, as ``processes`` lists it."""

    number: int
    pid: int
    state: str
    threads: int | None
    command: str


def processes() -> list[Process]:
    """The program's processes in the order they were armed (empty outside ``allstop
    run``), read from Linux's ``/proc`` (elsewhere: only whether each still exists)."""
    found = []
    for number, pid in enumerate(_children.registered(), start=1):
        state, threads, command = _proc(pid)
        if pid == os.getpid():
            state = STOPPED
        elif state == "running":
            state = _read(f"state-{pid}") or state
        found.append(Process(number, pid, state, threads, command))
    return found


def _proc(pid: int) -> tuple[str, int | None, str]:
    """(state, thread count, command line) of process ``pid``: an ended process's state says
    how it ended, where that can still be known (its parent has not waited for it yet, or a
    look at the program's processes saw it so before)."""
    status = _exit_status(pid)
    if status is not None:
        _write(f"exit-{pid}", str(status))
    try:
        with open(f"/proc/{pid}/status") as file:
            fields = dict(line.split(":", 1) for line in file if ":" in line)
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            words = cmdline.read().split(b"\0")
    except OSError:
        fields, words = {}, []
        if not _children.alive(pid):
            fields["State"] = "X"
    if fields.get("State", "").strip().startswith(("Z", "X")):
        return _ended(_read(f"exit-{pid}")), None, ""
    command = " ".join(word.decode(errors="replace") for word in words if word)
    threads = fields.get("Threads", "").strip()
    return "running", int(threads) if threads.isdigit() else None, command


def _ended(status: str) -> str:
    """How a process ended, from its wait status (text: '' when unknown)."""
    if not status.isdigit():
        return "exited"
    code = int(status)
    if os.WIFSIGNALED(code):
        return f"killed by {_pause.signal_name(os.WTERMSIG(code))}"
    return f"exited with {os.WEXITSTATUS(code)}"
