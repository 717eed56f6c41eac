"""The in-memory index finds exactly what brute force finds: on the shared corpus' 100 needles
and 1,350 haystack hashes, the 250 pairs at distance <= 31 (sorted tables and a fresh tail
alike) and a hit for every needle; on random hashes near and far, at every threshold; an item
with several banked variants is named once, at its smallest distance."""

from __future__ import annotations

import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from onestop.takedown.hashing import distance
from onestop.takedown.index import REBUILD_AT, HashIndex

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpora" / "pdq"


def lines(name: str) -> list[str]:
    return [line.strip() for line in (CORPUS / name).read_text().splitlines() if line.strip()]


def test_the_corpus_pairs_are_found_by_every_method() -> None:
    needles, haystack = lines("needles.txt"), lines("haystack.txt")
    assert (len(needles), len(haystack)) == (100, 1350)
    # (sorted word tables for most of it, the last ones added one by one: both paths)
    index = HashIndex.from_hashes([str(n) for n in range(1000)], haystack[:1000])
    for number, hex_hash in enumerate(haystack[1000:], start=1000):
        index.add(str(number), hex_hash)
    reference = {
        (n, h)
        for n, needle in enumerate(needles)
        for h, hay in enumerate(haystack)
        if distance(needle, hay) <= 31
    }
    by_index = {
        (n, int(item)) for n, needle in enumerate(needles) for item, _d in index.search(needle, 31)
    }
    by_brute = {
        (n, int(item))
        for n, needle in enumerate(needles)
        for item, _d in index.search_brute(needle, 31)
    }
    assert len(reference) == 250
    assert by_index == by_brute == reference
    assert {n for n, _h in reference} == set(range(100))  # every needle has a hit


def flipped(hex_hash: str, bits: list[int]) -> str:
    value = int(hex_hash, 16)
    for bit in bits:
        value ^= 1 << bit
    return f"{value:064x}"


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32), st.integers(0, 60))
def test_multi_index_equals_brute_force_at_every_threshold(seed: int, threshold: int) -> None:
    rng = random.Random(seed)
    base = [f"{rng.getrandbits(256):064x}" for _ in range(20)]
    hashes = []
    for number in range(600):  # near copies of a few originals, and unrelated hashes
        if number % 3:
            hashes.append(flipped(rng.choice(base), rng.sample(range(256), rng.randint(0, 70))))
        else:
            hashes.append(f"{rng.getrandbits(256):064x}")
    index = HashIndex.from_hashes([f"item-{n}" for n in range(500)], hashes[:500])
    for number, hex_hash in enumerate(hashes[500:], start=500):
        index.add(f"item-{number}", hex_hash)
    for query in base[:5]:
        assert index.search(query, threshold) == index.search_brute(query, threshold)


def test_an_item_with_variants_is_named_once_at_its_nearest() -> None:
    rng = random.Random(7)
    original = f"{rng.getrandbits(256):064x}"
    index = HashIndex()
    index.add("bank-1", flipped(original, list(range(20))))  # a variant, 20 bits away
    index.add("bank-1", flipped(original, [3, 4]))  # another, 2 bits away
    index.add("bank-2", flipped(original, list(range(100, 140))))  # 40 away: review band
    assert index.search(original, 31) == [("bank-1", 2)]
    assert index.search(original, 52) == [("bank-1", 2), ("bank-2", 40)]
    assert len(index) == 3


def test_hashes_added_one_by_one_are_folded_into_the_sorted_tables() -> None:
    rng = random.Random(11)
    original = f"{rng.getrandbits(256):064x}"
    index = HashIndex()
    index.add("early", flipped(original, [1, 2, 3]))
    for number in range(REBUILD_AT + 10):
        index.add(f"noise-{number}", f"{rng.getrandbits(256):064x}")
    assert index._sorted >= REBUILD_AT  # folded in, not scanned as a tail
    assert index.search(original, 31) == [("early", 3)]
    assert index.search(original, 31) == index.search_brute(original, 31)
