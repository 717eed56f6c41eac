"""The hash bank kept in memory for the life of a process, and brought up to date on each use.

``services.bank_load`` reads every banked hash and unseals it: right for a one-off command, far
too slow to repeat for every file that monitoring looks at. Here the bank is loaded once, then
each use (``bank_match_cached``) first asks the database only what changed since the last time:

- **items banked since** (``banked_at`` no older than the last refresh minus an overlap of a
  few minutes, so that a transaction that stamped its item earlier but committed later is still
  seen); ids already loaded are skipped, the rest are unsealed and added to the index
  (``HashIndex.add`` keeps them in its tail);
- **items withdrawn since** (``withdrawn_at`` in the same window): dropped at once, so they are
  never reported again (their hashes leave memory at the next full rebuild).

Every ``TAKEDOWN_BANK_CHECK_SECONDS`` the number of items in force is compared with the
database's; a difference (an item deleted under the retention rules, a commit later than the
overlap, a rolled-back load) rebuilds the bank from scratch. Answers are those of a fresh
``bank_load()`` and ``bank_match()``.

One lock guards the bank: the index folds its tail in place while it searches, so a lookup and
a refresh never run at the same time in two threads. Nothing here writes, and nothing here
audits: the caller audits what it looked up."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast

import numpy as np
from django.conf import settings
from django.db.models import Q

from onestop.core import clock
from onestop.takedown.hashing import MIN_QUALITY
from onestop.takedown.index import HashIndex, words_of
from onestop.takedown.models import BankHash, BankItem, MediaKind
from onestop.takedown.services import Bank, Found, bank_match

OVERLAP = dt.timedelta(minutes=5)
CHECK_SECONDS = 60.0
# More new items than this in one refresh (a long pause, a bulk import): rebuild instead.
MAX_INCREMENT = 5000


class LiveIndex(HashIndex):
    """A ``HashIndex`` whose withdrawn items are left out of every answer."""

    def __init__(self) -> None:
        super().__init__()
        self.dropped: set[str] = set()
        self.dropped_rows = 0

    def _kept(self, found: list[tuple[str, int]]) -> list[tuple[str, int]]:
        if not self.dropped:
            return found
        return [pair for pair in found if pair[0] not in self.dropped]

    def search_brute(self, hex_hash: str, max_distance: int) -> list[tuple[str, int]]:
        return self._kept(super().search_brute(hex_hash, max_distance))

    def search(self, hex_hash: str, max_distance: int) -> list[tuple[str, int]]:
        return self._kept(super().search(hex_hash, max_distance))


@dataclass
class CacheStats:
    """What the cache has done in this process (for tests and the ``monitor`` command)."""

    rebuilds: int = 0
    refreshes: int = 0
    added: int = 0
    dropped: int = 0
    items: int = 0
    hashes: int = 0


@dataclass
class _State:
    bank: Bank | None = None
    loaded: set[str] = field(default_factory=set)  # every item id read (in force or dropped)
    refreshed_at: dt.datetime | None = None  # the clock when the last refresh began
    checked_at: float = 0.0  # time.monotonic() of the last count check
    stats: CacheStats = field(default_factory=CacheStats)


_lock = threading.RLock()
_state = _State()


def _overlap() -> dt.timedelta:
    seconds = getattr(settings, "TAKEDOWN_BANK_REFRESH_OVERLAP_SECONDS", None)
    return OVERLAP if seconds is None else dt.timedelta(seconds=float(seconds))


def _check_seconds() -> float:
    return float(getattr(settings, "TAKEDOWN_BANK_CHECK_SECONDS", CHECK_SECONDS))


@dataclass
class _Loaded:
    items: dict[str, tuple[str, int]]
    image_ids: list[str]
    image_words: list[np.ndarray]
    frames: dict[str, list[np.ndarray]]


def _read(items: Iterable[tuple[object, str, int]], hashes: Iterable[BankHash]) -> _Loaded:
    """Items (id, case reference, quality) and their hashes, unsealed, as ``bank_load`` reads
    them: every hash of an image; the frames of quality >= 50 of a video."""
    loaded = _Loaded(
        items={str(pk): (reference, quality) for pk, reference, quality in items},
        image_ids=[],
        image_words=[],
        frames={},
    )
    for hash_row in hashes:
        item = str(hash_row.item_id)
        if item not in loaded.items:
            continue  # (withdrawn between the two reads: left out, as a fresh load would)
        if hash_row.item.kind == MediaKind.VIDEO:
            if hash_row.quality >= MIN_QUALITY:
                loaded.frames.setdefault(item, []).append(words_of(hash_row.pdq))
        else:
            loaded.image_ids.append(item)
            loaded.image_words.append(words_of(hash_row.pdq))
    return loaded


def _hash_rows(where: Q) -> Iterable[BankHash]:
    return (
        BankHash.objects.filter(where)
        .select_related("item")
        .only("pdq", "quality", "item__kind", "item_id")
        .iterator(chunk_size=2000)
    )


def _rebuild_locked() -> Bank:
    started = clock.now()
    loaded = _read(
        BankItem.objects.filter(withdrawn_at__isnull=True).values_list(
            "pk", "case__reference", "quality"
        ),
        _hash_rows(Q(item__withdrawn_at__isnull=True)),
    )
    packed = np.array(loaded.image_words, dtype=np.uint64).reshape(-1, 4)
    images = cast(LiveIndex, LiveIndex.from_packed(loaded.image_ids, packed))
    bank = Bank(
        images=images,
        items=loaded.items,
        videos={item: np.array(rows, dtype=np.uint64) for item, rows in loaded.frames.items()},
    )
    _state.bank = bank
    _state.loaded = set(loaded.items)
    _state.refreshed_at = started
    _state.checked_at = time.monotonic()
    _state.stats.rebuilds += 1
    _state.stats.items = len(bank.items)
    _state.stats.hashes = len(images)
    return bank


def _drop_locked(bank: Bank, ids: set[str]) -> None:
    images = cast(LiveIndex, bank.images)
    for item in ids:
        bank.items.pop(item, None)
        bank.videos.pop(item, None)
    images.dropped |= ids
    _state.stats.dropped += len(ids)
    _state.stats.items = len(bank.items)


def _refresh_locked(*, check: bool) -> Bank:
    bank, since = _state.bank, _state.refreshed_at
    if bank is None or since is None:
        return _rebuild_locked()
    started = clock.now()
    window = since - _overlap()
    fresh = [
        row
        for row in BankItem.objects.filter(
            banked_at__gte=window, withdrawn_at__isnull=True
        ).values_list("pk", "case__reference", "quality")
        if str(row[0]) not in _state.loaded
    ]
    if len(fresh) > MAX_INCREMENT:
        return _rebuild_locked()
    gone = {
        str(pk)
        for pk in BankItem.objects.filter(withdrawn_at__gte=window).values_list("pk", flat=True)
        if str(pk) in bank.items
    }
    if gone:
        _drop_locked(bank, gone)
    if fresh:
        loaded = _read(fresh, _hash_rows(Q(item_id__in=[pk for pk, _r, _q in fresh])))
        for item, hex_words in zip(loaded.image_ids, loaded.image_words, strict=True):
            bank.images.add(item, _hex(hex_words))
        for item, rows in loaded.frames.items():
            bank.videos[item] = np.array(rows, dtype=np.uint64)
        bank.items.update(loaded.items)
        _state.loaded |= set(loaded.items)
        _state.stats.added += len(loaded.items)
        _state.stats.items = len(bank.items)
        _state.stats.hashes = len(bank.images)
    _state.refreshed_at = started
    _state.stats.refreshes += 1
    due = time.monotonic() - _state.checked_at >= _check_seconds()
    if check or due:
        _state.checked_at = time.monotonic()
        in_force = BankItem.objects.filter(withdrawn_at__isnull=True).count()
        if in_force != len(bank.items):
            return _rebuild_locked()
    images = cast(LiveIndex, bank.images)
    if len(images.dropped) > max(1000, len(bank.items) // 10):
        return _rebuild_locked()  # (let the withdrawn items' hashes go)
    return bank


def _hex(words: np.ndarray) -> str:
    return np.asarray(words, dtype=">u8").tobytes().hex()


def bank_cached(*, check: bool = False) -> Bank:
    """The process's bank, brought up to date (``check``: compare the count of items in force
    with the database's now, rather than once a minute). Use it only under ``bank_lock()``:
    the index is not safe to search from two threads at once."""
    with _lock:
        return _refresh_locked(check=check)


def bank_lock() -> threading.RLock:
    return _lock


def bank_match_cached(*, data: bytes, refresh: bool = True) -> list[Found]:
    """``bank_match`` against the process's bank, first brought up to date (unless
    ``refresh`` is false: the caller has just refreshed it). Raises ``MediaError`` (and
    ``VideoHashingUnavailable`` for a video where vPDQ is not installed)."""
    with _lock:
        bank = _refresh_locked(check=False) if refresh or _state.bank is None else _state.bank
        return bank_match(bank=bank, data=data)


def bank_rebuild() -> CacheStats:
    """Read the whole bank again (after a restore, or to let withdrawn items' hashes go)."""
    with _lock:
        _rebuild_locked()
        return bank_cache_stats()


def bank_cache_clear() -> None:
    """Forget the bank: the next use loads it again (tests; a key rotation)."""
    with _lock:
        fresh = _State()
        for name in ("bank", "loaded", "refreshed_at", "checked_at", "stats"):
            setattr(_state, name, getattr(fresh, name))


def bank_cache_stats() -> CacheStats:
    with _lock:
        stats = _state.stats
        return CacheStats(**vars(stats))
