"""Reading call logs exported as CSV: Korean and English headers, UTF-8 and CP949, the time and
duration formats phones write, rows that cannot be read reported with the reason, per-day counts
of one number's calls; and no input makes the reader crash."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onestop.evidence.calllog import (
    SEOUL,
    CallLogError,
    daily_call_counts,
    normalise_number,
    parse_call_log,
    parse_duration,
    parse_moment,
)

KOREAN = """일시,전화번호,이름,유형,통화시간
2024-03-08 23:02:11,010-1234-5678,이○○,부재중,0
2024-03-08 23:05:40,010-1234-5678,이○○,거절,0
2024. 3. 9. 오전 12:10,010-1234-5678,이○○,수신,1:23
2024-03-09 08:00,010-9999-0000,엄마,발신,3분 5초
어제쯤,010-1234-5678,이○○,부재중,0
"""

ENGLISH_ANDROID = """number;date;duration;type;name
+82 10-1234-5678;1709906531000;0;3;Lee
+82 10-1234-5678;1709906591000;12;1;Lee
"""


def at(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=SEOUL)


def test_a_korean_export_in_cp949() -> None:
    log = parse_call_log(KOREAN.encode("cp949"))
    assert log.columns["datetime"] == "일시"
    assert [(c.line, c.at, c.number, c.direction, c.seconds) for c in log.calls] == [
        (2, at(2024, 3, 8, 23, 2, 11), "01012345678", "missed", 0),
        (3, at(2024, 3, 8, 23, 5, 40), "01012345678", "rejected", 0),
        (4, at(2024, 3, 9, 0, 10), "01012345678", "incoming", 83),
        (5, at(2024, 3, 9, 8, 0), "01099990000", "outgoing", 185),
    ]
    assert [(u.line, u.reason.split(":")[0]) for u in log.unread] == [(6, "unreadable date/time")]


def test_an_android_export_with_epoch_milliseconds_and_type_codes() -> None:
    log = parse_call_log(ENGLISH_ANDROID.encode())
    assert [(c.at, c.number, c.direction, c.seconds, c.name) for c in log.calls] == [
        (at(2024, 3, 8, 23, 2, 11), "+821012345678", "missed", 0, "Lee"),
        (at(2024, 3, 8, 23, 3, 11), "+821012345678", "incoming", 12, "Lee"),
    ]


def test_daily_counts_of_the_stalkers_number() -> None:
    log = parse_call_log(KOREAN.encode())
    counts = daily_call_counts(log.calls, numbers=["010-1234-5678"])
    assert [(c.day, c.number, c.calls, c.missed, c.first, c.last) for c in counts] == [
        (dt.date(2024, 3, 8), "01012345678", 2, 2, dt.time(23, 2, 11), dt.time(23, 5, 40)),
        (dt.date(2024, 3, 9), "01012345678", 1, 0, dt.time(0, 10), dt.time(0, 10)),
    ]
    assert len(daily_call_counts(log.calls)) == 3  # every number


def test_separate_date_and_time_columns() -> None:
    data = "날짜,시간,번호\n2024-03-08,23:02,010-1234-5678\n".encode()
    log = parse_call_log(data)
    assert [c.at for c in log.calls] == [at(2024, 3, 8, 23, 2)]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "no header row"),
        ("이름,메모\n가,나\n".encode(), "columns not found"),
        (b"\x00\x01\x02", "binary"),
    ],
)
def test_what_is_not_a_call_log_is_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(CallLogError, match=message):
        parse_call_log(data)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("83", 83), ("1:23", 83), ("0:01:23", 83), ("1분 23초", 83), ("1시간", 3600), ("", None),
     ("오래", None)],
)  # fmt: skip
def test_durations(text: str, seconds: int | None) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2024-03-08T23:02:11+09:00", at(2024, 3, 8, 23, 2, 11)),
        ("2024-03-08T14:02:11Z", at(2024, 3, 8, 23, 2, 11)),
        ("2024/03/08 23:02", at(2024, 3, 8, 23, 2)),
        ("2024.03.08 23:02:11", at(2024, 3, 8, 23, 2, 11)),
        ("2024. 3. 8. 오후 12:05", at(2024, 3, 8, 12, 5)),
        ("2024. 3. 8. 오전 12:05", at(2024, 3, 8, 0, 5)),
        ("2024-13-40 25:00", None),
        ("", None),
    ],
)
def test_moments(text: str, moment: dt.datetime | None) -> None:
    assert parse_moment(text) == moment


@given(st.text(alphabet="0123456789+-() ", max_size=20))
def test_numbers_keep_only_digits_and_a_leading_plus(text: str) -> None:
    number = normalise_number(text)
    assert number.lstrip("+").isdigit() or number == ""
    assert number.startswith("+") == (text.strip().startswith("+") and number != "")


@settings(max_examples=300)
@given(st.binary(max_size=1500) | st.text(max_size=1500).map(str.encode))
def test_no_input_makes_the_reader_crash(data: bytes) -> None:
    try:
        log = parse_call_log(data)
    except CallLogError:
        return
    for call in log.calls:
        assert call.at.tzinfo is not None


@given(
    st.lists(
        st.tuples(
            st.datetimes(dt.datetime(2015, 1, 1), dt.datetime(2030, 1, 1)),  # noqa: DTZ001
            st.sampled_from(["부재중", "수신", "거절", "발신"]),
            st.integers(0, 5000),
        ),
        max_size=30,
    )
)
def test_every_written_row_reads_back_and_counts_add_up(
    rows: list[tuple[dt.datetime, str, int]],
) -> None:
    lines = ["일시,전화번호,유형,통화시간"]
    lines += [f"{when:%Y-%m-%d %H:%M:%S},010-1234-5678,{kind},{sec}" for when, kind, sec in rows]
    log = parse_call_log("\n".join(lines).encode())
    assert log.unread == []
    assert [c.at for c in log.calls] == [w.replace(microsecond=0, tzinfo=SEOUL) for w, _, _ in rows]
    counts = daily_call_counts(log.calls, numbers=["01012345678"])
    assert sum(c.calls for c in counts) == len(rows)
    assert sum(c.missed for c in counts) == sum(k in ("부재중", "거절") for _, k, _ in rows)
