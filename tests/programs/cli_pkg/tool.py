"""``python -m cli_pkg.tool``: prints how it was started (one JSON line), exits with status 4."""

import json
import sys


def shout(word: str) -> str:
    return word.upper()  # shout body


started = {"argv": sys.argv, "name": __name__, "spec": __spec__.name, "path0": sys.path[0]}
print(json.dumps(started))
print(shout("done"))
sys.exit(4)
