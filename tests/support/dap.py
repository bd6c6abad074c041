"""A small Debug Adapter Protocol client over a loopback socket, for the debugpy tests.

It does what an editor does: sends requests, reads responses and events (``Content-Length``
framing, JSON bodies), and keeps the events it has not been asked for yet in arrival order.
Every read has a deadline, so a debugger that never answers fails the test instead of
hanging it.
"""

from __future__ import annotations

import json
import socket
import time
from typing import Any

Message = dict[str, Any]


class DapError(Exception):
    """A request failed (``success: false``) or the adapter went away."""


class DapClient:
    def __init__(self, port: int, *, timeout: float = 20.0) -> None:
        self.timeout = timeout
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
                break
            except ConnectionRefusedError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)  # the server is still starting
        self._buffer = b""
        self._seq = 0
        self.events: list[Message] = []

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> DapClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests --------------------------------------------------------------------------
    def send(self, command: str, **arguments: Any) -> int:
        """Send a request; return its sequence number."""
        self._seq += 1
        message = {"seq": self._seq, "type": "request", "command": command}
        if arguments:
            message["arguments"] = arguments
        body = json.dumps(message).encode()
        self._sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return self._seq

    def response(self, seq: int) -> Message:
        """The body of the response to request ``seq``; DapError if it failed."""
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._read(deadline)
            if message["type"] == "event":
                self.events.append(message)
            elif message["type"] == "response" and message["request_seq"] == seq:
                if not message["success"]:
                    raise DapError(f"{message['command']}: {message.get('message')}")
                body: Message = message.get("body") or {}
                return body

    def request(self, command: str, **arguments: Any) -> Message:
        """Send a request and wait for its response's body."""
        return self.response(self.send(command, **arguments))

    # -- events ----------------------------------------------------------------------------
    def event(self, name: str, *, timeout: float | None = None) -> Message:
        """The body of the first event called ``name`` (received earlier or next)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            for i, message in enumerate(self.events):
                if message["event"] == name:
                    del self.events[i]
                    body: Message = message.get("body") or {}
                    return body
            message = self._read(deadline)
            if message["type"] == "event":
                self.events.append(message)

    def drain(self) -> list[Message]:
        """Every event still to come, until the debugger closes the connection."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                message = self._read(deadline)
            except DapError:
                events, self.events = self.events, []
                return events
            if message["type"] == "event":
                self.events.append(message)

    # -- framing ---------------------------------------------------------------------------
    def _read(self, deadline: float) -> Message:
        while True:
            head, sep, rest = self._buffer.partition(b"\r\n\r\n")
            if sep:
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                if len(rest) >= length:
                    self._buffer = rest[length:]
                    message: Message = json.loads(rest[:length])
                    return message
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no message from the debugger in time")
            self._sock.settimeout(left)
            try:
                chunk = self._sock.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                raise DapError("the debugger closed the connection")
            self._buffer += chunk
