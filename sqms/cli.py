"""The `sqms` command: `sqms analyze …` needs no database; everything else is a Django command.

`sqms verify-audit` and `sqms verify_audit` are the same command.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and args[1] == "analyze":
        from sqms_analytics.cli import main as analyze

        return analyze(args[2:])
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sqms.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)
    return 0
