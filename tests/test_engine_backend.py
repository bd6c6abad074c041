"""The engine against a recording backend, in-process: what it asks of its backend, in order.

The wiring hands the engine its backend, so a test can hand it one that hooks nothing into the
interpreter and records each call.  Threads here block in C (joins, events), so a freeze settles
without anyone parking.
"""

from __future__ import annotations

import sys
import threading
from types import FrameType

import pytest

from allstop._backends import Backend, Host
from allstop._engine import Engine
from allstop._model import StopEvent, StopReason
from allstop._stops import CONTINUE, Resume, StepKind

pytestmark = pytest.mark.unit


class Recorder(Backend):
    name = "recorder"

    def __init__(self, engine: Host) -> None:
        super().__init__(engine)
        self.calls: list[str] = []

    def start(self) -> None:
        self.calls.append("start")

    def shutdown(self) -> None:
        self.calls.append("shutdown")

    def breakpoints_changed(self) -> None:
        self.calls.append("breakpoints_changed")

    def begin_freeze(self, me: int) -> None:
        self.calls.append("begin_freeze")

    def settle(self, blocked: dict[int, FrameType]) -> None:
        self.calls.append("settle")

    def thaw(self) -> None:
        self.calls.append("thaw")

    def arm_step(self, ident: int, frame: FrameType) -> None:
        self.calls.append(f"arm_step {self.engine.steps[ident].kind.value}")

    def step_done(self) -> None:
        self.calls.append("step_done")


class Handler:
    def __init__(self) -> None:
        self.stops: list[StopEvent] = []

    def on_stop(self, stop: StopEvent) -> Resume:
        self.stops.append(stop)
        return CONTINUE

    def on_internal_error(self, exc: BaseException) -> None:
        raise AssertionError("internal error") from exc

    def on_interrupt(self) -> None:
        raise AssertionError("no Ctrl-C here")


def new_engine() -> tuple[Engine, Recorder]:
    engine = Engine(Recorder)
    assert isinstance(engine.backend, Recorder)
    return engine, engine.backend


def test_start_hooks_in_once_and_a_table_change_rearms() -> None:
    engine, backend = new_engine()
    engine.start()
    engine.start()
    engine.breakpoints.add(__file__, 1)
    engine.breakpoints_changed()
    assert backend.calls == ["start", "breakpoints_changed"]


def test_breakpoint_call_arms_a_step_of_the_calling_thread() -> None:
    engine, backend = new_engine()
    engine.stop_soon(sys._getframe())
    assert engine.steps[threading.get_ident()].kind is StepKind.STEP
    engine.cancel_step()
    assert backend.calls == ["start", "arm_step step", "step_done"]
    assert not engine.steps


def test_a_stop_freezes_settles_shows_and_thaws_in_that_order() -> None:
    engine, backend = new_engine()
    handler = Handler()
    engine.handler = handler
    frames: list[FrameType] = []

    def stopper() -> None:
        frames.append(sys._getframe())
        engine.stop_now(sys._getframe(), StopReason.PAUSE)

    thread = threading.Thread(target=stopper)
    thread.start()
    thread.join(10)
    assert not thread.is_alive()
    assert [stop.frame for stop in handler.stops] == frames
    assert backend.calls == ["start", "begin_freeze", "settle", "thaw"]


def test_the_peer_is_refused_the_interpreter_while_a_step_is_under_way() -> None:
    engine, backend = new_engine()
    engine.start()
    engine.stop_soon(sys._getframe())
    assert not engine.hand_over()
    engine.cancel_step()
    assert engine.hand_over()
    assert backend.calls[-1] == "shutdown"
    assert not engine.active


def test_detach_drops_the_table_and_every_hook() -> None:
    engine, backend = new_engine()
    engine.breakpoints.add(__file__, 1)
    engine.breakpoints_changed()
    engine.detach()
    assert not engine.breakpoints
    assert backend.calls[-2:] == ["shutdown", "thaw"]
