"""The conference services: automatic proposals through the timeline listener (idempotent),
referrals by judgement, accepting and declining, emergency calls, holding and closing meetings,
pre-meeting information, decisions and actions. Every refusal reports every field at once and
writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from onestop.accounts.models import Role
from onestop.audit.models import AuditEntry
from onestop.cases.errors import CaseNotFound
from onestop.cases.models import CaseEvent, EventKind, RiskGrade
from onestop.cases.services import (
    case_event_add,
    case_lock_visible,
    case_risk_level_set,
    case_team_assign,
    case_transition,
    incident_record,
)
from onestop.conferences.errors import (
    ConferenceActionForbidden,
    ConferenceNotFound,
    ConferenceStateConflict,
    ReferralAlreadyOpen,
)
from onestop.conferences.listeners import propose_after_event
from onestop.conferences.models import (
    Action,
    AgendaItem,
    Conference,
    ConferenceAttendee,
    ConferenceKind,
    ConferenceReferral,
    ConferenceStatus,
    Decision,
    PreMeetingInfo,
    ReferralStatus,
)
from onestop.conferences.services import (
    action_add,
    action_complete,
    conference_attendee_add,
    conference_call_emergency,
    conference_close_minutes,
    conference_mark_held,
    conference_schedule,
    decision_add,
    pre_meeting_info_add,
    referral_accept,
    referral_create,
    referral_decline,
)
from onestop.conftest import run_pending_tasks
from onestop.core.errors import ValidationFailed

from .conftest import T0, TODAY, day_at

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "referrals": ConferenceReferral.objects.count(),
        "conferences": Conference.objects.count(),
        "attendees": ConferenceAttendee.objects.count(),
        "items": AgendaItem.objects.count(),
        "info": PreMeetingInfo.objects.count(),
        "decisions": Decision.objects.count(),
        "actions": Action.objects.count(),
        "events": CaseEvent.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def fields_of(error: ValidationFailed) -> list[str]:
    return sorted(e.field or "" for e in error.errors)


def assess(case, manager, level: str) -> None:
    """What the risk app does: set the level and write the timeline entry."""
    with transaction.atomic():
        locked = case_lock_visible(actor=manager, case_id=case.pk)
        case_risk_level_set(case=locked, level=level, assessed_at=dt.datetime.now(dt.UTC))
        case_event_add(case=locked, actor=manager, kind=EventKind.RISK_ASSESSED, data={})


def incident(case, manager, when: dt.datetime) -> None:
    incident_record(
        case_id=case.pk,
        actor=manager,
        occurred_at=when,
        behaviours=["communication"],
        source="victim",
    )


# --- automatic proposals ------------------------------------------------------------------------


def test_a_high_risk_assessment_proposes_the_case(case, manager):
    assess(case, manager, RiskGrade.HIGH)
    run_pending_tasks()

    referral = ConferenceReferral.objects.get(case=case)
    assert (referral.status, referral.reasons, referral.proposed_by) == (
        ReferralStatus.PROPOSED,
        ["risk_level"],
        None,
    )
    event = CaseEvent.objects.get(case=case, kind=EventKind.CONFERENCE_REFERRED)
    assert event.actor is None
    assert event.data == {
        "referral": str(referral.pk),
        "status": "proposed",
        "reasons": ["risk_level"],
        "automatic": True,
    }
    entry = AuditEntry.objects.get(action="conference.referral_propose")
    assert (entry.actor_id, entry.target_id) == (None, str(case.pk))
    assert entry.data == {
        "referral": str(referral.pk),
        "reasons": ["risk_level"],
        "automatic": True,
    }


def test_a_medium_risk_assessment_proposes_nothing(case, manager):
    assess(case, manager, RiskGrade.MEDIUM)
    run_pending_tasks()
    assert not ConferenceReferral.objects.exists()


def test_the_listener_run_twice_makes_one_referral(case, manager):
    assess(case, manager, RiskGrade.VERY_HIGH)
    event = CaseEvent.objects.get(case=case, kind=EventKind.RISK_ASSESSED)
    before = counts()

    propose_after_event(event)
    propose_after_event(event)

    after = counts()
    assert after["referrals"] == before["referrals"] + 1
    assert after["events"] == before["events"] + 1
    assert after["audit"] == before["audit"] + 1
    # and the queued task, run now as well, adds nothing
    run_pending_tasks()
    assert ConferenceReferral.objects.filter(case=case).count() == 1


def test_the_third_incident_in_twelve_months_proposes_an_escalation(case, manager):
    incident(case, manager, T0 - dt.timedelta(days=300))
    incident(case, manager, T0 - dt.timedelta(days=30))
    run_pending_tasks()
    assert not ConferenceReferral.objects.exists()

    incident(case, manager, T0 - dt.timedelta(hours=2))
    run_pending_tasks()

    assert ConferenceReferral.objects.get(case=case).reasons == ["escalation"]


def test_an_incident_after_the_case_was_discussed_proposes_a_repeat(
    case, manager, schedule, put_on_agenda, at
):
    meeting = schedule(day_at(0, 8))
    put_on_agenda(case, meeting)
    conference_mark_held(conference_id=meeting.pk, actor=manager)
    assert ConferenceReferral.objects.get(case=case).status == ReferralStatus.DISCUSSED

    at(T0 + dt.timedelta(days=40))
    incident(case, manager, T0 + dt.timedelta(days=39))
    run_pending_tasks()

    proposed = ConferenceReferral.objects.get(case=case, status=ReferralStatus.PROPOSED)
    assert proposed.reasons == ["repeat"]


def test_a_closed_case_is_not_proposed(case, manager, supervisor):
    assess(case, manager, RiskGrade.HIGH)
    case_transition(case_id=case.pk, actor=supervisor, to_status="closed", close_reason="duplicate")
    ConferenceReferral.objects.all().delete()  # (the assessment's proposal, before closing)
    event = CaseEvent.objects.get(case=case, kind=EventKind.RISK_ASSESSED)

    propose_after_event(event)

    assert not ConferenceReferral.objects.exists()


def test_the_database_holds_one_open_referral_per_case(case):
    ConferenceReferral.objects.create(case=case, reasons=["risk_level"], proposed_at=T0)
    with pytest.raises(IntegrityError), transaction.atomic():
        ConferenceReferral.objects.create(case=case, reasons=["escalation"], proposed_at=T0)


# --- referrals by judgement, accepting, declining -----------------------------------------------


def test_a_team_member_refers_with_a_written_reason(case, manager):
    referral = referral_create(case_id=case.pk, actor=manager, note="  접근금지 위반이 잦음  ")

    assert (referral.reasons, referral.note, referral.proposed_by) == (
        ["professional_judgement"],
        "접근금지 위반이 잦음",
        manager,
    )
    event = CaseEvent.objects.get(case=case, kind=EventKind.CONFERENCE_REFERRED)
    assert "접근금지" not in str(event.data)  # free text stays out of the timeline's data
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT note FROM conferences_conferencereferral WHERE id = %s",
            [referral.pk.hex] if connection.vendor == "sqlite" else [referral.pk],
        )
        assert "접근금지" not in cursor.fetchone()[0]  # sealed at rest


def test_a_referral_without_a_reason_is_refused(case, manager):
    before = counts()
    with pytest.raises(ValidationFailed) as refused:
        referral_create(case_id=case.pk, actor=manager, note="  ")
    assert fields_of(refused.value) == ["note"]
    assert counts() == before


def test_a_second_open_referral_is_refused(case, manager):
    referral_create(case_id=case.pk, actor=manager, note="첫 번째 의뢰")
    before = counts()
    with pytest.raises(ReferralAlreadyOpen):
        referral_create(case_id=case.pk, actor=manager, note="두 번째 의뢰")
    assert counts() == before


def test_staff_off_the_team_cannot_refer(case, make_staff, agency):
    outsider = make_staff(agency, Role.CASE_MANAGER, username="outsider")
    with pytest.raises(CaseNotFound):
        referral_create(case_id=case.pk, actor=outsider, note="의뢰합니다")


def test_accepting_puts_the_case_on_the_agenda_in_order(
    case, manager, open_case, schedule, put_on_agenda
):
    meeting = schedule()
    second = open_case(manager, phone="010-2222-3333", name="박서연")
    first_item = put_on_agenda(case, meeting)
    second_item = put_on_agenda(second, meeting)

    assert [first_item.order, second_item.order] == [1, 2]
    referral = first_item.referral
    referral.refresh_from_db()
    assert (referral.status, referral.decided_by) == (ReferralStatus.ACCEPTED, manager)
    entry = AuditEntry.objects.filter(action="conference.agenda_add").first()
    assert entry is not None
    assert entry.target_id == str(meeting.pk)


def test_accepting_without_a_planned_meeting_of_the_agency_is_refused(
    case, manager, other_agency, make_staff, schedule
):
    referral = referral_create(case_id=case.pk, actor=manager, note="의뢰합니다")
    elsewhere = schedule(actor=make_staff(other_agency, Role.SUPERVISOR))
    before = counts()

    for conference_id in (None, elsewhere.pk):
        with pytest.raises(ValidationFailed) as refused:
            referral_accept(referral_id=referral.pk, conference_id=conference_id, actor=manager)
        assert fields_of(refused.value) == ["conference"]
    assert counts() == before


def test_experts_see_referrals_but_do_not_accept_them(case, manager, expert, schedule):
    referral = referral_create(case_id=case.pk, actor=manager, note="의뢰합니다")
    meeting = schedule()
    with pytest.raises(ConferenceActionForbidden):
        referral_accept(referral_id=referral.pk, conference_id=meeting.pk, actor=expert)


def test_another_agency_does_not_find_the_referral(case, manager, other_agency, make_staff):
    referral = referral_create(case_id=case.pk, actor=manager, note="의뢰합니다")
    boss = make_staff(other_agency, Role.SUPERVISOR)
    with pytest.raises(ConferenceNotFound):
        referral_decline(referral_id=referral.pk, actor=boss, reason="우리 사례 아님")


def test_declining_needs_a_reason_and_is_final(case, manager):
    referral = referral_create(case_id=case.pk, actor=manager, note="의뢰합니다")
    before = counts()
    with pytest.raises(ValidationFailed) as refused:
        referral_decline(referral_id=referral.pk, actor=manager, reason="")
    assert fields_of(refused.value) == ["reason"]
    assert counts() == before

    referral_decline(referral_id=referral.pk, actor=manager, reason="지난주에 이미 논의함")
    referral.refresh_from_db()
    assert (referral.status, referral.decline_reason) == (
        ReferralStatus.DECLINED,
        "지난주에 이미 논의함",
    )
    with pytest.raises(ConferenceStateConflict):
        referral_decline(referral_id=referral.pk, actor=manager, reason="다시 반려")


# --- emergency ----------------------------------------------------------------------------------


def test_an_emergency_call_makes_a_meeting_for_the_case(case, manager):
    meeting = conference_call_emergency(
        case_id=case.pk, actor=manager, when=day_at(0, 18), reason="가해자가 집 앞에 나타남"
    )

    assert (meeting.kind, meeting.status, meeting.chair) == (
        ConferenceKind.EMERGENCY,
        ConferenceStatus.PLANNED,
        manager,
    )
    item = AgendaItem.objects.get(conference=meeting)
    assert (item.case_id, item.order) == (case.pk, 1)
    assert (item.referral.reasons, item.referral.status) == (["emergency"], "accepted")
    assert item.referral.note == "가해자가 집 앞에 나타남"


def test_an_emergency_call_takes_over_the_proposed_referral(case, manager):
    assess(case, manager, RiskGrade.HIGH)
    run_pending_tasks()
    proposed = ConferenceReferral.objects.get(case=case)

    meeting = conference_call_emergency(
        case_id=case.pk, actor=manager, when=day_at(1, 9), reason="신변 위협 문자"
    )

    proposed.refresh_from_db()
    assert (proposed.reasons, proposed.status) == (["risk_level", "emergency"], "accepted")
    assert AgendaItem.objects.get(conference=meeting).referral == proposed
    assert ConferenceReferral.objects.filter(case=case).count() == 1


def test_an_emergency_call_reports_every_problem_and_writes_nothing(case, manager):
    before = counts()
    with pytest.raises(ValidationFailed) as refused:
        conference_call_emergency(case_id=case.pk, actor=manager, when=None, reason="급함")
    assert fields_of(refused.value) == ["reason", "when"]
    with pytest.raises(ValidationFailed) as refused:
        conference_call_emergency(
            case_id=case.pk, actor=manager, when=day_at(-1), reason="가해자가 집 앞에 나타남"
        )
    assert fields_of(refused.value) == ["when"]
    assert counts() == before


def test_a_counselor_on_the_team_cannot_call_an_emergency(case, manager, counselor):
    case_team_assign(case_id=case.pk, actor=manager, staff_id=counselor.pk, role="counselor")
    with pytest.raises(ConferenceActionForbidden):
        conference_call_emergency(
            case_id=case.pk, actor=counselor, when=day_at(0, 18), reason="가해자가 나타남"
        )


# --- meetings -----------------------------------------------------------------------------------


def test_scheduling_reports_every_problem_and_writes_nothing(manager, counselor, expert):
    before = counts()
    with pytest.raises(ValidationFailed) as refused:
        conference_schedule(actor=manager, scheduled_at=None, chair_id=None)
    assert fields_of(refused.value) == ["chair", "scheduled_at"]
    with pytest.raises(ValidationFailed) as refused:
        conference_schedule(actor=manager, scheduled_at=day_at(-1), chair_id=expert.pk)
    assert fields_of(refused.value) == ["chair", "scheduled_at"]
    with pytest.raises(ConferenceActionForbidden):
        conference_schedule(actor=expert, scheduled_at=day_at(3), chair_id=manager.pk)
    assert counts() == before


def test_the_chair_attends(manager, supervisor, schedule):
    meeting = conference_schedule(actor=manager, scheduled_at=day_at(3), chair_id=supervisor.pk)
    assert list(
        ConferenceAttendee.objects.filter(conference=meeting).values_list("staff", flat=True)
    ) == [supervisor.pk]


def test_holding_marks_the_agenda_discussed(case, manager, schedule, put_on_agenda):
    meeting = schedule(day_at(0, 8))
    item = put_on_agenda(case, meeting)

    conference_mark_held(conference_id=meeting.pk, actor=manager)

    item.referral.refresh_from_db()
    assert item.referral.status == ReferralStatus.DISCUSSED
    assert item.referral.discussed_at is not None
    event = CaseEvent.objects.get(case=case, kind=EventKind.CONFERENCE_DISCUSSED)
    assert event.data == {
        "conference": str(meeting.pk),
        "kind": "regular",
        "referral": str(item.referral.pk),
    }


def test_a_meeting_is_held_on_its_day_and_closed_after_it_is_held(manager, schedule):
    later = schedule(day_at(1))
    with pytest.raises(ConferenceStateConflict):
        conference_mark_held(conference_id=later.pk, actor=manager)
    with pytest.raises(ConferenceStateConflict):
        conference_close_minutes(conference_id=later.pk, actor=manager)
    today = schedule(day_at(0, 8))
    conference_mark_held(conference_id=today.pk, actor=manager)
    conference_close_minutes(conference_id=today.pk, actor=manager)
    today.refresh_from_db()
    assert (today.status, today.closed_by) == (ConferenceStatus.CLOSED, manager)
    with pytest.raises(ConferenceStateConflict):
        conference_close_minutes(conference_id=today.pk, actor=manager)


def test_experts_record_but_do_not_close(case, manager, expert, schedule, put_on_agenda):
    meeting = schedule(day_at(0, 8))
    item = put_on_agenda(case, meeting)
    decision_add(agenda_item_id=item.pk, actor=expert, text="주 1회 안부 확인")
    conference_mark_held(conference_id=meeting.pk, actor=manager)
    with pytest.raises(ConferenceActionForbidden):
        conference_close_minutes(conference_id=meeting.pk, actor=expert)


def test_attendees_are_named_and_belong_to_their_agency(manager, police, schedule, supervisor):
    meeting = schedule()
    before = counts()
    with pytest.raises(ValidationFailed) as refused:
        conference_attendee_add(
            conference_id=meeting.pk,
            actor=manager,
            agency_id=None,
            staff_id=None,
            name="",
            role="x" * 101,
        )
    assert fields_of(refused.value) == ["agency", "name", "role"]
    with pytest.raises(ValidationFailed) as refused:
        conference_attendee_add(
            conference_id=meeting.pk,
            actor=manager,
            agency_id=police.pk,
            staff_id=supervisor.pk,
            name="",
            role="",
        )
    assert fields_of(refused.value) == ["staff"]
    assert counts() == before

    attendee = conference_attendee_add(
        conference_id=meeting.pk,
        actor=manager,
        agency_id=police.pk,
        staff_id=None,
        name="김경위",
        role="스토킹 전담 경찰",
    )
    assert (attendee.agency, attendee.name) == (police, "김경위")


# --- what happens on an agenda item -------------------------------------------------------------


@pytest.fixture
def item(case, schedule, put_on_agenda):
    return put_on_agenda(case, schedule(day_at(0, 8)))


def test_pre_meeting_info_keeps_facts_opinion_and_what_was_withheld_apart(item, expert, police):
    info = pre_meeting_info_add(
        agenda_item_id=item.pk,
        actor=expert,
        agency_id=police.pk,
        facts="11/18 접근금지 위반 신고 1건",
        opinion="재범 위험이 높아 보임",
        withheld="수사 중인 내용은 공유하지 않음 (수사 보안)",
    )
    info.refresh_from_db()
    assert (info.facts, info.opinion, info.withheld) == (
        "11/18 접근금지 위반 신고 1건",
        "재범 위험이 높아 보임",
        "수사 중인 내용은 공유하지 않음 (수사 보안)",
    )
    entry = AuditEntry.objects.get(action="conference.pre_meeting_info_add")
    assert entry.data == {
        "item": str(item.pk),
        "info": str(info.pk),
        "agency": "police-mapo",
        "withheld": True,
    }


def test_pre_meeting_info_needs_facts_or_opinion(item, expert):
    before = counts()
    with pytest.raises(ValidationFailed) as refused:
        pre_meeting_info_add(
            agenda_item_id=item.pk, actor=expert, agency_id=None, facts="", opinion="", withheld=""
        )
    assert fields_of(refused.value) == ["agency", "facts"]
    assert counts() == before


def test_an_action_reports_every_problem_and_writes_nothing(item, manager, police):
    before = counts()
    with pytest.raises(ValidationFailed) as refused:
        action_add(
            agenda_item_id=item.pk,
            actor=manager,
            what="확인",
            agency_id=police.pk,
            owner_id=manager.pk,  # not police staff
            due_on=TODAY - dt.timedelta(days=1),
        )
    assert fields_of(refused.value) == ["due_on", "owner", "what"]
    with pytest.raises(ValidationFailed) as refused:
        action_add(
            agenda_item_id=item.pk,
            actor=manager,
            what="",
            agency_id=None,
            owner_id=None,
            due_on=None,
        )
    assert fields_of(refused.value) == ["agency", "due_on", "what"]
    assert counts() == before


def test_an_action_goes_on_the_timeline_with_codes_only(item, case, manager, police):
    action = action_add(
        agenda_item_id=item.pk,
        actor=manager,
        what="경찰과 신변보호 연장 협의",
        agency_id=police.pk,
        owner_id=None,
        due_on=TODAY + dt.timedelta(days=7),
    )
    event = CaseEvent.objects.get(case=case, kind=EventKind.CONFERENCE_ACTION)
    assert event.data == {
        "action": str(action.pk),
        "status": "open",
        "agency": "police-mapo",
        "due_on": "2026-11-27",
    }
    action_complete(action_id=action.pk, actor=manager)
    action.refresh_from_db()
    assert (action.status, action.completed_at) == ("done", T0)
    with pytest.raises(ConferenceStateConflict):
        action_complete(action_id=action.pk, actor=manager)


def test_nothing_is_recorded_once_the_minutes_are_closed(item, manager, police):
    conference_mark_held(conference_id=item.conference_id, actor=manager)
    conference_close_minutes(conference_id=item.conference_id, actor=manager)
    before = counts()
    with pytest.raises(ConferenceStateConflict):
        decision_add(agenda_item_id=item.pk, actor=manager, text="늦은 결정")
    with pytest.raises(ConferenceStateConflict):
        pre_meeting_info_add(
            agenda_item_id=item.pk,
            actor=manager,
            agency_id=police.pk,
            facts="사실",
            opinion="",
            withheld="",
        )
    assert counts() == before


def test_staff_of_another_agency_find_no_agenda_item(item, other_agency, make_staff):
    boss = make_staff(other_agency, Role.SUPERVISOR)
    with pytest.raises(ConferenceNotFound):
        decision_add(agenda_item_id=item.pk, actor=boss, text="남의 회의")
