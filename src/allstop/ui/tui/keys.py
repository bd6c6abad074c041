"""Key bindings of the full-screen UI.  Every key either moves a cursor of the UI or sends a
line-mode command to the session: no command is implemented here."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from prompt_toolkit.filters import Condition, Filter, has_focus
from prompt_toolkit.key_binding import KeyBindings, KeyBindingsBase, merge_key_bindings
from prompt_toolkit.key_binding.bindings.focus import focus_next, focus_previous
from prompt_toolkit.key_binding.key_processor import KeyPressEvent

if TYPE_CHECKING:
    from prompt_toolkit.key_binding.key_bindings import NotImplementedOrNone

    from .app import Tui

PAGE = 10


def load_bindings(tui: Tui) -> KeyBindingsBase:
    """All keys of the UI."""
    return merge_key_bindings(
        [_overlay_bindings(tui), _pane_bindings(tui), _command_bindings(tui), _move_bindings(tui)]
    )


def _filters(tui: Tui) -> tuple[Filter, Filter]:
    """(an overlay is shown, the user browses the panes: no overlay, not typing a command)."""
    state = tui.state
    overlay = Condition(lambda: state.help_visible or bool(state.confirm))
    return overlay, ~has_focus(tui.panes.command) & ~overlay


def _overlay_bindings(tui: Tui) -> KeyBindings:
    """The help overlay, the quit confirmation, Ctrl-C."""
    kb = KeyBindings()
    state = tui.state

    @kb.add("<any>", filter=Condition(lambda: state.help_visible))
    def _close_help(event: KeyPressEvent) -> None:
        """Any key closes the help overlay."""
        state.help_visible = False

    @kb.add("y", filter=Condition(lambda: bool(state.confirm)))
    def _confirm_yes(event: KeyPressEvent) -> None:
        """y: yes to the question shown (quit)."""
        state.confirm = ""
        tui.send("quit")

    @kb.add("<any>", filter=Condition(lambda: bool(state.confirm)))
    def _confirm_no(event: KeyPressEvent) -> None:
        """Any other key: no."""
        state.confirm = ""
        tui.note("quit cancelled")

    @kb.add("c-c")
    def _ctrl_c(event: KeyPressEvent) -> None:
        """Ctrl-C: ask before quitting; it never kills the program by itself."""
        tui.ask_quit()

    return kb


def _pane_bindings(tui: Tui) -> KeyBindings:
    """Moving between panes, the command line, help and quit."""
    kb = KeyBindings()
    state = tui.state
    panes = tui.panes
    overlay, browsing = _filters(tui)
    in_command = has_focus(panes.command)
    kb.add("tab", filter=~overlay & ~in_command)(focus_next)
    kb.add("s-tab", filter=~overlay & ~in_command)(focus_previous)

    @kb.add("tab", filter=in_command)
    def _complete(event: KeyPressEvent) -> None:
        """Tab in the command line: complete (again: the next completion)."""
        buffer = event.current_buffer
        if buffer.complete_state:
            buffer.complete_next()
        else:
            buffer.start_completion(select_first=True)

    @kb.add("escape", filter=in_command)
    def _leave_command(event: KeyPressEvent) -> None:
        """Escape: leave the command line."""
        tui.close_command_line()

    @kb.add(":", filter=browsing)
    def _command(event: KeyPressEvent) -> None:
        """: type one command; focus comes back here after it."""
        tui.open_command_line()

    @kb.add("!", filter=browsing)
    def _statement(event: KeyPressEvent) -> None:
        """! type one Python statement; focus comes back here after it."""
        tui.open_command_line("!")

    @kb.add("t", filter=browsing)
    def _threads(event: KeyPressEvent) -> None:
        """t: go to the threads pane."""
        event.app.layout.focus(panes.threads)

    @kb.add("?", filter=browsing)
    def _help(event: KeyPressEvent) -> None:
        """?: show the keys."""
        state.help_visible = True

    @kb.add("q", filter=browsing)
    def _quit(event: KeyPressEvent) -> None:
        """q: quit the program (asks first)."""
        tui.ask_quit()

    return kb


def _command_bindings(tui: Tui) -> KeyBindings:
    """Keys that send a line-mode command."""
    kb = KeyBindings()
    _, browsing = _filters(tui)
    for key, command in [
        ("n", "next"),
        ("s", "step"),
        ("r", "return"),
        ("c", "continue"),
        ("u", "up"),
        ("d", "down"),
    ]:
        kb.add(key, filter=browsing)(_sender(tui, command))

    @kb.add("b", filter=browsing)
    def _breakpoint(event: KeyPressEvent) -> None:
        """b: set or clear a breakpoint on the source line under the cursor."""
        tui.toggle_breakpoint()

    @kb.add("g", filter=browsing)
    def _scope(event: KeyPressEvent) -> None:
        """g: show globals instead of locals in the variables pane, and back."""
        tui.toggle_scope()

    return kb


def _move_bindings(tui: Tui) -> KeyBindings:
    """Cursor keys and Enter inside the threads, stack, source and variables panes."""
    kb = KeyBindings()
    state = tui.state
    panes = tui.panes
    overlay, _ = _filters(tui)
    movers = [
        (panes.threads, tui.move_thread),
        (panes.stack, tui.move_frame),
        (panes.source, tui.move_source),
        (panes.variables, tui.move_variable),
    ]
    for window, move in movers:
        focused = has_focus(window) & ~overlay
        for key, delta in [("up", -1), ("down", 1), ("pageup", -PAGE), ("pagedown", PAGE)]:
            kb.add(key, filter=focused)(_mover(move, delta))

    @kb.add("enter", filter=has_focus(panes.threads) & ~overlay)
    def _select_thread(event: KeyPressEvent) -> NotImplementedOrNone:
        """Enter on a thread or task: make it current (on a loop's tasks: show or fold)."""
        tui.select_thread(state.thread_cursor)
        return NotImplemented  # see _sender

    @kb.add("enter", filter=has_focus(panes.stack) & ~overlay)
    def _select_frame(event: KeyPressEvent) -> NotImplementedOrNone:
        """Enter on a frame: make it current."""
        tui.select_frame(state.stack_cursor)
        return NotImplemented  # see _sender

    @kb.add("enter", filter=has_focus(panes.variables) & ~overlay)
    def _toggle_variable(event: KeyPressEvent) -> None:
        """Enter on a variable: open or close it."""
        tui.toggle_variable(state.var_cursor)

    return kb


def _sender(tui: Tui, command: str) -> Callable[[KeyPressEvent], NotImplementedOrNone]:
    def send(event: KeyPressEvent) -> NotImplementedOrNone:
        tui.send(command)
        return NotImplemented  # no redraw now: the command's result comes with one

    send.__doc__ = f"the line-mode command {command!r}"
    return send


def _mover(move: Callable[[int], None], delta: int) -> Callable[[KeyPressEvent], None]:
    def handler(event: KeyPressEvent) -> None:
        move(delta)

    handler.__doc__ = f"move the pane's cursor by {delta}"
    return handler
