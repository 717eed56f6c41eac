"""Benchmark: deletion support's hashing and matching (issue 7, first part).

Measures, in one run:
- PDQ images hashed per second on one core (1024x768 JPEG, decoding and the 512-px preparation
  included), against decoding alone (the baseline);
- one query against N banked hashes: multi-index hashing at distance <= 31 against the numpy
  brute-force scan of the same index (p50/p95), and the index's memory per hash.

Run:  .venv/bin/python bench/bench_hashing.py [--hashes 1000000] [--images 200]
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

import numpy as np
from PIL import Image

from onestop.takedown.hashing import pdq
from onestop.takedown.index import HashIndex


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


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hashes", type=int, default=1_000_000)
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--queries", type=int, default=200)
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
    print(f"  batched: {len(queries) / sum(fast):,.0f} queries/s one after another")
    print(f"  built in {build_s:.1f} s; arrays {arrays / args.hashes:.0f} bytes per hash "
          "(plus the item ids)")  # fmt: skip


if __name__ == "__main__":
    main()
