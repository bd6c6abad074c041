"""The debugpy bridge's checks, in-process: the addresses ``listen`` takes, the warning off the
loopback, and how a pydevd without a name allstop uses is told apart (the real refusals, through
``allstop run --listen`` and the session, are in ``test_debugpy``)."""

from __future__ import annotations

import re

import pytest

from allstop._debugpy import exposure_warning, missing_name, parse_endpoint, unsupported

pytestmark = pytest.mark.unit


def test_missing_pydevd_names_are_found() -> None:
    class PyDB:
        def __init__(self) -> None:
            self.reader = None

        def set_suspend(self) -> None:
            pass

    spaces = {"PyDB": PyDB, "pydevd": re}
    present = [("PyDB", "set_suspend"), ("PyDB", "reader"), ("pydevd", "compile")]
    assert missing_name(present, spaces.get) is None
    assert missing_name([*present, ("PyDB", "breakpoints")], spaces.get) == "PyDB.breakpoints"
    assert missing_name([("PyDevdAPI", "add_breakpoint")], spaces.get) == (
        "PyDevdAPI.add_breakpoint"
    )
    assert unsupported("1.9.0", "PyDB.set_suspend") == (
        "debugpy 1.9.0 is not supported: pydevd has no PyDB.set_suspend (allstop is tested with"
        " debugpy 1.8.x from 1.8.22)"
    )


@pytest.mark.parametrize(
    ("host", "warned"),
    [
        ("127.0.0.1", False),
        ("localhost", False),
        ("::1", False),
        ("0.0.0.0", True),
        ("10.1.2.3", True),
    ],
)
def test_a_host_off_the_loopback_is_warned_about(host: str, warned: bool) -> None:
    warning = exposure_warning(host)
    if warned:
        assert warning == (
            f"warning: {host} is not this machine's loopback: anyone who can reach the port can"
            " run code in this process"
        )
    else:
        assert warning is None


@pytest.mark.parametrize(
    ("text", "endpoint"),
    [("5678", ("127.0.0.1", 5678)), ("0.0.0.0:80", ("0.0.0.0", 80)), ("[::1]:9", ("::1", 9))],
)
def test_endpoints_parse(text: str, endpoint: tuple[str, int]) -> None:
    assert parse_endpoint(text) == endpoint


@pytest.mark.parametrize("text", ["", "x", "1:2:x", "70000", "-1"])
def test_bad_endpoints_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a port number"):
        parse_endpoint(text)
