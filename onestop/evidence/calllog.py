"""Reading a phone's call log exported as CSV: the columns phones and backup apps write, in
Korean or English (when, number, name, type, duration), in UTF-8 or the CP949 that Korean Excel
saves. A pure module: bytes in, calls out, each with its row's line number; a row that cannot be
read is reported with the reason, never dropped."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final
from zoneinfo import ZoneInfo

SEOUL: Final = ZoneInfo("Asia/Seoul")
MAX_BYTES: Final = 20 * 1024 * 1024
MAX_ROWS: Final = 500_000


class CallLogError(ValueError):
    """The file cannot be read as a call log; the message says why."""


@dataclass(frozen=True)
class CallRecord:
    line: int  # the row's line in the file (the header is line 1)
    at: dt.datetime  # aware, Asia/Seoul
    number: str  # digits only (a leading + kept)
    name: str
    direction: str  # incoming | outgoing | missed | rejected | blocked | unknown
    seconds: int | None


@dataclass(frozen=True)
class UnreadRow:
    line: int
    reason: str


@dataclass
class CallLog:
    columns: dict[str, str]  # our field → the file's column
    calls: list[CallRecord] = field(default_factory=list)
    unread: list[UnreadRow] = field(default_factory=list)

    @property
    def numbers(self) -> list[str]:
        return sorted({c.number for c in self.calls if c.number})


@dataclass(frozen=True)
class DayCalls:
    day: dt.date
    number: str
    calls: int
    missed: int  # missed, rejected or blocked: the calls she did not take
    first: dt.time
    last: dt.time


HEADERS: Final[dict[str, tuple[str, ...]]] = {
    "datetime": ("일시", "통화일시", "통화 일시", "날짜/시간", "date/time", "datetime",
                 "date time", "call time", "call date"),
    "date": ("날짜", "통화일", "date"),
    "time": ("시간", "시각", "time"),
    "number": ("전화번호", "번호", "상대방 번호", "상대 번호", "number", "phone", "phone number",
               "phone_number"),
    "name": ("이름", "상대방", "name", "contact", "contact name"),
    "direction": ("유형", "구분", "통화 유형", "통화유형", "type", "call type", "direction"),
    "duration": ("통화시간", "통화 시간", "duration", "duration (sec)", "duration(s)", "seconds"),
}  # fmt: skip

DIRECTIONS: Final[dict[str, str]] = {
    "수신": "incoming", "받은 전화": "incoming", "incoming": "incoming", "1": "incoming",
    "발신": "outgoing", "건 전화": "outgoing", "outgoing": "outgoing", "2": "outgoing",
    "부재중": "missed", "부재중 전화": "missed", "missed": "missed", "3": "missed",
    "거절": "rejected", "거절한 전화": "rejected", "rejected": "rejected", "5": "rejected",
    "차단": "blocked", "차단된 전화": "blocked", "blocked": "blocked", "6": "blocked",
}  # fmt: skip
NOT_TAKEN: Final = frozenset({"missed", "rejected", "blocked"})

_KO_DATETIME = re.compile(
    r"^(\d{4})[.\-/] ?(\d{1,2})[.\-/] ?(\d{1,2})\.? (오전|오후) (\d{1,2}):(\d{2})(?::(\d{2}))?$"
)
_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d %H:%M",
    "%Y. %m. %d. %H:%M:%S",
    "%Y. %m. %d. %H:%M",
)
_DURATION_KO = re.compile(r"^(?:(\d+)시간)? ?(?:(\d+)분)? ?(?:(\d+)초)?$")


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise CallLogError(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    if b"\x00" in data:
        raise CallLogError("the file holds binary data, not a CSV call log")
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CallLogError("the file is neither UTF-8 nor CP949 text")


def parse_moment(value: str) -> dt.datetime | None:
    """A call's time as phones write it; naive times are Seoul time; None when unreadable."""
    text = value.strip()
    if not text:
        return None
    if text.isdigit() and len(text) in (10, 13):  # seconds or milliseconds since 1970
        seconds = int(text) / (1000 if len(text) == 13 else 1)
        return dt.datetime.fromtimestamp(seconds, tz=SEOUL)
    korean = _KO_DATETIME.match(text)
    if korean:
        year, month, day, half, hour, minute, second = korean.groups()
        hour_24 = int(hour) % 12 + (12 if half == "오후" else 0)
        try:
            return dt.datetime(
                int(year), int(month), int(day), hour_24, int(minute), int(second or 0),
                tzinfo=SEOUL,
            )  # fmt: skip
        except ValueError:
            return None
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        parsed = None
        for pattern in _DATETIME_FORMATS:
            try:
                parsed = dt.datetime.strptime(text, pattern)  # noqa: DTZ007  (Seoul, below)
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=SEOUL)
    return parsed.astimezone(SEOUL)


def parse_duration(value: str) -> int | None:
    """Seconds, from "83", "1:23", "0:01:23" or "1분 23초"; None when empty or unreadable."""
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if re.fullmatch(r"\d{1,3}(?::\d{2}){1,2}", text):
        seconds = 0
        for part in text.split(":"):
            seconds = seconds * 60 + int(part)
        return seconds
    korean = _DURATION_KO.match(text)
    if korean and any(korean.groups()):
        hours, minutes, seconds = (int(x or 0) for x in korean.groups())
        return hours * 3600 + minutes * 60 + seconds
    return None


def normalise_number(value: str) -> str:
    text = value.strip()
    digits = re.sub(r"\D", "", text)
    return f"+{digits}" if text.startswith("+") and digits else digits


def _columns(header: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    lowered = {name.strip().lower(): name for name in header}
    for ours, names in HEADERS.items():
        for name in names:
            if name in lowered:
                found[ours] = lowered[name]
                break
    return found


def parse_call_log(data: bytes) -> CallLog:
    """Read a CSV call log. Raises ``CallLogError`` when it is not text, has no header row, or
    lacks the columns of when (a date-time, or a date and a time) and which number."""
    text = _decode(data)
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(rows)
    except (StopIteration, csv.Error) as exc:
        raise CallLogError("the file has no header row") from exc
    columns = _columns(header)
    if "datetime" not in columns and "date" in columns and "time" not in columns:
        columns["datetime"] = columns.pop("date")  # one column with both (Android: milliseconds)
    missing = []
    if "datetime" not in columns and not {"date", "time"} <= set(columns):
        missing.append("일시 (date/time)")
    if "number" not in columns:
        missing.append("전화번호 (number)")
    if missing:
        raise CallLogError(
            "columns not found: " + ", ".join(missing) + f" (the file has: {', '.join(header)})"
        )
    index = {ours: header.index(theirs) for ours, theirs in columns.items()}
    log = CallLog(columns=columns)
    try:
        for line, row in enumerate(rows, start=2):
            if line > MAX_ROWS + 1:
                raise CallLogError(f"more than {MAX_ROWS} rows")
            if not any(cell.strip() for cell in row):
                continue
            log_row(log, line, row, index)
    except csv.Error as exc:
        raise CallLogError(f"the CSV is broken near line {rows.line_num}: {exc}") from exc
    return log


def log_row(log: CallLog, line: int, row: list[str], index: dict[str, int]) -> None:
    def cell(name: str) -> str:
        position = index.get(name)
        return row[position] if position is not None and position < len(row) else ""

    if "datetime" in index:
        raw_when = cell("datetime")
    else:
        raw_when = f"{cell('date').strip()} {cell('time').strip()}"
    at = parse_moment(raw_when)
    if at is None:
        log.unread.append(UnreadRow(line=line, reason=f"unreadable date/time: {raw_when[:40]!r}"))
        return
    number = normalise_number(cell("number"))
    raw_direction = cell("direction").strip()
    direction = DIRECTIONS.get(raw_direction.lower(), "unknown")
    raw_duration = cell("duration")
    seconds = parse_duration(raw_duration)
    if raw_duration.strip() and seconds is None:
        log.unread.append(
            UnreadRow(line=line, reason=f"unreadable duration: {raw_duration[:20]!r}")
        )
        return
    log.calls.append(
        CallRecord(
            line=line,
            at=at,
            number=number,
            name=cell("name").strip()[:100],
            direction=direction,
            seconds=seconds,
        )
    )


def daily_call_counts(
    calls: Iterable[CallRecord], *, numbers: Iterable[str] = ()
) -> list[DayCalls]:
    """Per number and per day in Seoul (only ``numbers``, when given: the stalker's): how many
    calls, how many she did not take, the first and the last. Ordered by day, then number."""
    wanted = {normalise_number(n) for n in numbers}
    groups: dict[tuple[dt.date, str], list[CallRecord]] = defaultdict(list)
    for call in calls:
        if wanted and call.number not in wanted:
            continue
        groups[(call.at.astimezone(SEOUL).date(), call.number)].append(call)
    result = []
    for (day, number), group in sorted(groups.items()):
        times = sorted(c.at.astimezone(SEOUL).time() for c in group)
        result.append(
            DayCalls(
                day=day,
                number=number,
                calls=len(group),
                missed=sum(c.direction in NOT_TAKEN for c in group),
                first=times[0],
                last=times[-1],
            )
        )
    return result
