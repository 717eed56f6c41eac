"""Benchmark: deletion support's hashing and matching (issue 7, first part).

Measures, in one run:
- PDQ images hashed per second on one core (1024x768 JPEG, decoding and the 512-px preparation
  included), against decoding alone (the baseline);
- one query against N banked hashes: multi-index hashing at distance <= 31 against the numpy
  brute-force scan of the same index (p50/p95), and the index's memory per hash;
- batched queries per second: a batch of queries (a monitoring run's found images) through
  ``HashIndex.search`` one after another, against the numpy brute force doing the whole batch
  block by block (each block of banked hashes is scanned for every query of the batch while it
  is in the cache: brute force at its best), with the ratio. Both answers are checked equal.

Run:  .venv/bin/python bench/bench_hashing.py [--hashes 1000000] [--images 200] [--batch 1000]
      (``--brute-batch`` caps the queries the brute force does, for 10 million hashes.)
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.config.settings")
os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core

import numpy as np
from PIL import Image

from onestop.takedown.hashing import pdq
from onestop.takedown.index import HashIndex, words_of


def photo(rng: random.Random) -> bytes:
    """A 1024x768 JPEG with structure (gradients and blocks), as a camera photo compresses."""
    base = np.linspace(0, 255, 1024, dtype=np.float32)[None, :, None] * np.ones((768, 1, 3))
    noise = np.random.default_rng(rng.getrandbits(32)).normal(0, 25, (768, 1024, 3))
    blocks = np.kron(
        np.random.default_rng(rng.getrandbits(32)).integers(0, 255, (12, 16, 3)),
        np.ones((64, 64, 1)),
    )
    pixels = np.clip(base * 0.4 + blocks * 0.5 + noise, 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="JPEG", quality=88)
    return out.getvalue()


def reuploads(rng: random.Random, packed: np.ndarray, count: int, changed: int = 10) -> list[str]:
    """``count`` banked hashes spread over the bank, each with ``changed`` bits flipped."""
    step = max(1, len(packed) // count)
    out = []
    for row in range(0, step * count, step):
        bits = int("".join(f"{int(w):016x}" for w in packed[row % len(packed)]), 16)
        for bit in rng.sample(range(256), changed):
            bits ^= 1 << bit
        out.append(f"{bits:064x}")
    return out


def brute_batch(
    index: HashIndex, queries: list[str], max_distance: int, block: int = 1 << 18
) -> list[list[tuple[str, int]]]:
    """Every query's items within ``max_distance`` by scanning every hash, a block of banked
    hashes at a time for the whole batch (the block stays in the cache across the queries)."""
    packed = index._all()
    words = np.array([words_of(q) for q in queries], dtype=np.uint64).reshape(-1, 4)
    found: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in queries]
    for start in range(0, len(packed), block):
        rows = packed[start : start + block]
        for position, query in enumerate(words):
            distances = np.bitwise_count(np.bitwise_xor(rows, query)).sum(axis=1, dtype=np.int64)
            near = np.nonzero(distances <= max_distance)[0]
            if len(near):
                found[position].append((near + start, distances[near]))
    out = []
    for pieces in found:
        if not pieces:
            out.append([])
            continue
        rows_found = np.concatenate([p[0] for p in pieces])
        distances_found = np.concatenate([p[1] for p in pieces])
        out.append(index._named(rows_found, distances_found))
    return out


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hashes", type=int, default=1_000_000)
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--batch", type=int, default=1000, help="queries in the batch")
    parser.add_argument(
        "--brute-batch", type=int, default=0, help="queries the brute force does (0: all)"
    )
    args = parser.parse_args()
    rng = random.Random(20261125)

    images = [photo(rng) for _ in range(args.images)]
    start = time.perf_counter()
    for data in images:
        Image.open(io.BytesIO(data)).convert("RGB").load()
    decode_s = time.perf_counter() - start
    start = time.perf_counter()
    for data in images:
        pdq(data)
    hash_s = time.perf_counter() - start
    print(f"PDQ, 1024x768 JPEG, one core: {args.images / hash_s:7.1f} images/s")
    print(f"  decode alone: {args.images / decode_s:7.1f}/s; ratio {hash_s / decode_s:.1f}x")

    generator = np.random.default_rng(rng.getrandbits(32))
    packed = generator.integers(0, 2**63, size=(args.hashes, 4), dtype=np.uint64)
    packed ^= generator.integers(0, 2, size=(args.hashes, 4), dtype=np.uint64) << np.uint64(63)
    start = time.perf_counter()
    index = HashIndex.from_packed([f"item-{n}" for n in range(args.hashes)], packed)
    build_s = time.perf_counter() - start
    arrays = index._packed.nbytes + sum(o.nbytes for o in index._order)
    arrays += sum(s.nbytes for s in index._starts)
    step = max(1, args.hashes // args.queries)
    banked = ["".join(f"{int(w):016x}" for w in packed[row]) for row in range(0, args.hashes, step)]
    queries = []
    for value in banked[: args.queries]:  # a banked hash with 10 bits changed: a re-upload
        bits = int(value, 16)
        for bit in rng.sample(range(256), 10):
            bits ^= 1 << bit
        queries.append(f"{bits:064x}")
    fast, slow = [], []
    for query in queries:
        start = time.perf_counter()
        found = index.search(query, 31)
        fast.append(time.perf_counter() - start)
        start = time.perf_counter()
        same = index.search_brute(query, 31)
        slow.append(time.perf_counter() - start)
        if found != same or not found:
            raise SystemExit("the index and brute force disagree")
    print(f"one query against {args.hashes:,} hashes at <= 31:")
    print(f"  multi-index: p50 {statistics.median(fast) * 1000:7.2f} ms, "
          f"p95 {percentile(fast, 0.95) * 1000:7.2f} ms")  # fmt: skip
    print(f"  brute force: p50 {statistics.median(slow) * 1000:7.2f} ms, "
          f"p95 {percentile(slow, 0.95) * 1000:7.2f} ms")  # fmt: skip
    ratio = statistics.median(slow) / statistics.median(fast)
    print(f"  ratio brute / multi-index (p50): {ratio:.1f}x")
    print(f"  built in {build_s:.1f} s; arrays {arrays / args.hashes:.0f} bytes per hash "
          "(plus the item ids)")  # fmt: skip

    batch = reuploads(rng, packed, args.batch)
    start = time.perf_counter()
    answers = [index.search(query, 31) for query in batch]
    batch_s = time.perf_counter() - start
    brute_n = min(args.brute_batch or len(batch), len(batch))
    start = time.perf_counter()
    brute_answers = brute_batch(index, batch[:brute_n], 31)
    brute_s = time.perf_counter() - start
    if brute_answers != answers[:brute_n] or not all(answers):
        raise SystemExit("the index and brute force disagree on the batch")
    fast_qps, brute_qps = len(batch) / batch_s, brute_n / brute_s
    print(f"batched: {len(batch):,} queries (re-uploads, 10 bits off) against "
          f"{args.hashes:,} hashes at <= 31, one core:")  # fmt: skip
    print(f"  multi-index (HashIndex.search): {fast_qps:9,.1f} queries/s "
          f"({batch_s:.2f} s for the batch)")  # fmt: skip
    print(f"  brute force (numpy, by blocks): {brute_qps:9,.1f} queries/s "
          f"({brute_s:.2f} s for {brute_n:,} queries)")  # fmt: skip
    print(f"  ratio multi-index / brute force: {fast_qps / brute_qps:.1f}x")


if __name__ == "__main__":
    main()
