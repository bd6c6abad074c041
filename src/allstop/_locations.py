"""Where a breakpoint goes: parsing ``break`` specs and finding files, lines and functions
without running any code (shared by the session's ``break`` and ``allstop run -b``).  What
cannot be found raises ``LocationError``, whose message is the one-line error to show."""

from __future__ import annotations

import dis
import importlib.machinery
import linecache
import os
import re
import sys
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from types import CodeType
from typing import TYPE_CHECKING, Any

from ._format import exception_only

if TYPE_CHECKING:
    from ._breakpoints import BreakpointTable


class LocationError(ValueError):
    """A break spec that names no place a breakpoint can stop at."""


class FunctionNotFound(LocationError):
    """A name that is neither a function in scope nor a ``def`` found in the files."""


@dataclass(frozen=True)
class Place:
    """Where a breakpoint stops: a line, or (``funcname`` set) the function defined there."""

    filename: str
    line: int
    funcname: str | None = None
    code: CodeType | None = None


def parse_break_spec(arg: str) -> tuple[str, str | None, str | None]:
    """Split ``location [thread N] [, condition | if condition]``."""
    location, comma, condition = arg.partition(",")
    cond: str | None = condition.strip() if comma else None
    if cond is None:
        match = re.search(r"(?<!\s)\s+if\s+(.+)$", location)
        if match:
            cond = match.group(1).strip()
            location = location[: match.start()]
    thread = None
    match = re.search(r"(?<!\s)\s+thread\s+(\S+)\s*$", location)
    if match:
        thread = match.group(1)
        location = location[: match.start()]
    location = location.strip()
    if not location:
        raise LocationError("Breakpoint location expected")
    if comma and not cond:
        raise LocationError("Condition expected after ','")
    if cond:
        try:
            compile(cond, "<condition>", "eval")
        except (SyntaxError, ValueError) as exc:  # ValueError: a null byte, on 3.10
            raise LocationError(f"Invalid condition {cond}: {exception_only(exc)}") from None
    return location, thread, cond


def split_file_line(location: str) -> tuple[str, int] | None:
    """``file:line`` -> (file, line); None when ``location`` has no ``:``."""
    name, colon, line = location.rpartition(":")
    if not colon or not name:
        return None
    return name.strip(), line_number(line.strip())


def line_number(text: str) -> int:
    """``text`` as a line number; LocationError if it is none (``str.isdigit`` takes digits
    that ``int`` refuses, such as '²', and ``int`` refuses more than 4300 digits)."""
    if text.isdigit():
        with suppress(ValueError):
            return int(text)
    raise LocationError(f"Bad line number: {text!r}")


def find_file(name: str, near: Sequence[str] = ()) -> str | None:
    """The absolute path of ``name``: as given, then in the ``near`` folders and on
    ``sys.path``, with ``.py`` added when it has no extension, or as a module name
    (``package.module``, as 3.13's pdb reads it) (pdb's ``lookupmodule``)."""
    candidates = [name]
    if not os.path.isabs(name):
        candidates += [os.path.join(folder, name) for folder in near]
        candidates += [os.path.join(folder or os.curdir, name) for folder in sys.path]
    if not os.path.splitext(name)[1]:
        candidates += [c + ".py" for c in candidates]
    elif not name.endswith(".py") and not os.path.isabs(name):
        module = name.replace(".", os.sep) + ".py"
        candidates += [os.path.join(folder or os.curdir, module) for folder in sys.path]
    for candidate in candidates:
        if os.path.isfile(candidate):
            return os.path.abspath(candidate)
    return None


def check_line(filename: str, lineno: int, module_globals: dict[str, Any] | None = None) -> None:
    """Raise LocationError if no breakpoint can stop at ``filename:lineno`` (pdb's
    ``checkline``)."""
    line = linecache.getline(filename, lineno, module_globals)
    if not line:
        raise LocationError(f"Line {lineno} does not exist in {filename}")
    line = line.strip()
    if not line or line[0] == "#" or line[:3] in ('"""', "'''"):
        raise LocationError("Blank or comment")


def find_function(funcname: str, filename: str | None) -> tuple[str, int] | None:
    """(filename, line) of ``def funcname`` in ``filename``, read as text (pdb's
    ``find_function``).  ``Class.method`` finds ``def method`` after ``class Class``."""
    if not filename:
        return None
    *classes, name = funcname.split(".")
    pattern = re.compile(rf"(async\s+)?def\s+{re.escape(name)}\s*[(\[]")
    owners = [re.compile(rf"class\s+{re.escape(c)}\b") for c in classes]
    for lineno, line in enumerate(linecache.getlines(filename), 1):
        text = line.strip()
        if owners and owners[0].match(text):
            owners.pop(0)
        elif not owners and pattern.match(text):
            return filename, lineno
    return None


def function_code(filename: str, line: int, funcname: str) -> CodeType | None:
    """The code object of function ``funcname`` defined at ``filename:line`` (``<module>``:
    the file's own code), compiled from the file without running it."""
    try:
        module = compile("".join(linecache.getlines(filename)), filename, "exec")
    except (SyntaxError, ValueError):
        return None
    if funcname == "<module>":
        return module
    name = funcname.rpartition(".")[2]
    codes, todo = [], [module]
    while todo:
        code = todo.pop()
        todo.extend(c for c in code.co_consts if isinstance(c, CodeType))
        codes.append(code)
    # A decorated function's code starts at its first decorator, above the def.
    named = [c for c in codes if c.co_name == name and c.co_firstlineno <= line]
    return max(named, key=lambda c: c.co_firstlineno, default=None)


def entry_line(code: CodeType) -> int | None:
    """The line of the first statement ``code`` runs: for a function, its body's."""
    lines = [line for _, _, line in code.co_lines() if line]
    if code.co_name != "<module>":
        lines = [line for line in lines if line != code.co_firstlineno] or lines
    return lines[0] if lines else None


def find_module_file(dotted: str) -> str | None:
    """The source file of module ``dotted``, found on ``sys.path`` without importing (and so
    without running) it or its packages."""
    path: list[str] | None = None
    spec = None
    for part in dotted.split("."):
        spec = importlib.machinery.PathFinder.find_spec(part, path)
        if spec is None:
            return None
        path = list(spec.submodule_search_locations or [])
    if spec is None or not spec.origin or not os.path.isfile(spec.origin):
        return None
    return spec.origin


def find_qualified_function(name: str, main_file: str | None) -> tuple[str, int, str] | None:
    """Resolve ``func``, ``Class.method`` (in ``main_file``) or ``module.func``,
    ``package.module.Class.method`` (on ``sys.path``) to (filename, def line, function name
    within its file), reading files only."""
    found = find_function(name, main_file)
    if found is not None:
        return found[0], found[1], name
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module_file = find_module_file(".".join(parts[:cut]))
        if module_file is None:
            continue
        rest = ".".join(parts[cut:])
        found = find_function(rest, module_file)
        if found is not None:
            return found[0], found[1], rest
    return None


def resolve_line(
    location: str,
    current_file: str | None,
    near: Sequence[str] = (),
    module_globals: dict[str, Any] | None = None,
    missing: str = "{name!r} not found from sys.path",
) -> tuple[str, int] | None:
    """(filename, line) for ``file:line`` or a bare line (of ``current_file``); None when
    ``location`` is neither (a function name, say).  ``missing`` formats the error for a file
    not found."""
    split = split_file_line(location)
    if split is None and not location.isdigit():
        return None
    if split is not None:
        name, lineno = split
        filename = find_file(name, near)
        if filename is None:
            raise LocationError(missing.format(name=name))
    elif current_file is None:
        raise LocationError("no current file: give filename:lineno")
    else:
        filename, lineno = current_file, line_number(location)
    check_line(filename, lineno, module_globals)
    return filename, lineno


def resolve(
    location: str,
    current_file: str | None,
    near: Sequence[str] = (),
    module_globals: dict[str, Any] | None = None,
    *,
    lookup: Callable[[str], object] | None = None,
    missing: str = "{name!r} not found from sys.path",
) -> Place:
    """The place of ``file:line``, ``line`` (of ``current_file``) or a function: first a value
    ``lookup`` finds (a function, a method, in the current frame), then a ``def`` found in
    ``current_file`` or along ``sys.path`` (see ``find_qualified_function``).  Raises
    ``FunctionNotFound`` for a name found nowhere, ``LocationError`` for the rest."""
    line = resolve_line(location, current_file, near, module_globals, missing)
    if line is not None:
        return Place(*line)
    value: object = None
    if lookup is not None:
        try:
            value = lookup(location)
        except Exception:
            value = None
    value = getattr(value, "__func__", value)
    code = getattr(value, "__code__", None)
    if isinstance(code, CodeType):
        return Place(code.co_filename, _function_line(code), code.co_name, code)
    found = find_qualified_function(location, current_file)
    if found is None:
        raise FunctionNotFound(
            f"The specified object {location!r} is not a function or was not found along sys.path."
        )
    filename, def_line, funcname = found
    if _BODY_LINE:
        code = function_code(filename, def_line, funcname)
        def_line = _function_line(code) if code is not None else def_line
    return Place(filename, def_line, funcname)


_BODY_LINE = sys.version_info >= (3, 13)
"""3.13's pdb gives a function's breakpoint the line of its first statement, not the def's."""


def _function_line(code: CodeType) -> int:
    """The line a breakpoint on the function of ``code`` is said to be at (pdb's: the
    ``def`` line before 3.13, the first executable line, after ``RESUME``, from 3.13)."""
    if not _BODY_LINE:
        return code.co_firstlineno
    previous = None
    for instruction in dis.get_instructions(code):
        if previous is not None and previous.opname == "RESUME":
            lineno = getattr(getattr(instruction, "positions", None), "lineno", None)
            return lineno if isinstance(lineno, int) else code.co_firstlineno
        previous = instruction
    return code.co_firstlineno


def add_break(
    table: BreakpointTable, text: str, main_file: str, warn: Callable[[str], None] | None = None
) -> None:
    """Add the breakpoint ``text`` describes before the program runs (``allstop run -b``,
    and in its child processes): LocationError says why it cannot be set.  A function not
    defined in the program's files yet (generated, or in a module not on ``sys.path``) stops
    in any function of that name, which ``warn`` is told."""
    location, thread, condition = parse_break_spec(text)
    if thread is not None:
        raise LocationError("'thread N' needs a running program: set it at the prompt")
    near = [os.path.dirname(main_file)] if main_file else []
    try:
        place = resolve(location, main_file, near, missing="no such file: {name}")
    except FunctionNotFound:
        if warn is not None:
            warn(
                f"allstop: -b {text}: no 'def {location}' found; stopping in any function of that "
                "name"
            )
        table.add("", 0, condition=condition, funcname=location)
        return
    table.add(place.filename, place.line, condition=condition, funcname=place.funcname)
