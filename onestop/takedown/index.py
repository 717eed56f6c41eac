"""Finding banked PDQ hashes near a query, in memory.

Two ways, with the same answers:
- **multi-index hashing** for PDQ's match threshold: the 256 bits are cut into 32 bytes, and two
  hashes at distance <= 31 agree on at least one whole byte (pigeonhole: 31 differing bits
  cannot touch all 32 bytes). So the candidates are the hashes sharing a byte, in place, with
  the query; their exact distance is then checked. Exact for any distance up to 31;
- **brute force** over a packed array (four 64-bit words per hash, XOR and popcount in numpy),
  for the review band (32-52) and as the baseline it is tested against.

Items are added one at a time (the bank grows as staff bank content) or rebuilt in bulk; an
item id may have several hashes (the variants banked for it): a search names each item once,
at its smallest distance."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

BYTES = 32
MIH_EXACT_UP_TO = BYTES - 1


def words_of(hex_hash: str) -> np.ndarray:
    """A 64-hex-digit hash as four big-endian 64-bit words."""
    return np.asarray(np.frombuffer(bytes.fromhex(hex_hash), dtype=">u8"), dtype=np.uint64)


class HashIndex:
    def __init__(self) -> None:
        self._items: list[str] = []
        self._words = np.zeros((1024, 4), dtype=np.uint64)
        self._size = 0
        self._by_byte: list[defaultdict[int, list[int]]] = [defaultdict(list) for _ in range(BYTES)]

    def __len__(self) -> int:
        return self._size

    def add(self, item: str, hex_hash: str) -> None:
        raw = bytes.fromhex(hex_hash)
        if len(raw) != BYTES:
            raise ValueError("a PDQ hash has 64 hex digits")
        if self._size == len(self._words):
            grown = np.zeros((len(self._words) * 2, 4), dtype=np.uint64)
            grown[: self._size] = self._words[: self._size]
            self._words = grown
        row = self._size
        self._words[row] = words_of(hex_hash)
        self._items.append(item)
        for position, value in enumerate(raw):
            self._by_byte[position][value].append(row)
        self._size += 1

    def _distances(self, query: np.ndarray, rows: np.ndarray | slice) -> np.ndarray:
        xor = np.bitwise_xor(self._words[rows], query)
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
        distances = self._distances(words_of(hex_hash), slice(0, self._size))
        rows = np.nonzero(distances <= max_distance)[0]
        return self._named(rows, distances[rows])

    def search(self, hex_hash: str, max_distance: int) -> list[tuple[str, int]]:
        """Every item within ``max_distance``, nearest first: by multi-index hashing up to 31,
        by brute force beyond (where the byte lookup would miss some)."""
        if max_distance > MIH_EXACT_UP_TO:
            return self.search_brute(hex_hash, max_distance)
        raw = bytes.fromhex(hex_hash)
        candidates: set[int] = set()
        for position, value in enumerate(raw):
            candidates.update(self._by_byte[position].get(value, ()))
        if not candidates:
            return []
        rows = np.fromiter(candidates, dtype=np.int64, count=len(candidates))
        distances = self._distances(words_of(hex_hash), rows)
        keep = distances <= max_distance
        return self._named(rows[keep], distances[keep])
