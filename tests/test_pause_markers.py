"""The pause markers' folder is swept of the markers of processes that have ended."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from allstop import _pause

pytestmark = pytest.mark.unit

NO_SUCH_PID = 2**22 + 1
"""Past the largest pid Linux hands out (PID_MAX_LIMIT)."""


def test_the_markers_of_ended_processes_are_removed_and_the_live_ones_kept(
    tmp_path: Path,
) -> None:
    (tmp_path / str(NO_SUCH_PID)).write_text("10 1 HANDLED")
    (tmp_path / str(os.getpid())).write_text("10 1 HANDLED")
    (tmp_path / "notes.txt").write_text("not a marker")
    _pause._sweep(str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([str(os.getpid()), "notes.txt"])
