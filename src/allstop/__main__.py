"""``python -m allstop``: the command line."""


def _main() -> None:
    # Names kept in this function: `allstop run --stop` runs the program in this module's
    # namespace (as python -m pdb does), which it empties first.
    import sys

    from allstop.cli import main

    status = main()
    if status or not sys.flags.inspect:
        raise SystemExit(status)
    # python -i -m allstop run app.py: the REPL opens on the program's __main__, without the
    # traceback python prints for a SystemExit under -i.


_main()
