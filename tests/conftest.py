from __future__ import annotations

import os
import socket
import subprocess

import pytest

from tests.support.run import BACKENDS

TIERS = ("unit", "e2e")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Every backend this Python has: both on 3.12+, settrace before."""
    return str(request.param)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test belongs to exactly one tier."""
    wrong = [
        item.nodeid
        for item in items
        if sum(1 for tier in TIERS if item.get_closest_marker(tier) is not None) != 1
    ]
    if wrong:
        raise pytest.UsageError(
            "tests must be marked with exactly one of unit, e2e:\n  " + "\n  ".join(wrong)
        )


@pytest.fixture(autouse=True)
def _unit_tests_stay_in_process(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A unit test that starts a process, opens a pseudo-terminal or uses the network belongs
    to the e2e tier: make it fail."""
    if request.node.get_closest_marker("unit") is None:
        return

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a unit test left the process: mark it e2e")

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
    for name in ("fork", "forkpty", "openpty"):
        monkeypatch.setattr(os, name, refuse)
    for name in ("bind", "connect"):
        monkeypatch.setattr(socket.socket, name, refuse)
