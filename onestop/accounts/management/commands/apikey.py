"""``onestop apikey issue --agency CODE --scope SCOPE`` and ``onestop apikey revoke KEY_ID``.

``issue`` prints the key once, as one JSON line ``{"id": "…", "key": "…"}`` on standard output;
only its digest is stored."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onestop.accounts.models import ApiScope
from onestop.accounts.services import apikey_issue, apikey_revoke
from onestop.core.commands import command_error
from onestop.core.errors import DomainError


class Command(BaseCommand):
    help = "Issue and revoke partner API keys."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        issue = sub.add_parser("issue", help="issue a key and print it once as JSON")
        issue.add_argument("--agency", required=True)
        issue.add_argument("--scope", required=True, help=", ".join(ApiScope.values))
        revoke = sub.add_parser("revoke", help="revoke a key at once")
        revoke.add_argument("key_id")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "issue":
                key, raw_key = apikey_issue(
                    actor=None, agency_code=options["agency"], scope=options["scope"]
                )
                self.stdout.write(json.dumps({"id": str(key.pk), "key": raw_key}))
                self.stderr.write(
                    f"key issued to {options['agency']} ({options['scope']}); "
                    "store it now: it cannot be shown again"
                )
                return
            if options["action"] == "revoke":
                key, revoked = apikey_revoke(actor=None, key_id=options["key_id"])
                if revoked:
                    self.stdout.write(f"key {key.pk} revoked")
                else:
                    self.stdout.write(f"key {key.pk} was already revoked at {key.revoked_at:%c}")
                return
        except DomainError as exc:
            raise command_error(exc) from exc
        raise CommandError(f"unknown action {options['action']!r}")
