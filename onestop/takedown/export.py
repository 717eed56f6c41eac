"""The open hash export: the bank's hashes, for platforms to block her content before anyone
uploads it again (``docs/hash-export.md``).

What leaves is hashes and what they are of, never whose: one CSV row per hash, identified by the
bank item's id only — no case reference, no name, nothing of the case. Only items a platform may
be asked to block are exported: not withdrawn, not waiting for a person's review, and of a case
that holds both a deletion mandate in force and her consent to deletion support in force.

Rows are produced in batches of items (a generator), so a bank of hundreds of thousands of items
never sits in memory at once. Every export is audited before its first row leaves, with counts
only (no hash). The web desk exports its own agency's items; the operator's command line exports
every agency's. This module is not the bank (``services``) nor the tracking (``tracking``)."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from uuid import UUID

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from onestop.accounts.models import Staff
from onestop.audit.services import audit_record
from onestop.consent.models import ConsentGrant, Purpose
from onestop.core import clock
from onestop.core.errors import ValidationFailed
from onestop.takedown.errors import InvalidTakedownInput, TakedownActionForbidden
from onestop.takedown.hashing import MIN_QUALITY
from onestop.takedown.models import BankHash, BankItem, DeletionMandate, MediaKind
from onestop.takedown.permissions import is_desk
from onestop.takedown.variants import CROPS, DIHEDRAL

COLUMNS = ("id", "type", "hash", "quality", "label", "variant", "frame")
HASH_TYPES = {"pdq": 64, "vpdq": 64, "md5": 32, "sha256": 64}  # type → hex digits
BATCH = 500  # items read per query while streaming
CLI_LABEL = "cli"
# Variants in the order they are banked (``variants.banking_variants``): the picture as banked
# first. A name not listed (a variant added later) follows, alphabetically.
_CROP_NAMES = [f"crop{round(share * 100)}" for share in CROPS]
VARIANT_ORDER = {
    name: place
    for place, name in enumerate([*DIHEDRAL, *_CROP_NAMES, "half", "unletterboxed", "uncaptioned"])
}


@dataclass(frozen=True)
class ExportRow:
    """One line of the export. ``quality`` is empty (``None``) for exact digests; ``frame``
    is set for vPDQ rows only; ``variant`` names an image's variant (``original`` for the
    picture as banked) and is empty on every other row."""

    id: str
    type: str
    hash: str
    quality: int | None
    label: str
    variant: str = ""
    frame: int | None = None

    def fields(self) -> list[str]:
        return [
            self.id,
            self.type,
            self.hash,
            "" if self.quality is None else str(self.quality),
            self.label,
            self.variant,
            "" if self.frame is None else str(self.frame),
        ]


@dataclass(frozen=True)
class ExportScope:
    """Which items an export takes: banked up to ``as_of`` (and from ``since``), of one agency's
    cases or — ``agency_id`` None, the operator's command line — of every agency's."""

    as_of: dt.datetime
    agency_id: UUID | None = None
    since: dt.datetime | None = None


@dataclass(frozen=True)
class ExportCounts:
    items: int
    rows: int


# --- what is exported -------------------------------------------------------------------------


def export_scope(*, actor: Staff | None, since: dt.datetime | None = None) -> ExportScope:
    """The scope of an export by ``actor`` (the desk: its own agency's items) or, without an
    actor, by the operator (every agency's). Raises ``TakedownActionForbidden`` for anyone
    else, and ``ValidationFailed`` for a ``since`` without a time zone."""
    if actor is not None and not is_desk(actor):
        raise TakedownActionForbidden(_("해시 목록을 내보낼 권한이 없습니다."))
    if since is not None and since.tzinfo is None:
        raise ValidationFailed(
            [InvalidTakedownInput(_("기준 시각에 시간대가 없습니다."), field="since")]
        )
    return ExportScope(
        as_of=clock.now(), agency_id=actor.agency_id if actor is not None else None, since=since
    )


def exportable_items(*, scope: ExportScope) -> QuerySet[BankItem]:
    """Items a platform may be asked to block: not withdrawn, not waiting for review, of a case
    with a deletion mandate in force and her consent to deletion support in force (given, not
    withdrawn, not expired — as ``consent.selectors.grant_state`` says "active")."""
    at = scope.as_of
    consent_in_force = ConsentGrant.objects.filter(
        case=OuterRef("case"), purpose=Purpose.DELETION_SUPPORT, given_at__lte=at
    ).filter(
        Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=at),
        Q(expires_at__isnull=True) | Q(expires_at__gt=at),
    )
    mandate_in_force = DeletionMandate.objects.filter(
        case=OuterRef("case"), revoked_at__isnull=True
    )
    items = (
        BankItem.objects.filter(withdrawn_at__isnull=True, banked_at__lte=at)
        .exclude(needs_review=True, reviewed_at__isnull=True)
        .filter(Exists(mandate_in_force), Exists(consent_in_force))
    )
    if scope.agency_id is not None:
        items = items.filter(case__agency_id=scope.agency_id)
    if scope.since is not None:
        items = items.filter(banked_at__gte=scope.since)
    return items


def _exported_hashes(items: QuerySet[BankItem]) -> QuerySet[BankHash]:
    """Every hash of an image (the picture and its variants); a video's good frames only."""
    return BankHash.objects.filter(item__in=items.values("pk")).filter(
        Q(item__kind=MediaKind.IMAGE) | Q(quality__gte=MIN_QUALITY)
    )


def export_counts(*, scope: ExportScope) -> ExportCounts:
    """How many items and rows an export of ``scope`` holds (without reading any hash)."""
    items = exportable_items(scope=scope)
    totals = items.aggregate(
        items=Count("pk"),
        md5=Count("pk", filter=~Q(md5="")),
        sha256=Count("pk", filter=~Q(sha256="")),
    )
    rows = _exported_hashes(items).count() + totals["md5"] + totals["sha256"]
    return ExportCounts(items=totals["items"], rows=rows)


@dataclass(frozen=True)
class ExportOverview:
    """The desk's page: what an export would hold now, and how many of the agency's banked
    items are left out of it (waiting for review, or no mandate or consent in force)."""

    counts: ExportCounts
    left_out: int


def export_overview(*, scope: ExportScope) -> ExportOverview:
    counts = export_counts(scope=scope)
    banked = BankItem.objects.filter(withdrawn_at__isnull=True, banked_at__lte=scope.as_of)
    if scope.agency_id is not None:
        banked = banked.filter(case__agency_id=scope.agency_id)
    return ExportOverview(counts=counts, left_out=banked.count() - counts.items)


# --- the rows ---------------------------------------------------------------------------------


def _item_rows(item: BankItem, hashes: list[BankHash]) -> Iterator[ExportRow]:
    item_id, label = str(item.pk), item.label
    if item.kind == MediaKind.VIDEO:
        for frame in sorted(hashes, key=lambda h: h.frame if h.frame is not None else -1):
            if frame.quality >= MIN_QUALITY:
                yield ExportRow(
                    id=item_id,
                    type="vpdq",
                    hash=frame.pdq.lower(),
                    quality=frame.quality,
                    label=label,
                    frame=frame.frame,
                )
    else:
        banked_order = sorted(hashes, key=lambda h: (VARIANT_ORDER.get(h.variant, 99), h.variant))
        for variant in banked_order:
            yield ExportRow(
                id=item_id,
                type="pdq",
                hash=variant.pdq.lower(),
                quality=variant.quality,
                label=label,
                variant=variant.variant,
            )
    for kind, digest in (("md5", item.md5), ("sha256", item.sha256)):
        if digest:  # items banked before the digests were kept have none
            yield ExportRow(id=item_id, type=kind, hash=digest.lower(), quality=None, label=label)


def export_rows(*, scope: ExportScope, batch: int = BATCH) -> Iterator[ExportRow]:
    """Every row of the export, item by item in the order they were banked; read ``batch``
    items (and their hashes) at a time, keyed on (banked at, id) so that nothing is skipped or
    read twice between batches."""
    items = (
        exportable_items(scope=scope)
        .order_by("banked_at", "pk")
        .only("pk", "kind", "label", "md5", "sha256", "banked_at")
    )
    after: tuple[dt.datetime, UUID] | None = None
    while True:
        page = items
        if after is not None:
            page = page.filter(Q(banked_at__gt=after[0]) | Q(banked_at=after[0], pk__gt=after[1]))
        chunk = list(page[:batch])
        if not chunk:
            return
        hashes: dict[UUID, list[BankHash]] = defaultdict(list)
        for found in BankHash.objects.filter(item_id__in=[i.pk for i in chunk]).only(
            "item_id", "variant", "frame", "pdq", "quality"
        ):
            hashes[found.item_id].append(found)
        for item in chunk:
            yield from _item_rows(item, hashes[item.pk])
        after = (chunk[-1].banked_at, chunk[-1].pk)


class _Echo:
    """csv's writer writes to this and gets the line back (nothing is buffered)."""

    def write(self, value: str) -> str:
        return value


def export_lines(rows: Iterable[ExportRow]) -> Iterator[str]:
    """The CSV text (RFC 4180: CRLF line ends, quoting only where needed), header first."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield str(writer.writerow(COLUMNS))
    for row in rows:
        yield str(writer.writerow(row.fields()))


def read_export(lines: Iterable[str]) -> Iterator[ExportRow]:
    """Read an export back (a file opened with ``newline=""``, or its lines). Raises
    ``ValueError`` for a header, type or hash that is not the format's."""
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None or tuple(header) != COLUMNS:
        raise ValueError(f"not a OneStop hash export: header {header!r}")
    for number, fields in enumerate(reader, start=2):
        if not fields:
            continue
        if len(fields) != len(COLUMNS):
            raise ValueError(f"line {number}: {len(fields)} fields, {len(COLUMNS)} expected")
        item, kind, value, quality, label, variant, frame = fields
        digits = HASH_TYPES.get(kind)
        if digits is None:
            raise ValueError(f"line {number}: unknown type {kind!r}")
        if len(value) != digits or any(c not in "0123456789abcdef" for c in value):
            raise ValueError(f"line {number}: a {kind} hash has {digits} lower-case hex digits")
        yield ExportRow(
            id=item,
            type=kind,
            hash=value,
            quality=int(quality) if quality else None,
            label=label,
            variant=variant,
            frame=int(frame) if frame else None,
        )


# --- the export, audited ----------------------------------------------------------------------


@transaction.atomic
def bank_export_record(
    *,
    actor: Staff | None = None,
    actor_label: str = "",
    items: int,
    rows: int,
    since: dt.datetime | None = None,
    every_agency: bool = False,
) -> None:
    """Record that the bank's hashes were exported: by whom, how many items and rows, from when
    — counts only, never a hash. The web desk exports for its agency; the command line
    (``actor_label``) for every agency."""
    if actor is None and not actor_label:
        raise ValueError("an export is recorded with its actor or an actor label")
    if actor is not None and not is_desk(actor):
        raise TakedownActionForbidden(_("해시 목록을 내보낼 권한이 없습니다."))
    if items < 0 or rows < 0:
        raise ValidationFailed([InvalidTakedownInput(_("건수가 올바르지 않습니다."), field="rows")])
    audit_record(
        actor=actor,
        actor_label=actor_label if actor is None else None,
        action="takedown.export",
        data={
            "items": items,
            "rows": rows,
            "since": since.isoformat() if since is not None else "",
            "scope": "all" if every_agency else "agency",
        },
    )


@dataclass(frozen=True)
class BankExport:
    """An export that is recorded and ready to stream (``lines()``)."""

    scope: ExportScope
    counts: ExportCounts

    def rows(self) -> Iterator[ExportRow]:
        return export_rows(scope=self.scope)

    def lines(self) -> Iterator[str]:
        return export_lines(self.rows())


@transaction.atomic
def bank_export_open(
    *, actor: Staff | None, actor_label: str = "", since: dt.datetime | None = None
) -> BankExport:
    """Begin an export: check who asks, count what it holds, and record it — before its first
    row leaves (an export that was begun is on the record even if the download breaks off).
    Items banked after this moment wait for the next export."""
    scope = export_scope(actor=actor, since=since)
    counts = export_counts(scope=scope)
    bank_export_record(
        actor=actor,
        actor_label=actor_label,
        items=counts.items,
        rows=counts.rows,
        since=since,
        every_agency=scope.agency_id is None,
    )
    return BankExport(scope=scope, counts=counts)
