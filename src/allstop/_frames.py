"""Frame predicates and walks: where a thread stands, and whether it may park there.

Design note
-----------
Every question the engine, the backends, the snapshot and the waits ask of a bare frame lives
here, and nothing here imports another allstop module, so any of them may ask.  All of it reads
frames and code objects only: no lock is taken and no program code runs, so it is safe while
the world is frozen (a frozen thread may hold any lock of ``threading``'s).

What differs between versions: ``f_lasti`` is a byte offset on every version, and 3.11+ report
the call instruction itself while a frame waits in C; the CALL family of opcodes has other names
on each version (``PRECALL`` on 3.11 only), hence a set built from ``dis.opmap``.
"""

from __future__ import annotations

import _imp
import dis
import os
import threading
from collections.abc import Iterator
from types import CodeType, FrameType

OWN_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
"""allstop's own source folder (with a trailing separator)."""


def outward(frame: FrameType | None) -> Iterator[FrameType]:
    """``frame``, then its caller, and so on to the bottom of the stack."""
    while frame is not None:
        yield frame
        frame = frame.f_back


def own_file(filename: str) -> bool:
    """Whether ``filename`` is one of allstop's own source files: stepping never stops there
    and stacks never show it."""
    return filename.startswith(OWN_DIR)


def own_code(code: CodeType) -> bool:
    """Whether ``code`` is allstop's own."""
    return own_file(code.co_filename)


# Instructions at which a thread whose innermost frame stands there is (or may be) inside a C
# call: the CALL family of each version, with statements that call out without one.
_CALL_OPS = frozenset(
    op
    for name, op in dis.opmap.items()
    if name.startswith(("CALL", "PRECALL", "BEFORE_WITH", "SETUP_WITH", "BEFORE_ASYNC_WITH"))
    or name in {"IMPORT_NAME", "FOR_ITER", "SEND", "YIELD_VALUE", "GET_AWAITABLE"}
)


def in_c_call(frame: FrameType) -> bool:
    """Whether a thread whose innermost frame is ``frame`` stands at a call out of Python.

    Decided from where the frame is, not from how long it has not moved.  A thread that waits
    for the GIL right after such a call is taken for blocked too; it parks at its next
    checkpoint, which the backend keeps for blocked threads.
    """
    offset = frame.f_lasti
    code = frame.f_code.co_code
    if not 0 <= offset < len(code):
        return False
    return code[offset] in _CALL_OPS


_THREADING_FILE = threading.__file__
_RUN_CODE = threading.Thread.run.__code__

START_WRAPPERS: set[CodeType] = set()
"""Code that a peer debugger runs around every new thread's start (debugpy wraps
``_thread.start_new_thread``): part of the start-up, as ``threading``'s own."""


def in_thread_startup(frame: FrameType) -> bool:
    """Whether every frame of the stack is ``threading``'s own start-up code (``Thread.run``,
    where the target starts, excluded)."""
    return not any(
        f.f_code is _RUN_CODE
        or (f.f_code.co_filename != _THREADING_FILE and f.f_code not in START_WRAPPERS)
        for f in outward(frame)
    )


IMPORT_MACHINERY = frozenset(
    {"<frozen importlib._bootstrap>", "<frozen importlib._bootstrap_external>"}
)
"""The file names of importlib's own code.  A thread parked there, or in code importlib calls
while it holds the global import lock (a meta path finder's, say), would make the first
``import`` anywhere else, the debugger's own included, wait for it forever.  Such a thread
runs on and parks in the program's code (the body of the module it imports, or the caller)."""


def in_import_machinery(frame: FrameType) -> bool:
    """Whether a thread in ``frame`` must not park: it runs importlib's own code, or the
    global import lock is held and an import is under way in its stack (then it may be the
    holder)."""
    if frame.f_code.co_filename in IMPORT_MACHINERY:
        return True
    return _imp.lock_held() and inside_an_import(frame.f_back)


def inside_an_import(frame: FrameType | None) -> bool:
    """Whether a thread whose innermost frame is ``frame`` is inside an import (it may hold
    the module lock of what it imports)."""
    return any(f.f_code.co_filename in IMPORT_MACHINERY for f in outward(frame))


PYREPL = os.path.join(os.path.dirname(os.__file__), "_pyrepl") + os.sep
"""Where 3.13's REPL's own code is."""


def in_repl_machinery(frame: FrameType) -> bool:
    """Whether ``frame`` runs 3.13's REPL's own code (``_pyrepl``)."""
    return frame.f_code.co_filename.startswith(PYREPL)


def main_ident() -> int:
    """The main thread's ident, read without calling into ``threading`` (no locks taken, and
    no code of ``threading``'s run: a thread that steps would stop in it)."""
    main = getattr(threading, "_main_thread", None)
    ident = getattr(main, "_ident", None)
    return ident if isinstance(ident, int) else -1
