"""In a Jupyter kernel: ``allstop.breakpoint()`` in a cell freezes the threads the cell
started, the session talks through the notebook's output and input box, and the cell finishes
after ``continue`` (the kernel's own threads, which carry output and input, are never
frozen).  A real kernel, driven by jupyter_client over loopback as a notebook drives it."""

from __future__ import annotations

import queue
import re
import time
from typing import Any

import pytest

from tests.support.run import env_for

pytestmark = pytest.mark.e2e

manager = pytest.importorskip("jupyter_client.manager")
pytest.importorskip("ipykernel")

CELL = """
import threading, time
import allstop
counter = {"ticks": 0}

def count():
    while True:
        counter["ticks"] += 1
        time.sleep(0.001)  # the counter's pace, not synchronisation

threading.Thread(target=count, name="counter", daemon=True).start()
time.sleep(0.1)  # not synchronisation: the counter has counted, and would go on, by the stop
allstop.breakpoint()
print("cell done")
"""
ANSWERS = ['p counter["ticks"]', 'p counter["ticks"]', "threads", "c"]


def run_cell(kernel: Any, code: str, answers: list[str], timeout: float = 30) -> list[str]:
    """What the cell printed (one entry per stream message), answering each input request
    (the session's prompt) with the next answer; fails when the cell does not finish within
    ``timeout``."""
    msg_id = kernel.execute(code, allow_stdin=True)
    printed: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            request = kernel.get_stdin_msg(timeout=0.1)
        except queue.Empty:
            pass
        else:
            assert request["content"]["prompt"] == "(allstop) "
            kernel.input(answers.pop(0) if answers else "c")
        while True:
            try:
                message = kernel.get_iopub_msg(timeout=0.05)
            except queue.Empty:
                break
            content = message["content"]
            if message["msg_type"] == "stream":
                printed.append(content["text"])
            elif message["msg_type"] == "error":
                printed.append(f"{content['ename']}: {content['evalue']}")
            elif (
                message["msg_type"] == "status"
                and content["execution_state"] == "idle"
                and message["parent_header"].get("msg_id") == msg_id
            ):
                return printed
    raise AssertionError(f"the cell did not finish in {timeout}s:\n{''.join(printed)}")


def test_a_cell_stops_every_thread_and_the_notebook_talks_to_the_session() -> None:
    env = env_for(None)
    env.pop("ALLSTOP_UI", None)
    kernel_manager, kernel = manager.start_new_kernel(env=env)
    try:
        printed = run_cell(kernel, CELL, list(ANSWERS))
    finally:
        kernel.stop_channels()
        kernel_manager.shutdown_kernel(now=True)
    text = "".join(printed)
    assert re.search(r"\[thread 1 MainThread\] stopped at (breakpoint\(\)|return); ", text), text
    values = [line for line in text.splitlines() if line.strip().isdigit()]
    assert len(values) == 2, text
    assert values[0] == values[1], f"a thread ran: {text}"
    assert re.search(r"\b\d+\s+counter\s+\d+\s+yes\s+(frozen|blocked)", text), text
    assert "IOPub" not in text, "the kernel's own threads are not the program's"
    assert text.rstrip().endswith("cell done"), text
