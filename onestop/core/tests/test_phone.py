"""Phone normalisation: every Korean notation of one number meets in one E.164 form."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onestop.core.phone import InvalidPhone, format_phone, mask_phone, normalize_phone

AREA = ["02", "031", "032", "033", "041", "042", "043", "044", "051", "052", "053", "054",
        "055", "061", "062", "063", "064"]  # fmt: skip


@st.composite
def korean_numbers(draw: st.DrawFn) -> tuple[str, str, str]:
    """(prefix, middle, last) of a valid national number."""
    kind = draw(st.sampled_from(["mobile", "area", "voip", "legacy"]))
    last = draw(st.text("0123456789", min_size=4, max_size=4))
    if kind == "mobile":
        return "010", draw(st.text("0123456789", min_size=4, max_size=4)), last
    if kind == "voip":
        return "070", draw(st.text("0123456789", min_size=4, max_size=4)), last
    if kind == "legacy":
        prefix = draw(st.sampled_from(["011", "016", "017", "018", "019"]))
        return prefix, draw(st.text("0123456789", min_size=3, max_size=4)), last
    prefix = draw(st.sampled_from(AREA))
    return prefix, draw(st.text("123456789", min_size=3, max_size=4)), last


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


NOTATIONS = [
    lambda p, m, last: f"{p}-{m}-{last}",
    lambda p, m, last: f"{p}{m}{last}",
    lambda p, m, last: f"{p} {m} {last}",
    lambda p, m, last: f"{p}.{m}.{last}",
    lambda p, m, last: f"({p}) {m}-{last}",
    lambda p, m, last: f"+82 {p[1:]} {m} {last}",
    lambda p, m, last: f"+82-{p[1:]}-{m}-{last}",
    lambda p, m, last: f"+82 (0){p[1:]}-{m}-{last}",
    lambda p, m, last: f"0082-{p[1:]}-{m}-{last}",
    lambda p, m, last: f"82{p[1:]}{m}{last}",
    lambda p, m, last: f"  {p}\u2013{m}\u2013{last}  ",
    lambda p, m, last: _fullwidth(f"{p}-{m}-{last}"),
]


@given(number=korean_numbers(), a=st.sampled_from(NOTATIONS), b=st.sampled_from(NOTATIONS))
def test_every_notation_of_a_number_normalises_to_the_same_e164(number, a, b):
    prefix, middle, last = number
    expected = "+82" + (prefix + middle + last)[1:]
    assert normalize_phone(a(prefix, middle, last)) == expected
    assert normalize_phone(b(prefix, middle, last)) == expected


@given(number=korean_numbers())
def test_formatting_and_normalising_round_trip(number):
    prefix, middle, last = number
    e164 = normalize_phone(f"{prefix}{middle}{last}")
    assert format_phone(e164) == f"{prefix}-{middle}-{last}"
    assert normalize_phone(format_phone(e164)) == e164


@given(digits=st.text("0123456789", min_size=1, max_size=20))
def test_a_normalised_number_is_always_a_valid_korean_e164(digits):
    try:
        e164 = normalize_phone(digits)
    except InvalidPhone:
        return
    assert e164.startswith("+82")
    assert e164[3:].isdigit()
    assert 10 <= len(e164) <= 14


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "010-1234-567",  # one digit short
        "010-1234-56789",  # one digit long
        "+1 415 555 0100",  # not Korean
        "0101234abcd",
        "112",
        "099-123-4567",  # no such prefix
        "1588-1234",  # representative numbers are not a person's phone
    ],
)
def test_numbers_that_are_not_korean_phones_are_refused(raw):
    with pytest.raises(InvalidPhone) as caught:
        normalize_phone(raw)
    assert caught.value.field == "phone"


def test_mask_shows_only_the_last_four_digits():
    assert mask_phone("+821012345678") == "***-****-5678"
