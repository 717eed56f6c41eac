"""Benchmark: finding a returning caller, and taking contacts.

Measures, in one run on the configured database:
- duplicate lookup through the blind indexes (what intake does) against the naive baseline of
  decrypting every victim of the agency and comparing (what we would do without the indexes);
- intake throughput (a full intake: validate, match, create victim and case, audit, enqueue);
- audit append throughput.

Run:  .venv/bin/python bench/bench_intake.py [--victims 5000]
      DATABASE_URL=postgres://postgres@127.0.0.1:5432/onestop_bench .venv/bin/python bench/...
The database is flushed first: point it at a scratch database.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.config.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["ONESTOP_SQLITE_PATH"] = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")

import django

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from onestop.accounts.models import Agency, Staff  # noqa: E402
from onestop.audit.services import audit_record  # noqa: E402
from onestop.core.phone import normalize_phone  # noqa: E402
from onestop.intake.services import IntakeInput, intake_submit  # noqa: E402
from onestop.people.identity import name_birth_index, phone_index  # noqa: E402
from onestop.people.models import Victim  # noqa: E402
from onestop.people.selectors import victim_find_matches  # noqa: E402

SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN = "민서지현수영은하윤아예진소연채원다인서연하은"


def name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)


def phone(rng: random.Random) -> str:
    return f"010-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"


def timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--victims", type=int, default=5000)
    parser.add_argument("--intakes", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(20261124)

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    agency = Agency.objects.create(code="bench", kind="hotline_1366", name="bench", region="seoul")
    actor = Staff.objects.create(
        username="bench", agency=agency, role="hotline_counselor", password=make_password(None)
    )
    people = [(name(rng), phone(rng), rng.randint(1960, 2008)) for _ in range(args.victims)]
    rows = []
    for n, p, y in people:
        e164 = normalize_phone(p)
        rows.append(
            Victim(
                agency=agency, name=n, phone=e164, birth_year=y,
                phone_index=phone_index(e164), name_birth_index=name_birth_index(n, y),
            )
        )  # fmt: skip
    Victim.objects.bulk_create(rows, batch_size=1000)
    probes = [rng.choice(people) for _ in range(200)]

    def indexed() -> None:
        n, p, y = rng.choice(probes)
        if not list(victim_find_matches(agency=agency, phone=p, name=n, birth_year=y)):
            raise SystemExit("blind index lookup missed a known victim")

    def naive() -> None:
        n, p, y = rng.choice(probes)
        wanted = normalize_phone(p)
        found = [
            v for v in Victim.objects.filter(agency=agency)
            if v.phone == wanted or (v.name == n and v.birth_year == y)
        ]  # fmt: skip
        if not found:
            raise SystemExit("scan missed a known victim")

    fast = timed(indexed, 200)
    slow = timed(naive, 5)
    print(f"database: {connection.vendor}, victims in agency: {args.victims}")
    print(f"duplicate lookup, blind index : median {statistics.median(fast) * 1000:8.2f} ms")
    print(f"duplicate lookup, decrypt-scan: median {statistics.median(slow) * 1000:8.2f} ms")
    ratio = statistics.median(slow) / statistics.median(fast)
    print(f"ratio decrypt-scan / blind index: {ratio:.0f}x")

    start = time.perf_counter()
    for i in range(args.intakes):
        intake_submit(
            actor=actor,
            data=IntakeInput(
                channel="hotline", name=f"신규{i}", phone=f"010-5555-{i:04d}", birth_year=1990,
                stalking_behaviours=["communication"], summary="벤치마크 상담 요약",
            ),
            confirmed_new_person=True,
        )  # fmt: skip
    intake_s = time.perf_counter() - start
    print(f"intake (new case, full path): {args.intakes / intake_s:8.1f} intakes/s "
          f"({intake_s / args.intakes * 1000:.1f} ms each)")  # fmt: skip

    start = time.perf_counter()
    for i in range(1000):
        audit_record(actor=actor, action="bench.event", data={"i": i})
    audit_s = time.perf_counter() - start
    print(f"audit append: {1000 / audit_s:8.1f} entries/s")
    print(f"intake cost / audit append cost: {(intake_s / args.intakes) / (audit_s / 1000):.1f}x")


if __name__ == "__main__":
    main()
