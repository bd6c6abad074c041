"""What a front end's prompt_toolkit application must not change in the program.

Design note: while a prompt_toolkit application runs, prompt_toolkit sends ``breakpoint()``
to pdb through a hook of its own, whatever ``PYTHONBREAKPOINT`` says, when the program left
Python's hook in place.  The front ends run theirs while a stop is shown, when a thread may
still call ``breakpoint()`` (code typed at the prompt, a thread let run by ``thaw``): they
hold a hook of their own meanwhile, which is Python's, so prompt_toolkit leaves it alone.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager


def _pythons_hook(*args: object, **kwargs: object) -> object:
    """Python's own ``breakpoint()`` hook (it reads ``PYTHONBREAKPOINT``), under another name."""
    return sys.__breakpointhook__(*args, **kwargs)


@contextmanager
def python_breakpoint_hook() -> Iterator[None]:
    """Keep Python's ``breakpoint()`` hook in force while a prompt_toolkit application runs."""
    if sys.breakpointhook is not sys.__breakpointhook__:
        yield
        return
    sys.breakpointhook = _pythons_hook
    try:
        yield
    finally:
        if sys.breakpointhook is _pythons_hook:
            sys.breakpointhook = sys.__breakpointhook__
