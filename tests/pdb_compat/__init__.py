"""CPython's own pdb tests (``test.test_pdb`` of the running interpreter), run against allstop.

``patch`` puts allstop where pdb was (``pdb.Pdb``, ``pdb.set_trace``, ``pdb.post_mortem``,
``pdb.pm``, and ``python -m pdb`` rewritten to ``python -m allstop run --stop``), in the test
process and, through ``site/sitecustomize.py``, in every Python process it starts.  ``runner``
runs the tests one by one in a process of its own and reports each outcome as a JSON line;
``tests/test_pdb_compat.py`` supervises it (a test that hangs is killed, counted failed, and the
run goes on after it) and holds each version's floor.  Output is compared after exactly two
normalizations: allstop's prompt reads as pdb's, and allstop's ``[thread N name] ...`` stop
header line is dropped.  Where the tests reset pdb's state between tests, allstop's is reset
too: ``bdb.Breakpoint.clearBreakpoints()`` (pdb's breakpoints live in bdb's class) also resets
allstop's table, and a stop still asked for when a test ends is forgotten (pdb's tests reset the
trace function for the same reason).
"""
