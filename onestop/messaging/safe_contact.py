"""When staff may reach her: a pure reading of the safe-contact times she gave.

``safe_contact_times`` is free text (``"18:00~21:00 · 문자만 가능"``, ``"평일 오후 6시 이후"``).
Only spans written ``HH:MM~HH:MM`` are read; anything else is shown to staff as she said it and
judged by them. A span includes its start and excludes its end; a span whose end is before its
start runs past midnight (``22:00~02:00``). A span that starts and ends at the same minute says
nothing and is ignored."""

from __future__ import annotations

import datetime as dt
import re

# "~" as written by intake and police referrals; "-", the en dash, the wave dash and the
# full-width tilde that people type instead.
_SPAN = re.compile(r"(?<!\d)(\d{1,2}):(\d{2})\s*[~\-\u2013\u301c\uff5e]\s*(\d{1,2}):(\d{2})(?!\d)")

Span = tuple[int, int]  # minutes since midnight: start, end


def safe_contact_spans(text: str) -> list[Span]:
    """The ``HH:MM~HH:MM`` spans in the text, as minutes since midnight (24:00 is midnight at the
    end of the day). Impossible times and empty spans are left out."""
    spans: list[Span] = []
    for match in _SPAN.finditer(text or ""):
        h1, m1, h2, m2 = (int(group) for group in match.groups())
        if m1 > 59 or m2 > 59 or h1 > 23 or h2 > 24 or (h2 == 24 and m2 != 0):
            continue
        start, end = h1 * 60 + m1, (h2 * 60 + m2) % (24 * 60)
        if start != end:
            spans.append((start, end))
    return spans


def _inside(span: Span, minute: int) -> bool:
    start, end = span
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end  # past midnight


def within_safe_hours(text: str, at: dt.time) -> bool | None:
    """Whether ``at`` (Seoul wall-clock time) falls inside one of the spans she gave; ``None``
    when she gave no span this can read."""
    spans = safe_contact_spans(text)
    if not spans:
        return None
    minute = at.hour * 60 + at.minute
    return any(_inside(span, minute) for span in spans)


def outside_safe_hours(text: str, at: dt.time) -> bool:
    """True only when she gave a span and ``at`` is outside every one: she may be with others
    now and must not be phoned."""
    return within_safe_hours(text, at) is False
