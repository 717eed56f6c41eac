"""Cancelling a planned meeting: who may, which meetings, a reason; the referrals it had accepted
go back to proposed (unless another planned meeting has the case), its agenda stays for the
record, the actions carried to it move on to the next planned regular meeting (or wait), each
agenda case gets a timeline entry, and a cancelled meeting needs no preparing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from onestop.accounts.models import Role
from onestop.audit.models import AuditEntry
from onestop.cases.models import CaseEvent, EventKind
from onestop.conferences.errors import (
    ConferenceActionForbidden,
    ConferenceNotFound,
    ConferenceStateConflict,
)
from onestop.conferences.models import (
    Action,
    AgendaItem,
    Conference,
    ConferenceReferral,
    ConferenceStatus,
    ReferralReason,
    ReferralStatus,
)
from onestop.conferences.reminders import conferences_to_prepare
from onestop.conferences.selectors import conference_overview
from onestop.conferences.services import (
    action_add,
    conference_call_emergency,
    conference_cancel,
    conference_close_minutes,
    conference_mark_held,
    decision_add,
    referral_accept,
)
from onestop.conferences.timeline import conference_event_detail
from onestop.core.errors import ValidationFailed

from .conftest import T0, TODAY, day_at
from .test_services import counts, fields_of

pytestmark = pytest.mark.django_db

REASON = "의장 사정으로 열지 못함"


def act(item, actor, what: str = "주 1회 안부 전화") -> Action:
    return action_add(
        agenda_item_id=item.pk,
        actor=actor,
        what=what,
        agency_id=actor.agency_id,
        owner_id=None,
        due_on=TODAY + dt.timedelta(days=5),
    )


def reloaded[M: Model](obj: M) -> M:
    return type(obj)._default_manager.get(pk=obj.pk)


# --- who, which meetings, a reason --------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.CASE_MANAGER])
def test_supervisors_and_case_managers_cancel_a_planned_meeting(
    staff, role, schedule, case, put_on_agenda, at
):
    meeting = schedule(day_at(3))
    put_on_agenda(case, meeting)
    at(T0 + dt.timedelta(hours=1))

    done = conference_cancel(conference_id=meeting.pk, actor=staff[role], reason=f"  {REASON} ")

    stored = reloaded(done)
    assert stored.status == ConferenceStatus.CANCELLED
    assert (stored.cancelled_at, stored.cancelled_by_id) == (
        T0 + dt.timedelta(hours=1),
        staff[role].pk,
    )
    assert stored.cancel_reason == REASON
    assert (stored.held_at, stored.closed_at) == (None, None)
    entry = AuditEntry.objects.filter(action="conference.cancel").get()
    assert (entry.actor_id, entry.target_id) == (staff[role].pk, str(meeting.pk))
    assert REASON not in str(entry.data)  # the reason is sealed on the meeting, not audited


def test_the_reason_is_sealed(manager, schedule):
    meeting = schedule(day_at(3))
    conference_cancel(conference_id=meeting.pk, actor=manager, reason=REASON)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT cancel_reason FROM conferences_conference WHERE id = %s",
            [meeting.pk.hex] if connection.vendor == "sqlite" else [meeting.pk],
        )
        assert REASON not in cursor.fetchone()[0]  # sealed at rest


@pytest.mark.parametrize(
    "role", [r for r in Role.values if r not in (Role.SUPERVISOR, Role.CASE_MANAGER)]
)
def test_others_may_not_cancel_and_nothing_is_written(staff, role, schedule, case, put_on_agenda):
    meeting = schedule(day_at(3))
    put_on_agenda(case, meeting)
    before = counts()

    expected = ConferenceActionForbidden if role == Role.EXPERT else ConferenceNotFound
    with pytest.raises(expected):
        conference_cancel(conference_id=meeting.pk, actor=staff[role], reason=REASON)

    assert counts() == before
    assert reloaded(meeting).status == ConferenceStatus.PLANNED


def test_another_agencys_manager_gets_not_found(schedule, make_staff, other_agency):
    meeting = schedule(day_at(3))
    outsider = make_staff(other_agency, Role.SUPERVISOR)
    before = counts()
    with pytest.raises(ConferenceNotFound):
        conference_cancel(conference_id=meeting.pk, actor=outsider, reason=REASON)
    assert counts() == before


@pytest.mark.parametrize("reason", ["", "   ", "짧음"])
def test_a_reason_is_required_and_nothing_is_written(
    manager, schedule, case, put_on_agenda, reason
):
    meeting = schedule(day_at(3))
    item = put_on_agenda(case, meeting)
    before = counts()

    with pytest.raises(ValidationFailed) as refused:
        conference_cancel(conference_id=meeting.pk, actor=manager, reason=reason)

    assert fields_of(refused.value) == ["reason"]
    assert counts() == before
    assert reloaded(meeting).status == ConferenceStatus.PLANNED
    assert reloaded(item.referral).status == ReferralStatus.ACCEPTED


@pytest.mark.parametrize("state", ["held", "closed", "cancelled"])
def test_only_a_planned_meeting_is_cancelled(manager, schedule, state):
    meeting = schedule(day_at(0, 8))
    if state == "cancelled":
        conference_cancel(conference_id=meeting.pk, actor=manager, reason=REASON)
    else:
        conference_mark_held(conference_id=meeting.pk, actor=manager)
    if state == "closed":
        conference_close_minutes(conference_id=meeting.pk, actor=manager)
    before = counts()

    with pytest.raises(ConferenceStateConflict) as refused:
        conference_cancel(conference_id=meeting.pk, actor=manager, reason=REASON)

    assert "예정된 회의만 취소할 수 있습니다." in refused.value.message
    assert counts() == before


def test_nothing_more_is_recorded_on_a_cancelled_meeting(manager, schedule, case, put_on_agenda):
    item = put_on_agenda(case, schedule(day_at(3)))
    conference_cancel(conference_id=item.conference_id, actor=manager, reason=REASON)
    with pytest.raises(ConferenceStateConflict, match=r"취소된 회의에는 기록할 수 없습니다\."):
        decision_add(agenda_item_id=item.pk, actor=manager, text="주 1회 안부 확인")
    with pytest.raises(ConferenceStateConflict):
        conference_mark_held(conference_id=item.conference_id, actor=manager)


# --- referrals ----------------------------------------------------------------------------------


def test_accepted_referrals_go_back_to_proposed_and_the_agenda_stays(
    manager, supervisor, schedule, case, put_on_agenda
):
    meeting = schedule(day_at(3))
    item = put_on_agenda(case, meeting)
    events_before = CaseEvent.objects.filter(case=case).count()

    conference_cancel(conference_id=meeting.pk, actor=manager, reason=REASON)

    referral = reloaded(item.referral)
    assert referral.status == ReferralStatus.PROPOSED
    assert (referral.decided_at, referral.decided_by_id) == (None, None)
    assert referral.note  # the reason it was referred stays
    assert AgendaItem.objects.filter(pk=item.pk, conference=meeting).exists()  # the record
    assert [r.pk for r in conference_overview(user=supervisor).proposed] == [referral.pk]
    event = CaseEvent.objects.filter(case=case).order_by("-created_at", "-pk").first()
    assert CaseEvent.objects.filter(case=case).count() == events_before + 1
    assert event is not None
    assert event.kind == EventKind.CONFERENCE_REFERRED
    assert event.data == {
        "referral": str(referral.pk),
        "status": "proposed",
        "reasons": referral.reasons,
        "conference": str(meeting.pk),
        "cancelled": True,
    }

    assert conference_event_detail(event) == "담당자 판단 · 회의 취소 · 제안됨"

    # and it can be put on another meeting
    other = schedule(day_at(10))
    again = referral_accept(referral_id=referral.pk, conference_id=other.pk, actor=manager)
    assert reloaded(again.referral).status == ReferralStatus.ACCEPTED


def test_an_emergency_meeting_is_cancelled_and_its_referral_returns_to_proposed(manager, case):
    emergency = conference_call_emergency(
        case_id=case.pk, actor=manager, when=day_at(0, 18), reason="가해자가 집 앞에 나타남"
    )
    conference_cancel(conference_id=emergency.pk, actor=manager, reason=REASON)

    referral = ConferenceReferral.objects.get(case=case)
    assert referral.status == ReferralStatus.PROPOSED
    assert ReferralReason.EMERGENCY in referral.reasons
    assert reloaded(emergency).status == ConferenceStatus.CANCELLED


def test_a_referral_still_on_another_planned_meeting_stays_accepted(
    manager, schedule, case, put_on_agenda
):
    regular = schedule(day_at(7))
    item = put_on_agenda(case, regular)
    emergency = conference_call_emergency(
        case_id=case.pk, actor=manager, when=day_at(0, 18), reason="가해자가 집 앞에 나타남"
    )

    conference_cancel(conference_id=emergency.pk, actor=manager, reason=REASON)

    referral = reloaded(item.referral)
    assert referral.status == ReferralStatus.ACCEPTED
    event = CaseEvent.objects.filter(case=case).order_by("-created_at", "-pk").first()
    assert event is not None
    assert (event.data["status"], event.data["cancelled"]) == ("accepted", True)
    assert AuditEntry.objects.get(action="conference.cancel").data["reopened"] == []


def test_a_discussed_referral_is_not_reopened(manager, schedule, case, put_on_agenda, at):
    first = schedule(day_at(0, 8))
    item = put_on_agenda(case, first)
    conference_mark_held(conference_id=first.pk, actor=manager)
    later = schedule(day_at(7))
    conference_cancel(conference_id=later.pk, actor=manager, reason=REASON)
    assert reloaded(item.referral).status == ReferralStatus.DISCUSSED


# --- actions ------------------------------------------------------------------------------------


def test_actions_carried_to_it_move_on_to_the_next_planned_meeting(
    manager, schedule, case, put_on_agenda
):
    first = schedule(day_at(0, 8))
    action = act(put_on_agenda(case, first), manager)
    second, third = schedule(day_at(7)), schedule(day_at(14))
    conference_mark_held(conference_id=first.pk, actor=manager)
    conference_close_minutes(conference_id=first.pk, actor=manager)
    assert (reloaded(action).carried_to_id, reloaded(action).times_carried) == (second.pk, 1)

    conference_cancel(conference_id=second.pk, actor=manager, reason=REASON)

    assert (reloaded(action).carried_to_id, reloaded(action).times_carried) == (third.pk, 2)
    audit = AuditEntry.objects.get(action="conference.cancel")
    assert audit.data["carried"] == [str(action.pk)]


def test_with_no_next_meeting_they_wait_and_count_the_same(manager, schedule, case, put_on_agenda):
    first = schedule(day_at(0, 8))
    action = act(put_on_agenda(case, first), manager)
    second = schedule(day_at(7))
    conference_mark_held(conference_id=first.pk, actor=manager)
    conference_close_minutes(conference_id=first.pk, actor=manager)

    conference_cancel(conference_id=second.pk, actor=manager, reason=REASON)
    assert (reloaded(action).carried_to_id, reloaded(action).times_carried) == (None, 1)

    third = schedule(day_at(14))
    assert (reloaded(action).carried_to_id, reloaded(action).times_carried) == (third.pk, 2)


def test_actions_decided_on_its_agenda_move_on_too(manager, schedule, case, put_on_agenda):
    meeting = schedule(day_at(3))
    early = act(put_on_agenda(case, meeting), manager)
    following = schedule(day_at(10))

    conference_cancel(conference_id=meeting.pk, actor=manager, reason=REASON)

    assert (reloaded(early).carried_to_id, reloaded(early).times_carried) == (following.pk, 1)


def test_an_emergency_meeting_passes_its_actions_on(manager, schedule, case):
    emergency = conference_call_emergency(
        case_id=case.pk, actor=manager, when=day_at(0, 18), reason="가해자가 집 앞에 나타남"
    )
    action = act(AgendaItem.objects.get(conference=emergency), manager)
    regular = schedule(day_at(7))
    conference_cancel(conference_id=emergency.pk, actor=manager, reason=REASON)
    assert reloaded(action).carried_to_id == regular.pk


# --- reminders and the list ---------------------------------------------------------------------


def test_a_cancelled_meeting_needs_no_preparing(manager, schedule):
    soon = schedule(day_at(2))
    assert [r.key for r in conferences_to_prepare(T0)] == [
        f"conference_prepare:{soon.pk}:2026-11-22"
    ]
    conference_cancel(conference_id=soon.pk, actor=manager, reason=REASON)
    assert list(conferences_to_prepare(T0)) == []


def test_the_list_shows_a_cancelled_meeting_among_the_others(manager, schedule):
    meeting = schedule(day_at(3))
    conference_cancel(conference_id=meeting.pk, actor=manager, reason=REASON)
    overview = conference_overview(user=manager)
    assert meeting.pk not in {c.pk for c in overview.upcoming}
    assert meeting.pk in {c.pk for c in overview.past}

    client = Client()
    client.force_login(manager)
    page = client.get(reverse("conferences:list")).content.decode()
    assert 'class="badge badge-conference-cancelled">취소됨</span>' in page


# --- the page -----------------------------------------------------------------------------------


def test_the_meeting_page_offers_cancelling_to_managers_of_a_planned_meeting(
    manager, expert, schedule
):
    meeting = schedule(day_at(3))
    url = reverse("conferences:detail", args=[meeting.pk])
    action = reverse("conferences:cancel", args=[meeting.pk])
    managers, experts = Client(), Client()
    managers.force_login(manager)
    experts.force_login(expert)
    assert action in managers.get(url).content.decode()
    assert action not in experts.get(url).content.decode()

    response = managers.post(action, {"reason": REASON})

    assert response.status_code == 302
    assert response["Location"] == url
    page = managers.get(url).content.decode()
    assert action not in page
    assert "취소된 회의" in page
    assert REASON in page


def test_a_refused_cancel_shows_the_error_and_writes_nothing(
    manager, schedule, case, put_on_agenda
):
    meeting = schedule(day_at(3))
    put_on_agenda(case, meeting)
    client = Client()
    client.force_login(manager)
    before = counts()

    response = client.post(reverse("conferences:cancel", args=[meeting.pk]), {"reason": ""})

    assert response.status_code == 422
    page = response.content.decode()
    assert "취소 사유를 적어 주세요." in page
    assert '<details class="form-details" id="cancel" open>' in page
    after = counts()
    assert after["audit"] >= before["audit"]  # the page read again is audited
    assert {k: v for k, v in after.items() if k != "audit"} == {
        k: v for k, v in before.items() if k != "audit"
    }
    assert AuditEntry.objects.filter(action="conference.cancel").count() == 0
    assert Conference.objects.get(pk=meeting.pk).status == ConferenceStatus.PLANNED


def test_cancelling_a_held_meeting_says_why(manager, schedule):
    meeting = schedule(day_at(0, 8))
    conference_mark_held(conference_id=meeting.pk, actor=manager)
    client = Client()
    client.force_login(manager)
    response = client.post(reverse("conferences:cancel", args=[meeting.pk]), {"reason": REASON})
    assert response.status_code == 409
    assert "예정된 회의만 취소할 수 있습니다." in response.content.decode()
    assert Conference.objects.get(pk=meeting.pk).status == ConferenceStatus.HELD
