"""The panes of the full-screen UI, as functions of ``TuiState``.

Each pane is a window over a control whose text is computed when prompt_toolkit renders, from
the state and the session: nothing is formatted ahead, and only the current thread's stack and
frame are ever formatted (1000 threads cost one short row each).
"""

from __future__ import annotations

import linecache
from collections.abc import Callable
from functools import lru_cache

from prompt_toolkit.buffer import Buffer
from prompt_toolkit.data_structures import Point
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
from prompt_toolkit.layout.controls import BufferControl, FormattedTextControl
from prompt_toolkit.layout.dimension import Dimension
from prompt_toolkit.layout.processors import BeforeInput
from prompt_toolkit.mouse_events import MouseEvent, MouseEventType
from prompt_toolkit.widgets import Frame
from pygments.lexers.python import PythonLexer

from ..._breakpoints import canonic
from ..._format import short_path, state_text
from .state import TuiState

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


def _clickable(row: StyleAndTextTuples, index: int, click: Click) -> StyleAndTextTuples:
    def handler(event: MouseEvent) -> None:
        if event.event_type == MouseEventType.MOUSE_UP:
            click(index)

    return [(style, text, handler) for style, text, *_ in row]


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
        self.threads = Window(
            FormattedTextControl(
                self._threads_text, focusable=True, get_cursor_position=self._threads_cursor
            ),
            wrap_lines=False,
            cursorline=False,
        )
        self.stack = Window(
            FormattedTextControl(
                self._stack_text, focusable=True, get_cursor_position=self._stack_cursor
            ),
            wrap_lines=False,
        )
        self.source = Window(
            FormattedTextControl(
                self._source_text, focusable=True, get_cursor_position=self._source_cursor
            ),
            wrap_lines=False,
            scroll_offsets=ScrollOffsets(top=999, bottom=999),  # keep the cursor line centred
        )
        self.variables = Window(
            FormattedTextControl(
                self._variables_text, focusable=True, get_cursor_position=self._variables_cursor
            ),
            wrap_lines=False,
        )
        self.output = Window(BufferControl(output_buffer, focusable=True), wrap_lines=True)
        self.command = Window(
            BufferControl(
                command_buffer,
                input_processors=[BeforeInput(lambda: [("class:prompt", state.prompt)])],
            ),
            height=1,
        )
        self.status = Window(
            FormattedTextControl(self._status_text), height=1, style="class:status"
        )
        self.order = [
            self.threads,
            self.stack,
            self.source,
            self.variables,
            self.output,
            self.command,
        ]

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

        left = HSplit(
            [
                Frame(self.threads, title=title("Threads", self.threads)),
                Frame(self.stack, title=title("Stack", self.stack)),
            ],
            width=Dimension(weight=2),
        )
        right = HSplit(
            [
                Frame(
                    self.source,
                    title=title(
                        "Source", self.source, lambda: f": {short_path(state.source_file)}"
                    ),
                    height=Dimension(weight=3),
                ),
                Frame(
                    self.variables,
                    title=title("Variables", self.variables, lambda: f" ({state.scope})"),
                    height=Dimension(weight=2),
                ),
            ],
            width=Dimension(weight=3),
        )
        body = HSplit(
            [
                VSplit([left, right], height=Dimension(weight=3)),
                Frame(
                    self.output,
                    title=title("Output", self.output),
                    height=Dimension(min=3, weight=1),
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
            FloatContainer(body, floats=[Float(help_box), Float(confirm_box)]),
            focused_element=self.threads,
        )

    def text(self, pane: str) -> str:
        """The plain text a pane shows now (for tests and for ``bench``)."""
        fragments = {
            "threads": self._threads_text,
            "stack": self._stack_text,
            "source": self._source_text,
            "variables": self._variables_text,
            "status": self._status_text,
        }[pane]()
        return "".join(text for _, text, *_ in fragments)

    # -- panes -----------------------------------------------------------------------------
    def _threads_text(self) -> StyleAndTextTuples:
        session = self.state.session
        if session is None:
            return []
        rows: StyleAndTextTuples = []
        for index, thread in enumerate(session.threads):
            top = thread.top
            where = f"{short_path(top.filename)}:{top.lineno} {top.function}" if top else ""
            mark = "*" if thread.ident == session.current else " "
            base = "class:row.current " if thread.ident == session.current else ""
            if index == self.state.thread_cursor:
                base += "class:row.cursor "
            row: StyleAndTextTuples = [
                (base, f"{mark}{thread.number:>3} {thread.name[:14]:<14} "),
                (base + f"class:state.{thread.state.value}", f"{state_text(thread)[:12]:<12}"),
                (base, f" {where}"),
                ("", "\n"),
            ]
            rows += _clickable(row, index, self._on_thread)
        return rows

    def _threads_cursor(self) -> Point:
        return Point(0, self.state.thread_cursor)

    def _stack_text(self) -> StyleAndTextTuples:
        session = self.state.session
        if session is None:
            return []
        rows: StyleAndTextTuples = []
        for index, frame in enumerate(session.frames):
            mark = ">" if index == session.index else " "
            style = "class:row.cursor" if index == self.state.stack_cursor else ""
            if index == session.index:
                style += " class:row.current"
            where = f"{short_path(frame.filename)}:{frame.lineno}"
            row: StyleAndTextTuples = [
                (style, f"{mark}{index:>3} {frame.function}  {where}"),
                ("", "\n"),
            ]
            rows += _clickable(row, index, self._on_frame)
        if not rows:
            rows = [("", "<no Python frames>")]
        return rows

    def _stack_cursor(self) -> Point:
        return Point(0, self.state.stack_cursor)

    def _source_text(self) -> StyleAndTextTuples:
        state = self.state
        session = state.session
        filename = state.source_file
        lines = _highlighted(filename) if filename else ()
        if not lines:
            return [("", "<source not available>")]
        current = -1
        if session is not None and session.frames:
            top = session.frames[session.index]
            current = top.lineno if top.filename == filename else -1
        breaks = (
            session.engine.breakpoints.lines_in_file(canonic(filename)) if session else frozenset()
        )
        rows: StyleAndTextTuples = []
        for number, fragments in enumerate(lines, 1):
            line_style = "class:source.current " if number == current else ""
            if number == state.source_cursor:
                line_style += "class:row.cursor "
            row: StyleAndTextTuples = [
                (line_style + "class:source.gutter", f"{number:>5} "),
                (line_style + "class:source.breakpoint", "B" if number in breaks else " "),
                (line_style + "class:source.marker", "->" if number == current else "  "),
                (line_style, " "),
            ]
            row += [(line_style + style, text) for style, text, *_ in fragments]
            row.append(("", "\n"))
            rows += _clickable(row, number, self._on_source_line)
        return rows

    def _source_cursor(self) -> Point:
        return Point(0, max(self.state.source_cursor - 1, 0))

    def _variables_text(self) -> StyleAndTextTuples:
        state = self.state
        if not state.rows:
            return [("", "<no variables>")]
        out: StyleAndTextTuples = []
        for index, row in enumerate(state.rows):
            style = "class:row.cursor " if index == state.var_cursor else ""
            toggle = ("- " if row.path in state.expanded else "+ ") if row.expandable else "  "
            line: StyleAndTextTuples = [
                (style, "  " * row.depth),
                (style + "class:variable.toggle", toggle),
                (style + "class:variable.name", row.name),
                (
                    style,
                    f" = {row.value}" if row.path and row.path[-1] != "more" else f" {row.value}",
                ),
                ("", "\n"),
            ]
            out += _clickable(line, index, self._on_variable)
        return out

    def _variables_cursor(self) -> Point:
        return Point(0, self.state.var_cursor)

    def _status_text(self) -> StyleAndTextTuples:
        session = self.state.session
        if session is None or session.stop is None:
            return []
        thread = session.thread_view(session.stop.ident)
        who = f"thread {thread.number}" if thread else "a thread"
        frozen, blocked = session.others()
        counts = f"{frozen} frozen" + (f", {blocked} blocked in C" if blocked else "")
        hints = "  n next  s step  c cont  b break  : command  ? help  q quit"
        return [
            ("class:status.reason", f" {session.stop_reason()} in {who} "),
            ("class:status", f"| {counts} |{hints}"),
        ]
