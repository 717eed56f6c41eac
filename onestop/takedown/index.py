"""Finding banked PDQ hashes near a query, in memory.

Two ways, with the same answers:
- **multi-index hashing** for PDQ's match threshold: the 256 bits are cut into 16 words of 16
  bits. Two hashes at distance <= 31 differ in at most one bit in at least one word (pigeonhole:
  were every word two bits apart, the distance would be 32 or more). So the candidates are the
  hashes whose word equals one of the query's words or one of its 16 one-bit neighbours — 272
  lookups — and their exact distance is then checked. Exact for any distance up to 31;
- **brute force** over a packed array (four 64-bit words per hash, XOR and popcount in numpy),
  for the review band (32-52) and as the baseline it is tested against.

The words are kept sorted (one ``argsort`` per word position, with bucket offsets), so a lookup
is a slice. Hashes added since the last sort sit in a small tail that every query scans; the
tail is folded in once it grows past ``REBUILD_AT``. An item id may have several hashes (the
variants banked for it): a search names each item once, at its smallest distance."""

from __future__ import annotations

import numpy as np

WORDS = 16  # 16-bit words per hash
MIH_EXACT_UP_TO = 2 * WORDS - 1  # 31
REBUILD_AT = 4096
_NEIGHBOURS = np.array([0] + [1 << bit for bit in range(16)], dtype=np.uint16)


def words_of(hex_hash: str) -> np.ndarray:
    """A 64-hex-digit hash as four big-endian 64-bit words."""
    raw = bytes.fromhex(hex_hash)
    if len(raw) != 32:
        raise ValueError("a PDQ hash has 64 hex digits")
    return np.asarray(np.frombuffer(raw, dtype=">u8"), dtype=np.uint64)


def _sixteens(packed: np.ndarray) -> np.ndarray:
    """(N, 4) uint64 → (N, 16) uint16, most significant first."""
    shifts = np.array([48, 32, 16, 0], dtype=np.uint64)
    parts = (packed[:, :, None] >> shifts[None, None, :]) & np.uint64(0xFFFF)
    return np.asarray(parts.reshape(len(packed), WORDS), dtype=np.uint16)


class HashIndex:
    def __init__(self) -> None:
        self._items: list[str] = []
        self._packed = np.zeros((0, 4), dtype=np.uint64)
        self._sorted = 0  # rows covered by the sorted word tables
        self._order: list[np.ndarray] = []
        self._starts: list[np.ndarray] = []
        self._tail: list[np.ndarray] = []

    @classmethod
    def from_hashes(cls, items: list[str], hex_hashes: list[str]) -> HashIndex:
        index = cls()
        index._items = list(items)
        index._packed = np.array([words_of(h) for h in hex_hashes], dtype=np.uint64).reshape(-1, 4)
        index._sort()
        return index

    @classmethod
    def from_packed(cls, items: list[str], packed: np.ndarray) -> HashIndex:
        """Bulk load (a rebuild from the database): ``packed`` is (N, 4) uint64."""
        index = cls()
        index._items = list(items)
        index._packed = np.ascontiguousarray(packed, dtype=np.uint64)
        index._sort()
        return index

    def __len__(self) -> int:
        return len(self._items)

    def _all(self) -> np.ndarray:
        if self._tail:
            self._packed = np.vstack([self._packed, np.array(self._tail, dtype=np.uint64)])
            self._tail = []
        return self._packed

    def _sort(self) -> None:
        packed = self._all()
        words = _sixteens(packed)
        self._order, self._starts = [], []
        for position in range(WORDS):
            column = words[:, position]
            order = np.argsort(column, kind="stable").astype(np.int32)  # (rows < 2**31)
            counts = np.bincount(column, minlength=1 << 16)
            starts = np.zeros((1 << 16) + 1, dtype=np.int64)
            np.cumsum(counts, out=starts[1:])
            self._order.append(order)
            self._starts.append(starts)
        self._sorted = len(packed)

    def add(self, item: str, hex_hash: str) -> None:
        self._tail.append(words_of(hex_hash))
        self._items.append(item)
        if len(self._tail) >= REBUILD_AT:
            self._sort()

    def _distances(self, query: np.ndarray, rows: np.ndarray | slice) -> np.ndarray:
        xor = np.bitwise_xor(self._packed[rows], query)
        return np.asarray(np.bitwise_count(xor).sum(axis=1, dtype=np.int64), dtype=np.int64)

    def _named(self, rows: np.ndarray, distances: np.ndarray) -> list[tuple[str, int]]:
        best: dict[str, int] = {}
        for row, found in zip(rows.tolist(), distances.tolist(), strict=True):
            item = self._items[row]
            if found < best.get(item, 257):
                best[item] = found
        return sorted(best.items(), key=lambda pair: (pair[1], pair[0]))

    def search_brute(self, hex_hash: str, max_distance: int) -> list[tuple[str, int]]:
        """Every item within ``max_distance``, nearest first, by scanning every hash."""
        self._all()
        distances = self._distances(words_of(hex_hash), slice(0, len(self._packed)))
        rows = np.nonzero(distances <= max_distance)[0]
        return self._named(rows, distances[rows])

    def search(self, hex_hash: str, max_distance: int) -> list[tuple[str, int]]:
        """Every item within ``max_distance``, nearest first: by multi-index hashing up to 31,
        by brute force beyond (where the word lookup would miss some)."""
        if max_distance > MIH_EXACT_UP_TO:
            return self.search_brute(hex_hash, max_distance)
        query = words_of(hex_hash)
        pieces = []
        if self._sorted:
            probes = _sixteens(query[None, :])[0]
            for position in range(WORDS):
                starts, order = self._starts[position], self._order[position]
                for value in np.bitwise_xor(probes[position], _NEIGHBOURS).tolist():
                    low, high = starts[value], starts[value + 1]
                    if high > low:
                        pieces.append(order[low:high])
        tail_start = self._sorted
        self._all()  # (the tail joins the packed array; its rows are scanned directly)
        if len(self._packed) > tail_start:
            pieces.append(np.arange(tail_start, len(self._packed), dtype=np.int64))
        if not pieces:
            return []
        rows = np.unique(np.concatenate(pieces))
        distances = self._distances(query, rows)
        keep = distances <= max_distance
        return self._named(rows[keep], distances[keep])
