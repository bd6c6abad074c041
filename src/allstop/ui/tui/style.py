"""Colours of the full-screen UI."""

from __future__ import annotations

from prompt_toolkit.styles import Style, merge_styles, style_from_pygments_cls
from pygments.styles import get_style_by_name

UI = Style.from_dict(
    {
        "frame.border": "#5f87af",
        "frame.label": "bold #87afd7",
        "frame.label.focused": "bold reverse #87afd7",
        "row.cursor": "reverse",
        "row.current": "bold",
        "state.stopped": "bold #ff5f5f",
        "state.breakpoint": "bold #ff8700",
        "state.crashed": "bold #ff0000",
        "state.frozen": "#5fafff",
        "state.new": "#5fd7af",
        "state.blocked": "#d7af00",
        "state.finished": "#808080",
        "tasks": "#808080",
        "process": "#d7afff",
        "task.running": "bold #ff5f5f",
        "task.waiting": "#5fafff",
        "task.ready": "#5fd7af",
        "task.done": "#808080",
        "task.cancelled": "#808080",
        "task.failed": "bold #ff0000",
        "source.gutter": "#808080",
        "source.current": "bg:#303a50",
        "source.marker": "bold #ff5f5f",
        "source.breakpoint": "bold #ff0000",
        "variable.name": "#87d7ff",
        "variable.toggle": "#808080",
        "output.error": "#ff5f5f",
        "status": "reverse",
        "status.reason": "reverse bold",
        "prompt": "bold",
        "dialog": "bg:#303030 #ffffff",
        "dialog.title": "bold",
    }
)


def make_style() -> Style:
    """The UI's own colours over Pygments' for the source pane."""
    return merge_styles([style_from_pygments_cls(get_style_by_name("monokai")), UI])  # type: ignore[return-value]
