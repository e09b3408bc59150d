"""The ``egov`` command: Django's management commands under one name.

``egov import-orgs FILE`` and ``egov import_orgs FILE`` are the same command: dashes in
the command name are read as underscores, so the commands read naturally in a shell.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "egov.settings")
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    argv[0] = "egov"
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
