"""``alias``, ``unalias`` and ``help``: the commands about commands.  Help text is each
command's docstring; the list of commands and aliases is read from the command table, so
it cannot drift from what the loop runs."""

from __future__ import annotations

import inspect
import sys

from .core import CommandError, Commands, UsageError, command

_CONSECUTIVE = sys.version_info >= (3, 13)
"""3.13's pdb refuses an alias whose %N skip one (%1 and %3 without %2)."""


class AliasCommands(Commands):
    def do_alias(self, arg: str) -> None:
        """alias [name [command]]

        Create an alias named name that runs command (%1, %2... are replaced by arguments,
        %* by all of them).  Without command, show the alias; without argument, all."""
        aliases = self.session.aliases
        words = arg.split()
        if not words:
            for name in sorted(aliases):
                self.session.message(f"{name} = {aliases[name]}")
            return
        if len(words) == 1:
            if words[0] not in aliases:
                raise CommandError(f"Unknown alias '{words[0]}'")
            self.session.message(f"{words[0]} = {aliases[words[0]]}")
            return
        command = arg.split(None, 1)[1]
        if _CONSECUTIVE and "%*" not in command:
            numbers = [n for n in range(1, 10) if f"%{n}" in command]
            if numbers != list(range(1, len(numbers) + 1)):
                raise CommandError("Replaceable parameters must be consecutive")
        aliases[words[0]] = command

    def do_unalias(self, arg: str) -> None:
        """unalias name

        Delete the alias."""
        words = arg.split()
        if not words:
            raise UsageError
        if self.session.aliases.pop(words[0], None) is None:
            raise CommandError(f"Unknown alias '{words[0]}'")

    @command("h")
    def do_help(self, arg: str) -> None:
        """h(elp) [command]

        Without argument, list the commands; with a command name, print its help."""
        session = self.session
        if arg:
            name = arg.split(maxsplit=1)[0]
            found = session.command(name)
            extra = session.face_command(name) if found is None else None
            if extra is not None:  # a pdb subclass's own command
                if not extra.__doc__:
                    raise CommandError(f"No help for {arg!r}; __doc__ string missing")
                for line in inspect.cleandoc(extra.__doc__).splitlines():
                    session.message(line)
                return
            if found is None or not found.help:
                raise CommandError(f"No help for {arg!r}")
            for line in found.help.splitlines():
                session.message(line)
            return
        names = session.command_names(aliases=False)
        session.message("Documented commands (type help <command>):")
        session.message("=" * 42)
        width = max(len(n) for n in names) + 2
        per_row = max(1, 78 // width)
        for start in range(0, len(names), per_row):
            session.message(
                "".join(n.ljust(width) for n in names[start : start + per_row]).rstrip()
            )
        session.message("")
        pairs = sorted(session.builtin_aliases.items())
        session.message("Aliases: " + ", ".join(f"{alias}={name}" for alias, name in pairs))
        session.message(
            "Lines that are no command run as Python in the current frame ('!' forces)."
        )
