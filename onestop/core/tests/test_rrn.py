"""``looks_like_rrn``: anything written like a resident registration number (주민등록번호) is
found wherever it sits in a text, so that it can be refused before it is stored; phone numbers,
years, dates and police report ids are never mistaken for one."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from onestop.core.rrn import looks_like_rrn
from onestop.core.tests.test_phone import NOTATIONS, korean_numbers

DIGITS = "0123456789"
HANGUL = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
# (``x`` and ``X`` are left out here: right after a number they are a known miss, see
# ``test_an_rrn_followed_by_an_x_is_found``.)
ASCII_LETTERS = st.characters(codec="ascii", categories=["Lu", "Ll"], exclude_characters="xX")
PUNCTUATION = st.sampled_from(list(" \t\n.,:;()[]/'\"!?#@~_+=<>"))
# Text that may surround a number: Korean, ASCII letters, spaces and punctuation, no digits
# (a digit right next to the number would make it part of a longer number).
AROUND = st.text(st.one_of(HANGUL, ASCII_LETTERS, PUNCTUATION), max_size=30)


@st.composite
def birth_dates(draw: st.DrawFn) -> str:
    """YYMMDD of a real calendar day (any century)."""
    day = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)))
    return day.strftime("%y%m%d")


@st.composite
def rrns(draw: st.DrawFn) -> str:
    """A resident registration number as people write it: YYMMDD, an optional hyphen (or a
    space), the gender/century digit 1 to 8, then six digits or the six masked with ``*``."""
    birth = draw(birth_dates())
    separator = draw(st.sampled_from(["", "-", " ", " - ", "\u2013", "\uff0d"]))
    gender = draw(st.sampled_from("12345678"))
    rest = draw(
        st.one_of(
            st.text(DIGITS, min_size=6, max_size=6),
            st.just("******"),
            st.text(DIGITS, min_size=1, max_size=5).map(lambda d: (d + "******")[:6]),
        )
    )
    return f"{birth}{separator}{gender}{rest}"


@given(rrn=rrns(), before=AROUND, after=AROUND)
@example(rrn="950101-2345678", before="", after="")
@example(rrn="9501012345678", before="주민번호 ", after="입니다")
@example(rrn="950101-2******", before="생년월일·성별: ", after="")
@example(rrn="000229-4123456", before="", after="")
@example(rrn="991231 1234567", before="(", after=")")
def test_every_rrn_is_found_wherever_it_sits(rrn, before, after):
    assert looks_like_rrn(before + rrn + after), before + rrn + after


@given(rrn=rrns(), before=AROUND, after=AROUND)
def test_an_rrn_in_fullwidth_digits_is_found(rrn, before, after):
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in rrn)
    assert looks_like_rrn(before + wide + after)


@given(number=korean_numbers(), notation=st.sampled_from(NOTATIONS), before=AROUND, after=AROUND)
def test_a_phone_number_in_any_notation_is_never_taken_for_an_rrn(number, notation, before, after):
    text = before + notation(*number) + after
    assert not looks_like_rrn(text), text


@given(
    numbers=st.lists(
        st.tuples(korean_numbers(), st.sampled_from(NOTATIONS)), min_size=2, max_size=4
    ),
    joiner=st.sampled_from([", ", " / ", " 또는 ", "\n", " ("]),
)
def test_several_phone_numbers_in_one_text_are_never_taken_for_an_rrn(numbers, joiner):
    text = joiner.join(notation(*number) for number, notation in numbers)
    assert not looks_like_rrn(text), text


@given(year=st.integers(min_value=1900, max_value=2100), before=AROUND, after=AROUND)
def test_a_year_is_never_taken_for_an_rrn(year, before, after):
    assert not looks_like_rrn(f"{before}{year}{after}")
    assert not looks_like_rrn(f"{before}{year}년생{after}")


def moments(first_year: int) -> st.SearchStrategy[dt.datetime]:
    """Any moment from ``first_year`` to 2099 (as written on a form: no time zone needed)."""
    days = st.dates(min_value=dt.date(first_year, 1, 1), max_value=dt.date(2099, 12, 31))
    return st.builds(dt.datetime.combine, days, st.times())


DATE_FORMATS = [
    "%Y-%m-%d",
    "%Y.%m.%d",
    "%Y. %m. %d.",
    "%Y/%m/%d",
    "%Y%m%d",
    "%Y년 %m월 %d일",
    "%Y-%m-%dT%H:%M:%S+09:00",
    "%Y-%m-%d %H:%M",
    "%y.%m.%d",
    "%m/%d/%Y",
]


@given(
    moment=moments(1900),
    form=st.sampled_from(DATE_FORMATS),
    before=AROUND,
    after=AROUND,
)
@example(moment=dt.datetime(2026, 11, 20, tzinfo=dt.UTC), form="%Y-%m-%d", before="", after="")
def test_a_date_is_never_taken_for_an_rrn(moment, form, before, after):
    text = before + moment.strftime(form) + after
    assert not looks_like_rrn(text), text


@given(
    moment=moments(2000),
    second=moments(2000),
)
def test_a_range_of_two_dates_is_never_taken_for_an_rrn(moment, second):
    for form in ("%Y-%m-%d", "%Y.%m.%d", "%Y%m%d"):
        text = f"{moment.strftime(form)}~{second.strftime(form)}"
        assert not looks_like_rrn(text), text
        assert not looks_like_rrn(f"{moment.strftime(form)} - {second.strftime(form)}"), text


@given(
    prefix=st.sampled_from(["SMPA", "GGPA", "BSPA", "KNPA", "ICPA"]),
    year=st.integers(min_value=2000, max_value=2099),
    serial=st.text(DIGITS, min_size=1, max_size=8),
    before=AROUND,
    after=AROUND,
)
@example(prefix="SMPA", year=2026, serial="004213", before="", after="")
def test_a_police_report_id_is_never_taken_for_an_rrn(prefix, year, serial, before, after):
    text = f"{before}{prefix}-{year}-{serial}{after}"
    assert not looks_like_rrn(text), text


@pytest.mark.parametrize(
    "text",
    [
        "950101-2345678",
        "9501012345678",
        "950101 2345678",
        "950101-2******",
        "950101-2●●●●●●",
        "주민등록번호: 950101-2345678.",
    ],
)
def test_examples_that_look_like_an_rrn(text):
    assert looks_like_rrn(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "010-1234-5678",
        "+82 10 1234 5678",
        "1995년생",
        "2026-11-20",
        "SMPA-2026-004213",
        "951301-2345678",  # no 13th month
        "950132-2345678",  # no 32nd day
        "950101-9345678",  # no 9th gender digit
        "950101-0345678",
        "950101-234567",  # one digit short
        "1950101-2345678",  # part of a longer number
        "950101-23456789",
        "사건번호 12345678901234",
    ],
)
def test_examples_that_do_not(text):
    assert not looks_like_rrn(text)


@pytest.mark.parametrize(
    "separator",
    [
        "\u2010",
        "\u2011",
        "\u2012",
        "\u2013",
        "\u2014",
        "\u2015",
        "\ufe63",
        "\uff0d",
        "\u00a0",
        "\u3000",
    ],
)
def test_the_dashes_and_spaces_of_word_processors_are_separators_too(separator):
    assert looks_like_rrn(f"950101{separator}2345678")


@given(
    rrn=rrns(), after=st.text(st.sampled_from("xX"), min_size=1, max_size=3).map(lambda x: x + "yz")
)
@example(rrn="950101-2345678", after="x")
@example(rrn="9501012345678", after="XYZ")
def test_an_rrn_followed_by_an_x_is_found(rrn, after):
    assert looks_like_rrn(rrn + after)


@pytest.mark.parametrize("separator", ["\u2212", "\u00ad", "\u200b"])
def test_a_minus_sign_or_an_invisible_character_does_not_hide_an_rrn(separator):
    assert looks_like_rrn(f"950101{separator}2345678")
