"""The command line: ``allstop run [options] (script.py | -m module) [args...]``.

``run`` arms the debugger, sets the breakpoints given with ``-b``, runs the program as
``python`` would (a fresh ``__main__`` module that stays in place after the body ends, so
``atexit`` handlers, late threads and pickling see the program's ``__main__``; ``sys.argv``;
``sys.path[0]`` the script's folder, or the current one for ``-m``) and passes its exit status
through.  Everything after the script or ``-m MODULE`` belongs to the program.  It stops at the
program's first line only with ``--stop``.

It imports almost nothing before the program starts (see ``_armed``): not ``argparse`` for a
command line with no option before the script, not the engine unless ``-b``, ``-c``,
``--listen`` or ``--stop`` need it then.
"""

from __future__ import annotations

import builtins
import io
import os
import sys

from . import __version__, _armed, _postmortem, _process_engine

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from types import CodeType, TracebackType
    from typing import Any

    from ._breakpoints import BreakpointTable

USAGE_ERROR = 2


class RunOptions:
    """``run``'s options, each at its default until the command line says otherwise."""

    def __init__(self) -> None:
        self.stop = False
        self.breaks: list[str] = []
        self.post_mortem = "crash"
        self.listen: str | None = None
        self.wait_for_client = False
        self.commands: list[str] = []
        self.module: str | None = None
        self.children = True


def _parser() -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(
        prog="allstop",
        description="A Python debugger for threaded programs: when one thread stops, "
        "every thread stops.",
    )
    parser.add_argument("--version", action="version", version=f"allstop {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="run a Python program under allstop",
        usage="allstop run [--stop] [-b SPEC]... [-c COMMAND]... [--post-mortem=crash|all] "
        "[--listen [HOST:]PORT [--wait-for-client]] (script.py | -m module) [args...]",
        description="Run a Python script or module with allstop armed: breakpoint() and the "
        "breakpoints given with -b stop every thread of the program. Everything after the "
        "script (or -m MODULE) is passed to the program.",
    )
    run.add_argument(
        "--stop",
        action="store_true",
        help="stop at the program's first line, and run it as python -m pdb does (restarted "
        "when it ends, until you quit)",
    )
    run.add_argument(
        "-b",
        "--break",
        dest="breaks",
        action="append",
        metavar="SPEC",
        help="set a breakpoint before the program starts: FILE:LINE, LINE (in the script), "
        "FUNCTION, Class.method or module.function, each optionally followed by "
        "', CONDITION' (repeatable)",
    )
    run.add_argument(
        "--post-mortem",
        choices=["crash", "all"],
        help="crash (the default): stop when a thread dies of an exception; all: also when a "
        "ThreadPoolExecutor worker function raises, before its future keeps the exception, "
        "and when an asyncio task is forgotten with an exception nobody retrieved",
    )
    run.add_argument(
        "--listen",
        metavar="[HOST:]PORT",
        help="start debugpy's server so that an editor can attach (VS Code: 'Python Debugger: "
        "Remote Attach'); while one is attached, every stop shows there. HOST defaults to "
        "127.0.0.1; PORT 0 picks a free port",
    )
    run.add_argument(
        "--wait-for-client",
        action="store_true",
        help="with --listen: run the program only once the editor has attached",
    )
    run.add_argument(
        "-c",
        "--command",
        dest="commands",
        action="append",
        metavar="COMMAND",
        help="a debugger command to run at the first stop, before the prompt (as pdb's -c; "
        "repeatable)",
    )
    run.add_argument(
        "--no-children",
        dest="children",
        action="store_false",
        help="do not carry allstop into the Python processes the program starts "
        "(multiprocessing, subprocess running Python): by default they run armed, with the "
        "-b breakpoints",
    )
    run.add_argument("-m", dest="module", metavar="MODULE", help="run a library module as a script")
    run.set_defaults(**vars(RunOptions()))
    pause = commands.add_parser(
        "pause",
        help="stop every thread of a running program and open the debugger on its terminal",
        description="Pause a program that runs under 'allstop run' (or called allstop.install()): "
        "every thread freezes and the debugger opens on the program's terminal, with the main "
        "thread current. It sends the signal in $ALLSTOP_PAUSE_SIGNAL (default SIGUSR1), only "
        "to a process that said it handles it.",
    )
    pause.add_argument("pid", type=int, help="the process id of the program")
    return parser


def _split_program(args: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split ``run``'s arguments into allstop's options and the program (script or
    ``-m MODULE``, then its arguments), as ``python`` does: the first word that is not an
    option, ``-m MODULE`` or ``--`` starts the program."""
    options: list[str] = []
    index = 0
    while index < len(args):
        word = args[index]
        if word == "--":
            return options, list(args[index + 1 :])
        if word.startswith("-m") and not word.startswith("--"):
            module_words = list(args[index : index + 2]) if word == "-m" else [word]
            return [*options, *module_words], list(args[index + len(module_words) :])
        if word in ("-b", "--break", "--listen", "-c", "--command"):
            options += args[index : index + 2]
            index += 2
            continue
        if word.startswith("-"):
            options.append(word)
            index += 1
            continue
        return options, list(args[index:])
    return options, []


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] != ["run"]:
        parsed = _parser().parse_args(args)  # pause, --version, --help, errors
        return pause(parsed.pid) if parsed.command == "pause" else USAGE_ERROR
    options, program = _split_program(args[1:])
    if "--stop" in options and not _parses(["run", *options]):
        # python -m pdb's own command line: pdb says what is wrong with it, its way.
        return _pdb_main([word for word in args[1:] if word != "--stop"])
    return run(_run_options(options), program)


def _run_options(options: list[str]) -> RunOptions:
    """``run``'s options, read by argparse unless there are none but ``-m MODULE``."""
    parsed = RunOptions()
    if len(options) == 2 and options[0] == "-m":
        parsed.module = options[1]
    elif options:
        vars(parsed).update(vars(_parser().parse_args(["run", *options])))
    return parsed


def _parses(words: list[str]) -> bool:
    """Whether allstop's options parse (quietly: pdb may have its own say)."""
    import contextlib

    try:
        with contextlib.redirect_stderr(io.StringIO()):
            _parser().parse_args(words)
    except SystemExit:
        return False
    return True


class _Target:
    """What to run: its code, the file it comes from, and its ``__main__`` namespace."""

    def __init__(self, code: CodeType, filename: str, namespace: dict[str, object]) -> None:
        self.code = code
        self.filename = filename
        self.namespace = namespace


class NoTarget(Exception):
    """What ``python`` would say about a script or module it cannot run."""


def _target(code: CodeType, filename: str, spec: Any = None) -> _Target:
    namespace: dict[str, object] = {
        "__name__": "__main__",
        "__file__": filename,
        "__builtins__": builtins,
        "__spec__": spec,
        "__package__": spec.parent if spec is not None else None,
        "__loader__": spec.loader if spec is not None else None,
        "__cached__": None,
    }
    return _Target(code, filename, namespace)


def _script_target(path: str, prepend: bool) -> _Target:
    """A script, or a folder or zip archive holding a ``__main__`` module, and ``sys.path``
    as python makes it for them: the script's folder first (unless ``prepend`` is false:
    ``-P``), the folder or archive itself first (always)."""
    if os.path.isdir(path) or _is_zip(path):
        return _archive_target(path, prepend)
    if not os.path.isfile(path):
        raise NoTarget(f"can't open file {path!r}: no such file")
    filename = os.path.abspath(path)
    with io.open_code(filename) as source:
        try:
            code = compile(source.read(), filename, "exec")
        except SyntaxError as exc:
            import traceback

            text = "".join(traceback.format_exception_only(type(exc), exc)).rstrip()
            raise NoTarget(text) from None
    if prepend:
        sys.path[0:1] = [os.path.dirname(filename)]
    return _target(code, filename)


_ZIP_END = b"PK\x05\x06"
"""The signature of a zip archive's end record, which is in its last 65,557 bytes."""


def _is_zip(path: str) -> bool:
    """Whether ``path`` is a zip archive (python runs one as an application): ``zipfile``
    is imported only for a file whose tail holds the end record's signature."""
    try:
        with open(path, "rb") as file:
            file.seek(max(0, os.fstat(file.fileno()).st_size - 65557))
            if _ZIP_END not in file.read():
                return False
    except OSError:
        return False
    import zipfile

    return zipfile.is_zipfile(path)


def _archive_target(path: str, prepend: bool) -> _Target:
    import runpy

    archive = os.path.abspath(path)
    if prepend:
        sys.path[0:1] = [archive]
    else:
        sys.path.insert(0, archive)
    try:
        _, spec, code = runpy._get_main_module_details()  # type: ignore[attr-defined]
    except ImportError:
        raise NoTarget(f"can't find '__main__' module in {path!r}") from None
    return _target(code, code.co_filename, spec)


def _module_target(name: str) -> _Target:
    import runpy

    try:
        # Resolves a package to its __main__ and does not run the module itself; pdb does
        # the same.  Parent packages are imported, as python -m does.
        module_name, spec, code = runpy._get_module_details(name)  # type: ignore[attr-defined]
    except ImportError as exc:  # what python -m says: "No module named x"
        raise NoTarget(str(exc)) from None
    except Exception as exc:  # raised by a parent package's __init__
        raise NoTarget(f"{type(exc).__name__}: {exc}") from None
    filename = os.path.abspath(spec.origin) if spec.origin else module_name
    return _target(code, filename, spec)


def run(args: RunOptions, program: list[str]) -> int:
    """``allstop run``: set up, run the program, return its exit status."""
    if not args.module and not program:
        print("allstop run: give a script (or -m module)", file=sys.stderr)
        return USAGE_ERROR
    words = list(program)
    # sys.path[0] becomes what python gives the program (the current folder for -m, the
    # script's folder), unless it is told not to add one (-P, PYTHONSAFEPATH).
    prepend = not getattr(sys.flags, "safe_path", False)  # 3.11+
    try:
        if args.module:
            if prepend:
                sys.path[0:1] = [os.getcwd()]
            target = _module_target(args.module)
        else:
            target = _script_target(program.pop(0), prepend)
    except NoTarget as exc:
        if args.stop:
            return _run_as_pdb(args, words)  # pdb says what is wrong, its way
        print(f"allstop: {exc}", file=sys.stderr)
        return USAGE_ERROR

    if target.namespace["__loader__"] is not None:
        # Source a loader gives (a zip archive's) is read from the start (-b, list) as from
        # files.
        import linecache

        linecache.lazycache(target.filename, target.namespace)
    _armed.arm(_process_engine, pause_key=True)
    _carry(args)
    if args.breaks:
        from ._locations import LocationError

        engine = _process_engine()
        for text in args.breaks:
            try:
                _add_break(engine.breakpoints, text, target.filename)
            except LocationError as exc:
                print(f"allstop: -b {text}: {exc}", file=sys.stderr)
                return USAGE_ERROR
        engine.breakpoints_changed()
        target.code = engine.backend.loaded(target.code)
    if args.wait_for_client and args.listen is None:
        print("allstop: --wait-for-client needs --listen", file=sys.stderr)
        return USAGE_ERROR
    if args.listen is not None and not _listen(args.listen, wait=args.wait_for_client):
        return USAGE_ERROR
    if args.stop:
        return _run_as_pdb(args, words)
    if args.commands:
        from . import _wiring

        _wiring.session().rc_lines.extend(args.commands)

    sys.argv = [target.filename, *program]
    module = type(sys)("__main__")
    module.__dict__.update(target.namespace)
    # The program's __main__ stays in place when its body ends: atexit handlers, threads
    # still running and pickle all look it up there.
    sys.modules["__main__"] = module
    try:
        exec(target.code, module.__dict__)
    except SystemExit:
        raise
    except BaseException as exc:
        if _postmortem.is_quit(exc):  # the user quit from the debugger: the program ends
            return 1  # there, as under pdb
        _strip(exc, target.code)
        # allstop's hook opens the post-mortem (python -m pdb's, with every thread frozen),
        # then prints the traceback; a hook the program installed replaces it.
        sys.excepthook(type(exc), exc, exc.__traceback__)
        return 130 if isinstance(exc, KeyboardInterrupt) else 1
    return 0


def _carry(args: RunOptions) -> None:
    """What ``run``'s options arm besides crashes, ``breakpoint()`` and pause: every post-mortem
    (``--post-mortem=all``), and the program's child processes (unless ``--no-children``)."""
    if args.post_mortem == "all":
        _postmortem.watch_all(_process_engine)
    if args.children:
        from . import _children

        _children.export(args.breaks, args.post_mortem)


def _run_as_pdb(args: RunOptions, words: list[str]) -> int:
    """``--stop``: the running Python's own ``python -m pdb`` (its options, messages, restart
    when the program ends, exit statuses), with allstop's debugger in pdb's place."""
    commands = [word for command in args.commands for word in ("-c", command)]
    module = ["-m", args.module] if args.module else []
    return _pdb_main([*commands, *module, *words])


def _pdb_main(words: list[str]) -> int:
    """``python -m pdb WORDS`` with allstop's debugger in pdb's place; its exit status."""
    import pdb

    from ._pdb_compat import Debugger

    pdb.Pdb = Debugger  # type: ignore[misc, assignment]  # pdb.main makes pdb.Pdb()
    sys.argv = ["pdb", *words]  # pdb.main reads its own command line
    try:
        pdb.main()
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def _listen(endpoint: str, *, wait: bool) -> bool:
    """``--listen``: start the server, say where, wait for the editor if asked."""
    from . import _debugpy, listen

    try:
        host, port = _debugpy.parse_endpoint(endpoint)
        host, port = listen(port, host)
    except (ValueError, OSError, RuntimeError) as exc:
        print(f"allstop: --listen {endpoint}: {exc}", file=sys.stderr)
        return False
    print(f"allstop: {_debugpy.attach_hint(host, port)}", file=sys.stderr)
    if wait:
        print("allstop: waiting for the editor to attach...", file=sys.stderr)
        listen(port, host, wait_for_client=True)
    return True


def _strip(exc: BaseException, code: CodeType) -> None:
    """Drop allstop's own frames from the top of the program's traceback, as python shows
    it (newer excepthooks read ``__traceback__``, not their argument)."""
    tb: TracebackType | None = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code is not code:
        tb = tb.tb_next
    if tb is not None:
        exc.with_traceback(tb)


def pause(pid: int) -> int:
    """``allstop pause PID``: send the pause signal, if the process still takes it with
    allstop's handler at that moment (``_pause.send_pause``); else say why, in one line."""
    from ._pause import NotPausable, send_pause, signal_name

    try:
        number = send_pause(pid)
    except NotPausable as exc:
        print(f"allstop: process {pid} {exc}: nothing sent", file=sys.stderr)
        return 1
    print(f"allstop: paused process {pid} (signal {signal_name(number)})")
    return 0


def _add_break(table: BreakpointTable, text: str, main_file: str) -> None:
    """Add the breakpoint ``text`` describes; LocationError says why it cannot be set."""
    from ._locations import add_break

    add_break(table, text, main_file, warn=lambda message: print(message, file=sys.stderr))
