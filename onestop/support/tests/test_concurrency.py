"""Limits hold when requests arrive at the same moment: approvals racing under one policy never
pass a per-case limit or the program's budget together, and guard shifts recorded at once never
pass the hours of a day. Real parallel transactions on PostgreSQL, started together by a
barrier."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from onestop.accounts.models import AgencyKind, Staff
from onestop.cases.models import Case
from onestop.cases.services import case_risk_level_set
from onestop.core import clock
from onestop.core.errors import ValidationFailed
from onestop.support.models import (
    Delivery,
    Program,
    RequestStatus,
    ServicePolicy,
    ServiceRequest,
)
from onestop.support.published import load_published_programs
from onestop.support.services import (
    DeliveryInput,
    Partner,
    partner_delivery_record,
    provider_referral_respond,
    provider_referral_send,
    service_request_create,
    service_request_decide,
)

from .conftest import partner_agency

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_and_programs() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("real parallel transactions need PostgreSQL")
    load_published_programs(Program, ServicePolicy)  # the flush of a transactional test


def race(calls: list[Callable[[], object]]) -> list[object]:
    """Run every call in its own thread and connection, all released at once; each result or
    the exception it raised, in order."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def body(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(10)
            results[index] = call()
        except BaseException as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=body, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def refusal_codes(results: list[object]) -> list[str]:
    return [r.errors[0].code for r in results if isinstance(r, ValidationFailed)]


def test_two_approvals_racing_cannot_together_pass_the_case_limit(
    case: Case, manager: Staff, supervisor: Staff
) -> None:
    requests = [
        service_request_create(
            actor=manager, case_id=case.pk, service_kind="relocation", quantity=600_000
        )
        for _ in range(2)
    ]
    results = race(
        [
            partial(service_request_decide, actor=supervisor, request_id=r.pk, approve=True)
            for r in requests
        ]
    )
    approved = [r for r in results if isinstance(r, ServiceRequest)]
    assert len(approved) == 1
    assert refusal_codes(results) == ["case_limit"]
    statuses = sorted(ServiceRequest.objects.values_list("status", flat=True))
    assert statuses == sorted([RequestStatus.APPROVED, RequestStatus.REQUESTED])


def test_approvals_racing_across_cases_keep_to_the_program_budget(
    open_case: Callable[..., Case], manager: Staff, supervisor: Staff
) -> None:
    program = Program.objects.get(code="seoul-stalking-2024")
    ServicePolicy.objects.create(
        program=program,
        service_kind="counseling",
        effective_from=dt.date(2024, 6, 1),
        budget_sessions=10,
    )
    requests = []
    for n in range(6):
        target = open_case(manager, phone=f"010-5555-{1000 + n}", name=f"피해자{n}")
        requests.append(
            service_request_create(
                actor=manager, case_id=target.pk, service_kind="counseling", quantity=3
            )
        )
    results = race(
        [
            partial(service_request_decide, actor=supervisor, request_id=r.pk, approve=True)
            for r in requests
        ]
    )
    assert sum(isinstance(r, ServiceRequest) for r in results) == 3
    assert refusal_codes(results) == ["budget"] * 3
    granted = ServiceRequest.objects.filter(status=RequestStatus.APPROVED)
    assert sum(r.quantity_approved or 0 for r in granted) == 9


def test_guard_shifts_recorded_at_once_never_pass_ten_hours_a_day(
    case: Case,
    manager: Staff,
    supervisor: Staff,
    partners: dict[str, Staff],
    share_all: Callable[..., Any],
) -> None:
    case_risk_level_set(case=case, level="very_high", assessed_at=clock.now())
    share_all()
    start = clock.today_in_seoul() + dt.timedelta(days=1)
    request = service_request_create(
        actor=manager,
        case_id=case.pk,
        service_kind="security",
        quantity=7,
        starts_on=start,
        hours_per_day=10,
        guards_per_shift=2,
    )
    service_request_decide(actor=supervisor, request_id=request.pk, approve=True)
    referral = provider_referral_send(
        actor=manager,
        request_id=request.pk,
        provider_id=partner_agency(partners, AgencyKind.SECURITY).pk,
        meeting_point="지하철역 3번 출구",
        schedule="출근길 07:00부터",
    )
    guard = Partner(staff=partners[AgencyKind.SECURITY])
    provider_referral_respond(partner=guard, referral_id=referral.pk, accept=True)

    def shift(hour: int) -> Callable[[], object]:
        begins = timezone.make_aware(dt.datetime.combine(start, dt.time(hour)))
        data = DeliveryInput(
            kind="guard_shift", starts_at=begins, ends_at=begins + dt.timedelta(hours=3), guards=2
        )
        return lambda: partner_delivery_record(partner=guard, referral_id=referral.pk, data=data)

    results = race([shift(h) for h in (6, 9, 12, 15, 18)])
    assert sum(isinstance(r, tuple) for r in results) == 3
    assert refusal_codes(results) == ["hours_per_day"] * 2
    hours = sum(
        (d.ends_at - d.starts_at).total_seconds() / 3600
        for d in Delivery.objects.filter(kind="guard_shift")
        if d.ends_at is not None and d.starts_at is not None
    )
    assert hours == 9
