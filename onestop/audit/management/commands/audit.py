"""``onestop audit verify``: check the audit chain end to end."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onestop.audit.selectors import audit_chain_verify


class Command(BaseCommand):
    help = "Audit log operations."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="verify the hash chain end to end")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] != "verify":
            raise CommandError(f"unknown action {options['action']!r}")
        report = audit_chain_verify()
        if report.ok:
            self.stdout.write(f"audit chain OK: {report.entries} entries")
            return
        self.stdout.write(f"audit chain BROKEN after {report.entries} good entries")
        self.stdout.write(f"first broken link: entry #{report.broken_at} ({report.problem})")
        raise CommandError("audit chain verification failed", returncode=1)
