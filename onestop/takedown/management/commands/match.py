"""``onestop match FILE [FILE ...]``: one JSON line per file listing every banked item within
distance 52, nearest first, as ``{"item", "case", "distance", "verdict"}`` — never who she is.
Exit status 1 when any file gave an error line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onestop.takedown.hashing import MediaError, VideoHashingUnavailable
from onestop.takedown.services import bank_load, bank_lookup_record, bank_match, read_file

LABEL = "onestop match"


class Command(BaseCommand):
    help = "Look files up in the hash bank (match at <= 31, review up to 52)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        bank = bank_load()
        failed, matches = False, 0
        for path in options["files"]:
            line: dict[str, Any] = {"file": str(path)}
            try:
                found = bank_match(bank=bank, data=read_file(path))
            except MediaError as refused:
                line["error"] = refused.code
            except VideoHashingUnavailable as missing:
                raise CommandError(str(missing)) from missing
            else:
                line["matches"] = [
                    {"item": f.item, "case": f.case, "distance": f.distance, "verdict": f.verdict}
                    for f in found
                ]
                matches += len(found)
            failed = failed or "error" in line
            self.stdout.write(json.dumps(line, ensure_ascii=False))
        bank_lookup_record(actor_label=LABEL, files=len(options["files"]), matches=matches)
        if failed:
            sys.exit(1)
