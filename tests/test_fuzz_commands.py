"""The command line fuzzed: whatever is typed at a stop, the session answers with output or a
one-line error, never with an internal error, and stays usable.

Lines are typed at a real stop of a real session (``tests.support.fakes``: the real commands on
a fake engine, a thread waiting beside the stopped one): every command name and alias the
session has, with numbers, file:line places, expressions, ``;;``, aliases with ``%1``/``%*``,
unicode, control characters and huge lines.  After each line the front end checks what the
session wrote, then types sentinel commands (``p 6*7``, ``where``) that must still answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from allstop._breakpoints import BreakpointTable
from allstop.session import Session
from tests.support.fakes import (
    PROGRAM_FILE,
    PROGRAM_LINE,
    Exited,
    FakeEngine,
    ScriptedIO,
    new_session,
    program,
    waiting_thread,
)

pytestmark = [
    pytest.mark.unit,
    # What is typed makes the compiler warn ('1[0]', an invalid escape such as '\\d'): the
    # user's business, not the test's.
    pytest.mark.filterwarnings("ignore::SyntaxWarning"),
    pytest.mark.filterwarnings("ignore:invalid escape sequence:DeprecationWarning"),
]

HUGE = 100_000
"""Characters in a huge line."""

_SESSION = new_session([])[0]

OFF_POOL = {
    "debug": "its code runs under the engine's tracing, which the fake engine has not",
    "thaw": "it lets the frozen threads run for as long as it is told to",
    "listen": "it opens a socket (the e2e tier's)",
}
"""Commands left out of the random pool, and why; so are those that move the program (they
end the stop: declared resuming, or ending a breakpoint's command list, as ``jump``)."""


def _in_pool(name: str) -> bool:
    found = _SESSION.command(name)
    assert found is not None, name
    return not (found.spec.resumes or found.spec.ends_commands or found.name in OFF_POOL)


POOL = [name for name in _SESSION.command_names() if _in_pool(name)]
"""Every command name and alias that keeps the world stopped."""

ALIASES = ["x", "a", "pv", "p", "where", "EOF"]
"""Names the fuzzed lines define aliases for, and type: new words, a command's own names, and
the word the loop runs at the end of input."""

CONTROL = st.characters(max_codepoint=0x1F) | st.just("\x7f")
NASTY = st.sampled_from(
    [
        "\x1b[2J",  # clear the screen
        "\x1b]0;title\x07",  # set the terminal's title
        "\x1b[31m",
        "\u202e",  # right-to-left override
        "\u200f",
        "\u05e9\u05dc\u05d5\u05dd",  # Hebrew
        "\u0645\u0631\u062d\u0628\u0627",  # Arabic
        "e\u0301",  # a combining mark
        "\u0300",
        "\U0001d518\U0001d52b",  # astral letters
        "\U0001f600",
        "\U0001f468\u200d\U0001f469",  # joined emoji
        "\ufeff",
        "\x85",
        "\u2028",
        "\xa0",
        "\u3000",
        "\u00b2",  # a digit to str.isdigit(), not to int()
        "\u0663",  # an Arabic-Indic digit: int() takes it
    ]
)
TEXT = st.lists(
    NASTY | CONTROL | st.text(st.characters(exclude_categories=("Cs",)), max_size=6),
    max_size=4,
).map("".join)
"""Any text a terminal can send, and more: no surrogates (a front end decodes UTF-8)."""

NUMBERS = (
    st.integers().map(str)
    | st.sampled_from(
        ["99999999999999999999", "-99999999999999999999", "-0", "+1", "0x1f", "1_0", "1e3", "1.5"]
    )
    | st.sampled_from(["\u00b2", "\u0663", "\U0001d7d7", "\u0661\u0662"])  # not ASCII digits
    | st.integers(4300, 4400).map(lambda digits: "9" * digits)  # more than int() reads
)
FILES = st.sampled_from(
    [PROGRAM_FILE, "fakes.py", "fakes", "threading", "os.path", "nosuch.py", "", ":", "/", "."]
)
PLACES = st.builds("{}:{}".format, FILES, NUMBERS | TEXT)
WORDS = (
    st.sampled_from(["all", "apply", "thread", "if", "on", "off", "scheduler-locking", "threads"])
    | st.sampled_from(["%1", "%2", "%*", "%9", ";;", "$_frame", "$x"])
    | st.sampled_from([",", ".", ":", "!", "#", "(", ")", "[", "'", '"""', "\\"])
)
"""What the commands take as words, what aliases and ``;;`` mean, and what breaks parsing."""
NAMES = st.sampled_from(["value", "label", "numbers", "nope", "__builtins__", "program"])
ATOMS = (
    NAMES
    | NUMBERS
    | TEXT.map(repr)
    | TEXT.map("'{}'".format)
    | st.sampled_from(["1/0", "None", "[]", "{}", "numbers[99]", "label.nope", "$_frame"])
)
EXPRESSIONS = st.recursive(
    ATOMS,
    lambda inner: (
        st.builds(
            "{}{}{}".format,
            inner,
            st.sampled_from([" + ", "-", " == ", "<", " and ", " or ", ", ", " if 1 else "]),
            inner,
        )
        | inner.map("({})".format)
        | inner.map("[{}]".format)
        | inner.map("-{}".format)
        | inner.map("str({})".format)
        | st.builds("{}.{}".format, inner, NAMES)
        | st.builds("{}[{}]".format, inner, inner)
    ),
    max_leaves=4,
)
"""Expressions that evaluate, raise or do not compile, and never compute for long (no ``*``:
``'a' * 10**20`` would)."""

ARGUMENTS = st.lists(
    NUMBERS | PLACES | EXPRESSIONS | WORDS | TEXT | st.sampled_from(POOL + ALIASES), max_size=4
)
SPACES = st.sampled_from([" ", "  ", "\t", ""])
"""After a command word: none makes ``p(1)`` Python on 3.13, and ``p`` a user's alias."""


COMMANDS = st.builds(
    "{}{}{}".format,
    st.sampled_from(POOL + ALIASES),
    SPACES,
    st.builds(str.join, st.sampled_from([" ", ",", ", ", ""]), ARGUMENTS),
)
ONE_LINE = (
    COMMANDS
    | st.builds("alias {} {}".format, st.sampled_from(ALIASES), COMMANDS)
    | EXPRESSIONS
    | EXPRESSIONS.map("!{}".format)
    | TEXT
    | st.just("")
)
LINES = st.lists(ONE_LINE | st.builds("{};;{}".format, ONE_LINE, ONE_LINE), min_size=1, max_size=5)


class FuzzIO(ScriptedIO):
    """A front end that types ``lines`` at the stops of ``session``, and at each prompt checks
    what the session wrote for the line before, then that the sentinel commands answer.

    A command that reads lines of its own (``commands``, ``interact``, ``clear``'s question,
    the continuation lines of a statement) reads the end of input: it ends, and never takes
    the next line meant for the prompt."""

    def __init__(self, session: Session, lines: list[str]) -> None:
        super().__init__(lines)
        self.session = session
        self.typed: str | None = None
        self.since = 0
        self.finished = False

    def read_command(self, prompt: str) -> str | None:
        if prompt != self.session.prompt:
            self.out.append(f"{prompt}<EOF>")
            return None
        if self.typed is not None:
            self.check(self.typed, self.out[self.since :])
        line = super().read_command(prompt)
        self.since = len(self.out)
        self.typed = line
        self.finished = line is None
        return line

    def check(self, line: str, reply: list[str]) -> None:
        """``line`` gave ``reply``: no internal error, and the session still answers."""
        broken = [text for text in reply if "internal error" in text or "Traceback (" in text]
        assert not broken, f"{line!r} wrote an internal error: {reply}"
        session = self.session
        with _sentinel_typed(session):
            answer = self._answer("p 6*7")
            assert answer[-1:] == ["42"], f"after {line!r}, p 6*7 answered {answer}"
            stack = self._answer("where")
        marked = [text for text in stack if text.startswith("> ")]
        assert len(marked) == 1, f"after {line!r}, where marks no current frame: {stack}"
        assert session.stop is not None
        if session.current == session.stop.ident:
            here = f"{PROGRAM_FILE}({PROGRAM_LINE})program()"
            assert any(text.endswith(here) for text in stack), f"after {line!r}: {stack}"

    def _answer(self, line: str) -> list[str]:
        start = len(self.out)
        self.session.onecmd(line)
        return self.out[start:]


@contextmanager
def _sentinel_typed(session: Session) -> Iterator[None]:
    """The user's aliases and last command set aside while a sentinel command runs: it checks
    the session, not what the fuzzed lines made ``p`` mean, and an empty line typed next still
    repeats the fuzzed command."""
    aliases, lastcmd = session.aliases, session.lastcmd
    session.aliases = {}
    try:
        yield
    finally:
        session.aliases, session.lastcmd = aliases, lastcmd


@pytest.fixture(scope="module")
def engine() -> Iterator[FakeEngine]:
    """One engine for every example, so that the helper threads of earlier sessions stay
    allstop's own (never listed) and the threads keep their numbers; a thread waits beside
    the stopped one, for ``thread``, ``thread apply`` and the helper."""
    with waiting_thread("other"):
        yield FakeEngine()


def type_lines(engine: FakeEngine, lines: list[str]) -> None:
    """Type ``lines`` at a stop of a new session, then the end of input.  A line that ends the
    stop (a resuming command reached through ``;;``, an alias or a stray word) is followed by
    the next stop, as in a program that stops again."""
    engine.breakpoints = BreakpointTable()
    session, _, _ = new_session([], engine)
    io = FuzzIO(session, lines)
    session.use_front_end(io)
    while not io.finished:
        with suppress(Exited):  # quit, with another thread running, ends the process
            program(session)


FUZZ = settings(deadline=None, database=None)
"""No example database: Hypothesis would keep it in the repository (``.hypothesis/``); an
input that found a bug stays as an explicit ``@example`` instead."""


@settings(FUZZ, max_examples=150)
@given(lines=LINES)
@example(lines=["p '\\x1b[2J'", "p '\x1b[2J'"])
@example(lines=["break 99999999999999999999"])
@example(lines=["display 1/0", "display", "display nope.nope"])
@example(lines=["alias x x", "x"])
@example(lines=["alias a a %1", "a", "a 1"])
@example(lines=[f"break {PROGRAM_LINE}", "condition 1 (", "ignore -1 -1", "ignore 1 -1"])
@example(lines=["tbreak :"])
@example(lines=["list 1,"])
@example(lines=["thread 9999"])
@example(lines=["frame -5"])
@example(lines=["up 10000000000000000000"])
# Lines that broke the session (found fuzzing, or reading the code the fuzzer drives):
@example(lines=["p 1;;"])  # the empty line it queued repeated the whole line, forever
@example(lines=[";;"])
@example(lines=["alias EOF u"])  # the end of input ran the alias, and came back forever
@example(lines=[f"break {PROGRAM_LINE}", "condition 1 \x00"])  # 3.10: compile's ValueError
@example(lines=["display \x00"])
@example(lines=["debug \x00"])
@example(lines=["p $x\n  y\n z"])  # 3.13: an IndentationError out of tokenize
@example(lines=["alias x thread apply all x", "x"])  # RecursionError
@example(lines=["alias x p 1;;x", "x"])  # each x queued the next, forever
@example(lines=["alias y p 1;;thread apply all y", "y"])  # the queue grew forever
def test_no_command_line_breaks_the_session(engine: FakeEngine, lines: list[str]) -> None:
    type_lines(engine, lines)


@pytest.mark.parametrize(
    "line",
    [
        "break \u00b2",
        f"break {PROGRAM_FILE}:\u00b2",
        "break " + "9" * 4301,
        f"break {PROGRAM_LINE}, \x00",
        f"tbreak {PROGRAM_LINE} if \x00",
    ],
    ids=["superscript digit", "file:superscript digit", "4301 digits", "null byte", "if null"],
)
def test_a_break_place_that_names_no_place_is_an_error(engine: FakeEngine, line: str) -> None:
    """``break`` reads its place with ``_locations`` (as ``allstop run -b`` does): what names
    no line (a digit ``int()`` refuses, a condition ``compile()`` refuses) is an error."""
    type_lines(engine, [line])


@settings(FUZZ, max_examples=20)
@given(
    head=st.sampled_from(POOL) | st.sampled_from(["", "!", "alias x", "p '", "p ("]),
    lead=TEXT,
    chunk=TEXT.filter(bool),
    tail=TEXT,
)
@example(head="break", lead="a", chunk=" ", tail="b")  # 'if'/'thread' were sought quadratically
def test_a_huge_line_is_answered(
    engine: FakeEngine, head: str, lead: str, chunk: str, tail: str
) -> None:
    type_lines(engine, [f"{head} {lead}{chunk * (HUGE // len(chunk) + 1)}{tail}"])


def test_the_pool_holds_every_command_that_keeps_the_world_stopped() -> None:
    assert {"p", "where", "bt", "thread", "break", "alias", "commands", "interact"} <= set(POOL)
    moving = {"c", "continue", "step", "next", "until", "return", "jump", "q", "run", "restart"}
    assert not moving & set(POOL)
