"""Formatter tests (tier 2): hand-built model objects in, exact lines out.

Each test reads as given / when / then: the model objects a snapshot would produce, one call
into ``allstop._format``, and the exact lines a user would see.
"""

from __future__ import annotations

import os
from collections import deque
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allstop import _format
from allstop._model import FrameView, Stack, ThreadState, ThreadView

pytestmark = pytest.mark.unit

APP_SOURCE = """\
import threading


def work(n):
    total = n * 2
    return total


def main():
    result = work(21)
    print(result)


main()
"""

MISSING_FILE = os.path.join(os.sep, "nonexistent", "lib", "threading.py")
"""A file linecache cannot read: its frames show no source line."""


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A real source file (so linecache finds its lines), in the working directory."""
    path = tmp_path / "app.py"
    path.write_text(APP_SOURCE)
    monkeypatch.chdir(tmp_path)
    return str(path)


def app_stack(app: str) -> tuple[FrameView, ...]:
    """``<module>`` -> ``main()`` -> ``work()``, innermost first as the model keeps it."""
    return (
        FrameView(app, 5, "work"),
        FrameView(app, 10, "main"),
        FrameView(app, 14, "<module>"),
    )


def four_threads(app: str) -> list[ThreadView]:
    """A stopped main thread, a worker at a pending breakpoint, a blocked one, a finished one."""
    return [
        ThreadView(1, 101, "MainThread", False, ThreadState.STOPPED, stack=Stack(app_stack(app))),
        ThreadView(
            2,
            20202,
            "worker-1",
            True,
            ThreadState.BREAKPOINT,
            stack=Stack((FrameView(app, 6, "work"),)),
            detail="1",
        ),
        ThreadView(
            3,
            3,
            "io",
            False,
            ThreadState.BLOCKED,
            stack=Stack((FrameView(MISSING_FILE, 359, "wait"),)),
        ),
        ThreadView(4, 4, "done", False, ThreadState.FINISHED),
    ]


# -- safe_repr ---------------------------------------------------------------------------------


class Counted:
    """An element that counts how many times it is repr'd."""

    calls = 0

    def __repr__(self) -> str:
        type(self).calls += 1
        return "<c>"


@pytest.fixture
def counted() -> type[Counted]:
    Counted.calls = 0
    return Counted


def test_safe_repr_of_an_ordinary_value_is_its_repr() -> None:
    # given a small nested value
    value = {"a": [1, 2.5, None], "b": ("x",)}
    # when / then
    assert _format.safe_repr(value) == "{'a': [1, 2.5, None], 'b': ('x',)}"


def test_safe_repr_of_a_string_is_quoted() -> None:
    assert _format.safe_repr("it's") == '"it\'s"'


def test_safe_repr_when_repr_raises_names_the_exception() -> None:
    # given an object whose __repr__ raises
    class Broken:
        def __repr__(self) -> str:
            raise ValueError("no repr for you")

    # when / then
    assert _format.safe_repr(Broken()) == "<repr failed: ValueError>"


def test_safe_repr_when_repr_returns_a_non_string() -> None:
    class NotAString:
        def __repr__(self) -> str:
            return 42  # type: ignore[return-value]

    assert _format.safe_repr(NotAString()) == "<repr failed: TypeError>"


class RefusesAttributes:
    """A value whose every attribute read raises (``__class__`` too, which isinstance reads)."""

    def __getattribute__(self, name: str) -> object:
        raise RuntimeError("no attributes for you")


class TouchyText(str):
    """A string whose length cannot be asked."""

    def __len__(self) -> int:
        raise RuntimeError("no len")


class TouchyRepr:
    def __repr__(self) -> str:
        return TouchyText("touchy")


def test_safe_repr_of_a_value_that_refuses_its_attributes_is_its_repr() -> None:
    value = RefusesAttributes()
    assert _format.safe_repr(value).startswith("<tests.test_format.RefusesAttributes object at ")
    assert _format.safe_repr([value, 1]).endswith(">, 1]")


def test_safe_repr_of_a_repr_that_is_a_touchy_str_subclass() -> None:
    assert _format.safe_repr(TouchyRepr()) == "touchy"
    assert _format.safe_repr([TouchyRepr()]) == "[touchy]"


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("worker", "worker"),
        ("two\nlines", "two\\nlines"),
        ("\x1b[2J\x1b[31mred", "\\x1b[2J\\x1b[31mred"),
        ("csi\x9b", "csi\\x9b"),
        ("tab\there", "tab\\there"),
        ("é ünïcode ✓", "é ünïcode ✓"),
    ],
)
def test_printable_escapes_control_characters(name: str, shown: str) -> None:
    assert _format.printable(name) == shown


def test_printable_bounds_a_huge_name() -> None:
    shown = _format.printable("n" * 10_000_000)
    assert shown == "n" * _format.NAME_LIMIT + "..."


def test_printable_of_a_touchy_str_subclass() -> None:
    assert _format.printable(TouchyText("name")) == "name"


def test_safe_repr_truncates_a_repr_megabytes_long() -> None:
    # given an object whose repr is two million characters
    class Huge:
        def __repr__(self) -> str:
            return "x" * 2_000_000

    # when
    text = _format.safe_repr(Huge())
    # then the first REPR_LIMIT characters and a count of the rest
    assert _format.REPR_LIMIT == 4096
    assert text == "x" * 4096 + "... (1995904 more characters)"


def test_safe_repr_honours_a_smaller_limit() -> None:
    assert _format.safe_repr("abcdefghij", limit=5) == "'abcd... (7 more characters)"


def test_safe_repr_of_a_huge_list_shows_its_head_only() -> None:
    # given a list whose repr is far longer than the limit
    value = list(range(20_000))
    # when
    text = _format.safe_repr(value)
    # then the head of repr(value), cut at the limit
    assert text == repr(value)[: _format.REPR_LIMIT] + "... (truncated)"


def test_safe_repr_of_a_huge_list_does_not_walk_the_whole_list(counted: type[Counted]) -> None:
    # given a list of 20_000 elements that count their reprs (each "<c>, " is 5 characters)
    value = [counted() for _ in range(20_000)]
    # when
    text = _format.safe_repr(value)
    # then only the elements shown were repr'd
    assert text.startswith("[<c>, <c>, ")
    assert text.endswith("... (truncated)")
    assert counted.calls <= _format.REPR_LIMIT // 5 + 1


def test_safe_repr_of_a_huge_tuple_and_set_is_bounded() -> None:
    assert _format.safe_repr(tuple(range(20_000))).startswith("(0, 1, 2, ")
    text = _format.safe_repr(set(range(20_000)))
    assert text.startswith("{0, 1, 2, ")
    assert len(text) <= _format.REPR_LIMIT + len("... (truncated)")


def test_safe_repr_of_a_huge_nested_list_is_bounded(counted: type[Counted]) -> None:
    # given a small list holding a huge one
    value = [[counted() for _ in range(20_000)]]
    # when
    text = _format.safe_repr(value)
    # then the inner list is cut too
    assert text.startswith("[[<c>, ")
    assert counted.calls <= _format.REPR_LIMIT // 5 + 1


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda children: (
            st.lists(children, max_size=4)
            | st.tuples(children)
            | st.dictionaries(st.text(max_size=3), children, max_size=3)
            | st.frozensets(st.integers(), max_size=3).map(set)
            | st.frozensets(st.integers(), max_size=3)
            | st.lists(children, max_size=3).map(deque)
        ),
        max_leaves=20,
    )
)
def test_safe_repr_of_small_containers_is_repr(value: object) -> None:
    assert _format.safe_repr(value, limit=100_000) == repr(value)


def test_safe_repr_calls_the_repr_of_a_list_subclass() -> None:
    # given a huge list subclass with its own __repr__
    class Tagged(list[int]):
        def __repr__(self) -> str:
            return f"Tagged(len={len(self)})"

    # when / then its __repr__ is used, not the bounded builtin one
    assert _format.safe_repr(Tagged(range(20_000))) == "Tagged(len=20000)"


def test_safe_repr_of_a_huge_plain_list_subclass_is_bounded(counted: type[Counted]) -> None:
    class Plain(list[Counted]):
        pass

    value = Plain(counted() for _ in range(20_000))
    _format.safe_repr(value)
    assert counted.calls <= _format.REPR_LIMIT // 5 + 1


def test_safe_repr_of_a_huge_dict_keeps_insertion_order() -> None:
    value = dict.fromkeys(range(20_000, 0, -1))
    assert _format.safe_repr(value).startswith("{20000: None, 19999: None, ")


# -- truncate ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("", 0, ""),
        ("abc", 3, "abc"),
        ("abc", 10, "abc"),
        ("abcdef", 3, "abc... (3 more characters)"),
        ("abcdef", 0, "... (6 more characters)"),
    ],
)
def test_truncate(text: str, limit: int, expected: str) -> None:
    assert _format.truncate(text, limit) == expected


# -- short_path --------------------------------------------------------------------------------


def test_short_path_under_the_working_directory_is_relative(tmp_path: Path) -> None:
    filename = str(tmp_path / "pkg" / "mod.py")
    assert _format.short_path(filename, cwd=str(tmp_path)) == os.path.join("pkg", "mod.py")


def test_short_path_elsewhere_is_the_base_name(tmp_path: Path) -> None:
    # given a file outside the working directory (a sibling directory)
    filename = str(tmp_path / "lib" / "python3" / "threading.py")
    cwd = str(tmp_path / "project")
    # when / then
    assert _format.short_path(filename, cwd=cwd) == "threading.py"


def test_short_path_keeps_pseudo_file_names() -> None:
    assert _format.short_path("<string>", cwd=os.sep) == "<string>"
    assert _format.short_path("<frozen runpy>") == "<frozen runpy>"


def test_short_path_defaults_to_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert _format.short_path(str(tmp_path / "main.py")) == "main.py"


# -- stack_entry / location --------------------------------------------------------------------


def test_stack_entry_is_pdbs_file_line_function_then_source(app: str) -> None:
    # given the frame of work() at line 5
    frame = FrameView(app, 5, "work")
    # when / then
    assert _format.stack_entry(frame) == f"{app}(5)work()\n-> total = n * 2"


def test_location_marks_the_entry_with_a_greater_than_sign(app: str) -> None:
    assert _format.location(FrameView(app, 10, "main")) == [
        f"> {app}(10)main()",
        "-> result = work(21)",
    ]


def test_location_with_a_return_value(app: str) -> None:
    # given a stop at --Return-- from work() with the value 5
    frame = FrameView(app, 6, "work")
    # when / then
    assert _format.location(frame, "5") == [f"> {app}(6)work()->5", "-> return total"]


def test_location_with_none_as_the_return_value_shows_it(app: str) -> None:
    assert _format.location(FrameView(app, 6, "work"), "None") == [
        f"> {app}(6)work()->None",
        "-> return total",
    ]


def test_location_without_source_is_one_line() -> None:
    assert _format.location(FrameView("<string>", 1, "<module>")) == ["> <string>(1)<module>()"]
    assert _format.location(FrameView(MISSING_FILE, 359, "wait")) == [
        f"> {MISSING_FILE}(359)wait()"
    ]


def test_location_past_the_end_of_the_file_is_one_line(app: str) -> None:
    assert _format.location(FrameView(app, 99, "work")) == [f"> {app}(99)work()"]


# -- stack -------------------------------------------------------------------------------------


def test_stack_is_oldest_first_with_the_innermost_frame_current(app: str) -> None:
    # given three frames, innermost first, frame 0 current
    # when
    lines = _format.stack(app_stack(app), 0)
    # then
    assert lines == [
        f"  {app}(14)<module>()",
        "-> main()",
        f"  {app}(10)main()",
        "-> result = work(21)",
        f"> {app}(5)work()",
        "-> total = n * 2",
    ]


def test_stack_marks_an_outer_current_frame(app: str) -> None:
    # after `up`: frame 1 is current
    assert _format.stack(app_stack(app), 1) == [
        f"  {app}(14)<module>()",
        "-> main()",
        f"> {app}(10)main()",
        "-> result = work(21)",
        f"  {app}(5)work()",
        "-> total = n * 2",
    ]


def test_stack_puts_the_return_value_on_the_innermost_frame(app: str) -> None:
    # given a --Return-- stop, viewed from frame 1 after `up`
    frames = (FrameView(app, 6, "work"), FrameView(app, 10, "main"))
    # when
    lines = _format.stack(frames, 1, "42")
    # then
    assert lines == [
        f"> {app}(10)main()",
        "-> result = work(21)",
        f"  {app}(6)work()->42",
        "-> return total",
    ]


def test_stack_of_no_frames_is_empty() -> None:
    assert _format.stack((), 0) == []


# -- threads -----------------------------------------------------------------------------------


def test_thread_title() -> None:
    thread = ThreadView(3, 12345, "worker-3", True, ThreadState.FROZEN)
    assert _format.thread_title(thread) == "[thread 3 worker-3]"


def test_thread_header_of_a_non_daemon_thread() -> None:
    thread = ThreadView(1, 101, "MainThread", False, ThreadState.STOPPED)
    assert _format.thread_header(thread) == 'Thread 1 "MainThread" (ident 101): stopped'


def test_thread_header_of_a_daemon_thread_with_a_detail() -> None:
    thread = ThreadView(2, 20202, "worker-1", True, ThreadState.BREAKPOINT, detail="1")
    assert (
        _format.thread_header(thread) == 'Thread 2 "worker-1" (ident 20202, daemon): breakpoint 1'
    )


@pytest.mark.parametrize(
    ("state", "detail", "expected"),
    [
        (ThreadState.FROZEN, "", "frozen"),
        (ThreadState.BLOCKED, "lock.acquire", "blocked: lock.acquire"),
        (ThreadState.BREAKPOINT, "7", "breakpoint 7"),
        (ThreadState.NEW, "", "new"),
        (ThreadState.CRASHED, "", "crashed"),
    ],
)
def test_state_text(state: ThreadState, detail: str, expected: str) -> None:
    thread = ThreadView(1, 1, "t", False, state, detail=detail)
    assert _format.state_text(thread) == expected


def test_threads_table_aligns_columns_and_stars_the_current_thread(app: str) -> None:
    # given four threads, the worker (ident 20202) current, cwd the app's directory
    threads = four_threads(app)
    # when
    lines = _format.threads_table(threads, 20202)
    # then
    assert lines == [
        "  Id  Name        Ident  Daemon  State         Location",
        "  1   MainThread  101    no      stopped       app.py:5 in work",
        "* 2   worker-1    20202  yes     breakpoint 1  app.py:6 in work",
        "  3   io          3      no      blocked       threading.py:359 in wait",
        "  4   done        4      no      finished",
    ]


def test_threads_table_without_a_current_thread_stars_nothing(app: str) -> None:
    lines = _format.threads_table(four_threads(app)[:1], None)
    assert lines == [
        "  Id  Name        Ident  Daemon  State    Location",
        "  1   MainThread  101    no      stopped  app.py:5 in work",
    ]


def test_threads_table_of_no_threads_is_the_header() -> None:
    assert _format.threads_table([], None) == ["  Id  Name  Ident  Daemon  State  Location"]


# -- all_stacks --------------------------------------------------------------------------------


def test_all_stacks_puts_the_current_thread_first(app: str) -> None:
    # given four threads in any order, the worker (ident 20202) current at its frame 0
    threads = list(reversed(four_threads(app)))
    # when
    lines = _format.all_stacks(threads, 20202, 0)
    # then the worker first, the rest by number, no `>` outside the current thread
    assert lines == [
        'Thread 2 "worker-1" (ident 20202, daemon): breakpoint 1',
        f"> {app}(6)work()",
        "-> return total",
        "",
        'Thread 1 "MainThread" (ident 101): stopped',
        f"  {app}(14)<module>()",
        "-> main()",
        f"  {app}(10)main()",
        "-> result = work(21)",
        f"  {app}(5)work()",
        "-> total = n * 2",
        "",
        'Thread 3 "io" (ident 3): blocked',
        f"  {MISSING_FILE}(359)wait()",
        "",
        'Thread 4 "done" (ident 4): finished',
        "  <no Python frames>",
    ]


def test_all_stacks_shows_the_return_value_of_the_stopped_thread(app: str) -> None:
    # given the stopped main thread current at frame 1, at a --Return-- with value 42
    threads = four_threads(app)[:2]
    # when
    lines = _format.all_stacks(threads, 101, 1, "42")
    # then the value shows on main's innermost frame, and `>` on its frame 1
    assert lines == [
        'Thread 1 "MainThread" (ident 101): stopped',
        f"  {app}(14)<module>()",
        "-> main()",
        f"> {app}(10)main()",
        "-> result = work(21)",
        f"  {app}(5)work()->42",
        "-> total = n * 2",
        "",
        'Thread 2 "worker-1" (ident 20202, daemon): breakpoint 1',
        f"  {app}(6)work()",
        "-> return total",
    ]


def test_all_stacks_shows_no_return_value_for_a_current_thread_not_stopped(app: str) -> None:
    # given the user switched to the worker, which waits at a pending breakpoint
    threads = four_threads(app)[1:2]
    # when a return value is passed along
    lines = _format.all_stacks(threads, 20202, 0, "42")
    # then it is not the worker's: not shown
    assert lines == [
        'Thread 2 "worker-1" (ident 20202, daemon): breakpoint 1',
        f"> {app}(6)work()",
        "-> return total",
    ]
