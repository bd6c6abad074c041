"""The breakpoint table: numbering, lookups by file, line and code object, function
breakpoints, and ``effective()`` with bdb's semantics, on real code objects and frames."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allstop._breakpoints import Breakpoint, BreakpointTable, canonic, code_file, code_lines
from allstop._debugpy import lent_places
from allstop._locations import entry_line, function_code

pytestmark = pytest.mark.unit

MODULE_SOURCE = """\
def work(n):
    total = n * 2
    return total


def outer():
    def inner():
        return 1
    return inner


class Worker:
    def run(self):
        return 1


class Other:
    def run(self):
        return 2
"""
WORK_BODY = (2, 3)
INNER_BODY = 8
OUTER_BODY = 9
WORKER_RUN_BODY = 14

GLOBAL_LIMIT = 3
"""Read by a breakpoint condition through the frame's globals."""

ME = 1001
SOMEONE_ELSE = 2002
"""Thread idents: ``effective`` only compares them, so any two distinct ints do."""


@dataclass
class Module:
    """Source compiled with a real file name, and its code objects."""

    path: str
    work: CodeType
    outer: CodeType
    inner: CodeType
    worker_run: CodeType
    other_run: CodeType


def load(path: Path) -> Module:
    path.write_text(MODULE_SOURCE)
    namespace: dict[str, Any] = {}
    exec(compile(MODULE_SOURCE, str(path), "exec"), namespace)
    return Module(
        path=str(path),
        work=namespace["work"].__code__,
        outer=namespace["outer"].__code__,
        inner=namespace["outer"]().__code__,
        worker_run=namespace["Worker"].run.__code__,
        other_run=namespace["Other"].run.__code__,
    )


@pytest.fixture
def mod(tmp_path: Path) -> Module:
    return load(tmp_path / "mod.py")


@pytest.fixture
def twin(tmp_path: Path) -> Module:
    """The same source in another file."""
    return load(tmp_path / "twin.py")


def frame_at(x: int, label: str = "w") -> FrameType:
    """A real frame whose locals are ``x`` and ``label``."""
    return sys._getframe()


# -- canonic -----------------------------------------------------------------------------------


def test_canonic_keeps_pseudo_file_names() -> None:
    assert canonic("<string>") == "<string>"
    assert canonic("<frozen importlib._bootstrap>") == "<frozen importlib._bootstrap>"


def test_canonic_makes_a_name_absolute_and_normal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    expected = os.path.normcase(os.path.join(os.getcwd(), "mod.py"))
    assert canonic("mod.py") == expected
    assert canonic(os.path.join("sub", "..", "mod.py")) == expected
    assert canonic(expected) == expected


def test_canonic_of_a_half_bracketed_name_is_a_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert canonic("<string") == os.path.normcase(os.path.join(os.getcwd(), "<string"))


def test_code_file_and_code_lines(mod: Module) -> None:
    assert code_file(mod.work) == canonic(mod.path)
    assert set(WORK_BODY) <= code_lines(mod.work)
    assert INNER_BODY not in code_lines(mod.outer)
    assert INNER_BODY in code_lines(mod.inner)


# -- adding, getting, deleting -----------------------------------------------------------------


def test_an_empty_table() -> None:
    table = BreakpointTable()
    assert list(table) == []
    assert len(table) == 0
    assert not table
    assert table.get(1) is None
    assert not table.has_functions


def test_add_then_get(mod: Module) -> None:
    # given an empty table
    table = BreakpointTable()
    # when a breakpoint is added
    bp = table.add(mod.path, 2, condition="n > 1", thread=ME, thread_number=3)
    # then it is breakpoint 1, keyed by the canonical file name
    assert bp.number == 1
    assert bp.filename == canonic(mod.path)
    assert (bp.line, bp.condition, bp.thread, bp.thread_number) == (2, "n > 1", ME, 3)
    assert (bp.enabled, bp.temporary, bp.ignore, bp.hits) == (True, False, 0, 0)
    assert table.get(1) is bp
    assert list(table) == [bp]
    assert len(table) == 1
    assert table
    assert table.lines_in_file(canonic(mod.path)) == frozenset({2})


def test_add_with_a_relative_file_name_stores_it_canonical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mod: Module
) -> None:
    monkeypatch.chdir(tmp_path)
    bp = BreakpointTable().add("mod.py", 2)
    assert bp.filename == canonic(mod.path)


def test_delete(mod: Module) -> None:
    table = BreakpointTable()
    first = table.add(mod.path, 2)
    second = table.add(mod.path, 3)
    table.delete(first)
    assert table.get(1) is None
    assert list(table) == [second]
    assert table.at(canonic(mod.path), 2) == []
    assert table.lines_in_file(canonic(mod.path)) == frozenset({3})


def test_delete_twice_is_harmless(mod: Module) -> None:
    table = BreakpointTable()
    bp = table.add(mod.path, 2)
    table.delete(bp)
    table.delete(bp)
    assert len(table) == 0


def test_clear_removes_every_breakpoint_the_internal_one_too(mod: Module) -> None:
    table = BreakpointTable()
    table.add(mod.path, 2)
    table.add(mod.path, 3, internal=True)
    table.add("", 0, funcname="work")
    table.clear()
    assert len(table) == 0
    assert not table
    assert not table.has_functions


def test_numbers_are_never_reused(mod: Module) -> None:
    table = BreakpointTable()
    one, two, three = (table.add(mod.path, line) for line in (1, 2, 3))
    assert [b.number for b in (one, two, three)] == [1, 2, 3]
    table.delete(three)
    assert table.add(mod.path, 3).number == 4
    table.clear()
    assert table.add(mod.path, 3).number == 5


def test_the_internal_breakpoint_is_number_0_counted_but_not_listed(mod: Module) -> None:
    # given a table holding only allstop's own breakpoint
    table = BreakpointTable()
    internal = table.add(mod.path, 2, internal=True)
    # then it is number 0, counted by len/bool but not iterated
    assert internal.number == 0
    assert internal.internal
    assert table.get(0) is internal
    assert list(table) == []
    assert len(table) == 1
    assert table
    assert table.at(canonic(mod.path), 2) == [internal]
    # and it takes no number from the user's breakpoints
    user = table.add(mod.path, 3)
    assert user.number == 1
    assert not user.internal
    assert list(table) == [user]
    assert len(table) == 2


def test_iteration_is_by_number(mod: Module) -> None:
    table = BreakpointTable()
    added = [table.add(mod.path, line) for line in (9, 3, 14, 2)]
    table.delete(added[1])
    assert [b.number for b in table] == [1, 3, 4]
    assert [b.line for b in table] == [9, 14, 2]


# -- version -----------------------------------------------------------------------------------


def test_version_moves_on_every_change(mod: Module) -> None:
    table = BreakpointTable()
    seen = [table.version]

    bp = table.add(mod.path, 2)
    seen.append(table.version)
    table.add(mod.path, 3, internal=True)
    seen.append(table.version)
    table.add("", 0, funcname="work")
    seen.append(table.version)
    bp.enabled = False
    table.changed()
    seen.append(table.version)
    table.delete(bp)
    seen.append(table.version)
    table.clear()
    seen.append(table.version)

    assert seen == sorted(set(seen))
    assert len(seen) == 7


def test_reading_does_not_move_the_version(mod: Module) -> None:
    table = BreakpointTable()
    table.add(mod.path, 2)
    before = table.version
    list(table)
    table.at(canonic(mod.path), 2)
    table.at_code_line(mod.work, 2)
    table.holds_lines(mod.work)
    table.interesting(mod.work)
    table.functions_entered(mod.work)
    assert table.version == before


# -- lookups by line and code ------------------------------------------------------------------


def test_at_finds_every_breakpoint_on_a_line_in_order_of_adding(mod: Module) -> None:
    table = BreakpointTable()
    first = table.add(mod.path, 2)
    second = table.add(mod.path, 2, condition="n > 1")
    table.add(mod.path, 3)
    assert table.at(canonic(mod.path), 2) == [first, second]
    assert table.at(canonic(mod.path), 4) == []
    assert table.at(canonic(mod.path) + "x", 2) == []


def test_at_code_line(mod: Module, twin: Module) -> None:
    table = BreakpointTable()
    bp = table.add(mod.path, 3)
    assert table.at_code_line(mod.work, 3) == [bp]
    assert table.at_code_line(mod.work, 2) == []
    # the same source in another file holds no breakpoint
    assert table.at_code_line(twin.work, 3) == []


def test_holds_lines_sees_only_the_lines_of_that_code_object(mod: Module, twin: Module) -> None:
    # given a breakpoint in the body of a nested function
    table = BreakpointTable()
    table.add(mod.path, INNER_BODY)
    # then the inner function holds it, the enclosing one does not
    assert table.holds_lines(mod.inner)
    assert not table.holds_lines(mod.outer)
    assert not table.holds_lines(mod.work)
    assert not table.holds_lines(twin.inner)


def test_holds_lines_ignores_function_breakpoints(mod: Module) -> None:
    table = BreakpointTable()
    table.add(mod.path, 0, funcname="work")
    assert not table.holds_lines(mod.work)


def test_interesting_follows_changes_to_the_table(mod: Module) -> None:
    # given an empty table: nothing is interesting
    table = BreakpointTable()
    assert not table.interesting(mod.work)
    # when a line breakpoint is added in work(), work() is interesting (the cache is dropped)
    bp = table.add(mod.path, WORK_BODY[1])
    assert table.interesting(mod.work)
    assert not table.interesting(mod.outer)
    # and once it is deleted, not any more
    table.delete(bp)
    assert not table.interesting(mod.work)


def test_a_function_breakpoint_makes_its_function_interesting(mod: Module) -> None:
    table = BreakpointTable()
    table.add(mod.path, 0, funcname="inner")
    assert table.interesting(mod.inner)
    assert not table.interesting(mod.outer)
    assert not table.interesting(mod.work)


# -- function breakpoints ----------------------------------------------------------------------


def test_a_function_breakpoint_by_name_in_a_file(mod: Module, twin: Module) -> None:
    # given a breakpoint on work() in mod.py, its code not known yet
    table = BreakpointTable()
    bp = table.add(mod.path, 0, funcname="work")
    # then entering mod.py's work() matches, other functions and twin.py's work() do not
    assert table.has_functions
    assert table.functions_entered(mod.work) == [bp]
    assert table.functions_entered(mod.outer) == []
    assert table.functions_entered(twin.work) == []
    assert table.at_code_line(mod.work, 2) == []


def test_a_function_breakpoint_in_any_file(mod: Module, twin: Module) -> None:
    # given filename "" (any file)
    table = BreakpointTable()
    bp = table.add("", 0, funcname="work")
    # then
    assert bp.filename == ""
    assert table.functions_entered(mod.work) == [bp]
    assert table.functions_entered(twin.work) == [bp]
    assert table.functions_entered(mod.inner) == []


def test_a_function_breakpoint_on_a_code_object_matches_only_that_code(
    mod: Module, twin: Module
) -> None:
    # given a breakpoint that knows its code object
    table = BreakpointTable()
    bp = table.add(mod.path, 0, funcname="work", code=mod.work)
    # when the same source is compiled again from the same file
    again = load(Path(mod.path))
    # then only the original code object matches
    assert table.functions_entered(mod.work) == [bp]
    assert again.work is not mod.work
    assert table.functions_entered(again.work) == []
    assert table.functions_entered(twin.work) == []


def test_a_bare_method_name_matches_that_method_in_every_class(mod: Module) -> None:
    table = BreakpointTable()
    bp = table.add(mod.path, 0, funcname="run")
    assert table.functions_entered(mod.worker_run) == [bp]
    assert table.functions_entered(mod.other_run) == [bp]


@pytest.mark.skipif(
    sys.version_info < (3, 11),
    reason="code objects have co_qualname from 3.11; on 3.10 a qualified name can only match "
    "through a known code object",
)
def test_a_qualified_name_matches_only_that_method(mod: Module) -> None:
    table = BreakpointTable()
    bp = table.add(mod.path, 0, funcname="Worker.run")
    assert table.functions_entered(mod.worker_run) == [bp]
    assert table.functions_entered(mod.other_run) == []


def test_a_qualified_name_of_a_nested_function(mod: Module) -> None:
    # on every version, a known code object matches whatever the name
    table = BreakpointTable()
    bp = table.add(mod.path, 0, funcname="outer.<locals>.inner", code=mod.inner)
    assert table.functions_entered(mod.inner) == [bp]
    assert table.functions_entered(mod.outer) == []


# -- effective ---------------------------------------------------------------------------------


def stopper(
    table: BreakpointTable, candidates: list[Breakpoint], frame: FrameType
) -> Breakpoint | None:
    """The breakpoint that stops this thread at ``frame``, if one does."""
    hit = table.effective(candidates, frame, ME)
    return hit.breakpoint if hit is not None else None


def test_effective_stops_and_counts_hits(mod: Module) -> None:
    table = BreakpointTable()
    bp = table.add(mod.path, 2)
    frame = frame_at(1)
    assert stopper(table, [bp], frame) is bp
    assert stopper(table, [bp], frame) is bp
    assert bp.hits == 2
    assert table.get(bp.number) is bp


def test_effective_skips_a_disabled_breakpoint_without_counting(mod: Module) -> None:
    table = BreakpointTable()
    bp = table.add(mod.path, 2)
    bp.enabled = False
    table.changed()
    assert stopper(table, [bp], frame_at(1)) is None
    assert bp.hits == 0


def test_effective_skips_other_threads_without_counting(mod: Module) -> None:
    # given a breakpoint for thread ME only
    table = BreakpointTable()
    bp = table.add(mod.path, 2, thread=ME)
    frame = frame_at(1)
    # when another thread reaches it, nothing happens
    assert table.effective([bp], frame, SOMEONE_ELSE) is None
    assert bp.hits == 0
    # when ME does, it stops
    assert stopper(table, [bp], frame) is bp
    assert bp.hits == 1


@pytest.mark.parametrize(
    "condition",
    ["x > 5", "label == 'w'", "x == GLOBAL_LIMIT * 2 + 4", "x"],
)
def test_effective_stops_when_the_condition_is_true(mod: Module, condition: str) -> None:
    table = BreakpointTable()
    bp = table.add(mod.path, 2, condition=condition)
    assert stopper(table, [bp], frame_at(10)) is bp
    assert bp.hits == 1


@pytest.mark.parametrize(
    "condition",
    ["x > 5", "label == 'other'", "x > GLOBAL_LIMIT", "x - 1"],
)
def test_effective_counts_but_does_not_stop_when_the_condition_is_false(
    mod: Module, condition: str
) -> None:
    table = BreakpointTable()
    bp = table.add(mod.path, 2, condition=condition)
    assert stopper(table, [bp], frame_at(1)) is None
    assert bp.hits == 1


@pytest.mark.parametrize(
    ("condition", "raised"),
    [
        ("undefined_name > 1", NameError),
        ("1 / 0", ZeroDivisionError),
        ("x >", SyntaxError),
        ("__import__('sys').exit(3)", SystemExit),
        ("(_ for _ in ()).throw(GeneratorExit)", GeneratorExit),
        ("(_ for _ in ()).throw(KeyboardInterrupt)", KeyboardInterrupt),
    ],
)
def test_effective_stops_when_the_condition_raises(
    mod: Module, condition: str, raised: type[BaseException]
) -> None:
    # given a condition that raises anything, SystemExit included
    table = BreakpointTable()
    bp = table.add(mod.path, 2, condition=condition)
    # then it stops (stopping is the safe side), and says what the condition raised
    hit = table.effective([bp], frame_at(1), ME)
    assert hit is not None
    assert hit.breakpoint is bp
    assert type(hit.condition_error) is raised
    assert bp.hits == 1


def test_a_raising_condition_neither_spends_the_ignore_count_nor_deletes(mod: Module) -> None:
    # bdb: a condition that raises stops with flag False, so the ignore count is kept and a
    # temporary breakpoint is not deleted
    table = BreakpointTable()
    bp = table.add(mod.path, 2, condition="undefined_name", temporary=True)
    bp.ignore = 1
    table.changed()
    assert stopper(table, [bp], frame_at(1)) is bp
    assert bp.ignore == 1
    assert table.get(bp.number) is bp


def test_effective_spends_the_ignore_count_first(mod: Module) -> None:
    # given `ignore 1 2`
    table = BreakpointTable()
    bp = table.add(mod.path, 2)
    bp.ignore = 2
    table.changed()
    frame = frame_at(1)
    # then the first two hits pass, the third stops
    assert stopper(table, [bp], frame) is None
    assert bp.ignore == 1
    assert stopper(table, [bp], frame) is None
    assert bp.ignore == 0
    assert stopper(table, [bp], frame) is bp
    assert bp.hits == 3


def test_a_false_condition_does_not_spend_the_ignore_count(mod: Module) -> None:
    table = BreakpointTable()
    bp = table.add(mod.path, 2, condition="x > 5")
    bp.ignore = 1
    table.changed()
    assert stopper(table, [bp], frame_at(1)) is None
    assert bp.ignore == 1
    assert stopper(table, [bp], frame_at(10)) is None
    assert bp.ignore == 0
    assert stopper(table, [bp], frame_at(10)) is bp
    assert bp.hits == 3


def test_a_temporary_breakpoint_is_deleted_when_it_stops(mod: Module) -> None:
    # given a temporary breakpoint with one hit to ignore
    table = BreakpointTable()
    bp = table.add(mod.path, 2, temporary=True)
    bp.ignore = 1
    table.changed()
    frame = frame_at(1)
    # when it is ignored, it stays
    assert stopper(table, [bp], frame) is None
    assert table.get(bp.number) is bp
    # when it stops, it goes
    version = table.version
    assert stopper(table, [bp], frame) is bp
    assert table.get(bp.number) is None
    assert table.at(canonic(mod.path), 2) == []
    assert list(table) == []
    assert table.version > version


def test_effective_returns_the_first_candidate_that_stops(mod: Module) -> None:
    # given three breakpoints on one line: disabled, condition false, plain; then a fourth
    table = BreakpointTable()
    disabled = table.add(mod.path, 2)
    disabled.enabled = False
    unmet = table.add(mod.path, 2, condition="x > 5")
    plain = table.add(mod.path, 2)
    after = table.add(mod.path, 2)
    table.changed()
    # when
    found = stopper(table, table.at(canonic(mod.path), 2), frame_at(1))
    # then the plain one stops; the ones after it are not even counted
    assert found is plain
    assert [b.hits for b in (disabled, unmet, plain, after)] == [0, 1, 1, 0]


def test_effective_of_no_candidates_is_none() -> None:
    assert BreakpointTable().effective([], frame_at(1), ME) is None


# -- properties --------------------------------------------------------------------------------

operations = st.lists(
    st.one_of(
        st.just(("add", 0)),
        st.just(("internal", 0)),
        st.tuples(st.just("delete"), st.integers(min_value=0, max_value=30)),
        st.just(("clear", 0)),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(operations)
def test_numbers_are_unique_increasing_and_listed_in_order(ops: list[tuple[str, int]]) -> None:
    table = BreakpointTable()
    live: dict[int, object] = {}
    issued: list[int] = []
    version = table.version
    for op, arg in ops:
        if op == "add":
            bp = table.add("<test>", len(issued) + 1)
            assert all(bp.number > n for n in issued)
            issued.append(bp.number)
            live[bp.number] = bp
        elif op == "internal":
            bp = table.add("<test>", 0, internal=True)
            assert bp.number == 0
            live[0] = bp
        elif op == "delete":
            doomed = table.get(arg)
            if doomed is None:
                continue
            table.delete(doomed)
            del live[arg]
        else:
            table.clear()
            live.clear()
        assert table.version > version
        version = table.version

        listed = [b.number for b in table]
        assert listed == sorted(n for n in live if n)
        assert len(set(issued)) == len(issued)
        assert len(table) == len(live)
        assert bool(table) == bool(live)
        assert all(table.get(n) is bp for n, bp in live.items())
    assert issued == list(range(1, len(issued) + 1))


# -- where breakpoints lent to an editor's debugger stop ---------------------------------------

DECORATED_SOURCE = """\
import functools


@functools.lru_cache
def cached(n):
    return n
"""


@pytest.mark.parametrize(
    ("funcname", "def_line", "entry"),
    [
        ("work", 1, WORK_BODY[0]),
        ("inner", 7, INNER_BODY),
        ("Worker.run", 13, WORKER_RUN_BODY),
        ("Other.run", 18, 19),
        ("<module>", 0, 1),
    ],
)
def test_a_function_code_is_found_from_its_file_and_entered_at_its_body(
    mod: Module, funcname: str, def_line: int, entry: int
) -> None:
    code = function_code(mod.path, def_line, funcname)
    assert code is not None
    assert code.co_name == funcname.rpartition(".")[2]
    assert entry_line(code) == entry


def test_a_decorated_function_is_entered_below_its_decorators(tmp_path: Path) -> None:
    path = tmp_path / "decorated.py"
    path.write_text(DECORATED_SOURCE)
    code = function_code(str(path), 5, "cached")
    assert code is not None
    assert entry_line(code) == 6


def test_no_function_code_in_a_missing_or_broken_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("def work(:\n")
    assert function_code(str(tmp_path / "missing.py"), 1, "work") is None
    assert function_code(str(broken), 1, "work") is None


def test_lent_places_gather_the_breakpoints_of_each_line(mod: Module) -> None:
    table = BreakpointTable()
    on_line = table.add(mod.path, WORK_BODY[0])
    by_name = table.add(mod.path, 1, funcname="work")
    by_code = table.add(mod.path, 13, funcname="Worker.run", code=mod.worker_run)
    table.add("", 0, funcname="anywhere")  # no file: nowhere to lend it
    table.add(mod.path, 0, funcname="<module>", internal=True)
    path = canonic(mod.path)
    assert lent_places(table) == {
        (path, WORK_BODY[0]): (on_line.number, by_name.number),
        (path, WORKER_RUN_BODY): (by_code.number,),
        (path, 1): (0,),
    }
