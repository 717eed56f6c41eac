"""The referral criteria as properties: each reason, its boundaries (exactly 3 incidents in 12
months; an incident 12 months + 1 day after the last conference), the settings, and that what
the team has already seen does not propose the case again. Pure: no database."""

from __future__ import annotations

import datetime as dt

from hypothesis import assume, given
from hypothesis import strategies as st

from onestop.cases.models import RiskGrade
from onestop.conferences.criteria import (
    ESCALATION,
    REPEAT,
    RISK_LEVEL,
    CaseFacts,
    CriteriaSettings,
    add_months,
    referral_reasons,
)
from onestop.core.clock import SEOUL

DEFAULT = CriteriaSettings()
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=SEOUL)
YEAR_AGO = dt.datetime(2025, 11, 20, 9, 0, tzinfo=SEOUL)
SECOND = dt.timedelta(seconds=1)

moments = st.datetimes(
    min_value=dt.datetime(2023, 1, 1),  # noqa: DTZ001  (hypothesis draws naive, then Seoul)
    max_value=dt.datetime(2029, 12, 31),  # noqa: DTZ001
).map(lambda d: d.replace(tzinfo=SEOUL))
# Moments inside the escalation window that ends at NOW.
in_window = st.integers(min_value=0, max_value=int((NOW - YEAR_AGO).total_seconds())).map(
    lambda s: YEAR_AGO + dt.timedelta(seconds=s)
)
levels = st.sampled_from(RiskGrade.values)


def reasons(**facts) -> list[str]:
    now = facts.pop("now", NOW)
    facts.setdefault("risk_level", RiskGrade.MEDIUM)
    return referral_reasons(CaseFacts(**facts), now=now, settings=DEFAULT)


# --- months -------------------------------------------------------------------------------------


def test_months_are_calendar_months_clamped_to_the_month_end():
    assert add_months(dt.datetime(2026, 2, 28, 10, tzinfo=SEOUL), -12) == dt.datetime(
        2025, 2, 28, 10, tzinfo=SEOUL
    )
    assert add_months(dt.datetime(2026, 1, 31, tzinfo=SEOUL), 1) == dt.datetime(
        2026, 2, 28, tzinfo=SEOUL
    )
    assert add_months(dt.datetime(2024, 2, 29, tzinfo=SEOUL), 12) == dt.datetime(
        2025, 2, 28, tzinfo=SEOUL
    )
    # Seoul's calendar decides, not UTC's: 2026-03-01 00:30 in Seoul is still February in UTC.
    assert add_months(dt.datetime(2026, 2, 28, 15, 30, tzinfo=dt.UTC), 1) == dt.datetime(
        2026, 4, 1, 0, 30, tzinfo=SEOUL
    )


@given(moments, st.integers(min_value=-36, max_value=36))
def test_moving_by_months_keeps_the_time_of_day(moment, months):
    moved = add_months(moment, months)
    assert moved.time() == moment.astimezone(SEOUL).time()
    assert moved.day <= moment.astimezone(SEOUL).day


# --- risk level ---------------------------------------------------------------------------------


@given(levels)
def test_a_high_or_very_high_level_proposes_the_case(level):
    got = reasons(risk_level=level)
    assert (RISK_LEVEL in got) == (level in (RiskGrade.HIGH, RiskGrade.VERY_HIGH))


@given(st.sampled_from([RiskGrade.HIGH, RiskGrade.VERY_HIGH]), moments, moments)
def test_a_high_level_already_discussed_proposes_again_only_when_assessed_after(
    level, assessed, discussed
):
    assume(assessed != discussed)
    got = reasons(risk_level=level, risk_assessed_at=assessed, last_discussed_at=discussed)
    assert (RISK_LEVEL in got) == (assessed > discussed)


@given(st.sampled_from([RiskGrade.HIGH, RiskGrade.VERY_HIGH]), moments, moments)
def test_a_declined_proposal_is_not_made_again_without_a_new_assessment(level, assessed, declined):
    assume(assessed != declined)
    got = reasons(risk_level=level, risk_assessed_at=assessed, last_declined_at=declined)
    assert (RISK_LEVEL in got) == (assessed > declined)


# --- escalation ---------------------------------------------------------------------------------


@given(st.lists(in_window, max_size=8))
def test_three_or_more_incidents_in_twelve_months_escalate(incidents):
    got = reasons(incidents=incidents)
    assert (ESCALATION in got) == (len(incidents) >= 3)


def test_exactly_three_incidents_at_the_window_edges_escalate():
    assert ESCALATION in reasons(incidents=[YEAR_AGO, YEAR_AGO + SECOND, NOW])


def test_an_incident_a_second_older_than_twelve_months_does_not_count():
    assert ESCALATION not in reasons(incidents=[YEAR_AGO - SECOND, YEAR_AGO + SECOND, NOW])


@given(st.lists(in_window, max_size=6), st.lists(in_window, min_size=1, max_size=6))
def test_older_incidents_never_count_and_the_order_does_not_matter(inside, older_offsets):
    older = [t - dt.timedelta(days=400) for t in older_offsets]
    mixed = [*older, *inside]
    assert (ESCALATION in reasons(incidents=mixed)) == (len(inside) >= 3)
    assert reasons(incidents=list(reversed(mixed))) == reasons(incidents=mixed)


@given(st.lists(in_window, max_size=6))
def test_incidents_after_now_do_not_count(incidents):
    future = [NOW + dt.timedelta(days=1 + i) for i in range(5)]
    assert reasons(incidents=[*incidents, *future]) == reasons(incidents=incidents)


@given(
    st.integers(min_value=1, max_value=6),
    st.integers(min_value=1, max_value=24),
    st.lists(st.integers(min_value=0, max_value=800), max_size=10),
)
def test_the_settings_set_the_count_and_the_window(needed, months, days_ago):
    settings = CriteriaSettings(escalation_incidents=needed, escalation_months=months)
    incidents = [NOW - dt.timedelta(days=d) for d in days_ago]
    start = add_months(NOW, -months)
    counted = [t for t in incidents if t >= start]
    got = referral_reasons(
        CaseFacts(risk_level=RiskGrade.LOW, incidents=incidents), now=NOW, settings=settings
    )
    assert (ESCALATION in got) == (len(counted) >= needed)


@given(st.lists(in_window, min_size=3, max_size=6), in_window)
def test_an_escalation_already_seen_needs_a_newer_incident(incidents, seen):
    got = reasons(incidents=incidents, last_declined_at=seen)
    assert (ESCALATION in got) == any(t > seen for t in incidents)


# --- repeat -------------------------------------------------------------------------------------


@given(st.integers(min_value=-400, max_value=800))
def test_an_incident_within_twelve_months_after_the_last_conference_is_a_repeat(days_after):
    discussed = dt.datetime(2025, 3, 10, 15, 0, tzinfo=SEOUL)
    incident = discussed + dt.timedelta(days=days_after)
    now = max(NOW, incident)
    got = reasons(incidents=[incident], last_discussed_at=discussed, now=now)
    assert (REPEAT in got) == (discussed < incident <= add_months(discussed, 12))


def test_repeat_boundaries():
    discussed = dt.datetime(2025, 3, 10, 15, 0, tzinfo=SEOUL)
    twelve_months = dt.datetime(2026, 3, 10, 15, 0, tzinfo=SEOUL)
    assert REPEAT in reasons(incidents=[twelve_months], last_discussed_at=discussed)
    assert REPEAT not in reasons(
        incidents=[twelve_months + dt.timedelta(days=1)], last_discussed_at=discussed
    )
    assert REPEAT not in reasons(incidents=[discussed], last_discussed_at=discussed)
    assert REPEAT in reasons(incidents=[discussed + SECOND], last_discussed_at=discussed)


def test_no_conference_no_repeat():
    assert REPEAT not in reasons(incidents=[NOW])


@given(st.integers(min_value=1, max_value=300), st.integers(min_value=1, max_value=300))
def test_a_declined_repeat_needs_a_newer_incident(incident_days, declined_days):
    discussed = dt.datetime(2025, 12, 1, 10, 0, tzinfo=SEOUL)
    incident = discussed + dt.timedelta(days=incident_days)
    declined = discussed + dt.timedelta(days=declined_days)
    assume(incident != declined)
    got = reasons(
        incidents=[incident],
        last_discussed_at=discussed,
        last_declined_at=declined,
        now=max(NOW, incident, declined),
    )
    assert (REPEAT in got) == (incident > declined)


# --- all together -------------------------------------------------------------------------------


@given(levels, st.lists(in_window, max_size=6), st.none() | moments)
def test_a_closed_case_is_never_proposed(level, incidents, discussed):
    assert (
        reasons(risk_level=level, incidents=incidents, last_discussed_at=discussed, is_open=False)
        == []
    )


@given(levels, st.lists(in_window, max_size=6), st.none() | in_window)
def test_reasons_come_in_a_fixed_order_without_repeats(level, incidents, discussed):
    got = reasons(risk_level=level, incidents=incidents, last_discussed_at=discussed)
    order = [RISK_LEVEL, ESCALATION, REPEAT]
    assert got == [r for r in order if r in got]
