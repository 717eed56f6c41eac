"""When a reassessment is due — never assessed, a new incident since the latest assessment, or
the period passed — with an explicit ``now``; and the reminder source that tells the team once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from onestop.cases.models import Incident, Notification, Reminder
from onestop.cases.reminders import reminder_sources
from onestop.cases.services import case_transition, incident_record, reminders_send
from onestop.core import clock
from onestop.risk.reminders import reassessment_reminders
from onestop.risk.selectors import reassessment_due
from onestop.risk.services import assessment_record
from onestop.risk.tests.conftest import bundled_definition, scored_answers

pytestmark = pytest.mark.django_db

WEEK = dt.timedelta(weeks=1)


def assess(case, actor, instrument, *yes: str):
    return assessment_record(
        case_id=case.pk,
        actor=actor,
        instrument_id=instrument.pk,
        answers=scored_answers(bundled_definition(), yes),
    )


def incident(case, actor) -> Incident:
    return incident_record(
        case_id=case.pk,
        actor=actor,
        occurred_at=clock.now() - dt.timedelta(hours=2),
        behaviours=["communication"],
        source="victim",
    )


def test_a_case_never_assessed_is_due(case):
    state = reassessment_due(case, now=clock.now())
    assert (state.due, state.reason, state.due_at, state.last_assessed_at) == (
        True,
        "never_assessed",
        case.opened_at,
        None,
    )
    assert state.reason_label == "아직 평가하지 않았습니다"


def test_the_timer_makes_it_due_after_eight_weeks(case, manager, instrument):
    assessed = assess(case, manager, instrument).assessed_at
    due_at = assessed + 8 * WEEK

    state = reassessment_due(case, now=due_at - dt.timedelta(seconds=1))
    assert (state.due, state.reason, state.due_at, state.last_assessed_at) == (
        False,
        "",
        due_at,
        assessed,
    )
    state = reassessment_due(case, now=due_at)
    assert (state.due, state.reason, state.due_at) == (True, "timer", due_at)


def test_the_period_is_a_setting(case, manager, instrument, settings):
    settings.ONESTOP_REASSESSMENT_WEEKS = 2
    assessed = assess(case, manager, instrument).assessed_at
    assert reassessment_due(case, now=assessed + 2 * WEEK).reason == "timer"
    assert reassessment_due(case, now=assessed + 2 * WEEK - dt.timedelta(1)).due is False


def test_a_new_incident_makes_it_due_at_once(case, manager, instrument):
    incident(case, manager)  # before the assessment: already weighed
    assess(case, manager, instrument)
    assert reassessment_due(case, now=clock.now()).due is False

    new = incident(case, manager)
    state = reassessment_due(case, now=clock.now())
    assert (state.due, state.reason, state.due_at) == (True, "new_incident", new.created_at)
    assert state.reason_label == "마지막 평가 뒤 새 피해 사건이 기록되었습니다"

    assess(case, manager, instrument)  # reassessed: no longer due
    assert reassessment_due(case, now=clock.now()).due is False


def test_a_closed_case_is_never_due(case, manager, instrument):
    assess(case, manager, instrument)
    case_transition(
        case_id=case.pk, actor=manager, to_status="closed", close_reason="support_completed"
    )
    case.refresh_from_db()
    assert reassessment_due(case, now=clock.now() + 20 * WEEK).due is False


# --- the reminder source ------------------------------------------------------------------------


@pytest.fixture
def cases(manager, open_case, instrument):
    """timer: assessed long ago (as of ``now`` 9 weeks on) · incident: a new incident ·
    fresh: assessed, nothing new (but 9 weeks on, its timer passes too) · never: not assessed ·
    closed: assessed, then closed."""
    made = {
        name: open_case(manager, phone=f"010-5555-000{i}", name=f"피해자{i}")
        for i, name in enumerate(["timer", "incident", "never", "closed"])
    }
    for name in ("timer", "incident", "closed"):
        assess(made[name], manager, instrument)
    incident(made["incident"], manager)
    case_transition(
        case_id=made["closed"].pk,
        actor=manager,
        to_status="closed",
        close_reason="support_completed",
    )
    for case in made.values():
        case.refresh_from_db()
    return made


def test_the_source_is_registered():
    assert dict(reminder_sources())["risk.reassessment_due"] is reassessment_reminders


def test_the_source_lists_open_cases_due_once_keyed(cases, django_assert_num_queries):
    now = clock.now()
    with django_assert_num_queries(1):
        due = list(reassessment_reminders(now))
    incident_case = cases["incident"]
    first_new = incident_case.incidents.get().created_at
    assert [(r.case_id, r.kind) for r in due] == [(incident_case.pk, "reassessment_due")]
    reminder = due[0]
    day = first_new.astimezone(clock.SEOUL).date().isoformat()
    assert reminder.key == f"reassessment_due:{incident_case.pk}:{day}"
    assert reminder.due_at == first_new
    assert reminder.text == "%(reference)s: 새 피해 사건이 기록되어 위험 재평가가 필요합니다."
    assert reminder.data == {"reference": incident_case.reference, "reason": "new_incident"}
    assert reminder.link == reverse("cases:detail", args=[incident_case.pk])
    assert reminder.team_of_case is True

    later = now + 9 * WEEK
    with django_assert_num_queries(1):
        due = list(reassessment_reminders(later))
    by_case = {r.case_id: r for r in due}
    assert set(by_case) == {cases["timer"].pk, incident_case.pk}
    timer = by_case[cases["timer"].pk]
    timer_due = cases["timer"].risk_assessed_at + 8 * WEEK
    assert timer.key == (
        f"reassessment_due:{cases['timer'].pk}:{timer_due.astimezone(clock.SEOUL).date()}"
    )
    assert timer.text == "%(reference)s: 위험 재평가 기한이 되었습니다."
    # the incident case keeps its key when its timer passes as well: reminded once
    assert by_case[incident_case.pk].key == reminder.key


def test_a_sweep_sends_each_reassessment_reminder_once(cases, manager):
    now = clock.now() + 9 * WEEK
    assert reminders_send(now=now)["risk.reassessment_due"] == 2
    assert reminders_send(now=now)["risk.reassessment_due"] == 0
    assert Reminder.objects.filter(kind="reassessment_due").count() == 2
    notices = Notification.objects.filter(kind="reassessment_due", recipient=manager)
    assert {n.case_id for n in notices} == {cases["timer"].pk, cases["incident"].pk}
