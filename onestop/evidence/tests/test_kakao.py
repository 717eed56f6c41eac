"""Reading KakaoTalk exports: the four layouts of ``../shared/formats/kakaotalk-export.md``, each
message's time, sender, text (over several lines) and line number; headers, date and system lines
skipped; placeholders counted; unreadable lines reported; per-day counts; and no input — however
broken — makes the reader crash (hypothesis)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onestop.evidence.kakao import (
    SEOUL,
    KakaoExportError,
    daily_counts,
    detect_layout,
    parse_kakaotalk,
)

PHONE_KO_OLD = """이○○ 님과 카카오톡 대화
저장한 날짜 : 2024년 3월 9일 오전 11:29


2024년 3월 8일 오후 11:02
2024년 3월 8일 오후 11:02, 이○○ : 왜 전화 안 받아
2024년 3월 8일 오후 11:03, 이○○ : 집 앞이야
나와
2024년 3월 9일 오전 12:05, 이○○ : 사진
2024년 3월 9일 오전 12:06, 김지영 : 연락하지 마
"""

PHONE_KO_NEW = """이○○ 님과 카카오톡 대화
저장한 날짜 : 2026. 2. 9. 오전 10:50

2026년 2월 8일 일요일
2026. 2. 8. 오후 11:02, 이○○ : 왜 전화 안 받아
2026. 2. 8. 오후 11:03: 이○○님이 들어왔습니다.
2026. 2. 8. 오후 12:30, 이○○ : 삭제된 메시지입니다.
"""

PC_KO = """이○○ 님과 카카오톡 대화
저장한 날짜 : 2024-03-09 10:44:52

--------------- 2024년 3월 8일 금요일 ---------------
[이○○] [오후 11:02] 왜 전화 안 받아
[이○○] [오후 11:03] 집 앞이야
나와

계속 기다릴게
--------------- 2024년 3월 9일 토요일 ---------------
[이○○] [오전 12:01] 사진 3장
"""

PHONE_EN = """KakaoTalk Chats with 이○○
Date Saved : March 9, 2024, 11:29 AM


March 8, 2024, 11:02 PM
March 8, 2024, 11:02 PM, 이○○ : 왜 전화 안 받아
March 8, 2024, 11:40 PM, 이○○ : Photo
"""


def at(year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SEOUL)


def test_phone_korean_older_layout() -> None:
    chat = parse_kakaotalk(PHONE_KO_OLD.encode())
    assert chat.layout == "phone_ko_old"
    assert chat.title == "이○○"
    assert chat.saved_at == "2024년 3월 9일 오전 11:29"
    assert [(m.line, m.at, m.sender, m.text, m.kind) for m in chat.messages] == [
        (6, at(2024, 3, 8, 23, 2), "이○○", "왜 전화 안 받아", "text"),
        (7, at(2024, 3, 8, 23, 3), "이○○", "집 앞이야\n나와", "text"),
        (9, at(2024, 3, 9, 0, 5), "이○○", "사진", "photo"),  # 오전 12:05 is after midnight
        (10, at(2024, 3, 9, 0, 6), "김지영", "연락하지 마", "text"),
    ]
    assert chat.unread == []
    assert chat.senders == ["김지영", "이○○"]


def test_phone_korean_newer_layout_skips_system_lines() -> None:
    chat = parse_kakaotalk(PHONE_KO_NEW.encode())
    assert chat.layout == "phone_ko_new"
    assert [(m.line, m.at, m.kind) for m in chat.messages] == [
        (5, at(2026, 2, 8, 23, 2), "text"),
        (7, at(2026, 2, 8, 12, 30), "deleted"),  # 오후 12:30 is just after noon
    ]
    assert chat.system_lines == 1
    assert chat.unread == []


def test_pc_layout_takes_the_date_from_the_last_dashed_line() -> None:
    chat = parse_kakaotalk(PC_KO.encode("utf-8-sig"))  # with a byte-order mark, as Windows writes
    assert chat.layout == "pc_ko"
    assert [(m.line, m.at, m.text, m.kind) for m in chat.messages] == [
        (5, at(2024, 3, 8, 23, 2), "왜 전화 안 받아", "text"),
        (6, at(2024, 3, 8, 23, 3), "집 앞이야\n나와\n\n계속 기다릴게", "text"),
        (11, at(2024, 3, 9, 0, 1), "사진 3장", "photo"),
    ]


def test_phone_english_layout() -> None:
    chat = parse_kakaotalk(PHONE_EN.replace("\n", "\r\n").encode())  # Windows line ends
    assert chat.layout == "phone_en"
    assert chat.title == "이○○"
    assert [(m.line, m.at, m.kind) for m in chat.messages] == [
        (6, at(2024, 3, 8, 23, 2), "text"),
        (7, at(2024, 3, 8, 23, 40), "photo"),
    ]


def test_lines_that_fit_nothing_are_reported_not_dropped() -> None:
    broken = "이○○ 님과 카카오톡 대화\n어딘가에서 붙여 넣은 줄\n" + PHONE_KO_NEW.split("\n", 3)[3]
    chat = parse_kakaotalk(broken.encode())
    assert [(u.line, u.text) for u in chat.unread] == [(2, "어딘가에서 붙여 넣은 줄")]
    assert len(chat.messages) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe\x00\x00binary", "UTF-8"),
        ("그냥 메모장 글입니다.\n아무 대화도 없음".encode(), "no message line"),
        (b"", "no message line"),
    ],
)
def test_what_is_not_an_export_is_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(KakaoExportError, match=message):
        parse_kakaotalk(data)


def test_daily_counts_per_sender_and_day() -> None:
    chat = parse_kakaotalk(PHONE_KO_OLD.encode())
    counts = [
        (c.day, c.sender, c.messages, c.first, c.last, c.placeholders)
        for c in daily_counts(chat.messages)
    ]
    assert counts == [
        (dt.date(2024, 3, 8), "이○○", 2, dt.time(23, 2), dt.time(23, 3), 0),
        (dt.date(2024, 3, 9), "김지영", 1, dt.time(0, 6), dt.time(0, 6), 0),
        (dt.date(2024, 3, 9), "이○○", 1, dt.time(0, 5), dt.time(0, 5), 1),
    ]


@given(
    when=st.datetimes(dt.datetime(2015, 1, 1), dt.datetime(2030, 12, 31)),  # noqa: DTZ001
    sender=st.text(
        alphabet=st.characters(categories=["L", "N"], include_characters=" ○"), min_size=1
    )
    .map(str.strip)
    .filter(bool),
    text=st.text(alphabet=st.characters(categories=["L", "N", "P", "Zs"]), max_size=40),
    layout=st.sampled_from(["phone_ko_old", "phone_ko_new", "pc_ko", "phone_en"]),
)
def test_any_message_written_in_a_layout_reads_back(
    when: dt.datetime, sender: str, text: str, layout: str
) -> None:
    """Write one message in a layout, read it back: same minute, sender and text."""
    when = when.replace(second=0, microsecond=0)
    half = "오전" if when.hour < 12 else "오후"
    hour12 = when.hour % 12 or 12
    text = text.strip()
    ko_time = f"{half} {hour12}:{when.minute:02d}"
    ko_date = f"{when.year}년 {when.month}월 {when.day}일"
    if layout == "phone_ko_old":
        body = f"{ko_date} {ko_time}, {sender} : {text}"
    elif layout == "phone_ko_new":
        body = f"{when.year}. {when.month}. {when.day}. {ko_time}, {sender} : {text}"
    elif layout == "pc_ko":
        weekday = "월화수목금토일"[when.weekday()]
        dashes = "-" * 15
        body = f"{dashes} {ko_date} {weekday}요일 {dashes}\n[{sender}] [{ko_time}] {text}"
    else:
        ampm = "AM" if when.hour < 12 else "PM"
        en_date = f"{when.strftime('%B')} {when.day}, {when.year}"
        body = f"{en_date}, {hour12}:{when.minute:02d} {ampm}, {sender} : {text}"
    if "]" in sender or " : " in sender or sender.endswith(" :"):
        return  # not a name a layout can carry unambiguously
    chat = parse_kakaotalk(body.encode())
    assert chat.layout == layout
    assert len(chat.messages) == 1
    message = chat.messages[0]
    assert message.at == when.replace(tzinfo=SEOUL)
    assert message.sender == sender
    assert message.text.strip() == text


@settings(max_examples=300)
@given(st.binary(max_size=2000) | st.text(max_size=2000).map(str.encode))
def test_no_input_makes_the_reader_crash(data: bytes) -> None:
    try:
        chat = parse_kakaotalk(data)
    except KakaoExportError:
        return
    assert chat.layout in ("phone_ko_old", "phone_ko_new", "pc_ko", "phone_en")
    for message in chat.messages:
        assert message.at.tzinfo is not None


@given(st.lists(st.sampled_from([*PHONE_KO_OLD.splitlines(), "", "아무 말", "[x] [오후 1:00] y"])))
def test_shuffled_lines_never_crash_and_keep_every_line_accounted(lines: list[str]) -> None:
    data = "\n".join(lines).encode()
    if detect_layout(lines) is None:
        with pytest.raises(KakaoExportError):
            parse_kakaotalk(data)
        return
    chat = parse_kakaotalk(data)
    starts = {m.line for m in chat.messages}
    assert starts.isdisjoint({u.line for u in chat.unread})


def test_a_message_on_a_day_that_does_not_exist_is_reported() -> None:
    text = PHONE_KO_OLD.replace(
        "2024년 3월 8일 오후 11:03, 이○○ : 집 앞이야",
        "2024년 13월 40일 오후 11:03, 이○○ : 집 앞이야",
    )
    chat = parse_kakaotalk(text.encode())
    assert [u.line for u in chat.unread] == [7, 8]  # the line, and the one that ran on from it
    assert [m.line for m in chat.messages] == [6, 9, 10]
