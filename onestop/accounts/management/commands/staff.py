"""``onestop staff add --agency CODE --username NAME --role ROLE [--password-stdin]``"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from onestop.accounts.models import Role
from onestop.accounts.services import staff_add
from onestop.core.commands import command_error
from onestop.core.errors import DomainError


class Command(BaseCommand):
    help = "Manage staff accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="add a staff account")
        add.add_argument("--agency", required=True)
        add.add_argument("--username", required=True)
        add.add_argument("--role", required=True, help=", ".join(Role.values))
        add.add_argument("--display-name", default="")
        add.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from the first line of standard input; without it the "
            "account has no usable password until one is set",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = None
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\r\n")
        try:
            staff = staff_add(
                actor=None,
                agency_code=options["agency"],
                username=options["username"],
                role=options["role"],
                password=password,
                display_name=options["display_name"],
            )
        except DomainError as exc:
            raise command_error(exc) from exc
        self.stdout.write(f"staff {staff.username} added ({staff.role} at {options['agency']})")
