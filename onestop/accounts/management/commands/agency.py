"""``onestop agency add --code CODE --kind KIND --name NAME --region REGION [--default-center]``"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from onestop.accounts.models import AgencyKind, Region
from onestop.accounts.services import agency_add
from onestop.core.commands import command_error
from onestop.core.errors import DomainError


class Command(BaseCommand):
    help = "Manage agencies."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="add an agency")
        add.add_argument("--code", required=True)
        add.add_argument("--kind", required=True, help=", ".join(AgencyKind.values))
        add.add_argument("--name", required=True)
        add.add_argument("--region", required=True, help=", ".join(Region.values))
        add.add_argument("--default-center", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            agency = agency_add(
                actor=None,
                code=options["code"],
                kind=options["kind"],
                name=options["name"],
                region=options["region"],
                default_center=options["default_center"],
            )
        except DomainError as exc:
            raise command_error(exc) from exc
        self.stdout.write(f"agency {agency.code} added ({agency.kind}, {agency.region})")
