"""The panes of the full-screen UI, as functions of ``TuiState``.

Each pane is a window over a control whose text is computed when prompt_toolkit renders, from
the state and the session: nothing is formatted ahead, and only the current thread's stack and
frame are ever formatted (1000 threads cost one short row each).
"""

from __future__ import annotations

import linecache
import os
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from prompt_toolkit.buffer import Buffer
from prompt_toolkit.data_structures import Point, Size
from prompt_toolkit.filters import Condition
from prompt_toolkit.formatted_text import PygmentsTokens, StyleAndTextTuples, to_formatted_text
from prompt_toolkit.formatted_text.utils import split_lines
from prompt_toolkit.layout import (
    ConditionalContainer,
    Float,
    FloatContainer,
    HSplit,
    Layout,
    ScrollOffsets,
    VSplit,
    Window,
)
from prompt_toolkit.layout.controls import (
    BufferControl,
    FormattedTextControl,
    UIContent,
    UIControl,
)
from prompt_toolkit.layout.dimension import AnyDimension, Dimension
from prompt_toolkit.layout.menus import CompletionsMenu
from prompt_toolkit.layout.processors import BeforeInput
from prompt_toolkit.mouse_events import MouseEvent, MouseEventType
from prompt_toolkit.widgets import Frame
from pygments.lexers.python import PythonLexer

from ..._format import NO_FRAMES, short_path, state_text
from ..._model import FrameView, TaskView
from ..._snapshot import exception_line
from ..._tasks import where as task_where
from ..._tree import Process
from .state import TaskGroup, TuiState

if TYPE_CHECKING:
    from prompt_toolkit.key_binding.key_bindings import NotImplementedOrNone


def _size() -> Size:
    from prompt_toolkit.application.current import get_app

    return get_app().output.get_size()


Click = Callable[[int], None]

HELP = """\
 Tab / Shift-Tab   move between panes
 Up Down PgUp PgDn move inside a pane
 Enter             select a thread or frame, open or close a variable
 n  s  r  c        next, step, return, continue
 u  d              up, down the stack
 t                 go to the threads pane
 b                 toggle a breakpoint on the source line under the cursor
 g                 show globals / locals in the variables pane
 :  or  !          type a command (any line-mode command; Tab completes)
 q  or  Ctrl-C     quit the program (asks first)
 ?                 this help (any key closes it)"""


@lru_cache(maxsize=32)
def _highlighted(filename: str) -> tuple[StyleAndTextTuples, ...]:
    """The file's lines as Pygments-styled fragments (cached per file)."""
    text = "".join(linecache.getlines(filename))
    if not text:
        return ()
    tokens = PygmentsTokens(list(PythonLexer().get_tokens(text)))
    return tuple(split_lines(to_formatted_text(tokens)))


class _Border(UIControl):
    """A box's top (``┌─ Title ───┐``) or bottom (``└────┘``) line, drawn in one piece:
    prompt_toolkit's Frame shares such a line out between fill windows one cell at a time, the
    costliest part of a redraw on a big terminal."""

    def __init__(self, corners: str, title: Callable[[], StyleAndTextTuples] | None = None) -> None:
        self._corners = corners
        self._title = title

    def create_content(self, width: int, height: int) -> UIContent:
        border = "class:frame.border"
        title = self._title() if self._title is not None else []
        used = sum(len(text) for _, text, *_ in title)
        line: StyleAndTextTuples = [(border, self._corners[0] + ("─" if title else ""))]
        line += title
        line.append((border, "─" * max(width - used - 2 - bool(title), 0) + self._corners[1]))
        return UIContent(get_line=lambda i: line, line_count=1)


def boxed(
    body: Window, title: Callable[[], StyleAndTextTuples], height: AnyDimension = None
) -> HSplit:
    """``body`` in a single-line box with ``title`` in its top border."""
    side = "class:frame.border"
    return HSplit(
        [
            Window(_Border("┌┐", title), height=1),
            VSplit(
                [
                    Window(width=1, char="│", style=side),
                    body,
                    Window(width=1, char="│", style=side),
                ]
            ),
            Window(_Border("└┘"), height=1),
        ],
        height=height,
    )


class RowsControl(UIControl):
    """A focusable list whose rows are formatted only when they are on screen (a threads pane
    of 1000 threads formats the two dozen rows it shows).  A click selects a row."""

    def __init__(
        self,
        count: Callable[[], int],
        row: Callable[[int], StyleAndTextTuples],
        cursor: Callable[[], int],
        click: Click,
        empty: str,
    ) -> None:
        self._count = count
        self._row = row
        self._cursor = cursor
        self._click = click
        self._empty = empty

    def is_focusable(self) -> bool:
        return True

    def create_content(self, width: int, height: int) -> UIContent:
        count = self._count()
        if not count:
            return UIContent(get_line=lambda i: [("", self._empty)], line_count=1)
        return UIContent(
            get_line=self._row,
            line_count=count,
            cursor_position=Point(0, min(max(self._cursor(), 0), count - 1)),
            show_cursor=False,
        )

    def mouse_handler(self, mouse_event: MouseEvent) -> NotImplementedOrNone:
        if mouse_event.event_type == MouseEventType.MOUSE_UP:
            self._click(mouse_event.position.y)
            return None
        return NotImplemented

    def text(self) -> str:
        count = self._count()
        if not count:
            return self._empty
        rows = (self._row(i) for i in range(count))
        return "\n".join("".join(text for _, text, *_ in row) for row in rows)


def _window(content: UIControl, **options: Any) -> Window:
    """A window that paints every cell of its area: prompt_toolkit's diff then reads written
    cells, instead of making a blank one for each cell left out (a third of a redraw of a big
    terminal)."""
    return Window(content, char=" ", **options)


class Panes:
    """The windows of the UI, built once and re-rendered from the state."""

    def __init__(
        self,
        state: TuiState,
        command_buffer: Buffer,
        output_buffer: Buffer,
        *,
        on_thread: Click,
        on_frame: Click,
        on_variable: Click,
        on_source_line: Click,
    ) -> None:
        self.state = state
        self._on_thread = on_thread
        self._on_frame = on_frame
        self._on_variable = on_variable
        self._on_source_line = on_source_line
        self.threads = _window(
            RowsControl(
                self._thread_count,
                self._thread_row,
                lambda: state.thread_cursor,
                on_thread,
                "<no threads>",
            ),
            wrap_lines=False,
        )
        self.stack = _window(
            RowsControl(
                lambda: len(self._frames()),
                self._frame_row,
                lambda: state.stack_cursor,
                on_frame,
                NO_FRAMES,
            ),
            wrap_lines=False,
        )
        self.source = _window(
            RowsControl(
                lambda: len(self._source_lines()),
                self._source_row,
                lambda: state.source_cursor - 1,
                lambda index: on_source_line(index + 1),
                "<source not available>",
            ),
            wrap_lines=False,
            scroll_offsets=ScrollOffsets(top=999, bottom=999),  # keep the cursor line centred
        )
        self.variables = _window(
            RowsControl(
                lambda: len(state.rows),
                self._variable_row,
                lambda: state.var_cursor,
                on_variable,
                "<no variables>",
            ),
            wrap_lines=False,
        )
        self.output = _window(BufferControl(output_buffer, focusable=True), wrap_lines=True)
        self.command = _window(
            BufferControl(
                command_buffer,
                input_processors=[BeforeInput(lambda: [("class:prompt", state.prompt)])],
            ),
            height=1,
        )
        self.status = _window(
            FormattedTextControl(self._status_text), height=1, style="class:status"
        )

    # -- layout ----------------------------------------------------------------------------
    def layout(self) -> Layout:
        state = self.state

        def title(
            name: str, window: Window, extra: Callable[[], str] = str
        ) -> Callable[[], StyleAndTextTuples]:
            def get() -> StyleAndTextTuples:
                from prompt_toolkit.application.current import get_app

                focused = get_app().layout.current_window is window
                style = "class:frame.label.focused" if focused else "class:frame.label"
                return [(style, f" {name}{extra()} ")]

            return get

        # Exact sizes from the terminal's: prompt_toolkit shares free space out one cell at a
        # time, which costs more than everything else in a redraw of a big terminal.
        def exact(get: Callable[[Size], int]) -> Callable[[], Dimension]:
            return lambda: Dimension.exact(max(get(_size()), 1))

        def left_width(size: Size) -> int:
            return max(size.columns * 2 // 5, 20)

        def top_height(size: Size) -> int:
            return max(size.rows - 2 - max(size.rows // 4, 5), 6)

        left = HSplit(
            [
                boxed(
                    self.threads,
                    title("Threads", self.threads),
                    height=exact(lambda size: top_height(size) // 2),
                ),
                boxed(
                    self.stack,
                    title("Stack", self.stack),
                    height=exact(lambda size: top_height(size) - top_height(size) // 2),
                ),
            ],
            width=exact(left_width),
        )
        right = HSplit(
            [
                boxed(
                    self.source,
                    title("Source", self.source, lambda: f": {short_path(state.source_file)}"),
                    height=exact(lambda size: top_height(size) * 3 // 5),
                ),
                boxed(
                    self.variables,
                    title("Variables", self.variables, lambda: f" ({state.scope})"),
                    height=exact(lambda size: top_height(size) - top_height(size) * 3 // 5),
                ),
            ],
            width=exact(lambda size: size.columns - left_width(size)),
        )
        for window, width in [
            (self.threads, left_width),
            (self.stack, left_width),
            (self.source, lambda size: size.columns - left_width(size)),
            (self.variables, lambda size: size.columns - left_width(size)),
            (self.output, lambda size: size.columns),
        ]:
            window.width = exact(lambda size, width=width: width(size) - 2)  # type: ignore[misc]
        body = HSplit(
            [
                VSplit([left, right], height=exact(top_height)),
                boxed(
                    self.output,
                    title("Output", self.output),
                    height=exact(lambda size: size.rows - 2 - top_height(size)),
                ),
                self.command,
                self.status,
            ]
        )
        help_box = ConditionalContainer(
            Frame(Window(FormattedTextControl(HELP), width=76, height=12), title=" Keys "),
            filter=Condition(lambda: state.help_visible),
        )
        confirm_box = ConditionalContainer(
            Frame(
                Window(FormattedTextControl(lambda: f" {state.confirm} "), height=1),
                title=" Confirm ",
                style="class:dialog",
            ),
            filter=Condition(lambda: bool(state.confirm)),
        )
        return Layout(
            FloatContainer(
                body,
                floats=[
                    Float(help_box),
                    Float(confirm_box),
                    Float(CompletionsMenu(max_height=8), xcursor=True, ycursor=True),
                ],
            ),
            focused_element=self.threads,
        )

    def text(self, pane: str) -> str:
        """The plain text a pane shows (for tests and benchmarks)."""
        if pane == "status":
            return "".join(text for _, text, *_ in self._status_text())
        window = {
            "threads": self.threads,
            "stack": self.stack,
            "source": self.source,
            "variables": self.variables,
        }[pane]
        assert isinstance(window.content, RowsControl)
        return window.content.text()

    # -- rows ------------------------------------------------------------------------------
    def _thread_count(self) -> int:
        return len(self.state.thread_rows)

    def _thread_row(self, index: int) -> StyleAndTextTuples:
        session = self.state.session
        rows = self.state.thread_rows
        if session is None or index >= len(rows):
            return []
        row = rows[index]
        base = "class:row.cursor " if index == self.state.thread_cursor else ""
        if isinstance(row, Process):
            here = row.pid == os.getpid()
            return [
                (base + ("class:row.current " if here else ""), f"{'*' if here else ' '}"),
                (base + "class:process", f"process {row.number} pid {row.pid} {row.state}"),
            ]
        if isinstance(row, TaskGroup):
            sign = "▾" if row.open else "▸"
            return [(base + "class:tasks", f"     {sign} {row.count} asyncio tasks")]
        if isinstance(row, TaskView):
            current = row.number == session.current_task
            if current:
                base += "class:row.current "
            state = row.state.value + (f": {row.error}" if row.error else "")
            return [
                (base, f"     {'*' if current else ' '}{row.number:>3} {row.name[:12]:<12} "),
                (base + f"class:task.{row.state.value}", f"{state[:12]:<12}"),
                (base, f" {task_where(row)}"),
            ]
        top = row.top
        where = f"{short_path(top.filename)}:{top.lineno} {top.function}" if top else ""
        current = row.ident == session.current and session.current_task is None
        if current:
            base += "class:row.current "
        return [
            (base, f"{'*' if current else ' '}{row.number:>3} {row.name[:14]:<14} "),
            (base + f"class:state.{row.state.value}", f"{state_text(row)[:12]:<12}"),
            (base, f" {where}"),
        ]

    def _frames(self) -> tuple[FrameView, ...]:
        session = self.state.session
        return session.frames if session is not None else ()

    def _frame_row(self, index: int) -> StyleAndTextTuples:
        session = self.state.session
        frames = self._frames()
        if session is None or index >= len(frames):
            return []
        frame = frames[index]
        style = "class:row.cursor " if index == self.state.stack_cursor else ""
        if index == session.index:
            style += "class:row.current"
        where = f"{short_path(frame.filename)}:{frame.lineno}"
        mark = ">" if index == session.index else " "
        return [(style, f"{mark}{index:>3} {frame.function}  {where}")]

    def _source_lines(self) -> tuple[StyleAndTextTuples, ...]:
        filename = self.state.source_file
        return _highlighted(filename) if filename else ()

    def _source_row(self, index: int) -> StyleAndTextTuples:
        state = self.state
        session = state.session
        lines = self._source_lines()
        if index >= len(lines):
            return []
        number = index + 1
        current = -1
        breaks: frozenset[int] = frozenset()
        if session is not None:
            frames = session.frames
            if frames and frames[session.index].filename == state.source_file:
                current = frames[session.index].lineno or -1
            breaks = session.breakpoint_lines(state.source_file)
        line_style = "class:source.current " if number == current else ""
        if number == state.source_cursor:
            line_style += "class:row.cursor "
        row: StyleAndTextTuples = [
            (line_style + "class:source.gutter", f"{number:>5} "),
            (line_style + "class:source.breakpoint", "B" if number in breaks else " "),
            (line_style + "class:source.marker", "->" if number == current else "  "),
            (line_style, " "),
        ]
        row += [(line_style + style, text) for style, text, *_ in lines[index]]
        return row

    def _variable_row(self, index: int) -> StyleAndTextTuples:
        state = self.state
        if index >= len(state.rows):
            return []
        row = state.rows[index]
        style = "class:row.cursor " if index == state.var_cursor else ""
        toggle = ("- " if row.path in state.expanded else "+ ") if row.expandable else "  "
        value = f" {row.value}" if row.path[-1:] == ("more",) else f" = {row.value}"
        return [
            (style, "  " * row.depth),
            (style + "class:variable.toggle", toggle),
            (style + "class:variable.name", row.name),
            (style, value),
        ]

    def _status_text(self) -> StyleAndTextTuples:
        session = self.state.session
        if session is None or session.stop is None:
            return []
        thread = session.thread_view(session.stop.ident)
        who = f"thread {thread.number}" if thread else "a thread"
        top = thread.top if thread else None
        where = f"{short_path(top.filename)}:{top.lineno}" if top else "?"
        frozen, blocked = session.others()
        counts = f"{frozen} frozen" + (f", {blocked} blocked in C" if blocked else "")
        reason = f"{session.stop_reason()} at {where} in {who}"
        exception = session.stop.exception
        if exception is not None:
            crash = "crashed" if session.stop.crashed else "post-mortem"
            if not session.stop.post_mortem:
                crash = "stopped at an exception"
            reason = f"{who} {crash}: {exception_line(exception, 60)} at {where}"
        editor = session.status_note()
        return [
            ("class:status", " ? help "),
            ("class:status.reason", f" {reason} "),
            *([("class:status.reason", f" {editor} ")] if editor else []),
            ("class:status", f" {counts} | n next  s step  c cont  q quit  : command  b break"),
        ]
