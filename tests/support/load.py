"""The load scenario (issue 12): producer and consumer threads pass numbered items through
bounded queues while a driver thread stops the world over and over, at random moments.

One program for two users, each running it in a fresh interpreter (the engine is
process-wide): tests/test_load.py runs a few hundred cycles on every backend, scripts/soak
runs it for 100,000 and prints the ``summary``.

    python -m tests.support.load [--cycles N] [--step-every K] [--seed S] [--summary]

How a cycle stops the world.  The driver stops as the program's own stops come, in turn at
random: at a breakpoint in its loop (the backend's line event, then ``report_stop``), or as the
pause signal's handler does (``Engine.stop_now`` with the driver's frame).  Either goes the
whole way: the driver presents, freezes the world (every other thread parks at its next
checkpoint, or is blocked in C and parks when it returns), the handler runs on a thread of
allstop's own, and its ``CONTINUE`` thaws the world.  Nothing is made cheaper for the test:
the workers do real queue traffic, many of them blocked in ``put`` or ``get`` at each freeze,
and the next freeze comes after a random number of items (none at all: at once, while the
threads just woken still leave their parks).

What each stop checks, reading plain lists only (no lock a frozen thread may hold):

- every worker is parked, or stands at a call out of Python (blocked in C);
- no worker's counter moves during a real wait (``hold``): a worker that kept running while
  frozen would count meanwhile;
- every ``step_every``-th stop, one parked worker steps alone (``step``, to its next event)
  with scheduler-locking, and at its stop no other worker has moved since the driver's stop.
  Only a worker that surely reaches its next event alone steps (see ``steppable``).

At the end, every item produced was consumed exactly once (no loss, no duplicate), the totals
agree and every thread finished; the handler saw no internal error and no stop it did not
expect.  A watchdog of allstop's own (never frozen) turns a run that stops moving into a
``hang`` fact with every thread's stack on stderr, and ends the process; ``faulthandler``
does the same should the interpreter itself stop (the watchdog could not run then).
"""

from __future__ import annotations

import argparse
import dis
import faulthandler
import os
import queue
import random
import sys
import threading
import time
import traceback
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from types import CodeType, FrameType
from typing import Any

from allstop._engine import Engine
from allstop._frames import _CALL_OPS as CALL_OPS
from allstop._frames import in_c_call
from allstop._model import StopEvent, StopReason
from allstop._stops import CONTINUE, Resume, ResumeHow, StepKind, StepRequest, World
from tests.support.scenario import break_at, emit, new_engine, wait_until

PRODUCERS = 16
CONSUMERS = 16
QUEUES = 4
QUEUE_SIZE = 4
"""Small: producers block in ``put`` as often as consumers in ``get``."""
STOP = -1
"""The item that ends a consumer (the only negative one)."""
MAX_GAP = 48
"""The most items that pass between two freezes (a random number below it, 0 included)."""
STALL = 10.0
"""Seconds without one item passing, while the driver waits for traffic: a stall."""
SETTLE = 5.0
"""Seconds a worker that comes back from C while the world is frozen has to park."""
HOLD = 0.0002
"""Seconds each stop watches the counters (a frozen world must not move meanwhile)."""
JOIN = 10.0
"""Seconds the threads are given to meet at the start, and to finish at the end."""
EXAMPLES = 5
"""How many examples of each kind of failure the facts keep."""


def calls_left_on_line(code: CodeType, offset: int) -> bool:
    """Whether the instructions of ``code`` from ``offset`` on to the next line may call out."""
    starts = {start for start, _ in dis.findlinestarts(code)}
    for instruction in dis.get_instructions(code):
        if instruction.offset < offset:
            continue
        if instruction.offset > offset and instruction.offset in starts:
            return False
        if instruction.opcode in CALL_OPS:
            return True
    return False


class Load:
    """The threads of the scenario, the stop handler that checks the frozen world, and the
    facts it gathers."""

    def __init__(self, engine: Engine, cycles: int, *, step_every: int, seed: int) -> None:
        self.engine = engine
        self.cycles = cycles
        self.step_every = step_every
        self.driver_random = random.Random(seed)
        self.handler_random = random.Random(seed + 1)
        self.queues: list[queue.Queue[int]] = [queue.Queue(QUEUE_SIZE) for _ in range(QUEUES)]
        self.progress = [0] * (PRODUCERS + CONSUMERS)
        """One counter per worker (producers, then consumers), written by its thread only."""
        self.produced = [0] * PRODUCERS
        self.consumed = [array("I") for _ in range(CONSUMERS)]
        """What each consumer got, 4 bytes an item: a soak passes tens of millions."""
        self.done = threading.Event()
        self.started = threading.Barrier(PRODUCERS + CONSUMERS + 1)
        self.workers = [
            threading.Thread(target=self.produce, args=(i,), name=f"producer-{i}", daemon=True)
            for i in range(PRODUCERS)
        ] + [
            threading.Thread(target=self.consume, args=(i,), name=f"consumer-{i}", daemon=True)
            for i in range(CONSUMERS)
        ]
        self.driver = threading.Thread(target=self.drive, name="driver", daemon=True)
        self.worker_code: set[CodeType] = {self.produce.__code__, self.consume.__code__}
        self.calls_nothing: dict[tuple[CodeType, int], bool] = {}
        """Places where a thread can park (its code and offset): nothing left to call on the
        line (``steppable``, where ``dis`` is slow)."""
        # What the handler and the driver find (plain counters: only one of them runs at a
        # time, the other is stopped).
        self.cycles_done = 0
        self.stops: Counter[str] = Counter()
        self.step_stops: Counter[str] = Counter()
        self.steps_skipped = 0
        self.stepping: int | None = None
        self.before_step: list[int] = []
        self.not_frozen = 0
        self.loose: list[str] = []
        """Workers that stayed neither parked nor blocked in C while the world was frozen."""
        self.moved: list[str] = []
        """Workers whose counter moved while they were frozen."""
        self.stalls = 0
        self.internal_errors: list[str] = []
        self.unexpected: list[str] = []
        self.interrupts = 0
        self.finished = False

    # -- the program -----------------------------------------------------------------------
    # Every line of produce and consume reaches a Python call (or its next line) before any
    # call that may block: a worker parked here can always take a locked step (``steppable``).
    def produce(self, index: int) -> None:
        """Put items ``k * PRODUCERS + index`` (k = 0, 1, ...) until the driver is done."""
        put, progress, done = self.queues[index % QUEUES].put, self.progress, self.done
        made = 0
        self.started.wait(JOIN)
        while not done.is_set():
            put(made * PRODUCERS + index)
            made += 1
            progress[index] = made
        self.produced[index] = made

    def consume(self, index: int) -> None:
        """Get items until ``STOP``, keeping each one."""
        get, progress, got = self.queues[index % QUEUES].get, self.progress, self.consumed[index]
        slot = PRODUCERS + index
        self.started.wait(JOIN)
        while True:
            item = get()
            if item == STOP:
                return
            got.append(item)
            progress[slot] += 1

    def drive(self) -> None:
        """Stop the world ``cycles`` times, each after a random number of items passed."""
        rng, stop_now = self.driver_random, self.engine.stop_now
        self.started.wait(JOIN)
        for cycle in range(self.cycles):
            self.await_traffic(rng.randrange(MAX_GAP))
            if rng.random() < 0.5:
                self.at_breakpoint()
            else:
                stop_now(sys._getframe(), StopReason.PAUSE)
            self.cycles_done = cycle + 1

    def at_breakpoint(self) -> None:
        return None  # the breakpoint: the driver stops here

    def await_traffic(self, items: int) -> None:
        """Return once ``items`` more items moved (a put or a get), or count a stall."""
        progress = self.progress
        goal = sum(progress) + items
        deadline = time.monotonic() + STALL
        while sum(progress) < goal:
            if time.monotonic() > deadline:
                self.stalls += 1
                return
            time.sleep(0.0001)  # a polling interval: no event tells an item moved

    # -- the stop handler ------------------------------------------------------------------
    def on_stop(self, stop: StopEvent) -> Resume:
        if self.stepping is not None and stop.ident == self.stepping:
            return self.at_step_stop(stop)
        if self.stepping is None and stop.ident == self.driver.ident:
            return self.at_driver_stop(stop)
        self.unexpected.append(f"{stop.reason.value} in {stop.frame.f_code.co_name}")
        return CONTINUE

    def on_internal_error(self, exc: BaseException) -> None:
        self.internal_errors.append("".join(traceback.format_exception(exc)))

    def on_interrupt(self) -> None:
        self.interrupts += 1

    def at_driver_stop(self, stop: StopEvent) -> Resume:
        """Check the world is frozen; every ``step_every``-th time, step one worker alone."""
        self.stops[stop.reason.value] += 1
        before = list(self.progress)
        parked = self.check_frozen(before, runner=None)
        if not self.step_every or sum(self.stops.values()) % self.step_every:
            return CONTINUE
        candidates = sorted(parked)
        self.handler_random.shuffle(candidates)
        self.stepping = next((i for i in candidates if self.steppable(parked[i])), None)
        if self.stepping is None:
            self.steps_skipped += 1
            return CONTINUE
        self.before_step = before
        step = StepRequest(StepKind.STEP)
        return Resume(ResumeHow.STEP, step, thread=self.stepping, scheduler_locking=True)

    def steppable(self, frame: FrameType) -> bool:
        """Whether a worker parked at ``frame`` surely reaches its next event alone (a locked
        step into ``lock.acquire()`` would wait forever for a frozen thread, as in gdb): it
        stands in code where every call that may block is one Python call away (ours,
        ``queue``'s), or nothing is left to call on its line (it parked on its way back
        from a C call: the usual place of a worker woken in ``threading``'s code)."""
        code = frame.f_code
        if code in self.worker_code or code.co_filename == queue.__file__:
            return True
        where = (code, frame.f_lasti)
        known = self.calls_nothing.get(where)
        if known is None:
            known = self.calls_nothing[where] = not calls_left_on_line(code, frame.f_lasti)
        return known

    def at_step_stop(self, stop: StopEvent) -> Resume:
        """The stepping worker moved one event on, alone: nobody else moved since."""
        self.step_stops[stop.reason.value] += 1
        self.stepping = None
        self.check_frozen(self.before_step, runner=stop.ident)
        return CONTINUE

    def check_frozen(self, before: list[int], runner: int | None) -> dict[int, FrameType]:
        """Check the world is frozen: every worker but the ``runner`` gets parked or stays
        blocked in C, and no counter moved from ``before`` (the runner's by one at most)
        during a real wait.  Return the parked frames."""
        if self.engine.world is not World.FROZEN:
            self.not_frozen += 1
        # A worker blocked in C that was woken just before the freeze comes back meanwhile
        # and parks before it runs any code of its own: wait until nothing is on its way.
        if not wait_until(lambda: not self.unsettled(runner), timeout=SETTLE):
            self.loose += self.unsettled(runner)
        time.sleep(HOLD)  # a measurement interval: a worker that was not frozen runs meanwhile
        for slot, (was, now) in enumerate(zip(before, self.progress, strict=True)):
            stepping = self.workers[slot].ident == runner
            if not 0 <= now - was <= stepping:
                name = self.workers[slot].name
                self.moved.append(f"{name}: {was} -> {now}" + (" (stepping)" if stepping else ""))
        return self.engine.parked_frames()

    def unsettled(self, runner: int | None) -> list[str]:
        """The workers (but the ``runner``) neither parked nor at a call out of Python."""
        parked = self.engine.parked_frames()
        frames = sys._current_frames()
        loose = []
        for worker in self.workers:
            frame = frames.get(worker.ident)  # type: ignore[arg-type]
            if worker.ident in parked or worker.ident == runner or frame is None:
                continue
            if not in_c_call(frame):
                loose.append(f"{worker.name} at {frame.f_code.co_name}:{frame.f_lineno}")
        return loose

    # -- running it ------------------------------------------------------------------------
    def run(self, hang_after: float, report: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        """Run every thread to its end; the facts.  A hang ``report``s its facts and ends the
        process."""
        self.engine.handler = self
        break_at(self.engine, self.at_breakpoint, "# the breakpoint")
        self.engine.spawn_exempt(lambda: self.watch(hang_after, report))
        started = time.monotonic()
        for thread in [*self.workers, self.driver]:
            thread.start()
        self.driver.join()  # bounded by the watchdog
        elapsed = time.monotonic() - started
        self.done.set()
        producers, consumers = self.workers[:PRODUCERS], self.workers[PRODUCERS:]
        for thread in producers:
            thread.join(JOIN)
        for index in range(CONSUMERS):
            self.queues[index % QUEUES].put(STOP, timeout=JOIN)
        for thread in consumers:
            thread.join(JOIN)
        self.finished = True
        return {
            **self.where(),
            "elapsed": round(elapsed, 3),
            "stops": dict(self.stops),
            "step_stops": dict(self.step_stops),
            "steps_skipped": self.steps_skipped,
            "not_frozen": self.not_frozen,
            "loose": self.loose[:EXAMPLES],
            "loose_count": len(self.loose),
            "moved": self.moved[:EXAMPLES],
            "moved_count": len(self.moved),
            "stalls": self.stalls,
            "alive": [t.name for t in [*self.workers, self.driver] if t.is_alive()],
            "internal_errors": self.internal_errors[:EXAMPLES],
            "unexpected": self.unexpected[:EXAMPLES],
            "interrupts": self.interrupts,
            **self.tally(),
        }

    def tally(self) -> dict[str, int]:
        """Items produced and consumed: lost, duplicated, unknown (never produced), sums."""
        produced = self.produced
        counts = bytearray(max(produced) * PRODUCERS)  # times each item came (up to 255)
        consumed = sum(len(got) for got in self.consumed)
        unknown = 0
        for got in self.consumed:
            for item in got:
                try:
                    counts[item] += 1
                except IndexError:
                    unknown += 1
                except ValueError:  # already 255 times
                    pass
        lost = 0
        for p, made in enumerate(produced):
            mine = counts[p::PRODUCERS]
            lost += mine[:made].count(0)
            unknown += sum(mine[made:])  # numbers beyond what the producer made
        total = sum(produced)
        return {
            "produced": total,
            "consumed": consumed,
            "lost": lost,
            "duplicates": consumed - unknown - (total - lost),
            "unknown": unknown,
            "sum_produced": sum(
                PRODUCERS * made * (made - 1) // 2 + p * made for p, made in enumerate(produced)
            ),
            "sum_consumed": sum(sum(got) for got in self.consumed),
        }

    def where(self) -> dict[str, Any]:
        return {
            "python": ".".join(map(str, sys.version_info[:3])),
            "backend": self.engine.backend.name,
            "cycles": self.cycles,
            "cycles_done": self.cycles_done,
        }

    def watch(self, hang_after: float, report: Callable[[dict[str, Any]], None]) -> None:
        """The watchdog, on a thread of allstop's own: nothing moved (no cycle, no item) for
        ``hang_after`` seconds is a hang: say so, show every stack, end the process."""
        last, since = None, time.monotonic()
        while not self.finished:
            # The interpreter itself may stop (a thread that never lets the GIL go): then
            # faulthandler, which needs no GIL, shows the stacks and ends the process.
            faulthandler.dump_traceback_later(hang_after + 5, exit=True)
            now = (self.cycles_done, sum(self.progress))
            if now != last:
                last, since = now, time.monotonic()
            elif time.monotonic() - since > hang_after:
                report({**self.where(), "hang": f"nothing moved for {hang_after:.0f} s"})
                faulthandler.dump_traceback(all_threads=True)
                os._exit(3)
            time.sleep(0.5)  # a polling interval: a hang is what announces nothing
        faulthandler.cancel_dump_traceback_later()


MUST_BE_NONE = (
    *("lost", "duplicates", "unknown", "not_frozen", "stalls", "interrupts"),
    *("alive", "internal_errors", "unexpected"),
)
"""The facts of a clean run that are all 0 or empty (but ``loose`` and ``moved``, which keep
a few examples beside their counts)."""


def problems(found: dict[str, Any]) -> list[str]:
    """What went wrong in a run, from its facts (nothing: a clean run)."""
    if "hang" in found:
        return [f"hang after {found['cycles_done']} cycles: {found['hang']}"]
    wrong = [f"{name}: {found[name]}" for name in MUST_BE_NONE if found[name]]
    wrong += [
        f"{name}: {found[name + '_count']}, such as {found[name]}"
        for name in ("loose", "moved")
        if found[name + "_count"]
    ]
    if found["cycles_done"] != found["cycles"]:
        wrong.append(f"{found['cycles_done']} cycles of {found['cycles']}")
    for made, used in ("produced", "consumed"), ("sum_produced", "sum_consumed"):
        if found[made] != found[used]:
            wrong.append(f"{made} {found[made]} but {used} {found[used]}")
    return wrong


def summary(found: dict[str, Any]) -> str:
    """One line for a person: what ran, how fast, and what went wrong."""
    where = f"Python {found['python']} {found['backend']:10}"
    if "hang" in found:
        return f"{where} HANG after {found['cycles_done']} cycles ({found['hang']})"
    elapsed, cycles = found["elapsed"], found["cycles_done"]
    return (
        f"{where} {cycles} cycles ({sum(found['step_stops'].values())} with a locked step), "
        f"{found['produced']} items passed, {found['lost']} lost, "
        f"{found['duplicates']} duplicates, {found['stalls'] + len(found['alive'])} hangs, "
        f"{found['moved_count'] + found['loose_count']} ran while frozen, "
        f"{len(found['internal_errors'])} internal errors, "
        f"{elapsed:.1f} s, {cycles / elapsed if elapsed else 0:.0f} cycles/s"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Run the scenario once: print its facts as JSON (for a test, which judges them), or
    with ``--summary`` one line for a person and the status (1: something went wrong).  A
    hang ends the process with status 3."""
    parser = argparse.ArgumentParser(prog="python -m tests.support.load", description=__doc__)
    parser.add_argument("--cycles", type=int, default=1000, help="freezes of the world")
    parser.add_argument(
        "--step-every", type=int, default=0, help="step a worker alone every K-th stop (0: never)"
    )
    parser.add_argument("--seed", type=int, default=None, help="of the random moments")
    parser.add_argument("--hang-after", type=float, default=30.0, help="seconds with no move")
    parser.add_argument(
        "--summary", action="store_true", help="print one line for a person, not JSON facts"
    )
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(2**32)

    def report(found: dict[str, Any]) -> None:
        found = {"seed": seed, **found}
        if not args.summary:
            emit(**found)
            return
        print(summary(found), flush=True)
        for line in [] if "hang" in found else problems(found):
            print(f"    {line}", flush=True)

    load = Load(new_engine(), args.cycles, step_every=args.step_every, seed=seed)
    found = load.run(args.hang_after, report)
    report(found)
    if args.summary and problems(found):
        sys.exit(1)


if __name__ == "__main__":
    main()
