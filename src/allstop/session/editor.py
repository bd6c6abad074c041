"""``listen``: let an editor attach through debugpy.  The only session module that imports the
debugpy bridge (``_debugpy``, which imports debugpy itself only when a server starts)."""

from __future__ import annotations

from .. import _debugpy
from .core import CommandError, Commands


class EditorCommands(Commands):
    def do_listen(self, arg: str) -> None:
        """listen [[HOST:]PORT]

        Start debugpy's server (default 127.0.0.1:5678) so that an editor can attach (VS
        Code: 'Python Debugger: Remote Attach').  Once it has attached, continue moves this
        stop to the editor, and every later stop shows there until the editor detaches.  A
        HOST off the loopback lets anyone who reaches the port run code in the program."""
        session = self.session
        try:
            host, port = _debugpy.parse_endpoint(arg) if arg else _debugpy.DEFAULT_ENDPOINT
            warning = _debugpy.exposure_warning(host)
            if warning is not None:
                session.error(warning)
            listener = _debugpy.listen(session.engine, host, port)
        except (ValueError, OSError, RuntimeError) as exc:
            raise CommandError(f"listen: {exc}") from None
        session.message(
            f"{_debugpy.attach_hint(listener.host, listener.port)}; once it is attached, type"
            " continue: this stop moves to the editor"
        )

    def status(self) -> str:
        """Where an editor stands: '' when no server was started."""
        listener = _debugpy.listener()
        if listener is None:
            return ""
        if listener.attached:
            return "editor attached: continue moves this stop there"
        return f"listening on {listener.host}:{listener.port} for an editor"
