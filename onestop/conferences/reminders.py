"""Reminder sources for ``cases.reminders``: actions falling due, and meetings to prepare. Each
key names the thing and its due date, so the sweep sends it once (and again if the date moves).
Texts name a case by its reference only, never the victim."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext_noop

from onestop.cases.reminders import DueReminder
from onestop.conferences.selectors import actions_due_by, conferences_between
from onestop.core.clock import SEOUL

ACTION_DUE_DAYS = 2
PREPARE_DAYS = 3


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=SEOUL)


def actions_due(now: dt.datetime) -> Iterator[DueReminder]:
    """Open actions due within two days, or overdue: to the action's owner, or the case team
    when it has none."""
    today = now.astimezone(SEOUL).date()
    for action in actions_due_by(day=today + dt.timedelta(days=ACTION_DUE_DAYS)):
        conference_id = action.carried_to_id or action.agenda_item.conference_id
        yield DueReminder(
            key=f"action_due:{action.pk}:{action.due_on.isoformat()}",
            kind="action_due",
            due_at=_start_of(action.due_on),
            # a msgid, filled from ``data`` when shown (in the reader's language)
            text=gettext_noop("사례회의 조치 기한: %(reference)s (%(due)s)"),
            link=reverse("conferences:detail", args=[conference_id]) + f"#action-{action.pk}",
            case_id=action.case_id,
            recipients=(action.owner_id,) if action.owner_id else (),
            team_of_case=action.owner_id is None,
            data={
                "action": str(action.pk),
                "reference": action.case.reference,
                "due": action.due_on.isoformat(),
            },
        )


def conferences_to_prepare(now: dt.datetime) -> Iterator[DueReminder]:
    """Planned meetings within three days: to the chair and the attending staff."""
    for conference in conferences_between(start=now, end=now + dt.timedelta(days=PREPARE_DAYS)):
        day = conference.scheduled_at.astimezone(SEOUL).date()
        staff = [conference.chair_id]
        staff += [a.staff_id for a in conference.attendees.all() if a.staff_id]
        yield DueReminder(
            key=f"conference_prepare:{conference.pk}:{day.isoformat()}",
            kind="conference_prepare",
            due_at=conference.scheduled_at,
            text=gettext_noop("사례회의 준비: %(when)s"),
            link=reverse("conferences:detail", args=[conference.pk]),
            recipients=tuple(dict.fromkeys(staff)),
            data={
                "conference": str(conference.pk),
                "when": conference.scheduled_at.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M"),
            },
        )
