"""The breakpoint table: file:line and function breakpoints, conditions, ignore counts,
temporary breakpoints and thread filters.

Design note: the table is read on the interpreter's hot path (a backend asks "does this code
object hold a breakpoint?" on every function entry while breakpoints exist on 3.10/3.11), so
those questions are answered from dictionaries keyed by the code object and cached until the
table changes.  Writes happen only from the session, while the world is stopped, or before the
program starts; a reader on another thread sees either the old or the new dictionaries, never a
half-built one, because every change builds new lookup structures and swaps them in whole.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import CodeType, FrameType
from typing import NamedTuple


def canonic(filename: str) -> str:
    """The form of a file name that breakpoints are keyed by (pdb's ``canonic``)."""
    if filename.startswith("<") and filename.endswith(">"):
        return filename
    return os.path.normcase(os.path.abspath(filename))


_canonic_cache: dict[str, str] = {}


def code_file(code: CodeType) -> str:
    """``canonic(code.co_filename)``, cached: called on hot paths."""
    name = code.co_filename
    found = _canonic_cache.get(name)
    if found is None:
        found = _canonic_cache[name] = canonic(name)
    return found


_compiled: dict[str, CodeType] = {}
"""Each condition's code, compiled at its first evaluation (a breakpoint on a hot line
evaluates its condition at every pass)."""


def compiled(condition: str) -> CodeType:
    """The code of ``condition``; SyntaxError where it is not an expression."""
    found = _compiled.get(condition)
    if found is None:
        found = _compiled[condition] = compile(condition, "<string>", "eval")  # as eval's
    return found


ORIGINALS: dict[int, tuple[CodeType, CodeType]] = {}
"""``id`` of each instrumented copy of a code object (the settrace backend's) -> (the copy, the
original).  Keyed by identity: hashing a code object reads all of it."""


def original(code: CodeType) -> CodeType:
    """The code object ``code`` is an instrumented copy of, or ``code`` itself."""
    found = ORIGINALS.get(id(code))
    return code if found is None else found[1]


def code_lines(code: CodeType) -> frozenset[int]:
    """The line numbers at which ``code`` has instructions."""
    return frozenset(line for _, _, line in code.co_lines() if line is not None)


@dataclass(eq=False)
class Breakpoint:
    """One breakpoint.  A function breakpoint (``funcname`` set) stops at the first line run in
    each call of that function; ``code`` is its code object once it is known."""

    number: int
    filename: str
    line: int
    temporary: bool = False
    condition: str | None = None
    enabled: bool = True
    ignore: int = 0
    hits: int = 0
    thread: int | None = None
    """Stop only in the thread with this ident."""
    thread_number: int | None = None
    funcname: str | None = None
    code: CodeType | None = None
    commands: list[str] = field(default_factory=list)

    @property
    def internal(self) -> bool:
        """allstop's own (``allstop run --stop``): number 0, not listed."""
        return self.number == 0

    def matches_function(self, code: CodeType) -> bool:
        """Whether entering ``code`` is entering this function breakpoint's function."""
        if self.funcname is None:
            return False
        if self.code is not None:
            return original(code) is self.code
        # 3.10 code objects have no qualified name: there 'Class.method' matches any 'method'.
        qualname = getattr(code, "co_qualname", None)
        if qualname is None:
            if self.funcname.rpartition(".")[2] != code.co_name:
                return False
        elif self.funcname not in (code.co_name, qualname):
            return False
        return not self.filename or code_file(code) == self.filename


class Hit(NamedTuple):
    """A breakpoint that stops a thread, and what its condition raised (then it stops)."""

    breakpoint: Breakpoint
    condition_error: BaseException | None = None


class BreakpointTable:
    """All breakpoints, by number, with the lookups the backends need."""

    def __init__(self) -> None:
        self._by_number: dict[int, Breakpoint] = {}
        self.spent: dict[int, Breakpoint] = {}
        """Temporary breakpoints deleted as they stopped, by number, until the stop says so."""
        self._next_number = 1
        self.version = 0
        """Bumped on every change: backends re-arm when it moves."""
        self._lines: dict[str, dict[int, list[Breakpoint]]] = {}
        self._functions: list[Breakpoint] = []
        self._interest: dict[CodeType, bool] = {}

    # -- reading ---------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Breakpoint]:
        """The user's breakpoints, by number."""
        return iter(
            sorted((b for b in self._by_number.values() if b.number), key=lambda b: b.number)
        )

    def __len__(self) -> int:
        return len(self._by_number)

    def __bool__(self) -> bool:
        return bool(self._by_number)

    def get(self, number: int) -> Breakpoint | None:
        return self._by_number.get(number)

    def every(self) -> list[Breakpoint]:
        """Every breakpoint, allstop's own included."""
        return list(self._by_number.values())

    @property
    def has_functions(self) -> bool:
        return bool(self._functions)

    def at(self, filename: str, line: int) -> list[Breakpoint]:
        """Line breakpoints at ``filename:line`` (``filename`` canonical)."""
        return self._lines.get(filename, {}).get(line, [])

    def at_code_line(self, code: CodeType, line: int) -> list[Breakpoint]:
        lines = self._lines.get(code_file(code))
        if not lines:
            return []
        return lines.get(line, [])

    def lines_in_file(self, filename: str) -> frozenset[int]:
        return frozenset(self._lines.get(filename, {}))

    def functions_entered(self, code: CodeType) -> list[Breakpoint]:
        """Function breakpoints whose function ``code`` is."""
        return [b for b in self._functions if b.matches_function(code)]

    def holds_lines(self, code: CodeType) -> bool:
        """Whether a line breakpoint sits on one of ``code``'s lines."""
        lines = self._lines.get(code_file(code))
        if not lines:
            return False
        return not code_lines(code).isdisjoint(lines)

    def interesting(self, code: CodeType) -> bool:
        """Whether a frame running ``code`` must be watched for breakpoints (cached)."""
        found = self._interest.get(code)
        if found is None:
            found = self.holds_lines(code) or bool(self.functions_entered(code))
            self._interest[code] = found
        return found

    # -- changing --------------------------------------------------------------------------
    def add(
        self,
        filename: str,
        line: int,
        *,
        temporary: bool = False,
        condition: str | None = None,
        thread: int | None = None,
        thread_number: int | None = None,
        funcname: str | None = None,
        code: CodeType | None = None,
        internal: bool = False,
    ) -> Breakpoint:
        bp = Breakpoint(
            number=0 if internal else self._next_number,
            filename=canonic(filename) if filename else "",
            line=line,
            temporary=temporary,
            condition=condition,
            thread=thread,
            thread_number=thread_number,
            funcname=funcname,
            code=None if code is None else original(code),
        )
        if not internal:
            self._next_number += 1
        self._by_number[bp.number] = bp
        self._rebuild()
        return bp

    def delete(self, bp: Breakpoint) -> None:
        self._by_number.pop(bp.number, None)
        self._rebuild()

    def clear(self) -> None:
        self._by_number.clear()
        self._rebuild()

    @property
    def next_number(self) -> int:
        """The number the next breakpoint gets (those below it were given out)."""
        return self._next_number

    def reset(self) -> None:
        """No breakpoint, and the next one numbered 1 (bdb's ``clearBreakpoints``)."""
        self._next_number = 1
        self.clear()

    def changed(self) -> None:
        """Call after changing a breakpoint's fields in place (enable, condition...)."""
        self._rebuild()

    def _rebuild(self) -> None:
        lines: dict[str, dict[int, list[Breakpoint]]] = {}
        functions: list[Breakpoint] = []
        for bp in self._by_number.values():
            if bp.funcname is not None:
                functions.append(bp)
            else:
                lines.setdefault(bp.filename, {}).setdefault(bp.line, []).append(bp)
        self._lines = lines
        self._functions = functions
        self._interest = {}
        self.version += 1

    # -- hitting ---------------------------------------------------------------------------
    def effective(self, candidates: list[Breakpoint], frame: FrameType, ident: int) -> Hit | None:
        """Which of ``candidates`` stops ``frame`` in thread ``ident`` (bdb's ``effective``).

        Counts hits, honours conditions and ignore counts, and deletes a temporary breakpoint
        that stops.  A condition that raises anything (``SystemExit`` too) stops, as in pdb:
        stopping is the safe side, and the thread must never receive the condition's error.
        """
        for bp in candidates:
            if not bp.enabled or (bp.thread is not None and bp.thread != ident):
                continue
            bp.hits += 1
            if bp.condition:
                try:
                    if not eval(compiled(bp.condition), frame.f_globals, frame.f_locals):
                        continue
                except BaseException as exc:
                    return Hit(bp, exc)
            if bp.ignore > 0:
                bp.ignore -= 1
                continue
            if bp.temporary:
                self.delete(bp)
                self.spent[bp.number] = bp
            return Hit(bp)
        return None
