"""For the command-line tests: prints how it was started (one JSON line), calls square() three
times, then ends as its arguments ask: ``--exit N`` exits with status N, ``--raise`` raises."""

import json
import sys


def square(n: int) -> int:
    return n * n  # square body


# How it was started, for the test to read back:
print(json.dumps({"argv": sys.argv, "name": __name__, "path0": sys.path[0]}))
total = sum(square(n) for n in (1, 2, 3))
print("total", total)  # after the loop
if sys.argv[1:2] == ["--exit"]:
    sys.exit(int(sys.argv[2]))
if sys.argv[1:2] == ["--raise"]:
    raise ValueError("cli_target was asked to fail")
