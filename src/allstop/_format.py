"""Pure functions from model objects to lines of text: pdb's location lines, stacks, the
threads table, ``bt all``; and a repr that cannot take the session down."""

from __future__ import annotations

import linecache
import os
import reprlib
from collections import deque
from collections.abc import Sequence

from ._model import NO_VALUE, FrameView, ThreadState, ThreadView

REPR_LIMIT = 4096
"""The most characters of one value the session prints (``p``, displays, ``args``)."""

_BIG = 10_000
"""Containers longer than this are shown through reprlib, which never walks all of them."""

_bounded = reprlib.Repr()
_bounded.maxlevel = 4
_bounded.maxlist = _bounded.maxtuple = _bounded.maxset = _bounded.maxfrozenset = 200
_bounded.maxdict = _bounded.maxdeque = _bounded.maxarray = 200
_bounded.maxstring = _bounded.maxother = REPR_LIMIT


def safe_repr(value: object, limit: int = REPR_LIMIT) -> str:
    """``repr(value)``, but never raises, never walks a huge container and never returns more
    than about ``limit`` characters."""
    try:
        if (
            isinstance(value, (list, tuple, dict, set, frozenset, deque))
            and len(value) > _BIG
            and type(value).__repr__ in _BUILTIN_REPRS
        ):
            text = _bounded.repr(value)
        else:
            text = repr(value)
    except Exception as exc:
        return f"<repr failed: {type(exc).__name__}>"
    return truncate(text, limit)


_BUILTIN_REPRS = {t.__repr__ for t in (list, tuple, dict, set, frozenset, deque)}


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
    if not rel.startswith(".."):
        return rel
    return os.path.basename(filename)


def source_line(filename: str, lineno: int) -> str:
    return linecache.getline(filename, lineno).strip()


def stack_entry(frame: FrameView, return_value: object = NO_VALUE) -> str:
    """pdb's ``format_stack_entry``: ``file(line)function()`` and ``-> source``."""
    entry = f"{frame.filename}({frame.lineno}){frame.function}()"
    if return_value is not NO_VALUE:
        entry += "->" + safe_repr(return_value, 200)
    source = source_line(frame.filename, frame.lineno)
    if source:
        entry += "\n-> " + source
    return entry


def location(frame: FrameView, return_value: object = NO_VALUE) -> list[str]:
    """The lines pdb prints at a stop or after up/down: ``> file(line)function()``."""
    return ("> " + stack_entry(frame, return_value)).split("\n")


def stack(frames: Sequence[FrameView], current: int, return_value: object = NO_VALUE) -> list[str]:
    """pdb's ``where``: oldest frame first, ``>`` marks frame number ``current`` (0 innermost).

    ``return_value`` belongs to the innermost frame (a stop at ``--Return--``)."""
    lines: list[str] = []
    for index in range(len(frames) - 1, -1, -1):
        prefix = "> " if index == current else "  "
        value = return_value if index == 0 else NO_VALUE
        lines.extend((prefix + stack_entry(frames[index], value)).split("\n"))
    return lines


def thread_title(thread: ThreadView) -> str:
    """``[thread 3 worker-3]``: what precedes every stop's location line."""
    return f"[thread {thread.number} {thread.name}]"


def state_text(thread: ThreadView) -> str:
    state = thread.state.value
    return f"{state}: {thread.detail}" if thread.detail else state


def thread_location(thread: ThreadView) -> str:
    top = thread.top
    if top is None:
        return ""
    return f"{short_path(top.filename)}:{top.lineno} in {top.function}"


def threads_table(threads: Sequence[ThreadView], current: int | None) -> list[str]:
    """gdb's ``info threads``: one row per thread, ``*`` on the current one."""
    header = ("Id", "Name", "Ident", "Daemon", "State", "Location")
    rows = [
        (
            str(t.number),
            t.name,
            str(t.ident),
            "yes" if t.daemon else "no",
            state_text(t),
            thread_location(t),
        )
        for t in threads
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    marks = ["  "] + ["* " if t.ident == current else "  " for t in threads]
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
    return_value: object = NO_VALUE,
) -> list[str]:
    """``bt all``: every thread's stack, the current thread first."""
    ordered = sorted(threads, key=lambda t: (t.ident != current, t.number))
    lines: list[str] = []
    for thread in ordered:
        if lines:
            lines.append("")
        lines.append(thread_header(thread))
        if not thread.frames:
            lines.append("  <no Python frames>")
            continue
        is_current = thread.ident == current
        lines.extend(
            stack(
                thread.frames,
                current_frame if is_current else -1,
                return_value if is_current and thread.state is ThreadState.STOPPED else NO_VALUE,
            )
        )
    return lines
