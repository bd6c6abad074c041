from __future__ import annotations

import pytest

from tests.support.run import BACKENDS


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Every backend this Python has: both on 3.12+, settrace before."""
    return str(request.param)
