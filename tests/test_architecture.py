"""The shape of the code: no import cycle among allstop's modules, and a design note atop each.

Read from the source with ``ast``: imports anywhere in a module count (a function-level import
runs at run time too), except those under ``if TYPE_CHECKING:``, which never run.  Imports of
the package's own ``__init__`` (``from . import __version__``) do not count: the package is
always imported before any of its modules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.run import ROOT

pytestmark = pytest.mark.unit

SOURCE = ROOT / "src"
PACKAGE = "allstop"


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted((SOURCE / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(SOURCE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _runtime_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in _runtime_imports_of(child))
            continue
        yield from _runtime_imports_of(node)


def _runtime_imports_of(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        yield node
        return
    yield from _runtime_imports(node)


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The allstop modules ``name`` imports at run time."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _runtime_imports(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{alias.name}" for alias in node.names]
            targets = [t if t in known else base for t in targets]
        found.update(t for t in targets if t in known and t not in (PACKAGE, name))
    return found


def test_no_import_cycle_among_allstop_modules() -> None:
    known = modules()
    graph = {name: imports_of(name, path, known) for name, path in known.items()}
    assert graph[f"{PACKAGE}._engine"], "the import reader found nothing: it is broken"
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycle = [*path[path.index(nxt) :], nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name)


@pytest.mark.parametrize(("low", "high"), [("_stops", "_engine"), ("_frames", "_engine")])
def test_shared_vocabulary_does_not_import_the_engine(low: str, high: str) -> None:
    known = modules()
    name = f"{PACKAGE}.{low}"
    assert f"{PACKAGE}.{high}" not in imports_of(name, known[name], known)


def test_the_backends_do_not_import_the_engine() -> None:
    known = modules()
    for name, path in known.items():
        if name.startswith(f"{PACKAGE}._backends"):
            assert f"{PACKAGE}._engine" not in imports_of(name, path, known), name


def test_only_the_editor_commands_import_the_debugpy_bridge_in_the_session() -> None:
    known = modules()
    importers = {
        name
        for name, path in known.items()
        if name.startswith(f"{PACKAGE}.session")
        and f"{PACKAGE}._debugpy" in imports_of(name, path, known)
    }
    assert importers == {f"{PACKAGE}.session.editor"}


@pytest.mark.parametrize("name", sorted(modules()))
def test_every_module_opens_with_a_docstring(name: str) -> None:
    docstring = ast.get_docstring(ast.parse(modules()[name].read_text()))
    assert docstring, f"{name} has no module docstring"
