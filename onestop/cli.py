"""The ``onestop`` command: Django's management commands under the project's settings.

``onestop agency add …``, ``onestop staff add …``, ``onestop demo``, ``onestop audit verify``,
``onestop run`` (the whole system on this machine) and every other management command."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.config.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "import-cases":
        args[0] = "import_cases"
    execute_from_command_line(["onestop", *args])


if __name__ == "__main__":
    main()
