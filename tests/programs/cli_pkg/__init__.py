"""A package for ``allstop run -m cli_pkg`` (runs __main__.py) and ``-m cli_pkg.tool``."""
