"""The reminder source of the risk app: open cases whose reassessment is due.

Registered in ``RiskConfig.ready`` as ``risk.reassessment_due``; ``cases.reminders_sweep`` asks
it for what is due and sends each reminder once. The key names the case and the day the
reassessment fell due, so the team is reminded once per due assessment; a new assessment starts
a new period, and its next due day is a new key. The text is a msgid filled from ``data`` when
it is shown (``cases`` does that), so each reader sees it in her own language; it names the case
reference only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext_noop

from onestop.cases.reminders import DueReminder
from onestop.core import clock
from onestop.risk.selectors import reassessments_due

KIND = "reassessment_due"


def reassessment_reminders(now: dt.datetime) -> Iterator[DueReminder]:
    for due in reassessments_due(now=now):
        state = due.state
        if state.due_at is None:  # pragma: no cover  (a due state always has its time)
            continue
        day = state.due_at.astimezone(clock.SEOUL).date()
        if state.reason == "new_incident":
            text = gettext_noop("%(reference)s: 새 피해 사건이 기록되어 위험 재평가가 필요합니다.")
        else:
            text = gettext_noop("%(reference)s: 위험 재평가 기한이 되었습니다.")
        yield DueReminder(
            key=f"{KIND}:{due.case_id}:{day.isoformat()}",
            kind=KIND,
            due_at=state.due_at,
            text=text,
            link=reverse("cases:detail", args=[due.case_id]),
            case_id=due.case_id,
            team_of_case=True,
            data={"reference": due.reference, "reason": state.reason},
        )
