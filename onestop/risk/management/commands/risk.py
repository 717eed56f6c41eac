"""``onestop risk import FILE.json`` and ``onestop risk list``.

``import`` stores one instrument version from its pack (see ``risk.packs``). Every problem of a
pack is listed with its JSON path, and nothing is stored unless there is none. The same pack
again is a no-op; other content under a stored code and version is refused: versions never
change, a changed instrument is a new version."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onestop.core.errors import DomainError
from onestop.risk.packs import PackInvalid
from onestop.risk.selectors import instruments_all, localized
from onestop.risk.services import instrument_import_file


class Command(BaseCommand):
    help = "Manage risk instruments."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help="store an instrument version from a JSON pack")
        load.add_argument("file", type=Path)
        sub.add_parser("list", help="list stored instrument versions")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import":
            self._import(options["file"])
        else:
            self._list()

    def _import(self, path: Path) -> None:
        try:
            instrument, created = instrument_import_file(path=path)
        except OSError as exc:
            raise CommandError(f"{path}: cannot read: {exc.strerror or exc}", returncode=2) from exc
        except PackInvalid as exc:
            lines = exc.lines()
            raise CommandError(
                f"{path}: {len(lines)} problem(s), nothing imported:\n" + "\n".join(lines),
                returncode=2,
            ) from exc
        except DomainError as exc:
            raise CommandError(f"{path}: {exc.message}", returncode=2) from exc
        name = localized(instrument.definition.get("name"), "ko")
        if created:
            self.stdout.write(
                f"imported {instrument.code} version {instrument.version} ({name}; "
                f"{instrument.mode}, {len(instrument.definition['items'])} items)"
            )
        else:
            self.stdout.write(
                f"unchanged: {instrument.code} version {instrument.version} is already stored "
                "with this content"
            )

    def _list(self) -> None:
        listings = instruments_all()
        if not listings:
            self.stdout.write("no instruments")
            return
        for listing in listings:
            instrument = listing.instrument
            self.stdout.write(
                "\t".join(
                    [
                        instrument.code,
                        instrument.version,
                        instrument.mode,
                        f"{listing.items} items",
                        f"{listing.assessments} assessments",
                        instrument.origin,
                        f"{instrument.created_at:%Y-%m-%d}",
                        localized(instrument.definition.get("name"), "ko"),
                    ]
                )
            )
