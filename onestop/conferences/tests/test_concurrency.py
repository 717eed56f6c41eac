"""What arrives at the same moment, on PostgreSQL with real parallel transactions: two proposals
for one case make one referral (the case lock, and the constraint behind it); a meeting closing
(or cancelled) while another is scheduled still carries its open actions to the next planned
meeting (the host agency's lock orders them); a meeting cancelled while it is marked held is
one or the other."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction

from onestop.cases.models import RiskGrade
from onestop.conferences.errors import ConferenceStateConflict
from onestop.conferences.models import (
    Action,
    Conference,
    ConferenceReferral,
    ConferenceStatus,
    ReferralStatus,
)
from onestop.conferences.services import (
    action_add,
    conference_cancel,
    conference_close_minutes,
    conference_mark_held,
    conference_schedule,
    referral_propose_automatic,
)

from .conftest import TODAY, day_at

HOLD = 0.5  # seconds the first transaction keeps its locks

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("real parallel transactions need PostgreSQL")


def run_in_thread(
    target: Callable[[], object], results: dict[str, Any], name: str
) -> threading.Thread:
    def body() -> None:
        try:
            results[name] = target()
        except BaseException as exc:
            results[name] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=body)
    thread.start()
    return thread


def test_two_proposals_at_once_make_one_referral(case):
    case.risk_level = RiskGrade.VERY_HIGH
    case.save(update_fields=["risk_level"])
    locked = threading.Event()
    results: dict[str, Any] = {}

    def first():
        with transaction.atomic():
            made = referral_propose_automatic(case_id=case.pk)
            locked.set()
            time.sleep(HOLD)
            return made

    def second():
        locked.wait(5)
        return referral_propose_automatic(case_id=case.pk)

    threads = [run_in_thread(first, results, "first"), run_in_thread(second, results, "second")]
    for thread in threads:
        thread.join(10)

    assert isinstance(results["first"], ConferenceReferral)
    assert results["second"] is None
    assert ConferenceReferral.objects.filter(case=case).count() == 1


def test_closing_while_scheduling_carries_to_the_next_planned_meeting(
    case, manager, police, schedule, put_on_agenda
):
    meeting = schedule(day_at(0, 8))
    item = put_on_agenda(case, meeting)
    action = action_add(
        agenda_item_id=item.pk,
        actor=manager,
        what="경찰과 신변보호 연장 협의",
        agency_id=police.pk,
        owner_id=None,
        due_on=TODAY + dt.timedelta(days=3),
    )
    conference_mark_held(conference_id=meeting.pk, actor=manager)
    locked = threading.Event()
    results: dict[str, Any] = {}

    def close():
        with transaction.atomic():
            conference_close_minutes(conference_id=meeting.pk, actor=manager)
            locked.set()
            time.sleep(HOLD)

    def schedule_next():
        locked.wait(5)
        return conference_schedule(actor=manager, scheduled_at=day_at(7), chair_id=manager.pk)

    threads = [
        run_in_thread(close, results, "close"),
        run_in_thread(schedule_next, results, "schedule"),
    ]
    for thread in threads:
        thread.join(10)

    assert results["close"] is None
    following = results["schedule"]
    assert Action.objects.get(pk=action.pk).carried_to_id == following.pk


def test_cancelling_while_scheduling_passes_the_actions_to_the_new_meeting(
    case, manager, police, schedule, put_on_agenda
):
    """The cancel finds no other planned meeting and lets the actions wait; the scheduling,
    ordered behind it by the agency's lock, then takes them."""
    first = schedule(day_at(0, 8))
    item = put_on_agenda(case, first)
    action = action_add(
        agenda_item_id=item.pk,
        actor=manager,
        what="경찰과 신변보호 연장 협의",
        agency_id=police.pk,
        owner_id=None,
        due_on=TODAY + dt.timedelta(days=3),
    )
    second = schedule(day_at(7))
    conference_mark_held(conference_id=first.pk, actor=manager)
    conference_close_minutes(conference_id=first.pk, actor=manager)
    assert Action.objects.get(pk=action.pk).carried_to_id == second.pk
    locked = threading.Event()
    results: dict[str, Any] = {}

    def cancel():
        with transaction.atomic():
            conference_cancel(conference_id=second.pk, actor=manager, reason="의장 사정으로 취소")
            locked.set()
            time.sleep(HOLD)

    def schedule_next():
        locked.wait(5)
        return conference_schedule(actor=manager, scheduled_at=day_at(14), chair_id=manager.pk)

    threads = [
        run_in_thread(cancel, results, "cancel"),
        run_in_thread(schedule_next, results, "schedule"),
    ]
    for thread in threads:
        thread.join(10)

    assert results["cancel"] is None
    following = results["schedule"]
    stored = Action.objects.get(pk=action.pk)
    assert (stored.carried_to_id, stored.times_carried) == (following.pk, 2)


def test_cancelling_while_holding_one_of_them_wins(case, manager, schedule, put_on_agenda):
    meeting = schedule(day_at(0, 8))
    item = put_on_agenda(case, meeting)
    locked = threading.Event()
    results: dict[str, Any] = {}

    def cancel():
        with transaction.atomic():
            conference_cancel(conference_id=meeting.pk, actor=manager, reason="의장 사정으로 취소")
            locked.set()
            time.sleep(HOLD)

    def hold():
        locked.wait(5)
        return conference_mark_held(conference_id=meeting.pk, actor=manager)

    threads = [run_in_thread(cancel, results, "cancel"), run_in_thread(hold, results, "hold")]
    for thread in threads:
        thread.join(10)

    assert results["cancel"] is None
    assert isinstance(results["hold"], ConferenceStateConflict)
    assert Conference.objects.get(pk=meeting.pk).status == ConferenceStatus.CANCELLED
    assert ConferenceReferral.objects.get(pk=item.referral_id).status == ReferralStatus.PROPOSED
