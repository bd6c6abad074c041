"""Engine event scripts on real threads, for every backend (CPython's test_bdb style).

Each test runs a scenario in a fresh interpreter: the engine is process-wide and a bug shows up
as a hang, which the subprocess timeout turns into a failure.
"""

from __future__ import annotations

import textwrap

import pytest

from tests.support.run import facts, run_python

pytestmark = pytest.mark.e2e

PRELUDE = """
import queue, sys, threading, time
from tests.support.scenario import *
from allstop._stops import Resume, ResumeHow, StepKind, StepRequest
"""


def scenario(
    body: str, backend: str, timeout: float = 30, prelude: str = PRELUDE
) -> dict[str, object]:
    return facts(run_python(prelude + textwrap.dedent(body), backend=backend, timeout=timeout))


def test_breakpoint_freezes_every_other_thread_until_continue(backend: str) -> None:
    found = scenario(
        """
        engine = new_engine()
        counters = Counters(4)

        def target():
            return 1  # bp

        def at_stop(stop):
            emit(
                frozen=still_for(counters),
                parked=len(set(engine.parked_frames()) - {stop.ident}),
                line=stop.frame.f_lineno,
                states=states(engine, stop),
            )

        Script(engine, at_stop)
        bp_line = break_at(engine, target, "# bp")
        target()
        emit(bp_line=bp_line, moves_again=counters.moves_again())
        """,
        backend,
    )
    assert found["frozen"] is True
    assert found["parked"] == 4
    assert found["line"] == found["bp_line"]
    assert found["moves_again"] is True
    assert found["states"] == {
        "MainThread": "stopped",
        **{f"worker-{i}": "frozen" for i in range(4)},
    }


def test_thread_started_before_import_freezes(backend: str) -> None:
    found = scenario(
        """
        counts = [0]
        done = threading.Event()
        assert "allstop" not in sys.modules

        def count():
            while not done.is_set():
                counts[0] += 1

        early = threading.Thread(target=count, name="early", daemon=True)
        early.start()
        from tests.support.scenario import *

        engine = new_engine()

        def at_stop(stop):
            before = counts[0]
            time.sleep(0.2)  # a measurement interval: the early thread must not count
            emit(still=counts[0] == before, state=states(engine, stop)["early"])

        Script(engine, at_stop)

        def target():
            return 1  # bp

        break_at(engine, target, "# bp")
        target()
        after = counts[0]
        emit(moved=wait_until(lambda: counts[0] > after + 1000))
        """,
        backend,
        prelude="import sys, threading, time\n",
    )
    assert found == {"still": True, "state": "frozen", "moved": True}


def test_thread_blocked_in_queue_get_parks_when_it_returns(backend: str) -> None:
    found = scenario(
        """
        engine = new_engine()
        q = queue.Queue()
        got = []
        processed = threading.Event()

        def consume():
            item = q.get()
            got.append(item)
            processed.set()

        consumer = threading.Thread(target=consume, name="consumer", daemon=True)
        consumer.start()
        assert wait_until(lambda: blocked_in_c(consumer))

        def at_stop(stop):
            before = states(engine, stop)["consumer"]
            q.put("item")  # wakes the consumer while the world is frozen
            time.sleep(0.2)  # a measurement interval: the consumer must run no Python code
            emit(
                before=before,
                ran=bool(got),
                parked=wait_until(lambda: consumer.ident in engine.parked_frames()),
                after=states(engine, stop)["consumer"],
            )

        Script(engine, at_stop)

        def target():
            return 1  # bp

        break_at(engine, target, "# bp")
        target()
        emit(processed=processed.wait(5), got=got)
        """,
        backend,
    )
    assert found == {
        "before": "blocked",
        "ran": False,
        "parked": True,
        "after": "frozen",
        "processed": True,
        "got": ["item"],
    }


def test_thread_started_while_frozen_parks_before_its_target(backend: str) -> None:
    found = scenario(
        """
        engine = new_engine()
        ran = threading.Event()
        late = threading.Thread(target=ran.set, name="late", daemon=True)

        def at_stop(stop):
            late.start()  # returns: thread start-up code may run while frozen
            parked = wait_until(lambda: late.ident in engine.parked_frames())
            time.sleep(0.1)  # a measurement interval: the target must not run
            emit(parked=parked, ran=ran.is_set(), state=states(engine, stop)["late"])

        Script(engine, at_stop)

        def target():
            return 1  # bp

        break_at(engine, target, "# bp")
        target()
        emit(ran_after=ran.wait(5))
        """,
        backend,
    )
    assert found == {"parked": True, "ran": False, "state": "new", "ran_after": True}


def test_two_threads_at_a_breakpoint_are_presented_one_after_the_other(backend: str) -> None:
    found = scenario(
        """
        engine = new_engine()
        sync = meeting(2)  # the condition: both threads will stop

        def target():
            return 1  # bp

        seen = []

        def at_stop(stop):
            if not seen:  # the other thread is still reporting its stop: wait for it
                wait_until(lambda: len(engine.pending_stops()) == 1)
            seen.append((stopped_name(stop), states(engine, stop)))

        Script(engine, at_stop, at_stop)
        break_at(engine, target, "# bp", condition="sync()")
        threads = [threading.Thread(target=target, name=f"t{i}") for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        emit(seen=seen, alive=[t.is_alive() for t in threads])
        """,
        backend,
    )
    seen = found["seen"]
    assert isinstance(seen, list)
    assert found["alive"] == [False, False]
    (first, first_states), (second, second_states) = seen
    assert {first, second} == {"t0", "t1"}
    assert first_states[first] == "stopped"
    assert first_states[second] == "breakpoint"
    assert second_states[second] == "stopped"
    assert second_states[first] == "frozen"


@pytest.mark.parametrize("takes", [True, False])
def test_a_hand_over_gives_the_peer_the_stops_waiting_too(backend: str, takes: bool) -> None:
    found = scenario(
        f"""
        engine = new_engine()
        peer = FakePeer(engine, takes={takes})
        sync = meeting(2)  # the condition: both threads will stop

        def target():
            return 1  # bp

        shown = []

        def hand_over(stop):
            wait_until(lambda: len(engine.pending_stops()) == 1)
            shown.append(stopped_name(stop))
            return Resume(ResumeHow.HAND_OVER)

        def at_stop(stop):
            shown.append(stopped_name(stop))

        Script(engine, hand_over, at_stop)
        line = break_at(engine, target, "# bp", condition="sync()")
        threads = [threading.Thread(target=target, name=f"t{{i}}") for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        emit(
            line=line,
            shown=shown,
            given=sorted(peer.stops),
            handed_over=engine.handed_over,
            alive=[t.is_alive() for t in threads],
        )
        """,
        backend,
    )
    assert found["alive"] == [False, False]
    shown, given, line = found["shown"], found["given"], found["line"]
    assert isinstance(shown, list)
    assert found["handed_over"] is takes
    if takes:
        # The stop shown moves to the peer, and so does the one still waiting.
        assert len(shown) == 1
        assert given == [["t0", line, "breakpoint"], ["t1", line, "breakpoint"]]
    else:
        # The peer could not take the interpreter: the waiting stop is shown here next.
        assert sorted(shown) == ["t0", "t1"]
        assert given == [[shown[0], line, "breakpoint"]]


def test_breakpoints_stop_here_again_once_the_peer_gives_the_interpreter_back(
    backend: str,
) -> None:
    found = scenario(
        """
        engine = new_engine()
        FakePeer(engine)

        def target():
            return 1  # bp

        shown = []

        def hand_over(stop):
            shown.append("handed over")
            return Resume(ResumeHow.HAND_OVER)

        def again(stop):
            shown.append(stop.frame.f_lineno)

        Script(engine, hand_over, again)
        line = break_at(engine, target, "# bp")
        target()
        handed = engine.handed_over
        engine.peer = None  # the editor detaches
        engine.take_back()
        target()
        emit(line=line, shown=shown, handed=handed)
        """,
        backend,
    )
    assert found["handed"] is True
    assert found["shown"] == ["handed over", found["line"]]


def test_a_step_under_way_finishes_before_the_peer_takes_the_interpreter(backend: str) -> None:
    found = scenario(
        """
        engine = new_engine()
        peer = FakePeer(engine)

        def target():
            x = 1  # bp
            return x

        def next_line(stop):
            # The other threads run during the step: the world has resumed.
            step = StepRequest(StepKind.NEXT, stop.frame)
            return Resume(ResumeHow.STEP, step, scheduler_locking=False)

        def stepped(stop):
            emit(line=stop.frame.f_lineno, handed_over_at_step=engine.handed_over)
            return Resume(ResumeHow.HAND_OVER)

        Script(engine, next_line, stepped)
        line = break_at(engine, target, "# bp")
        target()
        emit(bp_line=line, given=peer.stops, handed_over=engine.handed_over)
        """,
        backend,
    )
    assert found["line"] == found["bp_line"] + 1  # type: ignore[operator]
    assert found["handed_over_at_step"] is False
    assert found["handed_over"] is True
    assert found["given"] == [["MainThread", found["line"], "step"]]


@pytest.mark.parametrize("locking", [True, False])
def test_scheduler_locking_decides_whether_others_run_during_a_step(
    backend: str, locking: bool
) -> None:
    found = scenario(
        f"""
        engine = new_engine()
        counters = Counters(2)

        def target():
            x = 1  # bp
            moved = counters.progressed[0].wait(1.0)
            return moved

        def next_line(stop):
            return Resume(
                ResumeHow.STEP,
                StepRequest(StepKind.NEXT, stop.frame),
                scheduler_locking={locking},
            )

        def first(stop):
            # Nothing here may take a lock a frozen worker could hold (such as the Events'):
            # the goals are plain list items the workers only read.
            for i, value in enumerate(counters.snapshot()):
                counters.goal[i] = value + 100
            return next_line(stop)

        def second(stop):
            emit(line=stop.frame.f_lineno)
            return next_line(stop)

        def third(stop):
            emit(moved=stop.frame.f_locals["moved"])

        Script(engine, first, second, third)
        bp = break_at(engine, target, "# bp")
        target()
        emit(bp=bp)
        """,
        backend,
    )
    assert found["line"] == found["bp"] + 1
    assert found["moved"] is (not locking)


def test_next_and_step_follow_pdb(backend: str) -> None:
    found = scenario(
        """
        engine = new_engine()
        events = []

        def inner(a):
            b = a + 1
            return b

        def target():
            x = 1  # bp
            y = inner(x)
            return y

        def record(kind, **extra):
            def step(stop):
                events.append((stop.reason.value, stop.frame.f_code.co_name, stop.frame.f_lineno))
                if kind is None:
                    return None
                frame = None if kind is StepKind.STEP else stop.frame
                return Resume(ResumeHow.STEP, StepRequest(kind, frame, **extra))
            return step

        Script(
            engine,
            record(StepKind.NEXT),  # at x = 1
            record(StepKind.STEP),  # at y = inner(x): step in
            record(StepKind.STEP),  # --Call-- inner
            record(StepKind.RETURN),  # at b = a + 1: return
            record(StepKind.NEXT),  # --Return-- inner: next goes back to target
            record(None),  # in target again
        )
        first = break_at(engine, target, "# bp")
        result = target()
        emit(events=events, first=first, inner=inner.__code__.co_firstlineno, result=result)
        """,
        backend,
    )
    first = found["first"]
    inner = found["inner"]
    assert isinstance(first, int)
    assert isinstance(inner, int)
    assert found["events"] == [
        ["breakpoint", "target", first],
        ["step", "target", first + 1],
        ["call", "inner", inner],
        ["step", "inner", inner + 1],
        ["return", "inner", inner + 2],
        ["step", "target", first + 2],
    ]
    assert found["result"] == 2


def test_function_breakpoint_stops_at_first_line_each_call(backend: str) -> None:
    found = scenario(
        """
        engine = new_engine()
        lines = []

        def work(n):
            total = n
            return total

        def record(stop):
            lines.append(stop.frame.f_lineno)

        Script(engine, record, record)
        engine.breakpoints.add(
            work.__code__.co_filename, work.__code__.co_firstlineno, funcname="work",
            code=work.__code__,
        )
        engine.breakpoints_changed()
        threading.Thread(target=work, args=(1,)).start()
        work(2)
        emit(lines=lines, first=work.__code__.co_firstlineno + 1)
        """,
        backend,
    )
    assert found["lines"] == [found["first"], found["first"]]


def test_code_compiled_again_from_the_same_source_stops_at_its_breakpoints(
    backend: str,
) -> None:
    """Two compilations of one source make equal code objects (a program run again, a module
    reloaded): each stops at the line breakpoint, and at the entry stop of its run."""
    found = scenario(
        """
        engine = new_engine()
        stops = []
        source = "x = 1\\ny = x + 1\\nz = y + 1\\n"
        filename = "/nowhere/again.py"

        def record(stop):
            stops.append((stop.reason.name, stop.frame.f_lineno))

        Script(engine, *[record] * 4)
        engine.breakpoints.add(filename, 3)
        engine.breakpoints_changed()
        for run in range(2):
            engine.stop_on_entry(filename)
            exec(compile(source, filename, "exec"), {})
        emit(stops=stops)
        """,
        backend,
    )
    assert found["stops"] == [["BREAKPOINT", 1], ["BREAKPOINT", 3]] * 2


def test_detach_removes_breakpoints_and_tracing(backend: str) -> None:
    found = scenario(
        """
        engine = new_engine()
        counters = Counters(2)

        def target():
            return 1  # bp

        Script(engine, lambda stop: Resume(ResumeHow.DETACH))
        break_at(engine, target, "# bp")
        target()
        target()  # no second stop: the script would report it
        emit(
            breakpoints=len(engine.breakpoints),
            trace=sys.gettrace() is None,
            moves=counters.moves_again(),
        )
        """,
        backend,
    )
    assert found == {"breakpoints": 0, "trace": True, "moves": True}


def test_an_error_in_the_stop_handler_resumes_the_world(backend: str) -> None:
    result = run_python(
        PRELUDE
        + textwrap.dedent(
            """
        engine = new_engine()
        counters = Counters(2)

        def target():
            return 1  # bp

        def broken(stop):
            raise RuntimeError("bug in the session")

        Script(engine, broken)
        break_at(engine, target, "# bp")
        target()
        emit(moves=counters.moves_again())
        """
        ),
        backend=backend,
    )
    assert '"moves": true' in result.stdout
    assert "bug in the session" in result.stdout
    assert result.status == 0


def test_a_thread_importing_never_parks_inside_the_import_machinery(backend: str) -> None:
    # Parked there, it may hold the global import lock: the debugger's next import (the
    # stop handler's here; the UI's, an expression's, debugpy's in real use) would hang.
    found = scenario(
        """
        import atexit, importlib, os, shutil, tempfile
        from allstop._frames import IMPORT_MACHINERY

        folder = tempfile.mkdtemp()
        atexit.register(shutil.rmtree, folder)
        for prefix in ("imported", "fresh"):
            for i in range(2000):
                with open(os.path.join(folder, f"{prefix}{i}.py"), "w") as f:
                    f.write("x = 1\\n")
        sys.path.insert(0, folder)
        engine = new_engine()
        done = threading.Event()

        def importer():
            for i in range(2000):
                importlib.import_module(f"imported{i}")
            done.set()

        inside, fresh = [], []

        def at_stop(stop):
            inside.extend(
                f.f_code.co_filename
                for f in engine.parked_frames().values()
                if f.f_code.co_filename in IMPORT_MACHINERY
            )
            fresh.append(importlib.import_module(f"fresh{len(fresh)}"))

        def target():
            return 1  # bp

        Script(engine, *[at_stop] * 300)
        break_at(engine, target, "# bp")
        worker = threading.Thread(target=importer, name="importer")
        worker.start()
        stops = 0
        while not done.is_set() and stops < 300:
            target()
            stops += 1
        worker.join(30)
        emit(stops=stops, inside=inside, fresh=len(fresh))
        """,
        backend,
        timeout=60,
    )
    assert found["inside"] == []
    assert found["fresh"] == found["stops"]
    assert found["stops"] > 50  # type: ignore[operator]


def test_the_debugger_own_threads_are_never_frozen(backend: str) -> None:
    found = scenario(
        """
        engine = new_engine()
        ticks = []
        tick = threading.Event()

        def own():
            while True:
                tick.wait()
                tick.clear()
                ticks.append(1)

        engine.spawn_exempt(own)

        def at_stop(stop):
            tick.set()
            emit(ran=wait_until(lambda: bool(ticks)), names=sorted(states(engine, stop)))

        Script(engine, at_stop)

        def target():
            return 1  # bp

        break_at(engine, target, "# bp")
        target()
        """,
        backend,
    )
    assert found == {"ran": True, "names": ["MainThread"]}
