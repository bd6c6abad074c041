"""The command line: ``allstop run [options] script.py [args...]`` or ``allstop run -m module``.

``run`` arms the debugger, sets the breakpoints given with ``-b``, runs the program as Python
would (``runpy``: ``__main__``, ``sys.argv``, ``sys.path[0]``) and passes its exit status
through.  It stops at the program's first line only with ``--stop``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import runpy
import sys
from collections.abc import Sequence

from . import __version__
from ._breakpoints import BreakpointTable, canonic


def _parser() -> argparse.ArgumentParser:
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
        description="Run a Python script or module with allstop armed. breakpoint() and "
        "the breakpoints given with -b stop every thread of the program.",
    )
    run.add_argument(
        "--stop", action="store_true", help="stop at the program's first line (as python -m pdb)"
    )
    run.add_argument(
        "-b",
        "--break",
        dest="breaks",
        action="append",
        default=[],
        metavar="SPEC",
        help="set a breakpoint before the program starts: FILE:LINE, LINE (in the script), "
        "FUNCTION, each optionally followed by ', CONDITION' (repeatable)",
    )
    run.add_argument("-m", dest="module", metavar="MODULE", help="run a library module as a script")
    run.add_argument("target", nargs=argparse.REMAINDER, help="script.py [args...]")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return run(args)


def run(args: argparse.Namespace) -> int:
    target: list[str] = list(args.target)
    if args.module:
        module: str = args.module
        spec = importlib.util.find_spec(module)
        if spec is None:
            print(f"allstop: no module named {module!r}", file=sys.stderr)
            return 2
        main_file = spec.origin or ""
        if spec.submodule_search_locations is not None:
            main_spec = importlib.util.find_spec(module + ".__main__")
            main_file = main_spec.origin if main_spec and main_spec.origin else main_file
        sys.argv = [main_file, *target]
        sys.path.insert(0, os.getcwd())
    else:
        if not target:
            print("allstop run: give a script (or -m module)", file=sys.stderr)
            return 2
        main_file = os.path.abspath(target[0])
        if not os.path.exists(main_file):
            print(f"allstop: can't open file {target[0]!r}: no such file", file=sys.stderr)
            return 2
        sys.argv = [main_file, *target[1:]]
        sys.path.insert(0, os.path.dirname(main_file))

    from . import _debugger

    engine = _debugger.engine()
    if os.environ.get("PYTHONBREAKPOINT") is None:
        # breakpoint() in the program stops the world (PYTHONBREAKPOINT still wins).
        from . import set_trace

        sys.breakpointhook = set_trace
    table = engine.breakpoints
    for text in args.breaks:
        error = _add_break(table, text, main_file)
        if error:
            print(f"allstop: -b {text}: {error}", file=sys.stderr)
            return 2
    if args.stop:
        table.add(canonic(main_file), 0, temporary=True, funcname="<module>", internal=True)
    if args.breaks or args.stop:
        engine.breakpoints_changed()

    if args.module:
        runpy.run_module(args.module, run_name="__main__", alter_sys=True)
    else:
        runpy.run_path(main_file, run_name="__main__")
    return 0


def _add_break(table: BreakpointTable, text: str, main_file: str) -> str | None:
    """Add the breakpoint ``text`` describes; return an error message or None."""
    from ._session import find_function, parse_break_spec

    spec = parse_break_spec(text)
    if isinstance(spec, str):
        return spec
    location, thread, condition = spec
    if thread is not None:
        return "'thread N' needs a running program: set it at the prompt"
    if condition:
        try:
            compile(condition, "<condition>", "eval")
        except SyntaxError as exc:
            return f"invalid condition: {exc.msg}"
    filename, _, line_text = location.rpartition(":")
    if line_text.isdigit():
        path = filename or main_file
        candidates = [path, os.path.join(os.path.dirname(main_file), path)]
        found = next((p for p in candidates if os.path.isfile(p)), None)
        if found is None:
            return f"no such file: {path}"
        table.add(found, int(line_text), condition=condition)
        return None
    if location.isdigit():
        table.add(main_file, int(location), condition=condition)
        return None
    defined = find_function(location, main_file)
    if defined is not None:
        table.add(defined[0], defined[1], condition=condition, funcname=location)
    else:
        # Not defined in the script: any function of that name (or qualified name) in any file.
        table.add("", 0, condition=condition, funcname=location)
    return None
