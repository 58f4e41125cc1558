"""The ``duban`` command line: the group (``root``) and its verbs, registered here in one place."""

from bot.cli import export_verbs, selfcheck, service_verbs, silence_verbs, verbs
from bot.cli.root import main

for command in (
    *verbs.COMMANDS,
    *silence_verbs.COMMANDS,
    *service_verbs.COMMANDS,
    *selfcheck.COMMANDS,
    *export_verbs.COMMANDS,
):
    main.add_command(command)

__all__ = ["main"]
