"""The settrace backend's instrumented copies (``_backends/_instrument.py``): a copy's hooks
fire exactly where the interpreter sends the line events of the breakpoint's line, for the
shapes of code that place line events differently (loops on one line, ``while`` conditions
repeated at the bottom, ``try``/``except``/``finally``, ``with``, comprehensions, generators,
conditional expressions); the copies leave what the code computes alone; and the functions
and modules get them."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable
from types import CodeType, FrameType, FunctionType
from typing import Any

import pytest

from allstop._backends._instrument import Instrumenter, rewrite
from allstop._breakpoints import BreakpointTable, code_lines, original

pytestmark = pytest.mark.unit

SHAPES = """\
def loops(n):
    total = 0
    for i in range(n):
        total += i
    while n > 0: n -= 1
    k = 3
    while k:
        k -= 1
    return total + sum(j for j in range(n + 3) if j % 2) + len([x for x in "ab"])


def branches(flag, values):
    x = 1 if flag else 2
    if flag and values:
        x += 1
    elif values:
        x += 2
    else:
        x += 3
    return [v if v else -v for v in values], x


def handlers(n):
    try:
        if n > 1:
            raise ValueError(n)
        result = n
    except ValueError as exc:
        result = -1
    else:
        result += 1
    finally:
        result = result * 2
    for i in range(n):
        try:
            continue
        finally:
            result += i
    return result


def contexts(lock):
    with lock:
        value = 1
    with lock, lock.__class__():
        value += 1
    return value


def generator(n):
    for i in range(n):
        got = yield i
        if got:
            yield got
    return n


def spin(n):
    while n:
        n -= 1
    return n


def nested(n):
    def inner(m):
        return m + n
    return inner(n) + (lambda q: q * 2)(n)
"""


def shapes() -> dict[str, FunctionType]:
    namespace: dict[str, Any] = {}
    exec(compile(SHAPES, "<shapes>", "exec"), namespace)
    return {name: f for name, f in namespace.items() if isinstance(f, FunctionType)}


class _Lock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _run(name: str, function: Callable[..., Any]) -> object:
    """Call ``function`` (shape ``name``) with arguments that pass through every branch."""
    if name == "loops":
        return [function(n) for n in (0, 1, 3)]
    if name == "branches":
        return [function(flag, values) for flag in (True, False) for values in ([], [1, 0])]
    if name == "handlers":
        return [function(n) for n in (0, 1, 2, 3)]
    if name == "contexts":
        return function(_Lock())
    if name == "generator":
        gen = function(3)
        out = [next(gen), gen.send(5), next(gen), next(gen)]
        return out + list(gen)
    return function(4)


def _codes(code: CodeType) -> list[CodeType]:
    found = [code]
    for const in code.co_consts:
        if isinstance(const, CodeType):
            found += _codes(const)
    return found


def _line_events(name: str, function: FunctionType, line: int) -> list[str]:
    """The line events of ``line`` as the interpreter sends them, in every code object."""
    events: list[str] = []

    def trace(frame: FrameType, event: str, arg: object) -> Any:
        if frame.f_code.co_filename != "<shapes>":
            return None
        if event == "line" and frame.f_lineno == line:
            events.append(frame.f_code.co_name)
        return trace

    sys.settrace(trace)
    try:
        _run(name, function)
    finally:
        sys.settrace(None)
    return events


def _with_hooks(function: FunctionType, line: int, calls: list[str]) -> FunctionType:
    def hook(at: int) -> None:
        assert at == line
        calls.append(sys._getframe(1).f_code.co_name)

    def entry() -> None:
        raise AssertionError("no function breakpoint here")

    def instrument(code: CodeType) -> CodeType:
        consts = tuple(instrument(c) if isinstance(c, CodeType) else c for c in code.co_consts)
        code = code.replace(co_consts=consts)
        if line in code_lines(code):
            code = rewrite(code, frozenset({line}), False, hook, entry)
        return code

    return FunctionType(
        instrument(function.__code__),
        function.__globals__,
        function.__name__,
        function.__defaults__,
        function.__closure__,
    )


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", sorted(shapes()))
def test_hooks_fire_where_and_as_often_as_line_events_do(name: str) -> None:
    function = shapes()[name]
    lines = sorted({line for code in _codes(function.__code__) for line in code_lines(code)})
    for line in lines:
        calls: list[str] = []
        copy = _with_hooks(function, line, calls)
        assert _run(name, copy) == _run(name, function), f"line {line} changed the result"
        expected = _line_events(name, function, line)
        assert calls == expected, f"line {line}: {SHAPES.splitlines()[line - 1].strip()!r}"


@pytest.mark.timeout(60)
def test_a_traced_copy_gets_the_line_events_of_its_original() -> None:
    """The hooks have no line number: a thread that traces sees the same line events."""
    function = shapes()["handlers"]
    lines = sorted(code_lines(function.__code__))
    copy = _with_hooks(function, lines[3], [])
    assert _line_events("handlers", copy, lines[3]) == _line_events("handlers", function, lines[3])
    every: list[int] = []

    def trace(frame: FrameType, event: str, arg: object) -> Any:
        if frame.f_code.co_filename == "<shapes>" and event == "line":
            every.append(frame.f_lineno)
        return trace

    seen = []
    for candidate in (function, copy):
        every.clear()
        sys.settrace(trace)
        try:
            _run("handlers", candidate)
        finally:
            sys.settrace(None)
        seen.append(list(every))
    assert seen[0] == seen[1]


MODULE = textwrap.dedent(
    """\
    def work(n):
        total = n
        return total

    def factory():
        def made(x):
            return x + 1  # made body
        return made
    """
)


@pytest.mark.timeout(60)
def test_functions_get_their_copies_and_their_originals_back() -> None:
    filename = "/allstop-test/instrumented_module.py"
    namespace: dict[str, Any] = {}
    exec(compile(MODULE, filename, "exec"), namespace)
    work, factory = namespace["work"], namespace["factory"]
    made_before = factory()
    plain = work.__code__, factory.__code__, made_before.__code__
    table = BreakpointTable()
    hits: list[int] = []
    instrumenter = Instrumenter(table, hits.append, lambda: None)

    table.add(filename, 7)  # in 'made', nested in 'factory'
    instrumenter.swap()
    assert work.__code__ is plain[0], "no breakpoint in work: no copy"
    assert factory.__code__ is not plain[1]
    assert original(factory.__code__) is plain[1]
    assert made_before.__code__ is not plain[2], "a closure made before gets its copy too"
    assert factory()(1) == 2
    assert made_before(2) == 3
    assert hits == [7, 7]
    assert instrumenter.covers(factory.__code__)
    assert instrumenter.covers(work.__code__)

    table.clear()
    instrumenter.swap()
    now = work.__code__, factory.__code__, made_before.__code__
    assert all(a is b for a, b in zip(plain, now, strict=True))
    instrumenter.restore()


@pytest.mark.timeout(60)
def test_a_frame_that_may_still_define_a_function_with_a_breakpoint_is_stale() -> None:
    """A script's body stopped before its 'def' needs tracing; once past it, it does not."""
    filename = "/allstop-test/stale_body.py"
    source = "x = 1\ndef later():\n    return 2  # later body\ny = later()\nz = 3\n"
    code = compile(source, filename, "exec")
    table = BreakpointTable()
    instrumenter = Instrumenter(table, lambda line: None, lambda: None)
    table.add(filename, 3)
    seen: dict[int, bool] = {}

    def trace(frame: FrameType, event: str, arg: object) -> Any:
        if frame.f_code is code and event == "line":
            seen[frame.f_lineno] = instrumenter.stale(frame)
        return trace if frame.f_code is code else None

    sys.settrace(trace)
    try:
        exec(code, {})
    finally:
        sys.settrace(None)
    assert seen == {1: True, 2: True, 4: False, 5: False}
