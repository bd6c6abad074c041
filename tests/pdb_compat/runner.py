"""Run the running interpreter's ``test.test_pdb`` with allstop in pdb's place, one test at a
time, and say what happened to each as JSON lines on the file descriptor ``--report-fd``
(standard output belongs to the tests and to the debugger)::

    {"start": ID}
    {"end": ID, "outcome": "passed" | "failed" | "skipped", "detail": "..."}
    {"done": "all"}

    python -m tests.pdb_compat.runner --report-fd N [--after ID]

``--after ID`` skips the tests up to and including ``ID`` (the supervisor restarts the runner
after a test that hung).  Doctests are compared through ``NormalizingChecker``; the unittest
cases see normalized output through the patched ``subprocess.Popen`` and ``run_pty``.
"""

from __future__ import annotations

import argparse
import doctest
import io
import json
import os
import signal
import sys
import unittest
from collections.abc import Iterator
from typing import Any

from tests.pdb_compat import patch


class NormalizingChecker(doctest.OutputChecker):
    """doctest's checker, after the two normalizations of ``patch.normalize``."""

    def check_output(self, want: str, got: str, optionflags: int) -> bool:
        return super().check_output(want, patch.normalize(got), optionflags)

    def output_difference(self, example: doctest.Example, got: str, optionflags: int) -> str:
        return super().output_difference(example, patch.normalize(got), optionflags)


def _flat(suite: unittest.TestSuite) -> Iterator[unittest.TestCase]:
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            yield from _flat(test)
        else:
            yield test


def tests() -> list[unittest.TestCase]:
    """Every test of ``test.test_pdb``: its doctests, then its TestCase classes."""
    from test import test_pdb

    run_pty = getattr(test_pdb, "run_pty", None)
    if run_pty is not None:

        def normalized_run_pty(*args: Any, **kwargs: Any) -> bytes:
            return patch.normalize_bytes(run_pty(*args, **kwargs))

        test_pdb.run_pty = normalized_run_pty  # type: ignore[attr-defined]
    found = list(_flat(doctest.DocTestSuite(test_pdb, checker=NormalizingChecker())))
    loader = unittest.TestLoader()
    for value in vars(test_pdb).values():
        if isinstance(value, type) and issubclass(value, unittest.TestCase):
            found += _flat(loader.loadTestsFromTestCase(value))
    return found


def _outcome(result: unittest.TestResult) -> tuple[str, str]:
    if result.skipped:
        return "skipped", result.skipped[0][1]
    problems = result.failures + result.errors + result.unexpectedSuccesses  # type: ignore[operator]
    if problems or not result.wasSuccessful():
        detail = problems[0][1] if problems and isinstance(problems[0], tuple) else ""
        return "failed", detail[-8000:]
    return "passed", ""


def _forget_pending_step() -> None:
    """A test that ends with a stop still asked for (a set_trace() that pdb would have stopped
    at, and allstop not) must not stop the next test: pdb's own tests reset the trace function
    after each test (``PdbTestInput``); this is allstop's equivalent."""
    wiring = sys.modules.get("allstop._wiring")
    engine = getattr(wiring, "_engine", None)
    if engine is not None:
        engine.cancel_step()
        engine.cancel_entry_stop()


class _Reporter:
    def __init__(self, fd: int) -> None:
        self._fd = fd

    def say(self, **fields: str) -> None:
        data = (json.dumps(fields) + "\n").encode()
        while data:
            data = data[os.write(self._fd, data) :]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--after", default=None)
    parser.add_argument("--report-fd", type=int, required=True)
    args = parser.parse_args(argv)
    report = _Reporter(args.report_fd)
    # Ctrl-C as a terminal gives it (a run started in the background has it ignored), as
    # CPython's own test run has it: some tests look at pdb's SIGINT handling.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    patch.install()
    found = tests()
    ids = [test.id() for test in found]
    start = ids.index(args.after) + 1 if args.after in ids else 0
    for test in found[start:]:
        report.say(start=test.id())
        result = unittest.TestResult()
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = io.StringIO()  # what a failing test prints is noise here
        try:
            test.run(result)
        finally:
            sys.stdout, sys.stderr = saved
            _forget_pending_step()
        outcome, detail = _outcome(result)
        report.say(end=test.id(), outcome=outcome, detail=detail)
    report.say(done="all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
