"""pytest integration: ``pytest --allstop`` makes ``breakpoint()``, ``--pdb`` and ``--trace``
use allstop, so every thread a test started is frozen while you look.

It only tells pytest's own debugging support which debugger class to use (as ``--pdbcls``
does), so output capture is suspended and resumed exactly as with pdb.  Registered through
the ``pytest11`` entry point; it imports nothing of allstop until a stop happens.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("allstop", "allstop: stop every thread")
    group.addoption(
        "--allstop",
        action="store_true",
        default=False,
        help="use allstop for breakpoint(), --pdb and --trace: every thread stops",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("allstop"):
        config.option.usepdb_cls = ("allstop", "Debugger")
