"""``python -m cli_pkg``: prints how it was started (one JSON line)."""

import json
import sys

started = {"argv": sys.argv, "name": __name__, "spec": __spec__.name, "path0": sys.path[0]}
print(json.dumps(started))
