"""``python -m allstop``: the command line."""

from allstop.cli import main

raise SystemExit(main())
