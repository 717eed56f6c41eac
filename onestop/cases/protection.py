"""How long a protective measure may last (Stalking Punishment Act, arts. 4, 5 and 9).

- A police *emergency measure* (응급조치) is taken on the spot: it has no term.
- An *urgent emergency measure* (긴급응급조치: 100 m ban, telecom ban) lasts at most one month and
  is not extended (a court's provisional measure follows it).
- A court *provisional measure* lasts at most 3 months and may be extended twice, by at most 3
  months each: 9 months in all. Detention (4호) lasts at most one month and is not extended.

A term of N months starting on day D ends, at the latest, on the day before the same day N
months later (the starting day counts: 20 Nov → 19 Feb for 3 months); when the end month has no
such day, on that month's last day (30 Nov + 3 months → 28 Feb) — Civil Code art. 160(2), (3).
Pure functions, so the rule is property-tested on its own."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from onestop.cases.models import ProtectiveMeasureKind as Kind


@dataclass(frozen=True)
class TermRule:
    """``months``: the longest first term (None: no term at all); ``extensions``: how many times
    it may be extended, ``extension_months`` each; ``total_months``: the longest in all."""

    months: int | None
    extensions: int = 0
    extension_months: int = 0

    @property
    def total_months(self) -> int | None:
        if self.months is None:
            return None
        return self.months + self.extensions * self.extension_months


TERM_RULES: dict[str, TermRule] = {
    Kind.EMERGENCY: TermRule(months=None),
    Kind.URGENT_EMERGENCY: TermRule(months=1),
    Kind.PROVISIONAL_WARNING: TermRule(months=3, extensions=2, extension_months=3),
    Kind.PROVISIONAL_100M: TermRule(months=3, extensions=2, extension_months=3),
    Kind.PROVISIONAL_TELECOM: TermRule(months=3, extensions=2, extension_months=3),
    Kind.PROVISIONAL_MONITORING: TermRule(months=3, extensions=2, extension_months=3),
    Kind.PROVISIONAL_DETENTION: TermRule(months=1),
}


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, clamped to the end of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def latest_end(start: dt.date, months: int) -> dt.date:
    """The last day of a term of ``months`` months that starts on ``start`` (start included)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    if start.day > last_day:  # no such day in the end month: its last day ends the term
        return dt.date(year, month, last_day)
    return dt.date(year, month, start.day) - dt.timedelta(days=1)


def first_term_limit(kind: str, starts_on: dt.date) -> dt.date | None:
    """The latest end of a new measure of this kind, or None when it has no term."""
    rule = TERM_RULES[kind]
    return None if rule.months is None else latest_end(starts_on, rule.months)


def extension_limit(
    kind: str, *, starts_on: dt.date, current_end: dt.date, extensions_so_far: int
) -> dt.date | None:
    """The latest end a further extension may set, or None when no extension is allowed: the
    kind is not extendable, or it has been extended as often as the law allows."""
    rule = TERM_RULES[kind]
    if rule.months is None or extensions_so_far >= rule.extensions:
        return None
    return min(
        latest_end(current_end + dt.timedelta(days=1), rule.extension_months),
        latest_end(starts_on, rule.months + rule.extensions * rule.extension_months),
    )
