"""``onestop bank add --case CASE_REFERENCE FILE [FILE ...]``: bank each file's hashes (and
variants) for the case's deletion support; one JSON line per file with the bank item id, or an
``error``. The files are not kept. Exit status 1 when any file gave an error line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onestop.cases.models import Case
from onestop.takedown.hashing import MediaError, VideoHashingUnavailable
from onestop.takedown.services import bank_add, read_file

LABEL = "onestop bank"


class Command(BaseCommand):
    help = "Bank files' hashes for a case's deletion support (the files are not kept)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="bank files for a case")
        add.add_argument("--case", required=True, help="the case reference, e.g. OS-2026-000123")
        add.add_argument("files", nargs="+", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
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
