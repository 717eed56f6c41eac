"""Benchmark: support services and shelter placements.

Measures, in one run on the configured database, against the baseline of a case note (lock,
write, timeline, audit, enqueue — the least any audited case write costs):
- asking for a service (policy lookup, per-request limits);
- approving it (locks the policy row and the program's running total, checks the budget against
  it; --granted requests are already granted under the same policy);
- sending it to a partner (the consent gate), the partner opening it (projection + the gate with
  a content digest) and recording a delivery (locks the request, sums deliveries);
- approvals from 8 threads at once under one policy (they queue on its row lock) against the
  same approvals one after another: what the lock costs in throughput;
- 50 placements at once into a 10-bed facility: the time until every one of them has its answer.

Run:  .venv/bin/python bench/bench_support.py [--granted 5000] [--writes 200]
      DATABASE_URL=postgres://postgres@127.0.0.1:5432/onestop_bench .venv/bin/python bench/...
The database is flushed first: point it at a scratch database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.config.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["ONESTOP_SQLITE_PATH"] = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")

import django

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402

from onestop.accounts.models import Agency, Staff  # noqa: E402
from onestop.cases.models import Case, CaseStatus, CaseTeamMember  # noqa: E402
from onestop.cases.services import case_note_add  # noqa: E402
from onestop.consent.services import ConsentInput, consent_record  # noqa: E402
from onestop.core import clock  # noqa: E402
from onestop.core.errors import DomainError  # noqa: E402
from onestop.intake.services import IntakeInput, intake_submit  # noqa: E402
from onestop.people.models import Victim  # noqa: E402
from onestop.shelters.models import Placement  # noqa: E402
from onestop.shelters.services import facility_create, placement_start  # noqa: E402
from onestop.support.models import (  # noqa: E402
    Program,
    RequestStatus,
    ServicePolicy,
    ServiceRequest,
)
from onestop.support.published import load_published_programs  # noqa: E402
from onestop.support.services import (  # noqa: E402
    DeliveryInput,
    Partner,
    partner_delivery_record,
    partner_referral_view,
    provider_referral_respond,
    provider_referral_send,
    service_request_create,
    service_request_decide,
)


def per_op(count: int, seconds: float) -> str:
    return f"{count / seconds:8.1f}/s ({seconds / count * 1000:6.2f} ms each)"


def timed(count: int, run: Callable[[int], object]) -> float:
    start = time.perf_counter()
    for i in range(count):
        run(i)
    return time.perf_counter() - start


def in_threads(calls: list[Callable[[], object]], threads: int) -> tuple[float, list[object]]:
    """Run the calls on ``threads`` threads (each its own connection); wall time and results."""
    results: list[object] = [None] * len(calls)
    queue = list(enumerate(calls))
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def worker() -> None:
        barrier.wait()
        while True:
            with lock:
                if not queue:
                    break
                index, call = queue.pop()
            try:
                results[index] = call()
            except DomainError as exc:
                results[index] = exc
        connections.close_all()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    start = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return time.perf_counter() - start, results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--granted", type=int, default=5000)  # at least 2 x --writes
    parser.add_argument("--writes", type=int, default=200)
    args = parser.parse_args()
    n = args.writes

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    load_published_programs(Program, ServicePolicy)
    center = Agency.objects.create(
        code="bench", kind="onestop_center", name="bench", region="seoul"
    )
    counseling = Agency.objects.create(
        code="bench-counseling", kind="counseling", name="상담", region="seoul"
    )
    shelter = Agency.objects.create(
        code="bench-shelter", kind="shelter", name="쉼터", region="seoul"
    )

    def staff(username: str, agency: Agency, role: str) -> Staff:
        return Staff.objects.create(
            username=username, agency=agency, role=role, password=make_password(None)
        )

    manager = staff("bench-manager", center, "case_manager")
    boss = staff("bench-boss", center, "supervisor")
    provider = staff("bench-provider", counseling, "provider")
    shelter_boss = staff("bench-shelter-boss", shelter, "supervisor")

    def new_case(i: int) -> Case:
        case = intake_submit(
            actor=manager,
            data=IntakeInput(channel="hotline", name=f"벤치{i}", phone=f"010-7{i:03d}-{i:04d}",
                             birth_year=1990, summary="벤치마크"),
            confirmed_new_person=True,
        ).case  # fmt: skip
        consent_record(
            case_id=case.pk,
            actor=manager,
            data=ConsentInput(
                purpose="share_with_providers",
                data_categories=["identity", "contact", "risk"],
                method="signed_form",
                given_at=clock.now() - dt.timedelta(minutes=1),
                recipient_kinds=("counseling", "shelter"),
            ),
        )
        return case

    case = new_case(0)
    # A program with a session budget, and --granted requests already granted under it.
    program = Program.objects.get(code="seoul-stalking-2024")
    policy = ServicePolicy.objects.create(
        program=program,
        service_kind="counseling",
        effective_from=dt.date(2024, 6, 1),
        budget_sessions=10_000_000,
    )
    now = clock.now()
    victims = Victim.objects.bulk_create(
        [Victim(agency=center, name=f"v{i}") for i in range(args.granted)], batch_size=2000
    )
    others = Case.objects.bulk_create(
        [
            Case(reference=f"BENCH-{i:07d}", agency=center, victim=v, channel="hotline",
                 status=CaseStatus.IN_SUPPORT, opened_at=now)
            for i, v in enumerate(victims)
        ],
        batch_size=2000,
    )  # fmt: skip
    CaseTeamMember.objects.bulk_create(
        [CaseTeamMember(case=c, staff=manager, role="lead", assigned_by=manager) for c in others],
        batch_size=2000,
    )
    ServiceRequest.objects.bulk_create(
        [
            ServiceRequest(case=c, service_kind="counseling", status=RequestStatus.APPROVED,
                           quantity_requested=5, quantity_approved=5, requested_at=now,
                           requested_by=manager, decided_by=boss, decided_at=now,
                           policy=policy, program=program)
            for c in others
        ],
        batch_size=2000,
    )  # fmt: skip

    # --- single writes and reads ------------------------------------------------------------
    note_s = timed(n, lambda i: case_note_add(case_id=case.pk, actor=manager, note=f"메모 {i}"))
    requests: list[ServiceRequest] = []
    ask_s = timed(
        n,
        lambda i: requests.append(
            service_request_create(
                actor=manager, case_id=case.pk, service_kind="counseling", quantity=1
            )
        ),
    )
    approve_s = timed(
        n,
        lambda i: service_request_decide(actor=boss, request_id=requests[i].pk, approve=True),
    )
    referrals = []
    refer_s = timed(
        n,
        lambda i: referrals.append(
            provider_referral_send(
                actor=manager, request_id=requests[i].pk, provider_id=counseling.pk
            )
        ),
    )
    partner = Partner(staff=provider)
    for referral in referrals:
        provider_referral_respond(partner=partner, referral_id=referral.pk, accept=True)
    view_s = timed(n, lambda i: partner_referral_view(partner=partner, referral_id=referrals[i].pk))
    today = clock.today_in_seoul()
    deliver_s = timed(
        n,
        lambda i: partner_delivery_record(
            partner=partner,
            referral_id=referrals[i].pk,
            data=DeliveryInput(kind="session", occurred_on=today, minutes=50),
        ),
    )
    print(f"database: {connection.vendor}; {args.granted} requests granted under the policy")
    print(f"case note (baseline)         : {per_op(n, note_s)}")
    print(f"ask for a service            : {per_op(n, ask_s)}  {ask_s / note_s:5.2f}x note")
    print(f"approve (policy lock + sums) : {per_op(n, approve_s)}  {approve_s / note_s:5.2f}x note")
    print(f"refer to a partner (gate)    : {per_op(n, refer_s)}  {refer_s / note_s:5.2f}x note")
    print(f"partner opens it (projection): {per_op(n, view_s)}  {view_s / note_s:5.2f}x note")
    print(f"partner records a session    : {per_op(n, deliver_s)}  {deliver_s / note_s:5.2f}x note")

    # --- approvals racing under one policy (each of another case) -----------------------------
    waiting = [
        service_request_create(
            actor=manager, case_id=others[i].pk, service_kind="counseling", quantity=1
        )
        for i in range(2 * n)
    ]
    sequential_s = timed(
        n, lambda i: service_request_decide(actor=boss, request_id=waiting[i].pk, approve=True)
    )
    parallel_s, results = in_threads(
        [
            lambda r=r: service_request_decide(actor=boss, request_id=r.pk, approve=True)
            for r in waiting[n:]
        ],
        threads=8,
    )
    failed = sum(isinstance(r, BaseException) for r in results)
    print(f"approvals one by one         : {per_op(n, sequential_s)}")
    ratio = sequential_s / parallel_s
    print(f"approvals, 8 threads at once : {per_op(n, parallel_s)}  "
          f"{ratio:5.2f}x the throughput of one by one; {failed} refused")  # fmt: skip

    # --- 50 placements at once into 10 beds -------------------------------------------------
    facility = facility_create(
        actor=shelter_boss, name="벤치 쉼터", kind="emergency", gender_served="any",
        capacity=10, pets_allowed=False, region="seoul", address="벤치 주소",
    )  # fmt: skip
    start_on = clock.today_in_seoul()
    stays = []
    for i in range(50):
        stay_case = new_case(i + 1)
        request = service_request_create(
            actor=manager, case_id=stay_case.pk, service_kind="shelter_emergency",
            quantity=30, starts_on=start_on,
        )  # fmt: skip
        service_request_decide(actor=boss, request_id=request.pk, approve=True)
        stays.append((stay_case, request))
    seconds, answers = in_threads(
        [
            lambda c=c, r=r: placement_start(
                actor=manager,
                case_id=c.pk,
                facility_id=facility.pk,
                service_request_id=r.pk,
                starts_on=start_on,
                planned_end_on=start_on + dt.timedelta(days=30),
            )
            for c, r in stays
        ],
        threads=8,
    )
    placed = Placement.objects.filter(facility=facility).count()
    refused = sum(isinstance(a, DomainError) for a in answers)
    print(f"50 placements into 10 beds   : {seconds * 1000:8.1f} ms for all 50 answers "
          f"({seconds / 50 * 1000:.2f} ms each); {placed} placed, {refused} refused")  # fmt: skip


if __name__ == "__main__":
    main()
