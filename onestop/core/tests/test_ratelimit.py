"""The fixed-window rate limit: ``limit`` hits per window pass, every later hit in the window is
refused with a ``Retry-After`` that reaches the window's end, and the next window counts again.

The cache is process-wide, so every example counts in a bucket of its own."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onestop.core.ratelimit import Rate, rate_limit_hit

# Moments are whole milliseconds since the epoch (up to the year 2100), written as floats the way
# ``time.time()`` gives them.
MAX_WINDOWS = 4_102_444_800  # seconds from 1970 to 2100


def fresh_bucket() -> str:
    return f"test-{uuid.uuid4()}"


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


# --- Rate.parse -----------------------------------------------------------------------------------


@given(limit=st.integers(min_value=1, max_value=10**9), window=st.integers(1, 10**9))
def test_a_written_rate_is_parsed_exactly(limit, window):
    assert Rate.parse(f"{limit}/{window}") == Rate(limit=limit, window=window)


@given(limit=st.integers(min_value=1, max_value=10**9))
def test_a_rate_without_a_window_is_per_minute(limit):
    assert Rate.parse(f"{limit}") == Rate(limit=limit, window=60)
    assert Rate.parse(f"{limit}/") == Rate(limit=limit, window=60)


@given(
    limit=st.integers(max_value=10**6),
    window=st.integers(max_value=10**6),
)
def test_a_rate_needs_a_positive_limit_and_window(limit, window):
    text = f"{limit}/{window}"
    if limit >= 1 and window >= 1:
        assert Rate.parse(text) == Rate(limit=limit, window=window)
    else:
        with pytest.raises(ValueError, match="positive"):
            Rate.parse(text)


@pytest.mark.parametrize("text", ["", "/", "/60", "abc", "12/abc", "1.5/60", "120/60/5", "120:60"])
def test_a_malformed_rate_is_refused(text):
    with pytest.raises(ValueError):  # noqa: PT011  (int()'s own message names the bad part)
        Rate.parse(text)


def test_the_default_referral_rate_parses():
    from django.conf import settings

    assert Rate.parse(settings.ONESTOP_REFERRAL_RATE_LIMIT) == Rate(limit=120, window=60)


# --- rate_limit_hit -------------------------------------------------------------------------------


@st.composite
def windows_of_hits(draw: st.DrawFn) -> tuple[Rate, int, list[int]]:
    """A rate, the start of one of its windows, and the sorted offsets (in milliseconds) of
    hits inside that window, more hits than the limit allows."""
    rate = Rate(limit=draw(st.integers(1, 30)), window=draw(st.integers(1, 86_400)))
    start = draw(st.integers(0, MAX_WINDOWS // rate.window)) * rate.window
    extra = draw(st.integers(1, 10))
    offsets = draw(
        st.lists(
            st.integers(0, rate.window * 1000 - 1),
            min_size=rate.limit + extra,
            max_size=rate.limit + extra,
        )
    )
    return rate, start, sorted(offsets)


@given(case=windows_of_hits())
def test_within_one_window_the_first_limit_hits_pass_and_the_rest_wait_for_its_end(case):
    rate, start, offsets = case
    bucket = fresh_bucket()
    end = start + rate.window
    for number, offset in enumerate(offsets, start=1):
        moment = start + offset / 1000
        wait = rate_limit_hit(bucket=bucket, rate=rate, now=moment)
        if number <= rate.limit:
            assert wait is None, (number, moment)
            continue
        # refused: a whole number of seconds, 1 to the window, that reaches the window's end
        assert isinstance(wait, int)
        assert 1 <= wait <= rate.window
        remaining_ms = end * 1000 - (start * 1000 + offset)
        assert wait == ceil_div(remaining_ms, 1000), (moment, wait)
        assert start * 1000 + offset + wait * 1000 >= end * 1000  # waiting that long is enough
        assert start * 1000 + offset + (wait - 1) * 1000 < end * 1000  # and not longer


@given(case=windows_of_hits(), later=st.integers(0, 5))
def test_a_new_window_counts_again(case, later):
    rate, start, offsets = case
    bucket = fresh_bucket()
    for offset in offsets:
        rate_limit_hit(bucket=bucket, rate=rate, now=start + offset / 1000)
    # the window is used up
    assert rate_limit_hit(bucket=bucket, rate=rate, now=start + rate.window - 0.001) is not None
    # from the first moment of any later window, the first ``limit`` hits pass again
    next_start = start + rate.window * (1 + later)
    for _ in range(rate.limit):
        assert rate_limit_hit(bucket=bucket, rate=rate, now=next_start) is None
    assert rate_limit_hit(bucket=bucket, rate=rate, now=next_start) == rate.window


@given(
    limit=st.integers(1, 20),
    window=st.integers(1, 3600),
    start_window=st.integers(0, 10**6),
)
def test_buckets_are_counted_apart(limit, window, start_window):
    rate = Rate(limit=limit, window=window)
    moment = float(start_window * window)
    first, second = fresh_bucket(), fresh_bucket()
    for _ in range(limit):
        assert rate_limit_hit(bucket=first, rate=rate, now=moment) is None
    assert rate_limit_hit(bucket=first, rate=rate, now=moment) == window
    for _ in range(limit):
        assert rate_limit_hit(bucket=second, rate=rate, now=moment) is None


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (120.0, 60),  # the first moment of the window: the whole window
        (120.001, 60),
        (150.0, 30),
        (178.5, 2),
        (179.0, 1),
        (179.999, 1),  # less than a second left still says one second
    ],
)
def test_retry_after_examples(moment, expected):
    rate = Rate(limit=1, window=60)
    bucket = fresh_bucket()
    assert rate_limit_hit(bucket=bucket, rate=rate, now=120.0) is None
    assert rate_limit_hit(bucket=bucket, rate=rate, now=moment) == expected


def test_refused_hits_count_too():
    """A client that keeps sending while refused does not earn a new allowance in the window."""
    rate = Rate(limit=2, window=10)
    bucket = fresh_bucket()
    assert [rate_limit_hit(bucket=bucket, rate=rate, now=1000.0 + i) for i in range(6)] == [
        None,
        None,
        8,
        7,
        6,
        5,
    ]
