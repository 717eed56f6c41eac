"""A facility's sealed address appears in exactly one place: the answer to an explicit, audited
request to reveal it. Everything else a shelter's life writes or shows — pages, the board, the
case panel, timeline entries, notices and reminders, audit entries, disclosures, queued tasks,
log lines — is searched for the address string."""

from __future__ import annotations

import json
import logging

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from onestop.audit.models import AuditEntry
from onestop.cases.models import CaseEvent, Notification, Reminder
from onestop.cases.services import reminders_send
from onestop.conftest import run_pending_tasks
from onestop.consent.models import Disclosure
from onestop.core import clock
from onestop.shelters.services import (
    placement_end,
    placement_extension_decide,
    placement_extension_request,
    placement_move,
    placement_start,
    waitlist_add,
)

from .conftest import ADDRESS, TODAY, day
from .helpers import consent_to_share

pytestmark = [pytest.mark.django_db, pytest.mark.urls("onestop.shelters.tests.urls")]


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_address_is_nowhere_but_in_its_reveal(
    caplog,
    capsys,
    case,
    manager,
    supervisor,
    open_case,
    make_facility,
    approved,
    shelter_staff,
    shelter_supervisor,
    shelter_agency,
    at,
):
    caplog.set_level(logging.DEBUG)
    first = make_facility(capacity=1)
    second = make_facility(capacity=1)
    consent_to_share(case, manager, shelter_agency)
    stay = placement_start(
        actor=manager,
        case_id=case.pk,
        facility_id=first.pk,
        service_request_id=approved(case, days=20).pk,
        starts_on=TODAY,
        planned_end_on=day(5),
    )
    waiting = open_case(manager, name="박서연", phone="010-2222-3333")
    waitlist_add(actor=manager, case_id=waiting.pk, service_request_id=approved(waiting).pk)
    extension = placement_extension_request(
        actor=manager, case_id=case.pk, placement_id=stay.pk, requested_end_on=day(6), reason="a"
    )
    placement_extension_decide(
        actor=supervisor, case_id=case.pk, extension_id=extension.pk, approve=True
    )
    moved = placement_move(
        actor=manager, case_id=case.pk, placement_id=stay.pk, facility_id=second.pk, moved_on=TODAY
    )
    reminders_send(now=clock.now())  # the departure in 6 days
    run_pending_tasks()  # the bed freed in ``first``: the waiting case's team hears of it
    assert Notification.objects.filter(kind="shelter_bed_free").exists()
    assert Notification.objects.filter(kind="placement_departure").exists()

    # the only answers that hold it: the reveals
    revealed = logged_in(manager).post(reverse("shelters:case_address", args=[case.pk, moved.pk]))
    assert ADDRESS in revealed.content.decode()
    board_reveal = logged_in(shelter_staff).post(
        reverse("shelters:facility_address", args=[second.pk])
    )
    assert ADDRESS in board_reveal.content.decode()

    pages = {
        "case page": (manager, reverse("cases:detail", args=[case.pk])),
        "waiting case page": (manager, reverse("cases:detail", args=[waiting.pk])),
        "find": (
            manager,
            reverse("shelters:case_find", args=[waiting.pk])
            + f"?service_request={approved(waiting).pk}",
        ),
        "dashboard": (manager, reverse("cases:dashboard")),
        "board": (shelter_staff, reverse("shelters:board")),
        "board of the supervisor": (shelter_supervisor, reverse("shelters:board")),
        "shelter dashboard": (shelter_staff, reverse("cases:dashboard")),
        "new facility": (shelter_supervisor, reverse("shelters:facility_new")),
    }
    for name, (user, url) in pages.items():
        response = logged_in(user).get(url)
        assert response.status_code == 200, name
        assert ADDRESS not in response.content.decode(), name

    placement_end(
        actor=manager, case_id=case.pk, placement_id=moved.pk, ended_on=TODAY, reason="departed"
    )
    run_pending_tasks()

    for event in CaseEvent.objects.all():
        assert ADDRESS not in json.dumps(event.data, ensure_ascii=False)
        assert ADDRESS not in event.note
    for entry in AuditEntry.objects.all():
        text = json.dumps(entry.data, ensure_ascii=False) + entry.actor_label + entry.target_id
        assert ADDRESS not in text, entry.action
    for notice in Notification.objects.select_related("reminder"):
        assert notice.reminder is None or ADDRESS not in (
            notice.reminder.text + json.dumps(notice.reminder.data, ensure_ascii=False)
        )
    for reminder in Reminder.objects.all():
        assert ADDRESS not in reminder.text + reminder.link + json.dumps(reminder.data)
    for disclosure in Disclosure.objects.all():
        assert ADDRESS not in disclosure.what
    for task in DBTaskResult.objects.all():
        assert ADDRESS not in json.dumps(task.args_kwargs, ensure_ascii=False)
    with connection.cursor() as cursor:
        cursor.execute("SELECT address FROM shelters_facilityaddress")
        stored = [row[0] for row in cursor.fetchall()]
    assert len(stored) == 2
    assert all(ADDRESS not in value for value in stored)  # sealed at rest
    assert ADDRESS not in caplog.text
    captured = capsys.readouterr()
    assert ADDRESS not in captured.out + captured.err
