"""Instrumented copies of the code that holds breakpoints: the settrace backend's running state.

Design note
-----------
On 3.10/3.11 a trace function costs its thread 2-9x even when it answers None for every frame,
so while the world runs and no thread steps, the settrace backend traces nothing.  Instead,
each code object that holds a breakpoint gets a copy whose bytecode calls into allstop there:

- ``hook(line)`` before each instruction where the interpreter sends a ``line`` event for a
  breakpoint's line: where the line starts in the instruction stream, and where a jump lands
  in it from another line, backwards, or from an exception handler's table;
- ``entry()`` at the start of a function a function breakpoint names (after its prologue:
  once a call, not where a generator comes back).

The inserted instructions have no line number, so a thread that traces (it steps, or the world
freezes) still gets its ``line`` event at the original first instruction of the line, right
after the hook; the hook stands aside for a traced frame.  The copy of a code object's parent
changes only in its constants (the nested copy), so closures and methods made later run copies.

Copies replace the code of every function that runs an original (found through the garbage
collector, once per change of the breakpoint table), and the code of modules loaded later
(``SourceLoader.get_code`` and ``SourcelessFileLoader.get_code`` are wrapped from the first
breakpoint on; ``allstop run`` passes its script through ``loaded``).
``_breakpoints.original`` maps a copy back to its original for all that compares code objects.

What a copy cannot reach is *stale* and the backend traces it (``settrace.py``): a frame that
runs an original holding a breakpoint (a loop under way when the breakpoint is set); a frame
that may still make a function of a nested code with a copy (a script's body stopped before its
``def`` statements: ``stale`` reads where it stands against where it loads nested code and
where it jumps back); code that another loader compiles and runs (pdb's script, pytest's
rewritten test modules: ``exec`` is audited); a generator or coroutine suspended in stale code.
What a stale frame makes gets its copy at its next line (``adopt``), and everything at the
moment it stops being stale (``swap``).

Versions: the backend makes copies on 3.10 and 3.11 only (``settrace._COPIES`` says why), but
the rewriting works, and is tested, on 3.10-3.13: the call sequence differs on 3.10
(``CALL_FUNCTION``), 3.11 (``PRECALL``/``CALL``), 3.12 (``PUSH_NULL`` first) and 3.13
(``PUSH_NULL`` after the callable); ``bytecode`` rebuilds jumps, line tables, exception tables
and stack sizes on each.
"""

from __future__ import annotations

import dis
import gc
import sys
import weakref
from collections.abc import Callable, Iterable
from contextlib import suppress
from importlib import _bootstrap_external
from types import (
    AsyncGeneratorType,
    CodeType,
    CoroutineType,
    FrameType,
    FunctionType,
    GeneratorType,
    MethodType,
)
from typing import Any

from .._breakpoints import ORIGINALS, BreakpointTable, code_file, code_lines, original

_PY = sys.version_info[:2]
_LOADERS: tuple[Any, ...] = (
    _bootstrap_external.SourceLoader,
    _bootstrap_external.SourcelessFileLoader,
)
_WRAPPERS: tuple[type[Any], ...] = (staticmethod, classmethod, MethodType)
_JUMPS = frozenset(dis.hasjrel + dis.hasjabs)
_SUSPENDED = {GeneratorType: "gi", CoroutineType: "cr", AsyncGeneratorType: "ag"}


def _call(fn: Callable[..., None], *args: object) -> list[Any]:
    """Instructions, with no line number, that call ``fn(*args)`` and drop what it returns."""
    from bytecode import Instr

    def instr(name: str, *arg: object) -> Any:
        return Instr(name, *arg, lineno=None)

    out = [instr("PUSH_NULL")] if (3, 11) <= _PY < (3, 13) else []
    out.append(instr("LOAD_CONST", fn))
    if _PY >= (3, 13):
        out.append(instr("PUSH_NULL"))
    out += [instr("LOAD_CONST", arg) for arg in args]
    if _PY < (3, 11):
        out.append(instr("CALL_FUNCTION", len(args)))
    else:
        if _PY < (3, 12):
            out.append(instr("PRECALL", len(args)))
        out.append(instr("CALL", len(args)))
    out.append(instr("POP_TOP"))
    return out


def _entered_labels(items: list[Any]) -> set[Any]:
    """The labels a thread reaches from another line, backwards, or through an exception: there
    the interpreter sends a ``line`` event even in the middle of a line's instructions."""
    from bytecode import Instr, Label
    from bytecode.instr import TryBegin

    where: dict[Any, int] = {}
    line_at: dict[Any, int | None] = {}  # the line of the instruction a label stands before
    line = None
    for i in range(len(items) - 1, -1, -1):
        item = items[i]
        if isinstance(item, Instr):
            line = item.lineno
        elif isinstance(item, Label):
            where[item], line_at[item] = i, line
    entered: set[Any] = set()
    for i, item in enumerate(items):
        if isinstance(item, TryBegin):
            entered.add(item.target)
        elif isinstance(item, Instr) and item.has_jump():
            target: Any = item.arg
            backwards = where[target] < i
            handler = item.name.startswith("SETUP_")  # 3.10's exception handlers
            if backwards or handler or item.lineno != line_at[target]:
                entered.add(target)
    return entered


def _entry_index(items: list[Any]) -> int:
    """Where a call's first instructions end: after ``RESUME`` (3.11+) or ``GEN_START``
    (3.10), at the start otherwise."""
    from bytecode import Instr

    for i, item in enumerate(items):
        if isinstance(item, Instr):
            if item.name in ("RESUME", "GEN_START"):
                return i + 1
            if _PY < (3, 11):
                return 0
    return 0


def rewrite(
    code: CodeType,
    lines: frozenset[int],
    entry: bool,
    line_hook: Callable[[int], None],
    entry_hook: Callable[[], None],
) -> CodeType:
    """``code`` with ``line_hook(line)`` where each of ``lines`` gets a ``line`` event, and
    ``entry_hook()`` at its start when ``entry``."""
    from bytecode import Bytecode, Instr, Label

    bytecode = Bytecode.from_code(code)
    items = list(bytecode)
    entered = _entered_labels(items) if lines else set()
    body = _entry_index(items)  # no line event in a prologue (3.11+: up to RESUME)
    entry_at = body if entry else -1
    out: list[Any] = []
    last: Any = None  # the instruction before, in the stream
    landed = False  # a jump that sends a line event lands here
    first = True  # no instruction of the call's body has passed yet
    after_last = 0  # where ``last`` ends in ``out``
    for i, item in enumerate(items):
        if i == entry_at:
            out += _call(entry_hook)
            after_last = len(out)
        if isinstance(item, Label):
            landed = landed or item in entered
        elif isinstance(item, Instr):
            line = item.lineno
            if i >= body and line in lines:
                # The interpreter sends a line event here when it comes from another line
                # or from the start of the call (falling through), or by a jump backwards,
                # from another line, or to an exception handler (``entered``).
                falls = first or (not last.is_final() and last.lineno != line)
                if falls and landed:
                    out += _call(line_hook, line)
                elif falls:  # not where a jump from the same line lands, if one does
                    out[after_last:after_last] = _call(line_hook, line)
                elif landed:  # not where the same line falls through, if it does
                    skip = None if last.is_final() else Label()
                    if skip is not None:
                        out.insert(after_last, Instr("JUMP_FORWARD", skip, lineno=None))
                    out += _call(line_hook, line)
                    if skip is not None:
                        out.append(skip)
            last, landed = item, False
            first = first and i < body  # the prologue's instructions do not count
        out.append(item)
        if item is last:
            after_last = len(out)
    bytecode.clear()
    bytecode.extend(out)
    return bytecode.to_code()


class Instrumenter:
    """The copies for the current breakpoint table, and the functions that run them."""

    def __init__(
        self,
        table: BreakpointTable,
        line_hook: Callable[[int], None],
        entry_hook: Callable[[], None],
    ) -> None:
        self._table = table
        self._line_hook = line_hook
        self._entry_hook = entry_hook
        self._version = -1
        self._copies: dict[int, tuple[CodeType, CodeType]] = {}
        """``id`` of each original seen -> (it, its copy for the table of ``_version``, or
        itself): keyed by identity, as hashing a code object reads all of it."""
        self._files: dict[str, frozenset[int]] = {}
        self._scans: dict[int, tuple[CodeType, list[int], list[tuple[int, int]]]] = {}
        self.swapped_version = -1
        """The table version the functions were last swapped for."""
        self.failed = False
        """A rewrite failed (``bytecode`` refused the code): that code runs uncovered."""
        self._suspended: list[weakref.ref[Any]] = []
        self._wrapped: list[tuple[Any, Any]] = []

    # -- copies ----------------------------------------------------------------------------
    def _sync(self) -> None:
        version = self._table.version
        if version != self._version:
            self._version = version
            self._copies = {}
            self._files = {}
            self._scans = {}
            self.failed = False

    def copy(self, code: CodeType) -> CodeType:
        """The code to run for the original ``code`` under the current table."""
        self._sync()
        found = self._copies.get(id(code))
        if found is None:
            found = self._copies[id(code)] = (code, self._make(code))
        return found[1]

    def covers(self, code: CodeType) -> bool:
        """Whether a frame running ``code`` needs no tracing for breakpoints (its hooks, if
        any, are all the current table asks for)."""
        return self.copy(original(code)) is code

    def loaded(self, code: CodeType) -> CodeType:
        """A module's code, as a loader gives it: its copy when it holds breakpoints."""
        table = self._table
        if not table or not (table.has_functions or table.lines_in_file(code_file(code))):
            return code
        return self.copy(code)

    def _hooks_in(self, code: CodeType) -> tuple[frozenset[int], bool]:
        table = self._table
        filename = code_file(code)
        wanted = self._files.get(filename)
        if wanted is None:
            wanted = self._files[filename] = table.lines_in_file(filename)
        lines = code_lines(code) & wanted if wanted else frozenset()
        entry = table.has_functions and bool(table.functions_entered(code))
        return lines, entry

    def _make(self, code: CodeType) -> CodeType:
        consts = code.co_consts
        nested = tuple(self.copy(c) if isinstance(c, CodeType) else c for c in consts)
        changed = any(a is not b for a, b in zip(consts, nested, strict=True))
        lines, entry = self._hooks_in(code)
        if not (lines or entry or changed):
            return code
        made = code.replace(co_consts=nested) if changed else code
        if lines or entry:
            try:
                made = rewrite(made, lines, entry, self._line_hook, self._entry_hook)
            except Exception:
                self.failed = True
                if not changed:
                    return code
        ORIGINALS[id(made)] = (made, code)
        return made

    # -- functions and loaders -------------------------------------------------------------
    def swap(self) -> None:
        """Give every function the code the current table asks for (its copy, or its original
        back), and note the generators suspended in code no copy covers."""
        self._sync()
        self.swapped_version = self._version
        table = self._table
        every_file = table.has_functions
        files = {bp.filename for bp in table.every() if bp.funcname is None}
        suspended: list[weakref.ref[Any]] = []
        for obj in gc.get_objects():
            kind = type(obj)
            if kind is FunctionType:
                code = obj.__code__
                first = original(code)
                if first is code and not every_file and code_file(code) not in files:
                    continue
                wanted = self.copy(first)
                if wanted is not code:
                    try:
                        obj.__code__ = wanted
                    except ValueError:
                        self.failed = True
            elif kind in _SUSPENDED:
                prefix = _SUSPENDED[kind]
                frame: FrameType | None = getattr(obj, prefix + "_frame")
                if frame is None or getattr(obj, prefix + "_running"):
                    continue
                if self.stale(frame):
                    suspended.append(weakref.ref(obj))
        self._suspended = suspended
        if table:
            self._wrap_loaders()  # for the breakpoints in modules not loaded yet

    def stale(self, frame: FrameType) -> bool:
        """Whether ``frame`` needs tracing for breakpoints: it runs code that holds one its
        hooks do not cover, or it may still make a function of nested code that has a copy
        (a script's body stopped at its first line, before its ``def`` statements)."""
        code = frame.f_code
        if self.covers(code):
            return False
        if self._table.interesting(original(code)):
            return True
        makes, loops = self._makers(code)
        lasti = frame.f_lasti
        if any(at >= lasti for at in makes):
            return True
        return any(jump >= lasti and any(at >= to for at in makes) for jump, to in loops)

    def _makers(self, code: CodeType) -> tuple[list[int], list[tuple[int, int]]]:
        """Where ``code`` loads a nested code object no copy covers, and its backward jumps
        (offset, target), in bytes as ``f_lasti``."""
        found = self._scans.get(id(code))
        if found is None:
            makes: list[int] = []
            loops: list[tuple[int, int]] = []
            for instr in dis.get_instructions(code):
                if instr.opname == "LOAD_CONST" and isinstance(instr.argval, CodeType):
                    if not self.covers(instr.argval):
                        makes.append(instr.offset)
                elif instr.opcode in _JUMPS and instr.argval < instr.offset:
                    loops.append((instr.offset, instr.argval))
            found = self._scans[id(code)] = (code, makes, loops)
        return found[1], found[2]

    def adopt(self, values: Iterable[object]) -> None:
        """Give the functions among ``values`` (a namespace's, and its classes' methods)
        their copies: those a stale frame has just made."""
        for value in values:
            if issubclass(type(value), type):  # never the value's own __class__
                for member in list(vars(value).values()):
                    self._adopt(member)
            else:
                self._adopt(value)

    def _adopt(self, value: object) -> None:
        function: Any = value
        if type(value) in _WRAPPERS:
            function = function.__func__
        if type(function) is FunctionType:
            wanted = self.copy(original(function.__code__))
            if wanted is not function.__code__:
                with suppress(ValueError):
                    function.__code__ = wanted

    def uncovered(self) -> bool:
        """Whether code that no copy covers may run in any thread: a suspended generator or
        coroutine, or code ``bytecode`` could not rewrite."""
        self._suspended = [ref for ref in self._suspended if _suspended_in_python(ref())]
        return self.failed or bool(self._suspended)

    def _wrap_loaders(self) -> None:
        if self._wrapped:
            return
        for loader in _LOADERS:
            plain = loader.__dict__["get_code"]
            self._wrapped.append((loader, plain))
            loader.get_code = _wrapped_get_code(plain, self.loaded)

    def restore(self) -> None:
        """Every function back to its original code, and the loaders as they were."""
        for loader, plain in self._wrapped:
            loader.get_code = plain
        self._wrapped = []
        for obj in gc.get_objects():
            if type(obj) is FunctionType:
                first = original(obj.__code__)
                if first is not obj.__code__:
                    obj.__code__ = first
        self._copies = {}
        self._suspended = []


def _suspended_in_python(obj: object) -> bool:
    prefix = _SUSPENDED.get(type(obj))
    return prefix is not None and getattr(obj, prefix + "_frame") is not None


def _wrapped_get_code(
    plain: Callable[[Any, str], CodeType | None], loaded: Callable[[CodeType], CodeType]
) -> Callable[[Any, str], CodeType | None]:
    def get_code(loader: Any, fullname: str) -> CodeType | None:
        code = plain(loader, fullname)
        return code if code is None else loaded(code)

    get_code.__wrapped__ = plain  # type: ignore[attr-defined]
    return get_code
