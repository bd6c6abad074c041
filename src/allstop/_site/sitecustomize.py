"""allstop's start-up hook in the program's child processes (see ``allstop._children``): arm
allstop as ``allstop run`` armed the parent, then run the ``sitecustomize`` this one hides."""

import importlib
import os
import sys


def _arm() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or ".") != here]
    try:
        from allstop import _children
    except Exception:  # not importable in this interpreter: the child runs as it would
        return
    _children.arm_child()


_arm()
_this = sys.modules.pop(__name__)
try:
    importlib.import_module("sitecustomize")  # the one this module hid, if there is one
except ImportError:
    sys.modules[__name__] = _this  # site's import expects a module of that name
