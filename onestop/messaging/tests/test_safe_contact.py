"""Reading her safe-contact times: only ``HH:MM~HH:MM`` spans count; a span includes its start
and excludes its end, runs past midnight when it ends before it starts, and text without a
span judges nothing (staff read it as she said it)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onestop.messaging.safe_contact import (
    outside_safe_hours,
    safe_contact_spans,
    within_safe_hours,
)

minutes = st.integers(min_value=0, max_value=24 * 60 - 1)
# free text around a span: no digits, so no second span can appear in it
words = st.text(
    alphabet=st.characters(blacklist_categories=("Nd", "Cs"), blacklist_characters=":"),
    max_size=20,
)


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def at(minute: int) -> dt.time:
    return dt.time(minute // 60, minute % 60)


def inside(start: int, end: int, minute: int) -> bool:
    """The rule, said plainly: a day-time span, or its complement for one past midnight."""
    if start < end:
        return start <= minute < end
    return not end <= minute < start


@given(start=minutes, end=minutes, now=minutes, before=words, after=words)
def test_one_span_is_read_with_its_start_in_and_its_end_out(start, end, now, before, after):
    text = f"{before}{hhmm(start)}~{hhmm(end)}{after}"
    if start == end:
        assert within_safe_hours(text, at(now)) is None  # an empty span says nothing
        return
    assert within_safe_hours(text, at(now)) is inside(start, end, now)
    assert outside_safe_hours(text, at(now)) is not inside(start, end, now)
    assert within_safe_hours(text, at(start)) is True
    assert within_safe_hours(text, at(end)) is False


@given(spans=st.lists(st.tuples(minutes, minutes), min_size=1, max_size=4), now=minutes)
def test_several_spans_allow_any_of_them(spans, now):
    text = " · ".join(f"{hhmm(a)}~{hhmm(b)}" for a, b in spans)
    real = [(a, b) for a, b in spans if a != b]
    expected = any(inside(a, b, now) for a, b in real) if real else None
    assert within_safe_hours(text, at(now)) is expected


@given(text=words, now=minutes)
def test_text_without_a_span_judges_nothing(text, now):
    assert within_safe_hours(text, at(now)) is None
    assert outside_safe_hours(text, at(now)) is False


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("18:00~21:00 · 문자만 가능", [(18 * 60, 21 * 60)]),
        ("9:30 - 12:00", [(9 * 60 + 30, 12 * 60)]),
        ("22:00\uff5e02:00", [(22 * 60, 2 * 60)]),
        ("20:00\u201324:00", [(20 * 60, 0)]),
        ("평일 오후 6시 이후", []),
        ("점심시간(12~13시)만", []),
        ("25:00~26:00, 10:60~11:00, 12:00~12:00", []),
        ("112:00~13:00", []),
    ],
)
def test_what_is_read_as_a_span(text, spans):
    assert safe_contact_spans(text) == spans


def test_a_span_past_midnight():
    text = "22:00~02:00"
    assert within_safe_hours(text, dt.time(23, 30)) is True
    assert within_safe_hours(text, dt.time(1, 59)) is True
    assert within_safe_hours(text, dt.time(2, 0)) is False
    assert within_safe_hours(text, dt.time(12, 0)) is False
