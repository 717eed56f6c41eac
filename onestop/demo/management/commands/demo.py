"""``onestop demo``: load the synthetic demo data set (idempotent) and print the demo logins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from onestop.core.commands import command_error
from onestop.core.errors import DomainError
from onestop.demo.data import DEMO_PASSWORD, DemoResult, demo_load, logins_table


class Command(BaseCommand):
    help = "Load the synthetic demo data set (once) and print the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--quiet-logins", action="store_true", help="do not print the login table"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = demo_load()
        except DomainError as exc:
            raise command_error(exc) from exc
        self.report(result, show_logins=not options["quiet_logins"])

    def report(self, result: DemoResult, *, show_logins: bool) -> None:
        if result.created:
            self.stdout.write(
                f"demo data loaded: {result.cases} cases, {len(result.logins)} staff accounts"
            )
        else:
            self.stdout.write("demo data already present: nothing changed")
        for note in result.notes:
            self.stdout.write(f"note: {note}")
        if show_logins and result.logins:
            self.stdout.write("")
            self.stdout.write(f"demo logins (password for all: {DEMO_PASSWORD})")
            for line in logins_table(result.logins):
                self.stdout.write("  " + line)
