"""Property tests of every numeric rule of the support app: the calendar of a stay, the split of
a shift over days, per-case limits and budgets against a model, and a guard schedule against a
model (each example in its own savepoint, rolled back)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onestop.accounts.models import AgencyKind, Staff
from onestop.cases.models import Case
from onestop.cases.services import case_risk_level_set
from onestop.core import clock
from onestop.core.errors import ValidationFailed
from onestop.support.models import (
    Delivery,
    Program,
    ProgramGrantTotal,
    RequestStatus,
    ServicePolicy,
    ServiceRequest,
)
from onestop.support.policies import stay_end_limit
from onestop.support.services import (
    DeliveryInput,
    Partner,
    hours_by_day,
    partner_delivery_record,
    provider_referral_respond,
    provider_referral_send,
    service_request_cancel,
    service_request_create,
    service_request_decide,
)

from .conftest import partner_agency

DB_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@given(start=st.dates(dt.date(2023, 1, 1), dt.date(2030, 12, 31)), days=st.integers(1, 400))
def test_a_stay_in_days_ends_that_many_days_later(start: dt.date, days: int) -> None:
    end = stay_end_limit(ServicePolicy(max_days=days), start)
    assert end is not None
    assert (end - start).days == days


@given(start=st.dates(dt.date(2023, 1, 1), dt.date(2030, 12, 31)), months=st.integers(1, 24))
def test_a_stay_in_months_ends_on_the_same_day_or_the_month_end(
    start: dt.date, months: int
) -> None:
    end = stay_end_limit(ServicePolicy(max_months=months), start)
    assert end is not None
    assert (end.year - start.year) * 12 + end.month - start.month == months
    last = calendar.monthrange(end.year, end.month)[1]
    assert end.day == min(start.day, last)
    shorter = stay_end_limit(ServicePolicy(max_months=months - 1), start) if months > 1 else start
    assert shorter is not None
    assert shorter < end


@given(
    start=st.datetimes(dt.datetime(2026, 1, 1), dt.datetime(2026, 12, 31)),  # noqa: DTZ001
    minutes=st.integers(1, 72 * 60),
)
def test_a_shift_splits_over_days_without_losing_time(start: dt.datetime, minutes: int) -> None:
    begins = timezone.make_aware(start)
    ends = begins + dt.timedelta(minutes=minutes)
    days = hours_by_day(begins, ends)
    assert abs(sum(days.values()) - minutes / 60) < 1e-6
    assert all(0 < hours <= 24 for hours in days.values())
    assert min(days) == timezone.localtime(begins).date()
    assert max(days) == timezone.localtime(ends - dt.timedelta(microseconds=1)).date()


@pytest.mark.django_db
@DB_SETTINGS
@given(amounts=st.lists(st.integers(1, 1_200_000), min_size=1, max_size=6))
def test_relocation_grants_never_pass_the_limit_and_refuse_only_what_would(
    case: Case, manager: Staff, supervisor: Staff, amounts: list[int]
) -> None:
    limit = 1_000_000  # the 2024 program
    with transaction.atomic():
        granted = 0
        for amount in amounts:
            try:
                request = service_request_create(
                    actor=manager, case_id=case.pk, service_kind="relocation", quantity=amount
                )
            except ValidationFailed:
                assert amount > limit  # refused at the door only when alone too much
                continue
            try:
                service_request_decide(actor=supervisor, request_id=request.pk, approve=True)
            except ValidationFailed as refused:
                code = refused.errors[0].code
            else:
                code = ""
            if code:
                assert granted + amount > limit
                assert code == "case_limit"
            else:
                granted += amount
                assert granted <= limit
        total = sum(
            r.quantity_approved or 0
            for r in ServiceRequest.objects.filter(case=case, status=RequestStatus.APPROVED)
        )
        assert total == granted
        transaction.set_rollback(True)


shifts = st.lists(
    st.tuples(st.integers(0, 8), st.integers(0, 23), st.integers(1, 12), st.integers(1, 3)),
    min_size=1,
    max_size=8,
)


@pytest.mark.django_db
@DB_SETTINGS
@given(planned=shifts)
def test_a_guard_schedule_keeps_to_the_days_guards_and_hours(
    case: Case,
    manager: Staff,
    supervisor: Staff,
    partners: dict[str, Staff],
    share_all: Callable[..., Any],
    planned: list[tuple[int, int, int, int]],
) -> None:
    """Shifts (day offset, start hour, hours, guards) against the approved schedule: 7 days from
    the start, at most 2 guards, at most 10 hours on any day. A shift is recorded exactly when
    the model says it fits."""
    with transaction.atomic():
        case_risk_level_set(case=case, level="high", assessed_at=clock.now())
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
            meeting_point="회사 앞",
            schedule="퇴근길",
        )
        guard = Partner(staff=partners[AgencyKind.SECURITY])
        provider_referral_respond(partner=guard, referral_id=referral.pk, accept=True)
        used: dict[dt.date, float] = defaultdict(float)
        last_day = start + dt.timedelta(days=6)
        for offset, hour, hours, guards in planned:
            begins = timezone.make_aware(
                dt.datetime.combine(start + dt.timedelta(days=offset), dt.time(hour))
            )
            ends = begins + dt.timedelta(hours=hours)
            split = hours_by_day(begins, ends)
            fits = (
                guards <= 2
                and min(split) >= start
                and max(split) <= last_day
                and all(used[d] + h <= 10 for d, h in split.items())
            )
            try:
                partner_delivery_record(
                    partner=guard,
                    referral_id=referral.pk,
                    data=DeliveryInput(
                        kind="guard_shift", starts_at=begins, ends_at=ends, guards=guards
                    ),
                )
            except ValidationFailed:
                assert not fits
            else:
                assert fits
                for day, h in split.items():
                    used[day] += h
        recorded: dict[dt.date, float] = defaultdict(float)
        for shift in Delivery.objects.filter(request=request):
            assert shift.starts_at is not None
            assert shift.ends_at is not None
            for day, h in hours_by_day(shift.starts_at, shift.ends_at).items():
                recorded[day] += h
        assert all(h <= 10 for h in recorded.values())
        assert all(start <= d <= last_day for d in recorded)
        transaction.set_rollback(True)


@pytest.mark.django_db
@DB_SETTINGS
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(["approve", "cancel"]), st.integers(1, 6)),
        min_size=1,
        max_size=10,
    )
)
def test_the_running_total_is_what_the_program_granted(
    case: Case, manager: Staff, supervisor: Staff, steps: list[tuple[str, int]]
) -> None:
    """Approvals add to the program's running total and cancelling an approved request takes
    it back: the total always equals the sum of what is granted, and never passes the budget."""
    with transaction.atomic():
        program = Program.objects.get(code="seoul-stalking-2024")
        ServicePolicy.objects.create(
            program=program,
            service_kind="home_therapy",
            effective_from=dt.date(2024, 3, 1),
            budget_sessions=15,
        )
        approved: list[ServiceRequest] = []
        for action, sessions in steps:
            if action == "cancel" and approved:
                service_request_cancel(actor=manager, request_id=approved.pop().pk)
                continue
            request = service_request_create(
                actor=manager, case_id=case.pk, service_kind="home_therapy", quantity=sessions
            )
            try:
                approved.append(
                    service_request_decide(actor=supervisor, request_id=request.pk, approve=True)
                )
            except ValidationFailed as refused:
                code = refused.errors[0].code
            else:
                code = ""
            granted = sum(r.quantity_approved or 0 for r in approved)
            if code:
                assert code == "budget"
                assert granted + sessions > 15
            total = ProgramGrantTotal.objects.get(program=program, service_kind="home_therapy")
            assert total.granted == granted <= 15
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_running_total_starts_from_the_grants_on_record(
    case: Case, manager: Staff, supervisor: Staff
) -> None:
    program = Program.objects.get(code="seoul-stalking-2024")
    policy = ServicePolicy.objects.get(program=program, service_kind="medical")
    ServiceRequest.objects.create(  # granted before totals were kept (an import, an old row)
        case=case,
        service_kind="medical",
        status=RequestStatus.APPROVED,
        quantity_requested=70_000,
        quantity_approved=70_000,
        requested_at=clock.now(),
        requested_by=manager,
        decided_by=supervisor,
        policy=policy,
        program=program,
    )
    request = service_request_create(
        actor=manager, case_id=case.pk, service_kind="medical", quantity=30_000
    )
    service_request_decide(actor=supervisor, request_id=request.pk, approve=True)
    total = ProgramGrantTotal.objects.get(program=program, service_kind="medical")
    assert total.granted == 100_000
