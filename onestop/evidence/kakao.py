"""Reading a KakaoTalk chat export ("대화 내보내기" .txt): the four layouts victims bring (phone
in Korean, older and newer; PC in Korean; phone in English — see
``../shared/formats/kakaotalk-export.md``).

A pure module: bytes in, messages out. Every message keeps its date and time (Asia/Seoul), its
sender, its text (several lines when the message ran over several) and the line number where it
starts, so a statement can cite it. Headers, date lines and system lines are skipped; a line that
fits nothing is reported, never dropped. Photos, voice notes and deleted messages arrive as
placeholder text: they are counted by kind, not read as words."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final
from zoneinfo import ZoneInfo

SEOUL: Final = ZoneInfo("Asia/Seoul")
MAX_BYTES: Final = 50 * 1024 * 1024  # a chat of several years is a few MB


class KakaoExportError(ValueError):
    """The file is not a KakaoTalk export this module can read; the message says why."""


@dataclass(frozen=True)
class ChatMessage:
    line: int  # 1-based line of the file where the message starts
    at: dt.datetime  # aware, Asia/Seoul
    sender: str
    text: str
    kind: str = "text"  # text, or the placeholder's kind: photo, video, voice, ...


@dataclass(frozen=True)
class UnreadLine:
    line: int
    text: str


@dataclass
class ChatExport:
    layout: str  # phone_ko_old | phone_ko_new | pc_ko | phone_en
    title: str  # the chat's name from the first line (the other person, or the group)
    saved_at: str  # as written in the file
    messages: list[ChatMessage] = field(default_factory=list)
    system_lines: int = 0
    unread: list[UnreadLine] = field(default_factory=list)

    @property
    def senders(self) -> list[str]:
        return sorted({m.sender for m in self.messages})


@dataclass(frozen=True)
class DayCount:
    """One sender's messages on one day in Seoul: how many, the first and last time, and how
    many of them were photos, voice notes, deleted messages and the like."""

    day: dt.date
    sender: str
    messages: int
    first: dt.time
    last: dt.time
    placeholders: int


# --- the layouts --------------------------------------------------------------------------------

_KO_TIME = r"(오전|오후) (\d{1,2}):(\d{2})"
_KO_DATE = r"(\d{4})년 (\d{1,2})월 (\d{1,2})일"
_DOT_DATE = r"(\d{4})\. ?(\d{1,2})\. ?(\d{1,2})\."
_MONTH_NAMES = (
    "January February March April May June July August September October November December"
)
_EN_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES.split(), start=1)}
_EN_DATE = r"([A-Z][a-z]+) (\d{1,2}), (\d{4})"
_EN_TIME = r"(\d{1,2}):(\d{2}) (AM|PM)"

PATTERNS: Final[dict[str, dict[str, re.Pattern[str]]]] = {
    "phone_ko_new": {
        "message": re.compile(rf"^{_DOT_DATE} {_KO_TIME}, (.+?) :(?: (.*))?$"),
        "system": re.compile(rf"^{_DOT_DATE} {_KO_TIME}: (.*)$"),
        "date": re.compile(rf"^{_KO_DATE} [월화수목금토일]요일$"),
    },
    "phone_ko_old": {
        "message": re.compile(rf"^{_KO_DATE} {_KO_TIME}, (.+?) :(?: (.*))?$"),
        "system": re.compile(rf"^{_KO_DATE} {_KO_TIME}(?:: |, )(.*)$"),
        "date": re.compile(rf"^{_KO_DATE} {_KO_TIME}$"),
    },
    "pc_ko": {
        "message": re.compile(rf"^\[(.+?)\] \[{_KO_TIME}\](?: (.*))?$"),
        "date": re.compile(rf"^-+ {_KO_DATE} [월화수목금토일]요일 -+$"),
    },
    "phone_en": {
        "message": re.compile(rf"^{_EN_DATE}(?: at|,) {_EN_TIME}, (.+?) :(?: (.*))?$"),
        "system": re.compile(rf"^{_EN_DATE}(?: at|,) {_EN_TIME}(?:: |, )(.*)$"),
        "date": re.compile(rf"^(?:[A-Z][a-z]+day, )?{_EN_DATE}(?:(?: at|,) {_EN_TIME})?$"),
    },
}
_TITLE = re.compile(r"^(?:(.+?) 님과 카카오톡 대화|KakaoTalk Chats with (.+))$")
_SAVED = re.compile(r"^(?:저장한 날짜|Date Saved) ?: ?(.*)$")

# Placeholder texts of things that are not words (Korean and English apps).
PLACEHOLDERS: Final[dict[str, str]] = {
    "사진": "photo",
    "Photo": "photo",
    "동영상": "video",
    "Video": "video",
    "음성메시지": "voice",
    "Voice Note": "voice",
    "Voice message": "voice",
    "이모티콘": "emoticon",
    "Emoticon": "emoticon",
    "파일": "file",
    "File": "file",
    "삭제된 메시지입니다.": "deleted",
    "This message was deleted.": "deleted",
    "Deleted message": "deleted",
}
_PHOTOS = re.compile(r"^(?:사진 \d+장|\d+ photos?)$")


def _hour_ko(half: str, hour: int) -> int:
    """오전 12:xx is just after midnight, 오후 12:xx just after noon."""
    return hour % 12 + (12 if half == "오후" else 0)


def _hour_en(hour: int, half: str) -> int:
    return hour % 12 + (12 if half == "PM" else 0)


class _NoSuchMoment(ValueError):
    """A message line whose date or time does not exist (13월, 25:99): reported, not read."""


def _moment(year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    try:
        return dt.datetime(year, month, day, hour, minute, tzinfo=SEOUL)
    except ValueError as exc:
        raise _NoSuchMoment(str(exc)) from exc


def _kind_of(text: str) -> str:
    stripped = text.strip()
    if stripped in PLACEHOLDERS:
        return PLACEHOLDERS[stripped]
    if _PHOTOS.match(stripped):
        return "photo"
    return "text"


def _decode(data: bytes) -> list[str]:
    if len(data) > MAX_BYTES:
        raise KakaoExportError(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise KakaoExportError("the file is not UTF-8 text (KakaoTalk exports are UTF-8)") from exc
    if "\x00" in text:
        raise KakaoExportError("the file holds binary data, not an exported chat")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def detect_layout(lines: Iterable[str]) -> str | None:
    """The layout of the first line that is a message in one of them."""
    for line in lines:
        for layout, patterns in PATTERNS.items():
            if patterns["message"].match(line):
                return layout
    return None


class _Reader:
    def __init__(self, layout: str) -> None:
        self.layout = layout
        self.patterns = PATTERNS[layout]
        self.day: dt.date | None = None  # the PC layout's current date

    def message(self, line: str) -> tuple[dt.datetime, str, str] | None:
        """(when, sender, text) of a message line, or None."""
        found = self.patterns["message"].match(line)
        if found is None:
            return None
        g = found.groups()
        if self.layout in ("phone_ko_new", "phone_ko_old"):
            year, month, day, half, hour, minute, sender, text = g
            at = _moment(int(year), int(month), int(day), _hour_ko(half, int(hour)), int(minute))
        elif self.layout == "pc_ko":
            sender, half, hour, minute, text = g
            if self.day is None:
                return None  # a message before any date line: its day is unknown
            at = _moment(
                self.day.year, self.day.month, self.day.day, _hour_ko(half, int(hour)), int(minute)
            )
        else:
            month_name, day, year, hour, minute, half, sender, text = g
            month = _EN_MONTHS.get(month_name)
            if month is None:
                return None
            at = _moment(int(year), month, int(day), _hour_en(int(hour), half), int(minute))
        return at, sender.strip(), text or ""

    def other(self, line: str) -> str | None:
        """``date`` or ``system`` when the line is one of those (a PC date line sets the day)."""
        date = self.patterns["date"].match(line)
        if date is not None:
            if self.layout == "pc_ko":
                year, month, day = (int(x) for x in date.groups()[:3])
                try:
                    self.day = dt.date(year, month, day)
                except ValueError:
                    self.day = None  # messages under it cannot be dated: they are reported
                    return None
            return "date"
        system = self.patterns.get("system")
        if system is not None and system.match(line):
            return "system"
        return None


@dataclass
class _Draft:
    line: int
    at: dt.datetime
    sender: str
    text: str


def parse_kakaotalk(data: bytes) -> ChatExport:
    """Read an export. Raises ``KakaoExportError`` when it is not text, or no line of it is a
    message in any known layout; lines that fit nothing are listed in ``unread``."""
    lines = _decode(data)
    layout = detect_layout(lines)
    if layout is None:
        raise KakaoExportError(
            "no message line in a known KakaoTalk layout (phone or PC, Korean or English)"
        )
    export = ChatExport(layout=layout, title="", saved_at="")
    reader = _Reader(layout)
    current: _Draft | None = None
    pending_blank = 0

    def finish() -> None:
        if current is not None:
            export.messages.append(
                ChatMessage(
                    line=current.line,
                    at=current.at,
                    sender=current.sender,
                    text=current.text,
                    kind=_kind_of(current.text),
                )
            )

    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip()
        if not line:
            pending_blank += 1
            continue
        if number <= 3 and not export.title and (title := _TITLE.match(line)):
            export.title = (title.group(1) or title.group(2) or "").strip()
            pending_blank = 0
            continue
        if number <= 4 and not export.saved_at and (saved := _SAVED.match(line)):
            export.saved_at = saved.group(1).strip()
            pending_blank = 0
            continue
        try:
            parsed = reader.message(line)
        except _NoSuchMoment:
            finish()
            current = None
            export.unread.append(UnreadLine(line=number, text=line[:200]))
            pending_blank = 0
            continue
        if parsed is not None:
            finish()
            at, sender, text = parsed
            current = _Draft(line=number, at=at, sender=sender, text=text)
            pending_blank = 0
            continue
        what = reader.other(line)
        if what is not None:
            finish()
            current = None
            if what == "system":
                export.system_lines += 1
            pending_blank = 0
            continue
        if current is not None:  # the message runs on over this line
            current.text += "\n" * (pending_blank + 1) + line
        else:
            export.unread.append(UnreadLine(line=number, text=line[:200]))
        pending_blank = 0
    finish()
    return export


def daily_counts(messages: Iterable[ChatMessage]) -> list[DayCount]:
    """Per sender and per day in Seoul: how many messages, the first and the last time, how
    many were placeholders. Ordered by day, then sender."""
    groups: dict[tuple[dt.date, str], list[ChatMessage]] = defaultdict(list)
    for message in messages:
        local = message.at.astimezone(SEOUL)
        groups[(local.date(), message.sender)].append(message)
    counts = []
    for (day, sender), group in sorted(groups.items()):
        times = sorted(m.at.astimezone(SEOUL).time() for m in group)
        counts.append(
            DayCount(
                day=day,
                sender=sender,
                messages=len(group),
                first=times[0],
                last=times[-1],
                placeholders=sum(m.kind != "text" for m in group),
            )
        )
    return counts
