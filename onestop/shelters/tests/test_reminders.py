"""Departures due within 7 days remind the case team once per departure day (an extension
moves the day and brings a new reminder); a freed bed tells each fitting waiting case once,
however often its task runs. Notices name the case reference only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from onestop.cases.models import Notification, Reminder
from onestop.cases.services import reminders_send
from onestop.cases.templatetags.case_display import reminder_kind_label, reminder_text
from onestop.core import clock
from onestop.shelters import tasks
from onestop.shelters.selectors import departures_due
from onestop.shelters.services import (
    placement_end,
    placement_extension_decide,
    placement_extension_request,
    placement_start,
    waitlist_add,
)

from .conftest import TODAY, day

pytestmark = pytest.mark.django_db


@pytest.fixture
def stay(case, manager, facility, approved):
    return placement_start(
        actor=manager,
        case_id=case.pk,
        facility_id=facility.pk,
        service_request_id=approved(case, days=20).pk,
        starts_on=TODAY,
        planned_end_on=day(10),
    )


def test_a_departure_is_due_seven_days_before(stay, case, at, django_assert_num_queries):
    assert list(departures_due(clock.now())) == []

    at(dt.datetime(2026, 11, 23, 9, 0, tzinfo=clock.SEOUL))
    with django_assert_num_queries(1):
        due = list(departures_due(clock.now()))

    assert [(d.key, d.kind, d.case_id, d.team_of_case) for d in due] == [
        (f"placement_departure:{stay.pk}:2026-11-30", "placement_departure", case.pk, True)
    ]
    assert due[0].data == {"reference": case.reference, "ends_on": "2026-11-30"}
    assert due[0].due_at == dt.datetime(2026, 11, 23, 9, 0, tzinfo=clock.SEOUL)


def test_the_team_hears_once_and_again_after_an_extension(stay, case, manager, supervisor, at):
    at(dt.datetime(2026, 11, 24, 9, 0, tzinfo=clock.SEOUL))
    reminders_send(now=clock.now())
    reminders_send(now=clock.now())

    notices = Notification.objects.filter(kind="placement_departure")
    assert [n.recipient_id for n in notices] == [manager.pk]
    reminder = notices[0].reminder
    assert reminder is not None
    with translation.override("ko"):
        assert reminder_text(reminder) == (
            f"{case.reference}: 보호시설 퇴소 예정일은 2026-11-30입니다."
        )
        assert reminder_kind_label("placement_departure") == "보호시설 퇴소 예정"

    extension = placement_extension_request(
        actor=manager, case_id=case.pk, placement_id=stay.pk, requested_end_on=day(12), reason="a"
    )
    placement_extension_decide(
        actor=supervisor, case_id=case.pk, extension_id=extension.pk, approve=True
    )
    reminders_send(now=clock.now())  # the new day is 8 days away: not yet
    assert Reminder.objects.count() == 1
    at(dt.datetime(2026, 11, 25, 9, 0, tzinfo=clock.SEOUL))
    reminders_send(now=clock.now())

    assert sorted(Reminder.objects.values_list("key", flat=True)) == [
        f"placement_departure:{stay.pk}:2026-11-30",
        f"placement_departure:{stay.pk}:2026-12-02",
    ]


def test_an_ended_stay_is_not_reminded(stay, case, manager, at):
    placement_end(
        actor=manager, case_id=case.pk, placement_id=stay.pk, ended_on=TODAY, reason="departed"
    )
    at(dt.datetime(2026, 11, 24, 9, 0, tzinfo=clock.SEOUL))
    assert list(departures_due(clock.now())) == []


def test_the_bed_freed_task_is_safe_to_run_twice(
    stay, case, manager, open_case, make_facility, approved, facility
):
    waiting = open_case(manager, name="박서연", phone="010-2222-3333")
    waitlist_add(actor=manager, case_id=waiting.pk, service_request_id=approved(waiting).pk)
    placement_end(
        actor=manager, case_id=case.pk, placement_id=stay.pk, ended_on=TODAY, reason="departed"
    )

    first = tasks.bed_freed.call(facility_id=str(facility.pk), placement_id=str(stay.pk))
    second = tasks.bed_freed.call(facility_id=str(facility.pk), placement_id=str(stay.pk))

    assert (first, second) == (1, 0)
    assert Notification.objects.filter(kind="shelter_bed_free").count() == 1


def test_a_bed_taken_again_before_the_task_runs_tells_nobody(
    stay, case, manager, open_case, approved, facility, shelter_supervisor
):
    from onestop.shelters.services import facility_update

    facility_update(
        actor=shelter_supervisor,
        facility_id=facility.pk,
        capacity=1,
        pets_allowed=False,
        active=True,
    )
    waiting = open_case(manager, name="박서연", phone="010-2222-3333")
    waitlist_add(actor=manager, case_id=waiting.pk, service_request_id=approved(waiting).pk)
    placement_end(
        actor=manager, case_id=case.pk, placement_id=stay.pk, ended_on=TODAY, reason="departed"
    )
    third = open_case(manager, name="이수진", phone="010-8888-9999")
    placement_start(
        actor=manager,
        case_id=third.pk,
        facility_id=facility.pk,
        service_request_id=approved(third).pk,
        starts_on=TODAY,
        planned_end_on=day(5),
    )

    assert tasks.bed_freed.call(facility_id=str(facility.pk), placement_id=str(stay.pk)) == 0
