"""Reminders of the conferences app: actions due within two days (or overdue) to their owner or
the case team, meetings within three days to the chair and attending staff; each key once;
texts name the case reference only."""

from __future__ import annotations

import datetime as dt

import pytest

from onestop.accounts.models import Role
from onestop.cases.models import Notification, Reminder
from onestop.cases.services import case_team_assign, case_transition, reminders_send
from onestop.conferences.reminders import actions_due, conferences_to_prepare
from onestop.conferences.services import (
    action_add,
    action_complete,
    conference_attendee_add,
    conference_mark_held,
)

from .conftest import T0, TODAY, day_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(case, schedule, put_on_agenda):
    return put_on_agenda(case, schedule(day_at(0, 8)))


def add_action(item, actor, *, due_in: int, owner=None):
    return action_add(
        agenda_item_id=item.pk,
        actor=actor,
        what="피해자 김지영 님과 안전 계획 점검",
        agency_id=actor.agency_id,
        owner_id=owner.pk if owner else None,
        due_on=TODAY + dt.timedelta(days=due_in),
    )


def test_actions_due_within_two_days_or_overdue_are_reminded(item, manager, expert, at):
    soon = add_action(item, manager, due_in=2, owner=expert)
    later = add_action(item, manager, due_in=3)
    done = add_action(item, manager, due_in=1)
    action_complete(action_id=done.pk, actor=manager)

    due = {r.key: r for r in actions_due(T0)}
    assert set(due) == {f"action_due:{soon.pk}:2026-11-22"}
    reminder = due[f"action_due:{soon.pk}:2026-11-22"]
    assert (reminder.recipients, reminder.team_of_case, reminder.case_id) == (
        (expert.pk,),
        False,
        item.case_id,
    )
    # the text is a msgid, filled from the data when shown
    assert (
        reminder.text % reminder.data == f"사례회의 조치 기한: {item.case.reference} (2026-11-22)"
    )
    assert "김지영" not in str(reminder.data)
    assert reminder.link.endswith(f"#action-{soon.pk}")

    at(T0 + dt.timedelta(days=10))  # overdue: still reminded, same key
    keys = {r.key for r in actions_due(T0 + dt.timedelta(days=10))}
    assert keys == {f"action_due:{soon.pk}:2026-11-22", f"action_due:{later.pk}:2026-11-23"}


def test_an_action_without_owner_goes_to_the_case_team(item, manager):
    action = add_action(item, manager, due_in=0)
    (reminder,) = list(actions_due(T0))
    assert (reminder.key, reminder.recipients, reminder.team_of_case) == (
        f"action_due:{action.pk}:2026-11-20",
        (),
        True,
    )


def test_actions_of_closed_cases_are_not_reminded(item, manager, supervisor):
    add_action(item, manager, due_in=1)
    case_transition(
        case_id=item.case_id, actor=supervisor, to_status="closed", close_reason="duplicate"
    )
    assert list(actions_due(T0)) == []


def test_meetings_within_three_days_are_prepared_by_chair_and_attending_staff(
    manager, supervisor, expert, police, schedule
):
    soon = schedule(day_at(3, 8))
    schedule(day_at(4))
    conference_attendee_add(
        conference_id=soon.pk,
        actor=manager,
        agency_id=expert.agency_id,
        staff_id=expert.pk,
        name="",
        role="범죄심리 전문가",
    )
    conference_attendee_add(
        conference_id=soon.pk,
        actor=manager,
        agency_id=police.pk,
        staff_id=None,
        name="이경위",
        role="경찰",
    )

    (reminder,) = list(conferences_to_prepare(T0))

    assert reminder.key == f"conference_prepare:{soon.pk}:2026-11-23"
    assert reminder.recipients == (manager.pk, expert.pk)
    assert reminder.text % reminder.data == "사례회의 준비: 2026-11-23 08:00"
    assert reminder.case_id is None


def test_a_held_meeting_needs_no_preparing(manager, schedule):
    today = schedule(day_at(0, 10))
    conference_mark_held(conference_id=today.pk, actor=manager)
    assert list(conferences_to_prepare(T0)) == []


def test_the_sweep_sends_each_reminder_once(item, manager, staff, make_staff, agency, schedule):
    counselor = make_staff(agency, Role.HOTLINE_COUNSELOR, username="team-counselor")
    case_team_assign(case_id=item.case_id, actor=manager, staff_id=counselor.pk, role="counselor")
    add_action(item, manager, due_in=1)
    schedule(day_at(2))

    first = reminders_send(now=T0)
    second = reminders_send(now=T0)

    assert first["conferences.actions_due"] == 2  # the case team: the lead and the counselor
    assert first["conferences.prepare"] == 1
    assert second["conferences.actions_due"] == second["conferences.prepare"] == 0
    assert Reminder.objects.filter(kind="action_due").count() == 1
    assert set(
        Notification.objects.filter(kind="action_due").values_list("recipient", flat=True)
    ) == {manager.pk, counselor.pk}
