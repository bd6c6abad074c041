"""What Linux's ``/proc`` says of a process or one of its threads (nothing elsewhere).

Design note: the fields of ``/proc/PID/stat`` follow the command name, which is in
parentheses and may hold spaces and parentheses itself: they are read after its last ``)``.
"""

from __future__ import annotations


def stat_fields(path: str) -> list[bytes]:
    """The fields of a ``stat`` file after the command name (the state first: field 3 of
    proc(5) is index 0); empty where the file cannot be read."""
    try:
        with open(path, "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return []
