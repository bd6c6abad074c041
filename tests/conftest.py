from __future__ import annotations

import os
import socket
import subprocess

import pytest

from tests.support.run import BACKENDS

TIERS = ("unit", "e2e")


EVERY_BACKEND = frozenset({"test_engine", "test_reliability"})
"""The modules whose tests take every backend this Python has (both on 3.12+): the engine's
own, and the hazards of issue 12.  The other modules' tests take the backend a user of this
Python gets (monitoring on 3.12+, settrace before): their code is the same on both, and the
settrace fallback of 3.12+ freezes, steps and stops in the engine's tests (this keeps the
suite's time in bounds; ``scripts/soak`` runs the load scenario on every backend)."""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that takes ``backend`` runs on the backends its module's entry above says."""
    if "backend" in metafunc.fixturenames:
        module = metafunc.module.__name__.rpartition(".")[2]
        metafunc.parametrize("backend", BACKENDS if module in EVERY_BACKEND else BACKENDS[:1])


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
