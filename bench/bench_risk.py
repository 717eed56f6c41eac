"""Benchmark: risk assessments, protective measures and the reminder sweep.

Measures, in one run on the configured database:
- recording an assessment with the bundled screening instrument (lock, validate, score, write,
  flag the case, timeline, audit, enqueue) against the baseline of a case note (lock, write,
  timeline, audit, enqueue): what the instrument engine costs on top of any audited write;
- recording a protective measure (term rule included), the same way;
- the reminder sweep over a national-scale center: N open cases, a tenth with a measure, all
  assessed; the first sweep sends the due reminders, the second finds them sent and sends
  nothing. Baseline: listing the open cases once (the least any sweep must read).

Run:  .venv/bin/python bench/bench_risk.py [--cases 20000] [--writes 200]
      DATABASE_URL=postgres://postgres@127.0.0.1:5432/onestop_bench .venv/bin/python bench/...
The database is flushed first: point it at a scratch database.
"""

from __future__ import annotations

import argparse
import datetime as dt
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
from onestop.cases.models import (  # noqa: E402
    Case,
    CaseStatus,
    CaseTeamMember,
    ProtectiveMeasure,
)
from onestop.cases.protection import latest_end  # noqa: E402
from onestop.cases.services import (  # noqa: E402
    MeasureInput,
    case_note_add,
    protective_measure_record,
    reminders_send,
)
from onestop.core import clock  # noqa: E402
from onestop.intake.services import IntakeInput, intake_submit  # noqa: E402
from onestop.people.models import Victim  # noqa: E402
from onestop.risk.models import Instrument  # noqa: E402
from onestop.risk.services import assessment_record  # noqa: E402


def per_second(count: int, seconds: float) -> str:
    return f"{count / seconds:8.1f}/s ({seconds / count * 1000:6.2f} ms each)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--writes", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(20261124)

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    if not Instrument.objects.exists():  # (the flush removed the bundled instrument)
        from onestop.risk.services import instrument_import_file

        instrument_import_file(
            path=Path("onestop/risk/instruments/onestop-stalking-screen-v1.json")
        )
    instrument = Instrument.objects.get(code="onestop-stalking-screen")
    codes = [item["code"] for item in instrument.definition["items"]]
    agency = Agency.objects.create(code="bench", kind="onestop_center", name="bench", region="seoul")
    actor = Staff.objects.create(
        username="bench", agency=agency, role="supervisor", password=make_password(None)
    )
    case = intake_submit(
        actor=actor,
        data=IntakeInput(channel="hotline", name="벤치", phone="010-5555-0000", birth_year=1990,
                         stalking_behaviours=["communication"], summary="벤치마크"),
        confirmed_new_person=True,
    ).case  # fmt: skip

    def answers() -> dict[str, dict[str, str]]:
        return {c: {"answer": rng.choice(["yes", "no"]), "source": "victim"} for c in codes}

    # --- single writes ---------------------------------------------------------------------
    start = time.perf_counter()
    for i in range(args.writes):
        case_note_add(case_id=case.pk, actor=actor, note=f"벤치마크 메모 {i}")
    note_s = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(args.writes):
        assessment_record(
            case_id=case.pk, actor=actor, instrument_id=instrument.pk, answers=answers()
        )
    assess_s = time.perf_counter() - start
    today = clock.today_in_seoul()
    start = time.perf_counter()
    for _ in range(args.writes):
        protective_measure_record(
            case_id=case.pk,
            actor=actor,
            data=MeasureInput(kind="provisional_100m", issued_by="서울서부지방법원",
                              starts_on=today, ends_on=latest_end(today, 3)),
        )  # fmt: skip
    measure_s = time.perf_counter() - start
    print(f"database: {connection.vendor}")
    print(f"case note (baseline)        : {per_second(args.writes, note_s)}")
    print(f"risk assessment (12 items)  : {per_second(args.writes, assess_s)}")
    print(f"protective measure          : {per_second(args.writes, measure_s)}")
    print(f"assessment / note cost      : {assess_s / note_s:.2f}x")
    print(f"measure / note cost         : {measure_s / note_s:.2f}x")

    # --- the sweep over many cases -----------------------------------------------------------
    now = clock.now()
    victims = Victim.objects.bulk_create(
        [Victim(agency=agency, name=f"v{i}", phone="", birth_year=1990) for i in range(args.cases)],
        batch_size=2000,
    )
    cases = Case.objects.bulk_create(
        [
            Case(
                reference=f"BENCH-{i:07d}", agency=agency, victim=v, channel="hotline",
                status=CaseStatus.IN_SUPPORT, opened_at=now - dt.timedelta(days=200),
                risk_level=rng.choice(["low", "medium", "high", "very_high"]),
                # a tenth overdue for reassessment (8 weeks), the rest recent
                risk_assessed_at=now - dt.timedelta(days=70 if i % 10 == 0 else 10),
            )
            for i, v in enumerate(victims)
        ],
        batch_size=2000,
    )  # fmt: skip
    CaseTeamMember.objects.bulk_create(
        [CaseTeamMember(case=c, staff=actor, role="lead", assigned_by=actor) for c in cases],
        batch_size=2000,
    )
    ProtectiveMeasure.objects.bulk_create(
        [
            ProtectiveMeasure(
                case=c, kind="provisional_100m", issued_by="서울서부지방법원",
                starts_on=today - dt.timedelta(days=60),
                # one in five of them ends within the week
                ends_on=today + dt.timedelta(days=3 if i % 50 == 0 else 30),
            )
            for i, c in enumerate(cases) if i % 10 == 0
        ],
        batch_size=2000,
    )  # fmt: skip
    start = time.perf_counter()
    open_cases = len(list(Case.objects.exclude(status=CaseStatus.CLOSED).values_list("pk")))
    list_s = time.perf_counter() - start
    start = time.perf_counter()
    first = reminders_send(now=now)
    first_s = time.perf_counter() - start
    start = time.perf_counter()
    second = reminders_send(now=now)
    second_s = time.perf_counter() - start
    sent = sum(first.values())
    print(f"open cases: {open_cases}")
    print(f"list open cases (baseline)  : {list_s * 1000:8.1f} ms")
    print(f"first sweep (sends)         : {first_s * 1000:8.1f} ms, {sent} notices {first}")
    print(f"second sweep (nothing new)  : {second_s * 1000:8.1f} ms, {sum(second.values())} "
          "notices")  # fmt: skip
    print(f"per reminder sent           : {first_s / max(1, sent) * 1000:8.2f} ms")
    print(f"second sweep / case listing : {second_s / list_s:.1f}x")
    if sum(second.values()):
        raise SystemExit("the second sweep sent reminders again")


if __name__ == "__main__":
    main()
