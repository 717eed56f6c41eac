"""Benchmark: the victim portal's heavy paths.

Measures, in one run on the configured database:
- an application from the portal (validate, victim, case, consents, application row, portal
  access with its passphrase hash, audit) against the staff intake of the same contact (the
  baseline: the same case without consents and portal access); the passphrase hash is the
  production hasher (Argon2), so its share is shown on its own;
- importing a KakaoTalk export of N messages over 30 days (seal the file, parse, one incident
  per day, one timeline entry) against only sealing and storing the same file;
- her page of who accessed her case (the audit log of one case read back in plain words) for a
  case with many entries, against counting those entries.

Run:  .venv/bin/python bench/bench_portal.py [--applications 50] [--messages 20000]
      DATABASE_URL=postgres://postgres@127.0.0.1:5432/onestop_bench .venv/bin/python bench/...
The database is flushed first: point it at a scratch database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.config.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["ONESTOP_SQLITE_PATH"] = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")
os.environ.setdefault("ONESTOP_EVIDENCE_DIR", tempfile.mkdtemp())

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from onestop.accounts.models import Agency, Staff  # noqa: E402
from onestop.audit.models import AuditEntry  # noqa: E402
from onestop.audit.services import audit_record  # noqa: E402
from onestop.evidence.services import (  # noqa: E402
    evidence_file_add_by_victim,
    evidence_import_by_victim,
)
from onestop.intake.services import ApplicationInput, IntakeInput, intake_submit  # noqa: E402
from onestop.portal.selectors import access_log_for_case  # noqa: E402
from onestop.portal.services import portal_apply  # noqa: E402

PASSPHRASE = "벤치마크 비밀 문구 2026"  # noqa: S105  (a scratch database)


def chat_export(messages: int, salt: int) -> bytes:
    start = dt.datetime(2026, 10, 1, 8, 0)  # noqa: DTZ001  (wall-clock text in the file)
    lines = ["이○○ 님과 카카오톡 대화", "저장한 날짜 : 2026. 11. 1. 오전 10:50", ""]
    for i in range(messages):
        at = start + dt.timedelta(minutes=i * 30 * 24 * 60 // messages)
        half = "오전" if at.hour < 12 else "오후"
        hour = at.hour % 12 or 12
        who = "이○○" if i % 10 else "서하"
        day = f"{at.year}. {at.month}. {at.day}."
        lines.append(f"{day} {half} {hour}:{at.minute:02d}, {who} : 메시지 {salt}-{i}")
    return "\n".join(lines).encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applications", type=int, default=50)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--audit", type=int, default=2000)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    center = Agency.objects.create(
        code="bench-center", kind="onestop_center", name="bench", region="seoul",
        is_default_center=True,
    )  # fmt: skip
    actor = Staff.objects.create(
        username="bench", agency=center, role="case_manager", password=make_password(None)
    )
    hasher = settings.PASSWORD_HASHERS[0].rsplit(".", 1)[-1]
    print(f"database: {connection.vendor}, passphrase hasher: {hasher}")

    # --- applying, against the staff intake of the same contact ---------------------------------
    applied, taken = [], []
    for i in range(args.applications):
        caches["default"].clear()  # (the per-address limit is not what is measured)
        start = time.perf_counter()
        result = portal_apply(
            data=ApplicationInput(
                submission_token=f"bench-token-{i:06d}-xxxxxxxx", behaviours=("communication",),
                frequency="daily", relationship="former_partner", description="벤치마크 신청",
                wanted_services=("counseling", "security"), name=f"신청{i}",
                phone=f"010-7777-{i:04d}", safe_contact_method="sms",
                consents=("support_services", "share_with_providers", "statistics"),
            ),
            passphrase=PASSPHRASE, passphrase_again=PASSPHRASE, code_word="민트초코",
            address="10.0.0.1",
        )  # fmt: skip
        applied.append(time.perf_counter() - start)
        start = time.perf_counter()
        intake_submit(
            actor=actor,
            data=IntakeInput(
                channel="web", name=f"접수{i}", phone=f"010-6666-{i:04d}",
                stalking_behaviours=["communication"], summary="벤치마크 상담 요약",
            ),
            confirmed_new_person=True,
        )  # fmt: skip
        taken.append(time.perf_counter() - start)
    start = time.perf_counter()
    for _ in range(args.applications):
        make_password(PASSPHRASE)
    hashing = (time.perf_counter() - start) / args.applications
    a, b = statistics.median(applied), statistics.median(taken)
    print(f"application from the portal : median {a * 1000:8.1f} ms")
    print(f"staff intake (baseline)     : median {b * 1000:8.1f} ms")
    print(f"  of which the passphrase hash: {hashing * 1000:8.1f} ms")
    print(f"ratio application / intake: {a / b:.1f}x; without the hash: {(a - hashing) / b:.1f}x")
    case = result.access.case

    # --- a KakaoTalk export, against only keeping the file ---------------------------------------
    data = chat_export(args.messages, 1)
    start = time.perf_counter()
    kept = evidence_file_add_by_victim(case=case, name="chat.txt", data=data, for_import=True)
    keep_s = time.perf_counter() - start
    start = time.perf_counter()
    imported = evidence_import_by_victim(case=case, file_id=kept.pk, subject="이○○")
    import_s = time.perf_counter() - start
    print(f"chat export: {args.messages:,} messages, {len(data) / 1024:.0f} KB, "
          f"{len(imported.daily)} days")  # fmt: skip
    print(f"  keep the file (seal, hash, store): {keep_s * 1000:8.1f} ms")
    print(
        f"  import it (parse, {len(imported.daily)} incidents, 1 event): {import_s * 1000:8.1f} ms"
    )
    print(f"  ratio import / keep: {import_s / keep_s:.1f}x; "
          f"{args.messages / import_s:,.0f} messages/s")  # fmt: skip

    # --- her access page over a long audit log -------------------------------------------------
    for i in range(args.audit):
        audit_record(actor=actor, action="case.view.case", target=case, data={"i": i})
    reads, counts = [], []
    for _ in range(20):
        start = time.perf_counter()
        rows = access_log_for_case(case=case)
        reads.append(time.perf_counter() - start)
        start = time.perf_counter()
        AuditEntry.objects.filter(target_type="cases.case", target_id=str(case.pk)).count()
        counts.append(time.perf_counter() - start)
    r, c = statistics.median(reads), statistics.median(counts)
    print(f"access page over {args.audit:,} entries ({len(rows)} shown): median {r * 1000:.1f} ms;"
          f" counting them: {c * 1000:.1f} ms; ratio {r / c:.1f}x")  # fmt: skip


if __name__ == "__main__":
    main()
