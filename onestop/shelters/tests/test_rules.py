"""The stay rules as properties: the longest stay a policy allows (in days, or calendar months
clamped to the month's end), which facility takes whom, and — through the real service — that a
placement is accepted exactly when its departure day is within both the program's limit and the
approved days."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onestop.core.errors import ValidationFailed
from onestop.people.models import Gender
from onestop.shelters.models import GenderServed, Placement
from onestop.shelters.rules import (
    gender_fits,
    pets_fit,
    stay_limit_exceeded,
    stay_limit_message,
)
from onestop.shelters.services import placement_start
from onestop.support.models import ServiceKind, ServicePolicy
from onestop.support.policies import stay_end_limit

from .conftest import TODAY

days = st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2030, 12, 31))


def policy(*, max_days: int | None = None, max_months: int | None = None) -> ServicePolicy:
    return ServicePolicy(
        service_kind=ServiceKind.SHELTER_EMERGENCY, max_days=max_days, max_months=max_months
    )


@given(start=days, limit=st.integers(1, 400), offset=st.integers(1, 800))
def test_a_stay_in_days_ends_at_most_that_many_days_after_the_first(start, limit, offset):
    rule = policy(max_days=limit)
    end = start + dt.timedelta(days=offset)

    exceeded = stay_limit_exceeded(rule, start, end)

    if offset <= limit:
        assert exceeded is None
    else:
        assert exceeded == start + dt.timedelta(days=limit)
        message = stay_limit_message(rule, exceeded)
        assert f"최대 {limit}일({exceeded.isoformat()} 퇴소)" in message


@given(start=days, months=st.integers(1, 24), offset=st.integers(1, 800))
def test_a_stay_in_months_ends_on_the_same_day_or_the_months_last(start, months, offset):
    rule = policy(max_months=months)
    limit = stay_end_limit(rule, start)
    assert limit is not None
    # the same day of the month, months later, or that month's last day when it is shorter
    month_index = start.year * 12 + start.month - 1 + months
    assert limit.year * 12 + limit.month - 1 == month_index
    assert limit.day == start.day or (limit.day < start.day and (limit + dt.timedelta(1)).day == 1)

    end = start + dt.timedelta(days=offset)
    exceeded = stay_limit_exceeded(rule, start, end)
    assert (exceeded is None) == (end <= limit)
    if exceeded is not None:
        assert f"최대 {months}개월({limit.isoformat()} 퇴소)" in stay_limit_message(rule, limit)


@given(start=days, limit=st.integers(1, 400), a=st.integers(1, 800), b=st.integers(1, 800))
def test_an_earlier_departure_is_never_refused_when_a_later_one_is_accepted(start, limit, a, b):
    rule = policy(max_days=limit)
    early, late = sorted((a, b))
    if stay_limit_exceeded(rule, start, start + dt.timedelta(days=late)) is None:
        assert stay_limit_exceeded(rule, start, start + dt.timedelta(days=early)) is None


def test_a_policy_without_a_length_does_not_limit():
    assert stay_limit_exceeded(policy(), TODAY, TODAY + dt.timedelta(days=5000)) is None


@given(gender=st.sampled_from(Gender.values), served=st.sampled_from(GenderServed.values))
def test_who_fits_which_facility(gender, served):
    expected = served == "any" or (served, gender) in {("female", "female"), ("male", "male")}
    assert gender_fits(gender, served) is expected


@given(pets=st.booleans(), scheme=st.booleans(), facility=st.booleans())
def test_pets_come_along_only_when_both_allow(pets, scheme, facility):
    assert pets_fit(pets=pets, policy_allows=scheme, facility_allows=facility) is (
        not pets or (scheme and facility)
    )


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(approved_days=st.integers(1, 30), offset=st.integers(1, 45))
def test_the_service_accepts_exactly_the_stays_within_the_limit_and_the_approval(
    program_30, case, manager, facility, approved, approved_days, offset
):
    with transaction.atomic():
        request = approved(case, days=approved_days)
        try:
            placement = placement_start(
                actor=manager,
                case_id=case.pk,
                facility_id=facility.pk,
                service_request_id=request.pk,
                starts_on=TODAY,
                planned_end_on=TODAY + dt.timedelta(days=offset),
            )
        except ValidationFailed as refusal:
            assert offset > approved_days
            assert Placement.objects.count() == 0
            codes = {error.code for error in refusal.errors}
            assert codes == ({"policy_limit"} if offset > 30 else {"approved_days"})
        else:
            assert offset <= approved_days
            assert placement.planned_end_on == TODAY + dt.timedelta(days=offset)
        transaction.set_rollback(True)
