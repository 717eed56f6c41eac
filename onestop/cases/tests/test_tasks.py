"""Notifications are made by the task worker, after commit, once per event and recipient."""

import pytest

from onestop.cases.models import Notification
from onestop.cases.services import case_team_assign, case_transition
from onestop.cases.tasks import notify_case_event
from onestop.conftest import run_pending_tasks


@pytest.mark.django_db
def test_a_new_case_notifies_the_agency_supervisors_but_not_its_author(
    open_case, counselor, supervisor, other_agency, make_staff
):
    make_staff(other_agency, "supervisor", "busan-supervisor")
    case = open_case(counselor)
    assert Notification.objects.count() == 0  # nothing before the worker runs
    run_pending_tasks()
    notices = list(Notification.objects.values_list("recipient__username", "kind", "case_id"))
    assert notices == [(supervisor.username, "opened", case.pk)]


@pytest.mark.django_db
def test_team_changes_notify_the_team_and_the_new_member(open_case, manager, staff):
    case = open_case(manager)
    run_pending_tasks()
    Notification.objects.all().delete()
    expert = staff["expert"]
    case_team_assign(case_id=case.pk, actor=manager, staff_id=expert.pk, role="expert")
    case_transition(case_id=case.pk, actor=manager, to_status="assessing")
    run_pending_tasks()
    got = sorted(Notification.objects.values_list("recipient__username", "kind"))
    assert got == [(expert.username, "status_changed"), (expert.username, "team_assigned")]


@pytest.mark.django_db
def test_running_the_task_twice_makes_each_notice_once(open_case, counselor, supervisor):
    case = open_case(counselor)
    event = case.events.get(kind="opened")
    assert notify_case_event.call(event_id=str(event.pk)) == 1
    notify_case_event.call(event_id=str(event.pk))
    assert Notification.objects.filter(source_event=event).count() == 1


@pytest.mark.django_db
def test_a_missing_event_is_a_no_op():
    assert notify_case_event.call(event_id="00000000-0000-0000-0000-000000000000") == 0
