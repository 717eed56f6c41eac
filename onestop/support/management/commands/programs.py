"""``onestop programs list`` and ``onestop programs set PROGRAM SERVICE --from DATE --max-sessions
N ...``: the support programs and their rules. A change is a new rule from a date (the old one
stays for what was approved under it); ``--clear`` removes a limit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onestop.core.errors import DomainError, ValidationFailed
from onestop.support.policies import policy_programs
from onestop.support.services import POLICY_LIMIT_FIELDS, policy_set
from onestop.support.templatetags.humanize_won import policy_limits


class Command(BaseCommand):
    help = "List support programs, or change a program's rule for a service from a date."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="every program and its rules")
        change = sub.add_parser("set", help="a new rule for one service, from a date")
        change.add_argument("program", help="program code, e.g. seoul-stalking-2024")
        change.add_argument("service", help="service kind, e.g. counseling")
        change.add_argument("--from", dest="effective_from", required=True, type=_date)
        for name in POLICY_LIMIT_FIELDS:
            change.add_argument(f"--{name.replace('_', '-')}", dest=name, type=int)
        change.add_argument("--clear", action="append", default=[], choices=POLICY_LIMIT_FIELDS)
        change.add_argument("--not-offered", action="store_true")
        change.add_argument("--note", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for program in policy_programs():
                self.stdout.write(
                    f"{program.code}  {program.name}  {program.region or 'national'}  "
                    f"{program.starts_on}..{program.ends_on or ''}"
                )
                for policy in program.policies.all():
                    offered = "" if policy.offered else " (not offered)"
                    self.stdout.write(
                        f"  {policy.service_kind:<18} from {policy.effective_from}  "
                        f"{policy_limits(policy)}{offered}"
                    )
            return
        changes: dict[str, Any] = {
            name: options[name] for name in POLICY_LIMIT_FIELDS if options[name] is not None
        }
        for name in options["clear"]:
            changes[name] = None
        if options["not_offered"]:
            changes["offered"] = False
        if options["note"] is not None:
            changes["note"] = options["note"]
        try:
            policy = policy_set(
                actor=None,
                actor_label="cli:programs",
                program_code=options["program"],
                service_kind=options["service"],
                effective_from=options["effective_from"],
                changes=changes,
            )
        except ValidationFailed as exc:
            lines = [f"{e.field}: {e.message}" for e in exc.errors]
            raise CommandError("nothing changed:\n" + "\n".join(lines), returncode=2) from exc
        except DomainError as exc:
            raise CommandError(exc.message, returncode=2) from exc
        self.stdout.write(
            f"{policy.program.code} {policy.service_kind} from {policy.effective_from}: "
            f"{policy_limits(policy)}"
        )


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value}") from exc
