"""The variables tree front ends show: a frame's names, each value openable into its parts.

Design note: ``rows`` runs in the thread that owns the frame, guarded (it reads ``f_locals``
and calls the program's ``__repr__``, ``__len__`` and ``__iter__``, which may wait on a lock a
frozen thread holds), never on a front end's thread.  Every value is shown through ``safe_repr`` and
every part is looked up without calling properties or ``__getattr__`` beyond ``getattr`` of a
name the object lists itself.  A container shows at most ``CHILDREN_LIMIT`` parts, then a
``... N more`` row.  How a kind of value opens is one entry of ``_OPENERS`` (pudb's
``STRINGIFIERS`` registry is the model).
"""

from __future__ import annotations

import itertools
import types
from collections import deque
from collections.abc import Callable, Mapping, Sized
from types import FrameType
from typing import cast

from ._format import safe_repr
from ._model import VariableRow

CHILDREN_LIMIT = 200
ROW_REPR_LIMIT = 300

Part = tuple[object, str, object]
"""(path step, label, value) of one part of a value."""

_ATOMS = (str, bytes, bytearray, int, float, complex, bool, type(None))


def _mapping_parts(value: dict[object, object]) -> list[Part]:
    return [
        (("key", key), safe_repr(key, 60), item)
        for key, item in itertools.islice(value.items(), CHILDREN_LIMIT)
    ]


def _sequence_parts(value: list[object] | tuple[object, ...] | deque[object]) -> list[Part]:
    return [
        (("index", i), f"[{i}]", item)
        for i, item in enumerate(itertools.islice(value, CHILDREN_LIMIT))
    ]


def _set_parts(value: set[object] | frozenset[object]) -> list[Part]:
    return [
        (("item", i), f"{{{i}}}", item)
        for i, item in enumerate(itertools.islice(value, CHILDREN_LIMIT))
    ]


def _attribute_parts(value: object) -> list[Part]:
    attrs = getattr(value, "__dict__", None)
    names = [n for n in attrs if isinstance(n, str)] if isinstance(attrs, Mapping) else []
    if issubclass(type(value), (type, types.ModuleType)):
        names = [n for n in names if not (n.startswith("__") and n.endswith("__"))]
    for slot in getattr(type(value), "__slots__", ()) or ():
        if isinstance(slot, str) and slot not in names and hasattr(value, slot):
            names.append(slot)
    return [(("attr", name), name, getattr(value, name, None)) for name in names[:CHILDREN_LIMIT]]


_OPENERS: list[tuple[tuple[type, ...], Callable[..., list[Part]]]] = [
    (_ATOMS, lambda value: []),
    ((dict,), _mapping_parts),
    ((list, tuple, deque), _sequence_parts),
    ((set, frozenset), _set_parts),
]
"""How each kind of value opens, the first match winning; anything else opens into its
attributes."""


def parts(value: object) -> list[Part]:
    """The parts of ``value`` a variables view can open (none for atoms)."""
    for kinds, opener in _OPENERS:
        if issubclass(type(value), kinds):  # not isinstance(): a value may refuse __class__
            return opener(value)
    return _attribute_parts(value)


def _size(value: object) -> int:
    try:
        return len(cast(Sized, value)) if issubclass(type(value), Sized) else 0
    except Exception:
        return 0


def rows(
    frame: FrameType, scope: str, expanded: frozenset[tuple[object, ...]]
) -> list[VariableRow]:
    """The rows of ``frame``'s ``locals`` or ``globals`` (dunder globals left out), with the
    paths in ``expanded`` opened."""
    ns = frame.f_locals if scope == "locals" else frame.f_globals
    found: list[VariableRow] = []
    for name, value in list(ns.items()):
        if scope == "globals" and name.startswith("__") and name.endswith("__"):
            continue
        _add_rows(found, (name,), 0, str(name), value, expanded=expanded)
    return found


def _add_rows(
    found: list[VariableRow],
    path: tuple[object, ...],
    depth: int,
    name: str,
    value: object,
    *,
    expanded: frozenset[tuple[object, ...]],
) -> None:
    try:
        children = parts(value)
    except Exception:
        children = []
    found.append(VariableRow(path, depth, name, safe_repr(value, ROW_REPR_LIMIT), bool(children)))
    if path not in expanded:
        return
    for step, label, child in children:
        _add_rows(found, (*path, step), depth + 1, label, child, expanded=expanded)
    hidden = _size(value) - len(children)
    if hidden > 0 and not issubclass(type(value), (str, bytes)):
        found.append(VariableRow((*path, "more"), depth + 1, "...", f"{hidden} more", False))
