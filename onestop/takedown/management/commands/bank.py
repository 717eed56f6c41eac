"""``onestop bank add --case CASE_REFERENCE FILE [FILE ...]``: bank each file's hashes (and
variants) for the case's deletion support; one JSON line per file with the bank item id, or an
``error``. The files are not kept. Exit status 1 when any file gave an error line.

``onestop bank export [--since ISO] [--out FILE]``: the open hash export of every agency's bank
for platforms (``docs/hash-export.md``), as CSV on standard output or into ``FILE``; recorded in
the audit log (counts only) as the operator's (``cli``)."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onestop.cases.models import Case
from onestop.core import clock
from onestop.takedown.export import CLI_LABEL, bank_export_open
from onestop.takedown.hashing import MediaError, VideoHashingUnavailable
from onestop.takedown.services import bank_add, read_file

LABEL = "onestop bank"


def since_of(text: str | None) -> dt.datetime | None:
    """An ISO date or date and time; without a zone it is Seoul time."""
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--since: not an ISO date or time: {text}") from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=clock.SEOUL)


class Command(BaseCommand):
    help = "Bank files' hashes for a case's deletion support (the files are not kept)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="bank files for a case")
        add.add_argument("--case", required=True, help="the case reference, e.g. OS-2026-000123")
        add.add_argument("files", nargs="+", type=Path)
        export = sub.add_parser("export", help="export the bank's hashes for platforms (CSV)")
        export.add_argument("--since", help="only items banked at or after (ISO; Seoul time)")
        export.add_argument("--out", type=Path, help="write to this file (default: stdout)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "export":
            self.export(since=since_of(options["since"]), out=options["out"])
            return
        case = Case.objects.filter(reference=options["case"]).first()
        if case is None:
            raise CommandError(f"no case {options['case']}")
        failed = False
        for path in options["files"]:
            line: dict[str, Any] = {"file": str(path)}
            try:
                item = bank_add(case=case, data=read_file(path), actor=None, actor_label=LABEL)
            except MediaError as refused:
                line["error"] = refused.code
            except VideoHashingUnavailable as missing:
                raise CommandError(str(missing)) from missing
            else:
                line.update({"item": str(item.pk), "kind": item.kind, "quality": item.quality})
            failed = failed or "error" in line
            self.stdout.write(json.dumps(line, ensure_ascii=False))
        if failed:
            sys.exit(1)

    def export(self, *, since: dt.datetime | None, out: Path | None) -> None:
        """Write the export; into a file, through a private temporary file next to it that
        takes its name only once complete (hashes of her images: readable by the owner only)."""
        if out is not None and not out.parent.is_dir():
            raise CommandError(f"--out: no directory {out.parent}")
        export = bank_export_open(actor=None, actor_label=CLI_LABEL, since=since)
        if out is None:
            for line in export.lines():
                self.stdout.write(line, ending="")
        else:
            handle, scratch = tempfile.mkstemp(dir=out.parent, prefix=".onestop-export-")
            try:
                with os.fdopen(handle, "w", encoding="utf-8", newline="") as target:
                    target.writelines(export.lines())
                os.replace(scratch, out)
            except BaseException:
                Path(scratch).unlink(missing_ok=True)
                raise
        self.stderr.write(
            f"exported {export.counts.items} items, {export.counts.rows} rows "
            f"(as of {export.scope.as_of.isoformat()})"
        )
