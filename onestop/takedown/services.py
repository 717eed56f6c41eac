"""Banking a victim's content by hash, and looking found content up in the bank
(``shared/contracts/hashing.md``: ``onestop bank add``, ``onestop match``).

Banking keeps hashes only — the file is read, hashed (with the variants that survive common
edits) and let go. A lookup names the bank item and its case's reference, never who she is. Both
are audited, without any hash value in the log."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import numpy as np
from django.db import transaction

from onestop.accounts.models import Staff
from onestop.audit.services import audit_record
from onestop.cases.models import Case
from onestop.core import clock
from onestop.core.crypto import key_ring
from onestop.takedown.hashing import (
    MIN_QUALITY,
    REVIEW_DISTANCE,
    MediaError,
    is_video,
    prepared,
    verdict,
    vpdq_frames,
)
from onestop.takedown.index import HashIndex, words_of
from onestop.takedown.models import BankHash, BankItem, ContentLabel, MediaKind
from onestop.takedown.variants import banking_variants, query_variants

VIDEO_SHARE = 0.8  # a video matches when this share of its good frames match banked frames
MAX_BYTES = 2 * 1024**3


def sha256_index(data: bytes) -> str:
    return key_ring().blind_index(hashlib.sha256(data).hexdigest(), purpose="bank-sha256")


def _video_frames(data: bytes) -> list[tuple[int, str, int]]:
    """(frame, pdq, quality) of every frame; the bytes pass through a private temporary file
    that is removed at once (vPDQ reads files)."""
    with tempfile.NamedTemporaryFile(suffix=".video") as scratch:
        scratch.write(data)
        scratch.flush()
        return [(f.frame, f.pdq, f.quality) for f in vpdq_frames(scratch.name)]


@transaction.atomic
def bank_add(
    *,
    case: Case,
    data: bytes,
    actor: Staff | None,
    actor_label: str,
    label: str = ContentLabel.ILLEGAL_RECORDING,
    evidence_file_id: UUID | None = None,
) -> BankItem:
    """Bank one file for the case: its hashes (and variants), sealed; the file is not kept
    here (``evidence_file_id`` names the evidence copy when staff chose to keep one). The same
    file banked again for the case is the same item. Raises ``MediaError``."""
    if not data:
        raise MediaError("unreadable")
    if len(data) > MAX_BYTES:
        raise MediaError("too_large")
    digest = sha256_index(data)
    earlier = BankItem.objects.filter(case=case, sha256_index=digest).first()
    if earlier is not None:
        return earlier
    rows: list[tuple[str, int | None, str, int]] = []  # variant, frame, pdq, quality
    if is_video(data):
        kind = MediaKind.VIDEO
        rows = [("", frame, pdq, quality) for frame, pdq, quality in _video_frames(data)]
        good = [quality for _v, _f, _p, quality in rows if quality >= MIN_QUALITY]
        quality = round(sum(good) / len(good)) if good else 0
    else:
        kind = MediaKind.IMAGE
        variants = banking_variants(prepared(data))
        rows = [(name, None, found.hex, found.quality) for name, found in variants]
        quality = variants[0][1].quality
    item = BankItem.objects.create(
        case=case,
        kind=kind,
        quality=quality,
        needs_review=quality < MIN_QUALITY,
        sha256_index=digest,
        sha256=hashlib.sha256(data).hexdigest(),
        md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
        label=label,
        evidence_file_id=evidence_file_id,
        banked_at=clock.now(),
        banked_by=actor,
        banked_by_label=actor_label if actor is None else "",
    )
    BankHash.objects.bulk_create(
        [
            BankHash(item=item, variant=variant, frame=frame, pdq=pdq, quality=q)
            for variant, frame, pdq, q in rows
        ]
    )
    audit_record(
        actor=actor,
        actor_label=actor_label if actor is None else None,
        action="takedown.bank_add",
        target=case,
        data={"item": str(item.pk), "kind": kind, "hashes": len(rows), "quality": quality},
    )
    return item


@dataclass(frozen=True)
class Found:
    item: str
    case: str
    distance: int
    verdict: str


@dataclass
class Bank:
    """The bank as read for one lookup run: an index of image hashes, and video frames."""

    images: HashIndex
    items: dict[str, tuple[str, int]]  # item id → (case reference, quality)
    videos: dict[str, np.ndarray]  # item id → (frames, 4) uint64 of its good frames


def bank_load() -> Bank:
    """Every banked hash, unsealed into memory (the caller audits what it looks up)."""
    items = {
        str(pk): (reference, quality)
        for pk, reference, quality in BankItem.objects.filter(
            withdrawn_at__isnull=True
        ).values_list("pk", "case__reference", "quality")
    }
    image_ids: list[str] = []
    image_words: list[np.ndarray] = []
    frames: dict[str, list[np.ndarray]] = {}
    for hash_row in (
        BankHash.objects.filter(item__withdrawn_at__isnull=True)
        .select_related("item")
        .only("pdq", "quality", "item__kind", "item_id")
    ):
        item = str(hash_row.item_id)
        if hash_row.item.kind == MediaKind.VIDEO:
            if hash_row.quality >= MIN_QUALITY:
                frames.setdefault(item, []).append(words_of(hash_row.pdq))
        else:
            image_ids.append(item)
            image_words.append(words_of(hash_row.pdq))
    packed = np.array(image_words, dtype=np.uint64).reshape(-1, 4)
    return Bank(
        images=HashIndex.from_packed(image_ids, packed),
        items=items,
        videos={item: np.array(rows, dtype=np.uint64) for item, rows in frames.items()},
    )


def _pairwise(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamming distances of every row of ``a`` to every row of ``b`` (both (n, 4) uint64)."""
    xor = np.bitwise_xor(a[:, None, :], b[None, :, :])
    return np.asarray(np.bitwise_count(xor).sum(axis=2), dtype=np.int64)


def _match_image(bank: Bank, data: bytes) -> list[Found]:
    best: dict[str, tuple[int, int]] = {}  # item → (distance, query quality)
    for _name, query in query_variants(prepared(data)):
        for item, found in bank.images.search(query.hex, REVIEW_DISTANCE):
            if item not in best or found < best[item][0]:
                best[item] = (found, query.quality)
    out = []
    for item, (found, query_quality) in best.items():
        reference, item_quality = bank.items[item]
        said = verdict(found, quality=min(query_quality, item_quality))
        if said is not None:
            out.append(Found(item=item, case=reference, distance=found, verdict=said))
    return out


def _match_video(bank: Bank, data: bytes) -> list[Found]:
    query = np.array(
        [words_of(pdq) for _f, pdq, quality in _video_frames(data) if quality >= MIN_QUALITY],
        dtype=np.uint64,
    ).reshape(-1, 4)
    if not len(query):
        return []
    out = []
    for item, banked in bank.videos.items():
        nearest = _pairwise(query, banked).min(axis=1)
        share = float((nearest <= 31).mean())
        if share == 0:
            continue
        found = int(np.median(nearest))
        said = "match" if share >= VIDEO_SHARE else "review"
        out.append(Found(item=item, case=bank.items[item][0], distance=found, verdict=said))
    return out


def bank_match(*, bank: Bank, data: bytes) -> list[Found]:
    """Banked items within review distance of this file, nearest first; each item once.
    Raises ``MediaError``."""
    if not data:
        raise MediaError("unreadable")
    found = _match_video(bank, data) if is_video(data) else _match_image(bank, data)
    return sorted(found, key=lambda f: (f.distance, f.item))


@transaction.atomic
def bank_lookup_record(*, actor_label: str, files: int, matches: int) -> None:
    """Reading the bank is audited: how many files were looked up and how many items came back
    (no hash, no file name)."""
    audit_record(
        actor=None,
        actor_label=actor_label,
        action="takedown.match",
        data={"files": files, "matches": matches},
    )


def read_file(path: Path) -> bytes:
    """A file's bytes for hashing; ``MediaError`` when it cannot be read or is too large."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise MediaError("too_large")
        return path.read_bytes()
    except OSError as exc:
        raise MediaError("unreadable") from exc
