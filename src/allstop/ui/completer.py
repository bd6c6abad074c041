"""Tab completion at the prompt (the full-screen UI's command line, line mode on a terminal):
command names, the names visible in the current frame, and attributes after a dot.

Design note: completion is computed from the program's frames, so it runs where every read of
them runs, in the thread that owns the frame (through ``SessionView.in_current_frame``, which
the full-screen UI reaches through its request queue, and line mode calls from the session's
own thread), never on a front end's thread of its own: a namespace may belong to a
thread that is frozen holding a lock the lookup needs.  Attributes are found without running
the program's code (``inspect.getattr_static`` and ``object.__dir__``: no ``__getattr__``, no
properties).  The completer is asynchronous, so the UI keeps drawing while it waits.
"""

from __future__ import annotations

import builtins
import inspect
import re
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable
from types import FrameType
from typing import Any, TypeVar

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from ..session import SessionView
from ..session.core import CONVENIENCE

T = TypeVar("T")
Ask = Callable[[Callable[[SessionView], list[str]]], Awaitable[list[str]]]
"""Runs a function of the session on the session's thread; its result, later."""

_WORD = re.compile(r"^(?:[\w.]+\$?|\$)")
"""The word being completed: prompt_toolkit matches it on the text before the cursor read
backwards (so ``$`` comes last, and ``^`` anchors it at the cursor)."""


class SessionCompleter(Completer):
    """Completes command names, the names visible in the current frame, and attributes after
    a dot (``ptpython``'s completer is the model)."""

    def __init__(self, ask: Ask) -> None:
        self._ask = ask

    def get_completions(self, document: Document, event: CompleteEvent) -> Iterable[Completion]:
        """Nothing synchronously: the answers come from the session's thread."""
        return ()

    async def get_completions_async(
        self, document: Document, event: CompleteEvent
    ) -> AsyncGenerator[Completion, None]:
        prefix, question, keep = _question(document)
        try:
            names = await self._ask(question)
        except Exception:  # the stop ended, or the session could not tell: no completions
            return
        for completion in _completions(prefix, names, keep):
            yield completion


class SessionCompleterHere(Completer):
    """The same completions, asked synchronously of a session whose thread is the caller's
    (line mode reads its command on the session's thread), as readline's completer is."""

    def __init__(self, ask: Callable[[Question], list[str]]) -> None:
        self._ask = ask

    def get_completions(self, document: Document, event: CompleteEvent) -> Iterable[Completion]:
        prefix, question, keep = _question(document)
        try:
            names = self._ask(question)
        except Exception:  # the stop ended, or the session could not tell: no completions
            return []
        return list(_completions(prefix, names, keep))


Question = Callable[[SessionView], list[str]]
"""What a completer asks of the session: the candidate names."""


def _question(document: Document) -> tuple[str, Question, Callable[[str], bool]]:
    """For the text before the cursor: the prefix to complete, the question that gives the
    candidates (command names first on the line, attributes after a dot, names of the
    frame), and which candidates to keep (no _private attribute unless asked for)."""
    text = document.text_before_cursor
    word = document.get_word_before_cursor(pattern=_WORD)
    head, dot, tail = word.rpartition(".")
    if word.startswith("$"):
        return word, lambda session: _in_frame(session, convenience_names), lambda name: True
    if " " not in text.lstrip() and not text.startswith("!") and not dot:
        # A command; else, as 3.13's pdb, the start of a Python line (a callable with its "(").
        return word, lambda session: _first_words(session, word), lambda name: True
    if dot:
        return (
            tail,
            lambda session: _in_frame(session, attributes, head),
            lambda name: tail.startswith("_") or not name.startswith("_"),
        )
    return word, lambda session: _in_frame(session, visible_names), lambda name: True


def _completions(
    prefix: str, names: Iterable[str], keep: Callable[[str], bool]
) -> Iterable[Completion]:
    for name in names:
        if name.startswith(prefix) and keep(name):
            yield Completion(name, -len(prefix))


def _in_frame(session: SessionView, fn: Callable[..., list[str]], *args: Any) -> list[str]:
    return session.in_current_frame(lambda frame: fn(frame, *args)) or []


def _first_words(session: SessionView, word: str) -> list[str]:
    """What a line can start with, 3.13's pdb's way: a command, else a name of the frame,
    else any Python (keywords, builtins).  Inside a multi-line statement, Python alone, and
    Tab on a blank line indents it."""
    if session.reading_code:
        return _in_frame(session, python_words, word) if word else ["\t"]
    commands = [name for name in session.command_names() if name.startswith(word)]
    return commands or _in_frame(session, expression_starts, word)


def expression_starts(frame: FrameType, word: str) -> list[str]:
    """The names of ``frame`` that start with ``word``; if none, ``python_words``."""
    names = [name for name in {**frame.f_globals, **frame.f_locals} if name.startswith(word)]
    return sorted(names) or python_words(frame, word)


def python_words(frame: FrameType, word: str) -> list[str]:
    """The keywords and names (builtins too) that start with ``word``, rlcompleter's way (a
    callable's with its ``(``, ``return `` with its space), sorted.  (rlcompleter hands
    readline, when the program has it, a completer of its own as it is imported, as ``import
    pdb`` does on 3.13: imported here, at the first Tab.)"""
    import rlcompleter

    found = rlcompleter.Completer({**frame.f_globals, **frame.f_locals}).global_matches(word)
    return sorted(found)


def convenience_names(frame: FrameType) -> list[str]:
    """pdb's convenience variables (``$_frame``...) set for the current frame, sorted."""
    found = frame.f_globals.get(CONVENIENCE)
    return sorted("$" + name for name in found) if isinstance(found, dict) else []


def visible_names(frame: FrameType) -> list[str]:
    """The names an expression in ``frame`` can use, sorted."""
    return sorted(set(frame.f_locals) | set(frame.f_globals) | set(dir(builtins)))


def attributes(frame: FrameType, dotted: str) -> list[str]:
    """The attributes of the value ``dotted`` names in ``frame``, found without running the
    program's code, sorted."""
    first, *rest = dotted.split(".")
    for ns in (frame.f_locals, frame.f_globals, vars(builtins)):
        if first in ns:
            value = ns[first]
            break
    else:
        return []
    try:
        for name in rest:
            value = inspect.getattr_static(value, name)
        return sorted(object.__dir__(value))
    except (AttributeError, TypeError):
        return []
