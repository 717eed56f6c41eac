"""When the system proposes a case for a conference: a pure function of the case's facts, the
time and the settings, so that every boundary can be tested as a property.

A case is proposed (reasons, in this order):

- ``risk_level``: its current risk level is high or very high;
- ``escalation``: ``ONESTOP_ESCALATION_INCIDENTS`` (3) incidents or more occurred within the last
  ``ONESTOP_ESCALATION_MONTHS`` (12) calendar months (both ends included);
- ``repeat``: an incident occurred after the last conference that discussed the case, at most
  ``ONESTOP_CONFERENCE_REPEAT_MONTHS`` (12) calendar months after it.

Each reason needs something the team has not yet seen: once a conference discussed the case or
declined a proposal for it, a reason counts again only with a fact newer than that (a new
assessment, a new incident). Otherwise every later event would propose the same case again.

Incidents are counted as recorded (one ``Incident`` row is one incident, whatever its ``count``
of calls or messages). Months are calendar months in Seoul: 12 months before 2026-02-28 is
2025-02-28; 1 month after 2026-01-31 is 2026-02-28."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from onestop.cases.models import HIGH_RISK_LEVELS
from onestop.core.clock import SEOUL

RISK_LEVEL = "risk_level"
ESCALATION = "escalation"
REPEAT = "repeat"


@dataclass(frozen=True)
class CriteriaSettings:
    escalation_incidents: int = 3
    escalation_months: int = 12
    repeat_months: int = 12

    @classmethod
    def from_django(cls) -> CriteriaSettings:
        from django.conf import settings

        return cls(
            escalation_incidents=int(getattr(settings, "ONESTOP_ESCALATION_INCIDENTS", 3)),
            escalation_months=int(getattr(settings, "ONESTOP_ESCALATION_MONTHS", 12)),
            repeat_months=int(getattr(settings, "ONESTOP_CONFERENCE_REPEAT_MONTHS", 12)),
        )


@dataclass(frozen=True)
class CaseFacts:
    """What the criteria look at; no identity, no free text."""

    risk_level: str
    incidents: Sequence[dt.datetime] = ()
    risk_assessed_at: dt.datetime | None = None
    last_discussed_at: dt.datetime | None = None
    last_declined_at: dt.datetime | None = None
    is_open: bool = True


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """``moment`` moved by whole calendar months in Seoul (negative: back), the day of month
    clamped to the target month's last day."""
    local = moment.astimezone(SEOUL)
    years, month0 = divmod(local.month - 1 + months, 12)
    year, month = local.year + years, month0 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


def referral_reasons(
    facts: CaseFacts, *, now: dt.datetime, settings: CriteriaSettings
) -> list[str]:
    """The reasons to propose this case now, in a fixed order; empty: do not propose."""
    if not facts.is_open:
        return []
    seen = [t for t in (facts.last_discussed_at, facts.last_declined_at) if t is not None]
    seen_until = max(seen) if seen else None

    def is_new(moment: dt.datetime | None) -> bool:
        return seen_until is None or moment is None or moment > seen_until

    past = sorted(t for t in facts.incidents if t <= now)
    reasons: list[str] = []
    if facts.risk_level in HIGH_RISK_LEVELS and is_new(facts.risk_assessed_at):
        reasons.append(RISK_LEVEL)
    window_start = add_months(now, -settings.escalation_months)
    in_window = [t for t in past if t >= window_start]
    if (
        settings.escalation_incidents > 0
        and len(in_window) >= settings.escalation_incidents
        and any(is_new(t) for t in in_window)
    ):
        reasons.append(ESCALATION)
    if facts.last_discussed_at is not None:
        discussed = facts.last_discussed_at
        until = add_months(discussed, settings.repeat_months)
        if any(discussed < t <= until and is_new(t) for t in past):
            reasons.append(REPEAT)
    return reasons
