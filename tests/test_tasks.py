"""asyncio tasks at a stop (issue 14): ``tasks``, ``tasks all``, ``task N``, ``waits`` and
stepping over ``await``, in line mode on real programs with two event loops."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

import pytest

from tests.support.run import BACKENDS, EXAMPLES, PROGRAMS, Result, line_of, run_allstop
from tests.support.terminal import AFTER, ENTER, Terminal

pytestmark = pytest.mark.e2e

TASKS = PROGRAMS / "asyncio_tasks.py"
DEADLOCK = PROGRAMS / "asyncio_deadlock.py"
PROMPT = "(allstop) "
COLUMNS = ("Id", "Name", "State", "Awaits", "Where")


def replies(result: Result) -> list[str]:
    """What followed each prompt: [0] is the first stop, [i] what command i printed."""
    return result.stdout.split(PROMPT)


def rows(table: str) -> dict[str, dict[str, str]]:
    """The rows of a ``tasks`` table by task name, each a dict of its columns (plus the loop's
    thread, ``Loop``, and ``Current`` when '*' marks it)."""
    found: dict[str, dict[str, str]] = {}
    starts: list[int] = []
    loop = ""
    for line in table.splitlines():
        if line.startswith(("Thread ", "Event loop")):
            loop = line
            continue
        if line.strip().startswith("Id "):
            starts = [line.index(column) for column in COLUMNS]
            continue
        if not starts or not line.strip() or line.startswith("        "):
            continue
        cells = [line[a:b].strip() for a, b in zip(starts, [*starts[1:], None], strict=True)]
        row = dict(zip(COLUMNS, cells, strict=True))
        row.update(Loop=loop, Current=str(line[2] == "*"))
        found[row["Name"]] = row
    return found


def test_tasks_lists_every_task_of_both_loops_with_its_state_and_what_it_awaits(
    backend: str,
) -> None:
    result = run_allstop(["run", str(TASKS)], ["tasks", "c", "tasks", "c"], backend=backend)
    out = replies(result)
    first, second = rows(out[1]), rows(out[3])
    # then the main loop's 50 tasks are under the main thread, the other loop's under its own
    assert 'Thread 1 "MainThread", event loop: 50 tasks' in out[1], out[1]
    assert re.search(r'Thread \d+ "other-loop", event loop: 3 tasks', out[1]), out[1]
    main = first["Task-1"]
    assert (main["State"], main["Current"]) == ("running", "False"), main
    assert re.fullmatch(r"tests/programs/asyncio_tasks\.py:\d+ in main", main["Where"]), main
    consumer = first["consumer-7"]
    assert (consumer["State"], consumer["Awaits"]) == ("waiting", "asyncio.Queue (size 0)")
    get = line_of(TASKS, "queue.get()")
    assert consumer["Where"] == f"tests/programs/asyncio_tasks.py:{get} in consume", consumer
    holder, waiter = first["holder"], first["lock-waiter"]
    assert (holder["State"], holder["Awaits"]) == ("waiting", "asyncio.Event"), holder
    assert waiter["Awaits"] == f"asyncio.Lock held by task {holder['Id']}", waiter
    assert re.fullmatch(r"to_thread work in thread \d+", first["offload"]["Awaits"]), first
    assert re.fullmatch(r"sleep \(359\d\.\ds left\)", first["sleeper"]["Awaits"]), first
    assert first["parent"]["Awaits"] == f"task {first['sleeper']['Id']}", first
    assert first["failing"]["State"] == "failed: ValueError", first
    assert first["cancelled"]["State"] == "cancelled", first
    assert first["producer-0"]["State"] == first["producer-1"]["State"] == "done", first
    assert first["ticker"]["Awaits"] == "asyncio.Event", first
    assert first["nap"]["Loop"] == first["ticker"]["Loop"] != main["Loop"], first
    # and at the plain worker's stop the numbers stay (the main task may not have suspended
    # yet: the worker it starts stops as soon as it can)
    assert second["consumer-7"]["Id"] == consumer["Id"], second
    assert second["consumer-7"]["State"] == "waiting", second
    assert "done" in out[-1], result.stdout
    assert result.status == 0, result.stderr


def test_tasks_all_shows_each_await_chain_innermost_first(backend: str) -> None:
    result = run_allstop(["run", str(TASKS)], ["tasks all", "c", "c"], backend=backend)
    table = replies(result)[1]
    lines = table.splitlines()
    row = next(i for i, line in enumerate(lines) if re.match(r"\s+\d+\s+lock-waiter\s", line))
    end = next(i for i in range(row + 1, len(lines)) if not lines[i].startswith("        "))
    chain = [line.strip() for line in lines[row + 1 : end]]
    # then under the row: asyncio's Lock.acquire (and __aenter__), then the program's frame
    assert re.fullmatch(r"locks\.py:\d+ in acquire", chain[0]), table
    assert all(line.startswith("locks.py:") for line in chain[1:-1]), table
    wait = line_of(TASKS, 'return "got the lock"') - 1
    assert chain[-1] == f"tests/programs/asyncio_tasks.py:{wait} in wait_for_lock", table
    assert result.status == 0, result.stderr


def test_task_n_shows_a_suspended_coroutine_and_evaluates_in_its_loop_thread(
    backend: str,
) -> None:
    name = "p __import__('threading').current_thread().name"
    commands = ["tasks", "task 999", "task x"]
    result = run_allstop(["run", str(TASKS)], [*commands, "c", "c"], backend=backend)
    numbers = {name: row["Id"] for name, row in rows(replies(result)[1]).items()}
    commands += [f"task {numbers['consumer-3']}", "where", "p queue.qsize()", "p len(seen)", name]
    commands += ["up", "task", f"task {numbers['ticker']}", name, "p stop.is_set()"]
    commands += ["thread 1", "where", "c", "c"]
    result = run_allstop(["run", str(TASKS)], commands, backend=backend)
    out = replies(result)
    assert out[2].strip() == "*** Unknown task 999", out[2]
    assert out[3].strip() == "*** Invalid task number: 'x'", out[3]
    switched = out[4].splitlines()
    assert switched[0] == (
        f'[Switching to task {numbers["consumer-3"]} "consumer-3" (waiting: awaits '
        "asyncio.Queue (size 0))]"
    ), out[4]
    consume = line_of(TASKS, "queue.get()")
    assert switched[1].endswith(f"asyncio_tasks.py({consume})consume()"), out[4]
    where = out[5].splitlines()
    assert where[-4].startswith("> "), out[5]
    assert where[-4].endswith("consume()"), out[5]
    assert "queues.py(" in where[-2], out[5]
    assert where[-2].endswith("get()"), out[5]
    assert out[6].strip() == "0", out[6]
    assert out[7].strip() == "40", out[7]
    assert out[8].strip() == "'MainThread'", out[8]
    assert "Oldest frame" in out[9], out[9]
    assert out[10].strip() == f'[Current task is {numbers["consumer-3"]} "consumer-3"]', out[10]
    assert out[11].startswith(f'[Switching to task {numbers["ticker"]} "ticker"'), out[11]
    assert out[12].strip() == "'other-loop'", out[12]
    assert out[13].strip() == "False", out[13]
    assert out[14].startswith('[Switching to thread 1 "MainThread" (stopped)]'), out[14]
    assert "main()" in out[15].splitlines()[-2], out[15]
    assert result.status == 0, result.stderr


def test_waits_names_deadlocks_between_tasks(backend: str) -> None:
    result = run_allstop(["run", str(DEADLOCK)], ["tasks", "waits", "c"], backend=backend)
    out = replies(result)
    numbers = {name: row["Id"] for name, row in rows(out[1]).items()}
    a, b = numbers["a-then-b"], numbers["b-then-a"]
    holds, needs = numbers["holds-c"], numbers["needs-the-lock"]
    waits = out[2]
    assert f"task {a} (a-then-b) waits on asyncio.Lock held by task {b}" in waits, waits
    assert f"task {needs} (needs-the-lock) waits on asyncio.Lock held by task {holds}" in waits
    assert f"task {holds} (holds-c) waits on task {needs}" in waits, waits
    deadlocks = [line for line in waits.splitlines() if line.startswith("deadlock: ")]
    assert len(deadlocks) == 2, waits
    assert any(
        (
            f"task {a} waits for asyncio.Lock held by task {b}" in line
            and f"which waits for asyncio.Lock held by task {a}" in line
        )
        or (
            f"task {b} waits for asyncio.Lock held by task {a}" in line
            and f"which waits for asyncio.Lock held by task {b}" in line
        )
        for line in deadlocks
    ), deadlocks
    assert any(f"task {needs} to finish" in line for line in deadlocks), deadlocks
    assert "cancelled 3" in result.stdout
    assert result.status == 0, result.stderr


def test_waits_links_a_task_to_the_thread_doing_its_to_thread_work(backend: str) -> None:
    result = run_allstop(["run", str(TASKS)], ["tasks", "waits", "c", "c"], backend=backend)
    out = replies(result)
    offload = rows(out[1])["offload"]
    match = re.search(
        rf"task {offload['Id']} \(offload\) waits on to_thread work in thread (\d+)", out[2]
    )
    assert match, out[2]
    assert re.search(rf"thread {match.group(1)} \(\S+\) waits on Event", out[2]), out[2]
    assert result.status == 0, result.stderr


@pytest.mark.parametrize("on", BACKENDS)  # every backend, as the engine's own tests
def test_next_over_await_stays_in_the_coroutine(on: str) -> None:
    commands = ["n"] * 4 + ["p value", "c"]
    if sys.version_info >= (3, 13):
        commands.insert(0, "n")  # 3.13 stops on the breakpoint() line itself
    result = run_allstop(["run", str(TASKS), "next"], commands, backend=on)
    locations = re.findall(r"^> .*$", result.stdout, re.MULTILINE)
    found = re.findall(r"asyncio_tasks\.py\((\d+)\)stepped\(\)", "".join(locations))
    lines = [int(line) for line in found]
    first = line_of(TASKS, "# step: next")
    assert lines[-5:] == [first, first + 1, first + 2, first + 3, first + 4], result.stdout
    assert all("asyncio" + "/" not in location for location in locations), result.stdout
    assert replies(result)[-2].strip() == "2", result.stdout
    assert "stepped 2" in result.stdout, result.stdout
    assert "done" in result.stdout, result.stdout
    assert result.status == 0, result.stderr


AWAITS = """\
import asyncio

async def inner(x):
    await asyncio.sleep(0.01)
    y = x + 1
    return y

async def outer():
    breakpoint()
    v = await inner(1)
    w = v * 2
    return w

print("result", asyncio.run(outer()))
"""


@pytest.mark.parametrize("on", BACKENDS)
def test_step_enters_an_awaited_coroutine_and_return_finishes_it(on: str, tmp_path: Path) -> None:
    program = tmp_path / "awaits.py"
    program.write_text(AWAITS)
    commands = ["s", "s", "n", "n", "r", "n", "p v", "c"]
    if sys.version_info >= (3, 13):
        commands.insert(0, "n")  # 3.13 stops on the breakpoint() line itself
    result = run_allstop(["run", str(program)], commands, backend=on)
    found = re.findall(r"> \S*awaits\.py\((\d+)\)(\w+)\(\)", result.stdout)
    # then step enters inner (--Call--, its first line), next passes its await, return
    # comes back to the await in outer (pdb's 'Internal StopIteration: 2'), next goes on
    assert found[-7:] == [
        ("10", "outer"),
        ("3", "inner"),
        ("4", "inner"),
        ("5", "inner"),
        ("6", "inner"),
        ("10", "outer"),
        ("11", "outer"),
    ], result.stdout
    assert "Internal StopIteration: 2" in result.stdout
    assert replies(result)[-2].strip() == "2", result.stdout
    assert "result 4" in result.stdout
    assert result.status == 0, result.stderr


def test_post_mortem_all_stops_where_a_forgotten_task_raised(backend: str) -> None:
    program = PROGRAMS / "asyncio_forgotten.py"
    result = run_allstop(
        ["run", "--post-mortem=all", str(program)], ["p order", "c"], backend=backend
    )
    out = replies(result)
    # then the stop is at the raising line, with the task's locals, before asyncio's log
    raising = line_of(program, 'order["quantity"]')
    assert f"asyncio_forgotten.py({raising})broken()" in out[0], result.stdout
    assert out[1].strip() == "{'item': 1}", result.stdout
    assert "main goes on" in out[2], result.stdout
    assert "Task exception was never retrieved" in result.stderr
    assert result.status == 0, result.stderr
    # and without --post-mortem=all the program only logs it
    plain = run_allstop(["run", str(program)], [], backend=backend)
    assert PROMPT not in plain.stdout, plain.stdout
    assert "Task exception was never retrieved" in plain.stderr


def test_the_pipeline_example_names_its_deadlock_and_finishes(backend: str) -> None:
    example = EXAMPLES / "asyncio_pipeline.py"
    result = run_allstop(["run", str(example)], ["tasks", "waits", "c"], backend=backend)
    out = replies(result)
    tasks = rows(out[1])
    assert re.fullmatch(r"asyncio\.Queue join \(\d+ unfinished\)", tasks["Task-1"]["Awaits"])
    restock, audit = tasks["restock"]["Id"], tasks["audit"]["Id"]
    assert tasks["fetcher-2"]["Awaits"] == f"asyncio.Lock held by task {restock}", tasks
    assert (
        f"deadlock: task {audit} waits for asyncio.Lock held by task {restock}, which waits "
        f"for task {audit} to finish"
    ) in out[2], out[2]
    assert "all orders done" in out[3], result.stdout
    assert result.status == 0, result.stderr


def test_ctrl_c_interrupts_a_step_over_an_await_of_work_in_a_frozen_thread() -> None:
    program = PROGRAMS / "asyncio_step_waits.py"
    words = shlex.join([sys.executable, "-m", "allstop", "run", str(program)])
    term = Terminal(f"ALLSTOP_UI=line {words}; {AFTER}", rows=50, cols=120)
    assert term.wait_for("(allstop) "), term.text
    if "-> breakpoint()" in term.text:  # 3.13 stops on the breakpoint() line itself
        term.send("next" + ENTER)
        assert term.wait_for("-> total = await"), term.text
    # when the coroutine steps over the await alone: the session says it will wait
    term.send("next" + ENTER)
    assert term.wait_for("this line waits on work in another thread"), term.text
    # then Ctrl-C gives the prompt back; continue lets every thread run, and the await ends
    term.send("\x03")
    assert term.wait_for("stopped at Ctrl-C during a step"), term.text
    assert term.wait_for(lambda text: text.rstrip().endswith("(allstop)")), term.text
    term.send("c" + ENTER)
    raw = term.finish()
    assert "total 42" in raw
    assert "KeyboardInterrupt" not in raw
    assert "STATUS=0" in raw
