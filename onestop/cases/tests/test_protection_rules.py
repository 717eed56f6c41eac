"""The statutory term rule on its own (``cases.protection``): how a term of N months is counted,
and that no sequence of extensions a court may grant takes a provisional measure past 9 months.

Worked examples (the rule, Civil Code art. 160: the end is the day before the same day N months
later; when the end month has no such day, the term ends on that month's last day):

- 2026-11-20 + 3 months: the same day is 2027-02-20, so the term ends 2027-02-19.
- 2026-11-30 + 3 months: 2027-02-30 does not exist, so the term ends on 2027-02-28.
- 2027-11-30 + 3 months: 2028 is a leap year; 2028-02-30 does not exist → 2028-02-29."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onestop.cases.models import ProtectiveMeasureKind as Kind
from onestop.cases.protection import (
    TERM_RULES,
    add_months,
    extension_limit,
    first_term_limit,
    latest_end,
)

DAY = dt.timedelta(days=1)
DAYS = st.dates(min_value=dt.date(2021, 10, 21), max_value=dt.date(2100, 12, 31))
MONTHS = st.integers(min_value=0, max_value=120)
EXTENDABLE = [
    Kind.PROVISIONAL_WARNING,
    Kind.PROVISIONAL_100M,
    Kind.PROVISIONAL_TELECOM,
    Kind.PROVISIONAL_MONITORING,
]
ONE_MONTH_ONLY = [Kind.URGENT_EMERGENCY, Kind.PROVISIONAL_DETENTION]


def month_number(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


# --- add_months --------------------------------------------------------------------------------


@given(DAYS)
def test_adding_zero_months_is_the_same_day(day):
    assert add_months(day, 0) == day


@given(DAYS, MONTHS)
def test_add_months_lands_in_the_month_n_later_clamped_to_its_last_day(day, months):
    got = add_months(day, months)
    assert month_number(got) - month_number(day) == months
    assert got.day == min(day.day, calendar.monthrange(got.year, got.month)[1])


@given(DAYS, DAYS, MONTHS)
def test_add_months_is_monotone_in_the_day(a, b, months):
    early, late = sorted((a, b))
    assert add_months(early, months) <= add_months(late, months)


@given(DAYS, MONTHS, MONTHS)
def test_add_months_is_monotone_in_the_months(day, m, n):
    fewer, more = sorted((m, n))
    assert add_months(day, fewer) <= add_months(day, more)
    if fewer < more:
        assert add_months(day, fewer) < add_months(day, more)


@given(DAYS, MONTHS, MONTHS)
def test_adding_months_in_steps_never_goes_past_adding_them_at_once(day, m, n):
    """Clamping loses days (31 Jan → 28 Feb → 28 Mar), never gains them: a chain of terms is
    never longer than one term of the same months."""
    assert add_months(add_months(day, m), n) <= add_months(day, m + n)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),
        (dt.date(2026, 10, 31), 1, dt.date(2026, 11, 30)),
        (dt.date(2026, 12, 15), 1, dt.date(2027, 1, 15)),
        (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),
        (dt.date(2026, 11, 20), 14, dt.date(2028, 1, 20)),
    ],
)
def test_add_months_examples(day, months, expected):
    assert add_months(day, months) == expected


# --- latest_end --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (dt.date(2026, 11, 20), 3, dt.date(2027, 2, 19)),
        (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),  # no 02-30: February's last day
        (dt.date(2027, 11, 30), 3, dt.date(2028, 2, 29)),  # leap year: no 02-30 → 02-29
        (dt.date(2026, 12, 1), 3, dt.date(2027, 2, 28)),
        (dt.date(2026, 10, 31), 1, dt.date(2026, 11, 30)),
        (dt.date(2026, 11, 29), 3, dt.date(2027, 2, 28)),  # 02-29 missing in 2027 too
        (dt.date(2026, 1, 1), 1, dt.date(2026, 1, 31)),
        (dt.date(2026, 11, 20), 9, dt.date(2027, 8, 19)),
    ],
)
def test_latest_end_examples(start, months, expected):
    assert latest_end(start, months) == expected


@given(DAYS, st.integers(min_value=1, max_value=120))
def test_a_term_ends_the_day_before_the_same_day_n_months_later(start, months):
    end = latest_end(start, months)
    same_day = add_months(start, months)
    if same_day.day == start.day:  # the end month has the starting day: the day before it
        assert end == same_day - DAY
    else:  # it has not: its last day
        assert end == same_day
        assert (end + DAY).day == 1
    # the starting day counts: the term is within N months, and longer than N - 1 months
    assert start <= end <= same_day
    assert end >= add_months(start, months - 1)


@given(DAYS, DAYS, st.integers(min_value=1, max_value=120))
def test_latest_end_is_monotone_in_the_start(a, b, months):
    early, late = sorted((a, b))
    assert latest_end(early, months) <= latest_end(late, months)


# --- the kinds ---------------------------------------------------------------------------------


@given(st.sampled_from(EXTENDABLE), DAYS, st.data())
def test_no_extensions_within_their_limits_take_a_provisional_measure_past_nine_months(
    kind, start, data
):
    first_limit = first_term_limit(kind, start)
    assert first_limit == latest_end(start, 3)
    end = data.draw(st.dates(min_value=start, max_value=first_limit), label="first end")
    nine_months = latest_end(start, 9)
    extensions = 0
    while (
        limit := extension_limit(
            kind, starts_on=start, current_end=end, extensions_so_far=extensions
        )
    ) is not None:
        assert end < limit <= nine_months
        assert limit <= latest_end(end + DAY, 3)  # at most 3 months from the day after the end
        end = data.draw(st.dates(min_value=end + DAY, max_value=limit), label="extended end")
        extensions += 1
        assert extensions <= 2, "a third extension was allowed"
    assert extensions == 2
    assert end <= nine_months


@given(st.sampled_from(EXTENDABLE), DAYS, DAYS, st.integers(min_value=2, max_value=10))
def test_a_third_extension_is_never_allowed(kind, start, end, done):
    assert extension_limit(kind, starts_on=start, current_end=end, extensions_so_far=done) is None


@given(st.sampled_from(EXTENDABLE), DAYS)
def test_the_longest_extensions_of_a_longest_first_term_reach_at_most_nine_months(kind, start):
    end = first_term_limit(kind, start)
    assert end is not None
    for done in (0, 1):
        limit = extension_limit(kind, starts_on=start, current_end=end, extensions_so_far=done)
        assert limit == min(latest_end(end + DAY, 3), latest_end(start, 9))
        end = limit
    assert end <= latest_end(start, 9)


@given(st.sampled_from(EXTENDABLE), DAYS, st.integers(min_value=1, max_value=400))
def test_a_first_term_longer_than_allowed_still_stops_at_nine_months(kind, start, extra_days):
    """A measure recorded as a partner reported it (no term check) may start out too long: its
    extensions are still capped at 9 months from its start."""
    end = latest_end(start, 3) + dt.timedelta(days=extra_days)
    for done in (0, 1):
        limit = extension_limit(kind, starts_on=start, current_end=end, extensions_so_far=done)
        if limit is None:
            break
        assert limit <= latest_end(start, 9)
        end = max(end, limit)


@pytest.mark.parametrize("kind", ONE_MONTH_ONLY)
@given(start=DAYS, end=DAYS, done=st.integers(min_value=0, max_value=3))
def test_detention_and_urgent_emergency_last_a_month_and_are_not_extended(kind, start, end, done):
    assert first_term_limit(kind, start) == latest_end(start, 1)
    assert TERM_RULES[kind].extensions == 0
    assert TERM_RULES[kind].total_months == 1
    assert extension_limit(kind, starts_on=start, current_end=end, extensions_so_far=done) is None


@given(start=DAYS, end=DAYS, done=st.integers(min_value=0, max_value=3))
def test_an_emergency_measure_has_no_term_and_no_extension(start, end, done):
    assert first_term_limit(Kind.EMERGENCY, start) is None
    assert TERM_RULES[Kind.EMERGENCY].total_months is None
    assert (
        extension_limit(Kind.EMERGENCY, starts_on=start, current_end=end, extensions_so_far=done)
        is None
    )


def test_every_kind_has_a_rule_and_provisional_measures_total_nine_months():
    assert set(TERM_RULES) == set(Kind.values)
    for kind in EXTENDABLE:
        rule = TERM_RULES[kind]
        assert (rule.months, rule.extensions, rule.extension_months) == (3, 2, 3)
        assert rule.total_months == 9
