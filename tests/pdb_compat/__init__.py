"""CPython's own pdb tests (``test.test_pdb`` of the running interpreter), run against allstop.

``patch`` puts allstop where pdb was (``pdb.Pdb``, ``pdb.set_trace``, ``pdb.post_mortem``,
``pdb.pm``, and ``python -m pdb`` rewritten to ``python -m allstop run --stop``), in the test
process and, through ``site/sitecustomize.py``, in every Python process it starts.  ``runner``
runs the tests one by one in a process of its own and reports each outcome as a JSON line;
``tests/test_pdb_compat.py`` supervises it (a test that hangs is killed, counted failed, and the
run goes on after it) and holds each version's floor.  Output is compared after exactly two
normalizations: allstop's prompt reads as pdb's, and allstop's ``[thread N name] ...`` stop
header line is dropped.
"""
