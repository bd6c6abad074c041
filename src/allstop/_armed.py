"""What allstop sets up before the program starts, for a stop that may never come.

Design note
-----------
``allstop run`` and ``allstop.install()`` must cost a program that never stops nothing it would
notice.  The engine (about 60 modules) is imported and built at the first stop
(``_wiring.engine``), by the thread that stops, before the world freezes; the session and the
front end (prompt_toolkit's hundreds more) once it is frozen, on a thread of allstop's own
(``Engine._handler``), or, for ``breakpoint()``, with pdb's face before it stops (a face made
after the freeze lost a Ctrl-C pressed at the first prompt, 1 run in 20).  Until then only
these hooks exist, each a few lines that build the engine when it fires (the
``make_engine`` it is given):

- ``threading.excepthook`` and ``sys.excepthook`` (``_postmortem``): a thread that crashes;
- ``sys.breakpointhook``: ``breakpoint()``;
- the pause signal and Ctrl-\\ (``_pause``), and the wake signal that brings a main thread
  blocked in C back to Python at a freeze: Python sets signal handlers only on the main
  thread, so they are set now, though a stop may come from any thread later.

This module, ``_pause`` and ``_postmortem`` import only what ``python`` has loaded before the
program runs, plus ``threading``.  Breakpoints given before the program starts (``-b``) need
the engine's hooks at once: the engine is then built at once.

The first stop imports those modules while the program's threads still run, and an import
gives the GIL away at each file it looks for or reads: a thread that keeps running Python takes
it each time for the whole switch interval (5 ms), so that importing the engine's 60 modules
beside one busy thread took a second, and the world moved on meanwhile.  ``QuickSwitch``
lowers the interval for the length of those imports (to 0.1 ms: 0.2-0.3 s then, on this
project's 2-core test machine, against 1 s).

What it cannot do: a pause that arrives while the main thread is inside an import of a module
the engine needs (an unfinished import of its own, which it cannot wait for) does not stop;
it says so in one line on stderr, and a second ``allstop pause`` works.
"""

from __future__ import annotations

import os
import sys

from . import _pause, _postmortem

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType

    from ._engine import Engine

QUICK_SWITCH = 1e-4
"""The switch interval while the first stop imports allstop's modules (see the design
note)."""


class QuickSwitch:
    """Within ``with QuickSwitch():``, the threads of the process hand the GIL over every
    ``QUICK_SWITCH`` seconds (see the module's design note); the interval the program had is
    put back after."""

    def __enter__(self) -> None:
        self.interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self.interval, QUICK_SWITCH))

    def __exit__(self, *exc_info: object) -> None:
        sys.setswitchinterval(self.interval)


_woken_by: int | None = None
"""The wake signal, once its handler is set (see ``wake_signal``)."""


def arm(make_engine: Callable[[], Engine], *, pause_key: bool = False) -> None:
    """Stop the world, through ``make_engine()``, when a thread crashes, at ``breakpoint()``
    and when paused from outside (``pause_key``: Ctrl-\\ too)."""
    _postmortem.remember_crashes()
    _postmortem.install(make_engine)
    wake_signal()
    install_pause(make_engine, key=pause_key)
    route_breakpoint()


def _wake(signum: int, frame: object) -> None:
    """The wake signal's handler: running it is what parks the main thread."""


def wake_signal() -> int | None:
    """The signal whose handler brings the main thread back from a C call at a freeze
    (``$ALLSTOP_WAKE_SIGNAL``, default SIGURG, which Python programs leave alone); set by the
    first call made on the main thread where the program has no handler for it; None until
    then, or where it cannot be."""
    global _woken_by
    if _woken_by is None:
        number = _pause.signal_number(os.environ.get("ALLSTOP_WAKE_SIGNAL", "SIGURG"))
        if _pause.handle_unless_taken(number, _wake):
            _woken_by = number
    return _woken_by


def install_pause(make_engine: Callable[[], Engine], *, key: bool = False) -> int | None:
    """Let the program be paused from outside: the pause signal (and, with ``key``, Ctrl-\\,
    SIGQUIT) freezes the world and opens the session with the main thread current.  Installed
    only on the main thread, only where the program has no handler of its own.  Leaves a
    marker that ``allstop pause`` checks before it sends anything (see ``_pause``).  Returns
    the signal, or None."""

    def pause(signum: int, frame: FrameType | None) -> None:
        if frame is None:
            return
        try:
            if _importing_allstop(frame):  # the session would wait for its module locks
                raise ImportError("allstop imports its own modules")
            engine = make_engine()
        except (ImportError, AttributeError) as exc:  # see the module's design note
            # (AttributeError: a module of allstop's not yet done.)  Asked by another process
            # of the program to pause with it, this one is importing allstop for its own stop.
            if not _pause.holding_back():
                print(f"allstop: cannot pause in the middle of an import ({exc})", file=sys.stderr)
            return
        engine.pause(frame)

    if key and os.environ.get("ALLSTOP_PAUSE_KEY", "1") != "0":
        _pause.handle_unless_taken(_pause.signal_number("SIGQUIT"), pause)
    number = _pause.pause_signal()
    if number is None or not _pause.handle_unless_taken(number, pause):
        return None
    _pause.PauseWatch(number, pause).start()
    return number


def _importing_allstop(frame: FrameType | None) -> bool:
    """Whether a thread whose innermost frame is ``frame`` imports a module of allstop's."""
    while frame is not None:
        name = frame.f_locals.get("name") if frame.f_code.co_name == "_find_and_load" else ""
        if str(name).startswith(f"{__package__}."):  # importlib's, with the module's name
            return True
        frame = frame.f_back
    return False


def route_breakpoint() -> None:
    """``breakpoint()`` stops the world from now on (a ``PYTHONBREAKPOINT`` the user set
    still wins)."""
    if not os.environ.get("PYTHONBREAKPOINT"):
        from . import set_trace

        sys.breakpointhook = set_trace
