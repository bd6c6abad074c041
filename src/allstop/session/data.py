"""Data commands: ``p``, ``pp``, ``args``, ``retval``, ``whatis``, ``display``, ``undisplay``,
``interact``, ``debug``.

Every value is computed and repr'd in the thread that owns the frame, through the session, so that a
``__repr__`` that waits on a frozen thread cannot hang the prompt, and every repr is bounded
(``_format.safe_repr``).  Displays are kept per frame object and forgotten when no thread runs
that frame any more (frames take no weak references).
"""

from __future__ import annotations

import code as code_module
import inspect
import pprint
import sys
from collections.abc import Callable
from contextlib import suppress
from types import CodeType, FrameType
from typing import Any

from .. import _format
from .._evaluate import EvaluationAbandoned
from .._model import Raised
from .core import CommandError, Commands, Session, UsageError, command, exception_text


class DataCommands(Commands):
    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.displaying: dict[FrameType, dict[str, object]] = {}

    def do_p(self, arg: str) -> None:
        """p expression

        Print the value of the expression, evaluated in the current frame."""
        if not arg:
            raise UsageError
        session = self.session
        value = session.value_of(arg)
        try:
            text = session.run(lambda: _format.plain(repr(value)), arg)
        except EvaluationAbandoned as exc:
            raise CommandError(str(exc)) from None
        except Exception as exc:
            raise CommandError(exception_text(exc)) from None
        session.message(_format.truncate(text, _format.REPR_LIMIT))

    def do_pp(self, arg: str) -> None:
        """pp expression

        Pretty-print the value of the expression."""
        if not arg:
            raise UsageError
        session = self.session
        value = session.value_of(arg)
        try:
            text = session.run(lambda: _format.plain(pprint.pformat(value)), arg)
        except EvaluationAbandoned as exc:
            raise CommandError(str(exc)) from None
        except Exception as exc:
            raise CommandError(exception_text(exc)) from None
        session.message(_format.truncate(text, _format.REPR_LIMIT * 4))

    @command("a")
    def do_args(self, arg: str) -> None:
        """a(rgs)

        Print the arguments of the current function and their current values."""
        self.takes_no_argument(arg)
        session = self.session
        frame = session.frame()
        code = frame.f_code
        count = code.co_argcount + code.co_kwonlyargcount
        count += bool(code.co_flags & inspect.CO_VARARGS)
        count += bool(code.co_flags & inspect.CO_VARKEYWORDS)
        ns = frame.f_locals
        for name in code.co_varnames[:count]:
            if name in ns:
                session.message(f"{name} = {session.repr(ns[name], name=name)}")
            else:
                session.message(f"{name} = *** undefined ***")

    @command("rv")
    def do_retval(self, arg: str) -> None:
        """retval | rv

        Print the value the current function is returning (at a --Return-- stop)."""
        self.takes_no_argument(arg)
        session = self.session
        stop = session.stop
        if stop is None or session.return_repr() is None:
            raise CommandError("Not yet returned!")
        session.message(session.repr(stop.return_value, name="retval"))

    def do_whatis(self, arg: str) -> None:
        """whatis expression

        Print the type of the value of the expression."""
        session = self.session
        value = session.value_of(arg)
        try:
            text = session.run(lambda: _what_is(value), arg)
        except EvaluationAbandoned as exc:
            raise CommandError(str(exc)) from None
        except Exception as exc:
            raise CommandError(exception_text(exc)) from None
        session.message(text)

    # -- displays --------------------------------------------------------------------------
    def do_display(self, arg: str) -> None:
        """display [expression]

        Display the value of the expression if it changed, each time execution stops in the
        current frame.  Without expression, list the displays of the current frame."""
        session = self.session
        frame = session.frame()
        if not arg:
            shown = self.displaying.get(frame, {})
            if not shown:
                session.message("No expression is being displayed")
                return
            session.message("Currently displaying:")
            for expression, value in shown.items():
                session.message(f"{expression}: {session.repr(value, name=expression)}")
            return
        try:
            compile(arg, "<stdin>", "eval")
        except (SyntaxError, ValueError) as exc:  # ValueError: a null byte, on 3.10
            raise CommandError(f"Unable to display {arg}: {exception_text(exc)}") from None
        value = self._value_or_raised(arg)
        self.displaying.setdefault(frame, {})[arg] = value
        session.message(f"display {arg}: {session.repr(value, name=arg)}")

    def do_undisplay(self, arg: str) -> None:
        """undisplay [expression]

        Stop displaying the expression in the current frame; without expression, clear all
        displays of the current frame."""
        frame = self.session.frame()
        if not arg:
            self.displaying.pop(frame, None)
            return
        try:
            del self.displaying.get(frame, {})[arg]
        except KeyError:
            raise CommandError(f"not displaying {arg}") from None

    def _value_or_raised(self, expression: str) -> object:
        try:
            return self.session.value_of(expression)
        except CommandError as exc:
            return _Raised(str(exc))

    def stop_begins(self) -> None:
        """Drop displays of frames that no thread runs any more."""
        if not self.displaying:
            return  # without reading every thread's whole stack
        live = {view.frame for thread in self.session.threads for view in thread.frames}
        for frame in [f for f in self.displaying if f not in live]:
            del self.displaying[frame]

    def location_shown(self) -> None:
        """Show the displays of the current frame whose value changed."""
        session = self.session
        frame = session.curframe
        shown = self.displaying.get(frame) if frame is not None else None
        if not shown:
            return
        for expression, old in list(shown.items()):
            new = self._value_or_raised(expression)
            if new is not old and _differ(new, old):
                shown[expression] = new
                new_text = session.repr(new, name=expression)
                old_text = session.repr(old, name=expression)
                session.message(f"display {expression}: {new_text}  [old: {old_text}]")

    def do_interact(self, arg: str) -> None:
        """interact

        Start an interactive interpreter whose global namespace contains the current frame's
        globals and locals.  End it with an end-of-file (Ctrl-D) or exit()."""
        session = self.session
        frame = session.frame()
        console = _Console(session, {**frame.f_globals, **frame.f_locals})
        start, end = _INTERACT_BANNERS
        session.message(start)
        with suppress(SystemExit):  # exit() leaves the console, not the program
            console.interact(banner="", exitmsg="")
        session.message(end)

    def do_debug(self, arg: str) -> None:
        """debug code

        Enter a recursive debugger that steps through the code argument (which is an
        arbitrary expression or statement to be executed in the current environment), run
        by the current thread while the other threads stay frozen.  Its prompt has one more
        pair of parentheses; 'continue' runs the code to its end or its next breakpoint,
        'quit' leaves it."""
        session = self.session
        session.message("ENTERING RECURSIVE DEBUGGER")
        try:
            session.debug(arg)
        except CommandError as exc:
            session.error(str(exc))
        session.message("LEAVING RECURSIVE DEBUGGER")


_INTERACT_BANNERS = (
    ("*pdb interact start*", "*exit from pdb interact command*")
    if sys.version_info >= (3, 13)
    else ("*interactive*", "now exiting InteractiveConsole...")
)
"""What pdb says as ``interact`` starts and ends (the running Python's words)."""


class _Raised:
    """A display whose expression raised: shown as pdb shows it."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"** raised {self.text} **"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Raised) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


def _differ(new: object, old: object) -> bool:
    try:
        return bool(new != old)
    except Exception:
        return True


class _Console(code_module.InteractiveConsole):
    """``interact``: reads through the session, runs code through its evaluator."""

    def __init__(self, session: Session, ns: dict[str, Any]) -> None:
        super().__init__(ns)
        self.session = session

    def raw_input(self, prompt: str = "") -> str:
        line = self.session.read_line(prompt)
        if line is None:
            raise EOFError
        return line

    def write(self, data: str) -> None:
        for line in data.rstrip("\n").split("\n"):
            self.session.message(line)

    def runcode(self, code: CodeType) -> None:
        ns = self.locals
        try:
            self.session.forget_snapshot()
            with self.session.redirected_output():
                self.session.run(lambda: exec(code, ns))
        except EvaluationAbandoned as exc:
            self.session.error(str(exc))
        except Raised as exc:  # exit() leaves the console; a bare BaseException is an error
            if isinstance(exc.exception, SystemExit):
                raise exc.exception from None
            self.session.error(exception_text(exc))
        except BaseException:
            self.showtraceback()


def _what_is(value: object) -> str:
    """pdb's ``whatis`` line for ``value``; its attributes are the program's, and may raise
    anything (pdb: then it is no method, no function)."""
    method = _code(lambda: value.__func__.__code__)  # type: ignore[attr-defined]
    if method is not None:
        return f"Method {method.co_name}"
    function = _code(lambda: value.__code__)  # type: ignore[attr-defined]
    if function is not None:
        return f"Function {function.co_name}"
    if type(value) is type:
        return f"Class {value.__module__}.{value.__qualname__}"
    return str(type(value))


def _code(read: Callable[[], object]) -> CodeType | None:
    try:
        code = read()
    except Exception:
        return None
    return code if type(code) is CodeType else None
