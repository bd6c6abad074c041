"""Pure functions from model objects to lines of text: pdb's location lines, stacks, the
threads table, ``bt all``; and a repr that cannot take the session down."""

from __future__ import annotations

import linecache
import os
import traceback
from collections import deque
from collections.abc import Sequence
from typing import Any, TypeVar, cast

from ._frames import own_file
from ._model import FrameView, Raised, ThreadState, ThreadView

NO_FRAMES = "<no Python frames>"
"""What a stack of a thread with no Python frame shows."""

REPR_LIMIT = 4096
"""The most characters of one value the session prints (``p``, displays, ``args``)."""

_CONTAINERS = (list, tuple, dict, set, frozenset, deque)
_BUILTIN_REPRS = {t.__repr__ for t in _CONTAINERS}


class _Budget(Exception):
    """The output is long enough: stop walking."""


def safe_repr(value: object, limit: int = REPR_LIMIT, name: str = "") -> str:
    """``repr(value)``, except that it never raises, never walks more of a container than it
    shows, and never returns much more than ``limit`` characters.

    Containers that use the built-in repr (list, tuple, dict, set, frozenset, deque and their
    subclasses that do not override it) are written item by item in ``repr``'s own format and
    order, nested ones included, until ``limit`` is reached; anything else is ``repr()``-ed
    and cut.  A repr that raises shows as ``<repr failed: ExcType>``, or, for a value the user
    named (``name``: an argument, a display's expression), as pdb shows it:
    ``*** repr(name) failed: ExcType: message ***``.
    """
    kind = type(value)  # never isinstance(): it reads __class__, which a value may refuse
    if not issubclass(kind, _CONTAINERS) or kind.__repr__ not in _BUILTIN_REPRS:
        return _plain_repr(value, limit, name)
    parts: list[str] = []
    size = [0]

    def put(text: str) -> None:
        parts.append(text)
        size[0] += len(text)
        if size[0] > limit:
            raise _Budget

    def walk(obj: object, seen: frozenset[int]) -> None:
        kind = type(obj)
        if not issubclass(kind, _CONTAINERS) or kind.__repr__ not in _BUILTIN_REPRS:
            put(_plain_repr(obj, limit))
            return
        if id(obj) in seen:
            put("[...]" if issubclass(kind, list) else "{...}")
            return
        inner = seen | {id(obj)}
        items = cast("Any", obj)  # a container of a built-in kind, told from its type
        if issubclass(kind, dict):
            put("{")
            for index, (key, item) in enumerate(items.items()):
                put(", " if index else "")
                walk(key, inner)
                put(": ")
                walk(item, inner)
            put("}")
            return
        if issubclass(kind, (set, frozenset)) and not items:
            put(f"{kind.__name__}()")
            return
        opening, closing = _brackets(kind)
        put(opening)
        for index, item in enumerate(items):
            put(", " if index else "")
            walk(item, inner)
        if issubclass(kind, tuple) and len(items) == 1:
            put(",")
        if issubclass(kind, deque) and items.maxlen is not None:
            put(f"], maxlen={items.maxlen})")
            return
        put(closing)

    try:
        walk(value, frozenset())
    except _Budget:
        return "".join(parts)[:limit] + "... (truncated)"
    except BaseException as exc:  # a hostile repr must not end the session (nor the program)
        return f"<repr failed: {type(exc).__name__}>"
    return "".join(parts)


def _brackets(kind: type) -> tuple[str, str]:
    """How the built-in repr opens and closes a list, tuple, deque or set of type ``kind``."""
    name = kind.__name__
    if issubclass(kind, list):
        return "[", "]"
    if issubclass(kind, tuple):
        return "(", ")"
    if issubclass(kind, deque):
        return f"{name}([", "])"
    if kind is set:
        return "{", "}"
    return f"{name}({{", "})"  # frozenset, and set subclasses: Name({...})


def exception_only(exc: BaseException) -> str:
    """``NameError: name 'x' is not defined``: the last line Python prints for ``exc`` (for
    a ``Raised``, the exception it carries)."""
    if isinstance(exc, Raised):
        exc = exc.exception
    return traceback.format_exception_only(type(exc), exc)[-1].strip()


def _plain_repr(obj: object, limit: int, name: str = "") -> str:
    try:
        text = plain(repr(obj))
    except BaseException as exc:
        if name:
            return f"*** repr({name}) failed: {exception_only(exc)} ***"
        return f"<repr failed: {type(exc).__name__}>"
    return truncate(text, limit)


NAME_LIMIT = 200
"""The most characters of a name the program chose (a thread's) that the session shows."""

_ESCAPES = {code: repr(chr(code))[1:-1] for code in (*range(0x20), *range(0x7F, 0xA0))}
"""Control characters, written as Python writes them in a string's repr (``\\n``,
``\\x1b``): a program's string must not move the cursor, clear the screen or recolour the
terminal."""


def printable(text: str, limit: int = NAME_LIMIT) -> str:
    """A string the program controls (a thread's name, an exception's message), bounded to
    about ``limit`` characters and with its control characters escaped."""
    text = plain(text)
    if len(text) > limit:
        text = text[:limit] + "..."
    return text if text.isprintable() else text.translate(_ESCAPES)  # control chars are not


def plain(text: str) -> str:
    """``text`` as a plain ``str``: a ``__repr__`` may return a subclass of ``str`` whose
    ``__len__`` or slicing is the program's, and may raise."""
    return text if type(text) is str else str.__str__(text)


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, ``...`` marking the cut (for table cells)."""
    return text if len(text) <= width else text[: width - 3] + "..."


def truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit} more characters)"


def short_path(filename: str, cwd: str | None = None) -> str:
    """A file name for narrow columns: relative under the working directory, else its base
    name (stdlib and site-packages paths are long and rarely the point)."""
    if filename.startswith("<"):
        return filename
    cwd = os.getcwd() if cwd is None else cwd
    try:
        rel = os.path.relpath(filename, cwd)
    except ValueError:
        return filename
    if rel != os.pardir and not rel.startswith(os.pardir + os.sep):
        return rel
    return os.path.basename(filename)


def source_line(filename: str, lineno: int | None, module_globals: Any = None) -> str:
    """Line ``lineno`` of ``filename``, stripped ('' if unknown); ``module_globals`` (the
    frame's) lets a module's loader give it (a zip archive's, say), as pdb reads it."""
    if lineno is None:
        return ""
    return linecache.getline(filename, lineno, module_globals).strip()


def stack_entry(frame: FrameView, return_repr: str | None = None) -> str:
    """pdb's ``format_stack_entry``: ``file(line)function()`` (``->value`` at a return) and
    ``-> source`` (or bdb's warning when the frame has no line number)."""
    entry = f"{frame.filename}({frame.lineno}){frame.function}()"
    if return_repr is not None:
        entry += "->" + return_repr
    source = source_line(
        frame.filename, frame.lineno, frame.frame.f_globals if frame.frame else None
    )
    if frame.lineno is None:
        entry += "\n-> Warning: lineno is None"
    elif source:
        entry += "\n-> " + source
    return entry


def location(frame: FrameView, return_repr: str | None = None) -> list[str]:
    """The lines pdb prints at a stop or after up/down: ``> file(line)function()``."""
    return ("> " + stack_entry(frame, return_repr)).split("\n")


def stack(frames: Sequence[FrameView], current: int, return_repr: str | None = None) -> list[str]:
    """pdb's ``where``: oldest frame first, ``>`` marks frame number ``current`` (0 innermost).

    ``return_repr`` belongs to the innermost frame (a stop at ``--Return--``)."""
    lines: list[str] = []
    for index in range(len(frames) - 1, -1, -1):
        prefix = "> " if index == current else "  "
        value = return_repr if index == 0 else None
        lines.extend((prefix + stack_entry(frames[index], value)).split("\n"))
    return lines


def thread_title(thread: ThreadView) -> str:
    """``[thread 3 worker-3]``: what precedes every stop's location line."""
    return f"[thread {thread.number} {thread.name}]"


def state_text(thread: ThreadView) -> str:
    """``frozen``, ``breakpoint 1``, ``blocked: waits on Queue``..."""
    state: str = thread.state.value
    if not thread.detail:
        return state
    if thread.state is ThreadState.BREAKPOINT:
        return f"{state} {thread.detail}"
    return f"{state}: {thread.detail}"


def thread_location(thread: ThreadView) -> str:
    top = thread.top
    return place(top) if top is not None else ""


def place(frame: FrameView) -> str:
    """``file:line in function``, the file's name short."""
    return f"{short_path(frame.filename)}:{frame.lineno} in {frame.function}"


def threads_table(threads: Sequence[ThreadView], current: int | None) -> list[str]:
    """gdb's ``info threads``: one row per thread, ``*`` on the current one."""
    header = ("Id", "Name", "Ident", "Daemon", "State", "Location")
    rows = [
        (
            str(t.number),
            clip(t.name, 32),
            str(t.ident),
            "yes" if t.daemon else "no",
            clip(state_text(t), 40),
            thread_location(t),
        )
        for t in threads
    ]
    return table(header, rows, [t.ident == current for t in threads])


def table(
    header: Sequence[str], rows: Sequence[Sequence[str]], marked: Sequence[bool]
) -> list[str]:
    """gdb's tables: columns as wide as their widest cell but the last, ``*`` on the rows
    ``marked`` says."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    marks = ["  "] + ["* " if mark else "  " for mark in marked]
    lines = []
    for mark, row in zip(marks, [header, *rows], strict=True):
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append((mark + "  ".join([*cells, row[-1]])).rstrip())
    return lines


def thread_header(thread: ThreadView) -> str:
    """gdb's ``Thread 2 (...)`` line, used by ``bt all`` and ``thread apply``."""
    daemon = ", daemon" if thread.daemon else ""
    title = f'Thread {thread.number} "{thread.name}" (ident {thread.ident}{daemon})'
    return f"{title}: {state_text(thread)}"


def all_stacks(
    threads: Sequence[ThreadView],
    current: int,
    current_frame: int,
    return_repr: str | None = None,
) -> list[str]:
    """``bt all``: every thread's stack, the current thread first."""
    ordered = sorted(threads, key=lambda t: (t.ident != current, t.number))
    lines: list[str] = []
    for thread in ordered:
        if lines:
            lines.append("")
        lines.append(thread_header(thread))
        if not thread.frames:
            lines.append("  " + NO_FRAMES)
            continue
        is_current = thread.ident == current
        lines.extend(
            stack(
                thread.frames,
                current_frame if is_current else -1,
                return_repr if is_current and thread.state is ThreadState.STOPPED else None,
            )
        )
    return lines


def exception_lines(exception: BaseException) -> list[str]:
    """The exception as Python prints it (chained causes included), without the frames of
    allstop's own code that a hook or a wrapper adds to the traceback."""
    summary = traceback.TracebackException.from_exception(exception)
    for each in chain(summary):
        each.stack = traceback.StackSummary.from_list(
            [entry for entry in each.stack if not own_file(entry.filename)]
        )
    return "".join(summary.format()).rstrip("\n").split("\n")


Chained = TypeVar("Chained", BaseException, traceback.TracebackException)


def chain(exception: Chained | None) -> list[Chained]:
    """``exception``, then the exception it was raised from or while handling, and so on
    (what Python prints above it, in reverse)."""
    found: list[Chained] = []
    current = exception
    while current is not None and current not in found:
        found.append(current)
        if current.__cause__ is not None:
            current = current.__cause__
        elif current.__context__ is not None and not current.__suppress_context__:
            current = current.__context__
        else:
            current = None
    return found
