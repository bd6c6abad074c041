"""Keep the keyboard from GNU readline while the world is frozen.

Design note
-----------
The main thread at the classic REPL's prompt (or in ``input()`` with the ``readline`` module
loaded) waits in GNU readline, in C, with no Python frame: it cannot park, and readline would
read the keys meant for the debugger (``threads`` reaching the session as ``hreads``).
readline calls ``PyOS_InputHook``, when one is set, every 0.1 s while it waits and before it
reads each key.  While the world is frozen allstop sets one (through ``ctypes``, from any
thread: no signal handler is needed, and only the main thread may install those).  At the
REPL's prompt it runs a line of Python in ``__main__``'s namespace, ``PROMPT_CODE``, where the
thread parks as any thread parks at its next line: readline reads nothing until the world
resumes, and the session shows the thread at ``<stdin>``, where code typed for it runs in
``__main__`` as it would at ``>>>``; in ``input()`` the thread parks in a function of
allstop's, under the program's frame that called ``input()``.  3.13's REPL (``_pyrepl``, in
Python) calls the hook too, every 0.1 s: its thread runs on to it while the world freezes
(see ``Engine.checkpoint``) and parks at the prompt the same way.  Then GNU readline is asked
to draw its prompt and line again, below what the session wrote.  A hook set before (Tk's) is
put back at the thaw, and called meanwhile.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from ._frames import PYREPL

_HOOK = ctypes.CFUNCTYPE(ctypes.c_int)

PROMPT_CODE = compile("pass", "<stdin>", "exec")
"""What the thread waiting at the prompt runs, and parks in."""


class InputHook:
    """``PyOS_InputHook`` for the time the world is frozen."""

    def __init__(self) -> None:
        self._callback: Any = _HOOK(self._hook)
        self._address = ctypes.cast(self._callback, ctypes.c_void_p).value
        self._slot = ctypes.c_void_p.in_dll(ctypes.pythonapi, "PyOS_InputHook")
        self._previous: int | None = None
        self._armed = False
        self._redraw = False
        """readline's line is to be drawn again once the thread comes back."""

    @property
    def armed(self) -> bool:
        return self._armed

    def arm(self) -> None:
        """Set the hook (the world is being frozen)."""
        if self._armed:
            return
        self._previous = self._slot.value
        self._slot.value = self._address
        self._armed = True
        self._redraw = True

    def disarm(self) -> None:
        """Put the hook that was there back (the world resumes), unless another one replaced
        ours meanwhile."""
        if not self._armed:
            return
        if self._slot.value == self._address:
            self._slot.value = self._previous
        self._armed = False

    def _hook(self) -> int:
        try:
            # The thread parks in the Python code it runs next, while the world is frozen
            # (no function of allstop's is called before: it would park there).
            below = sys._getframe().f_back
            if below is None or below.f_code.co_filename.startswith(PYREPL):  # at a prompt
                exec(PROMPT_CODE, sys.modules["__main__"].__dict__)
            else:  # in input(), called by the program's code, which shows where it waits
                _wait()
            if self._redraw and below is None:  # GNU readline's prompt, drawn by readline
                self._redraw = False
                _redisplay()
        except BaseException:  # nothing may leave a C callback: readline goes on as before
            pass
        previous = self._previous
        return _HOOK(previous)() if previous else 0


HOOK_CODE = InputHook._hook.__code__
"""The hook's own frame, where a thread never parks (it parks in ``PROMPT_CODE``)."""


def _wait() -> None:
    """Where a thread waiting in ``input()`` parks."""


def _redisplay() -> None:
    """Have readline draw its prompt and the line being typed again (the session wrote below
    them)."""
    module = sys.modules.get("readline")
    path = getattr(module, "__file__", None)
    if not path:
        return
    try:
        redraw = ctypes.CDLL(path).rl_forced_update_display
    except (OSError, AttributeError):
        return
    redraw()
