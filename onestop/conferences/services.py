"""Every write of the conferences app: referrals, meetings, agenda, pre-meeting information,
decisions, actions, and the roll-over of unfinished actions.

Each service: lock (the case rows first — in primary-key order when there are several — then
the host agency's row when the roll-over may run, then the conference row), check, validate
every field at once (nothing written on a refusal), write, add a timeline entry (codes only),
audit.

Roll-over: an open action lives at the meeting that decided it until that meeting's minutes
close (or it is cancelled); from then on it is carried to the host agency's next planned regular
meeting (the earliest by date), and again when that one closes or is cancelled. Scheduling a
meeting earlier than the one the actions were carried to moves them to it; done and cancelled
actions never move. The host agency's row is the lock that orders schedulings, closings and
cancellings, so two of them never carry the same actions to different meetings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import F, Max, Q
from django.utils.translation import gettext as _

from onestop.accounts.models import Agency, AgencyKind, Staff
from onestop.audit.services import audit_record
from onestop.cases.models import Case, EventKind
from onestop.cases.services import case_event_add, case_lock_visible
from onestop.conferences.criteria import CriteriaSettings, referral_reasons
from onestop.conferences.errors import (
    ConferenceActionForbidden,
    ConferenceNotFound,
    ConferenceStateConflict,
    InvalidConferenceInput,
    ReferralAlreadyOpen,
)
from onestop.conferences.models import (
    OPEN_REFERRAL_STATUSES,
    Action,
    ActionStatus,
    AgendaItem,
    Conference,
    ConferenceAttendee,
    ConferenceKind,
    ConferenceReferral,
    ConferenceStatus,
    Decision,
    PreMeetingInfo,
    ReferralReason,
    ReferralStatus,
)
from onestop.conferences.permissions import (
    can_call_emergency,
    can_chair,
    can_manage_conferences,
    can_refer_case,
    can_view_conferences,
    visible_conferences_filter,
)
from onestop.conferences.selectors import case_facts, minutes_case_ids, next_planned_conference
from onestop.consent.errors import DisclosureRefused
from onestop.consent.models import DataCategory, DisclosureVia, Purpose
from onestop.consent.services import disclosure_authorize
from onestop.core import clock
from onestop.core.errors import DomainError, ValidationFailed

MAX_TEXT = 5000
MAX_ACTION = 2000
MAX_LABEL = 100
MIN_REASON = 5
# How far ahead a meeting may be scheduled, and an action fall due.
MAX_SCHEDULE_DAYS = 366
MAX_DUE_DAYS = 730
# How the system signs what it does on its own (the audit log's actor label).
SYSTEM_LABEL = "system:conferences"


class MinutesPurpose:
    """Why the minutes are downloaded (recorded with the download)."""

    RECORDS = "records"
    ATTENDEE_SHARING = "attendee_sharing"
    SUPERVISION = "supervision"
    OTHER = "other"
    values = (RECORDS, ATTENDEE_SHARING, SUPERVISION, OTHER)


# --- helpers ------------------------------------------------------------------------------------


def _text(
    value: str,
    *,
    field: str,
    errors: list[DomainError],
    required: bool = False,
    min_len: int = 0,
    max_len: int = MAX_TEXT,
    required_message: str = "",
) -> str:
    text = (value or "").strip()
    if required and not text:
        errors.append(
            InvalidConferenceInput(
                required_message or _("내용을 적어 주세요."), field=field, code="required"
            )
        )
    elif text and len(text) < min_len:
        errors.append(InvalidConferenceInput(_("%d자 이상 적어 주세요.") % min_len, field=field))
    if len(text) > max_len:
        errors.append(InvalidConferenceInput(_("%d자 이하로 적어 주세요.") % max_len, field=field))
    return text


def _check_date(
    day: dt.date | None, *, field: str, errors: list[DomainError], max_days: int, label: str
) -> None:
    today = clock.today_in_seoul()
    if day is None:
        errors.append(InvalidConferenceInput(label, field=field, code="required"))
    elif day < today:
        errors.append(InvalidConferenceInput(_("지난 날짜는 고를 수 없습니다."), field=field))
    elif day > today + dt.timedelta(days=max_days):
        errors.append(InvalidConferenceInput(_("너무 먼 날짜입니다."), field=field))


def _seoul_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(clock.SEOUL).date()


def _lock_cases(case_ids: Iterable[UUID]) -> list[Case]:
    """Lock these cases in a stable (primary key) order, so writers never deadlock."""
    return list(Case.objects.select_for_update().filter(pk__in=set(case_ids)).order_by("pk"))


def _lock_agency(agency_id: UUID) -> Agency:
    return Agency.objects.select_for_update().get(pk=agency_id)


def _lock_conference(*, actor: Staff, conference_id: UUID, manage: bool) -> Conference:
    conference = (
        Conference.objects.select_for_update()
        .filter(visible_conferences_filter(actor), pk=conference_id)
        .first()
    )
    if conference is None:
        raise ConferenceNotFound(_("사례회의를 찾을 수 없습니다."))
    if manage and not can_manage_conferences(actor, conference.agency_id):
        raise ConferenceActionForbidden(
            _("회의 일정과 회의록은 팀장과 사례관리자만 관리할 수 있습니다.")
        )
    return conference


def _visible_conference_id(*, actor: Staff, conference_id: UUID) -> Conference:
    conference = Conference.objects.filter(
        visible_conferences_filter(actor), pk=conference_id
    ).first()
    if conference is None:
        raise ConferenceNotFound(_("사례회의를 찾을 수 없습니다."))
    return conference


def _require_open_for_records(conference: Conference) -> None:
    if conference.status == ConferenceStatus.CANCELLED:
        raise ConferenceStateConflict(_("취소된 회의에는 기록할 수 없습니다."))
    if not conference.is_open_for_records:
        raise ConferenceStateConflict(_("회의록이 마감된 회의에는 기록할 수 없습니다."))


def _agency_or_error(
    agency_id: UUID | None, *, field: str, errors: list[DomainError]
) -> Agency | None:
    if agency_id is None:
        errors.append(InvalidConferenceInput(_("기관을 고르세요."), field=field, code="required"))
        return None
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        errors.append(InvalidConferenceInput(_("없는 기관입니다."), field=field))
    return agency


def _referral_event(
    *, case: Case, actor: Staff | None, referral: ConferenceReferral, **extra: Any
) -> None:
    case_event_add(
        case=case,
        actor=actor,
        kind=EventKind.CONFERENCE_REFERRED,
        data={
            "referral": str(referral.pk),
            "status": referral.status,
            "reasons": list(referral.reasons),
            **extra,
        },
    )


# A meeting that is over for its actions: its minutes closed, or it was cancelled.
_PASSED = (ConferenceStatus.CLOSED, ConferenceStatus.CANCELLED)


def _roll_over(*, agency_id: UUID) -> list[str]:
    """Carry the host agency's open actions whose meeting has closed or was cancelled (or that
    wait at a later planned meeting) to its next planned regular meeting. Leaving a closed or
    cancelled meeting counts as one more carry. With no planned meeting, actions carried to a
    cancelled one wait with no meeting (and are counted when they are carried on). The caller
    holds the agency lock. Returns the ids of the actions moved."""
    mine = Action.objects.filter(
        status=ActionStatus.OPEN, agenda_item__conference__agency_id=agency_id
    )
    now = clock.now()
    target = next_planned_conference(agency_id=agency_id)
    if target is None:
        released = list(
            mine.filter(carried_to__status=ConferenceStatus.CANCELLED).values_list("pk", flat=True)
        )
        Action.objects.filter(pk__in=released, status=ActionStatus.OPEN).update(
            carried_to=None, updated_at=now
        )
        return sorted(str(pk) for pk in released)
    from_closed = list(
        mine.filter(
            Q(carried_to__isnull=True, agenda_item__conference__status__in=_PASSED)
            | Q(carried_to__status__in=_PASSED)
        ).values_list("pk", flat=True)
    )
    from_later = list(
        mine.filter(carried_to__status=ConferenceStatus.PLANNED)
        .exclude(carried_to=target)
        .values_list("pk", flat=True)
    )
    # ``status=open`` again in the update: an action done meanwhile never rolls.
    Action.objects.filter(pk__in=from_closed, status=ActionStatus.OPEN).update(
        carried_to=target, times_carried=F("times_carried") + 1, updated_at=now
    )
    Action.objects.filter(pk__in=from_later, status=ActionStatus.OPEN).update(
        carried_to=target, updated_at=now
    )
    return sorted(str(pk) for pk in [*from_closed, *from_later])


# --- referrals ----------------------------------------------------------------------------------


@transaction.atomic
def referral_propose_automatic(*, case_id: UUID) -> ConferenceReferral | None:
    """The criteria, evaluated for a case after an event on its timeline: a proposed referral
    when they hold and the case has no open referral; else nothing. Safe to run twice."""
    case = Case.objects.select_for_update().filter(pk=case_id).first()
    if case is None:
        return None
    if ConferenceReferral.objects.filter(case=case, status__in=OPEN_REFERRAL_STATUSES).exists():
        return None
    now = clock.now()
    reasons = referral_reasons(
        case_facts(case=case), now=now, settings=CriteriaSettings.from_django()
    )
    if not reasons:
        return None
    referral = ConferenceReferral.objects.create(
        case=case, reasons=reasons, status=ReferralStatus.PROPOSED, proposed_at=now
    )
    _referral_event(case=case, actor=None, referral=referral, automatic=True)
    audit_record(
        actor=None,
        actor_label=SYSTEM_LABEL,
        action="conference.referral_propose",
        target=case,
        data={"referral": str(referral.pk), "reasons": reasons, "automatic": True},
    )
    return referral


@transaction.atomic
def referral_create(*, case_id: UUID, actor: Staff, note: str) -> ConferenceReferral:
    """A staff member refers a case on her professional judgement, with a written reason."""
    case = case_lock_visible(actor=actor, case_id=case_id)
    if not can_refer_case(actor, case):
        raise ConferenceActionForbidden(_("이 사례를 사례회의에 의뢰할 권한이 없습니다."))
    errors: list[DomainError] = []
    note = _text(
        note,
        field="note",
        errors=errors,
        required=True,
        min_len=MIN_REASON,
        required_message=_("의뢰 사유를 적어 주세요."),
    )
    if errors:
        raise ValidationFailed(errors)
    if not case.is_open:
        raise ConferenceStateConflict(_("종결된 사례는 의뢰할 수 없습니다."))
    if ConferenceReferral.objects.filter(case=case, status__in=OPEN_REFERRAL_STATUSES).exists():
        raise ReferralAlreadyOpen(_("이 사례는 이미 사례회의에 의뢰되어 있습니다."))
    referral = ConferenceReferral.objects.create(
        case=case,
        reasons=[ReferralReason.PROFESSIONAL_JUDGEMENT],
        status=ReferralStatus.PROPOSED,
        note=note,
        proposed_at=clock.now(),
        proposed_by=actor,
    )
    _referral_event(case=case, actor=actor, referral=referral, automatic=False)
    audit_record(
        actor=actor,
        action="conference.referral_create",
        target=case,
        data={"referral": str(referral.pk), "reasons": referral.reasons},
    )
    return referral


def _referral_for_manager(*, actor: Staff, referral_id: UUID) -> ConferenceReferral:
    referral = ConferenceReferral.objects.select_related("case").filter(pk=referral_id).first()
    if referral is None or not can_view_conferences(actor, referral.case.agency_id):
        raise ConferenceNotFound(_("의뢰를 찾을 수 없습니다."))
    if not can_manage_conferences(actor, referral.case.agency_id):
        raise ConferenceActionForbidden(_("의뢰를 채택하거나 반려할 권한이 없습니다."))
    return referral


def _next_order(conference: Conference) -> int:
    last = AgendaItem.objects.filter(conference=conference).aggregate(last=Max("order"))["last"]
    return int(last or 0) + 1


@transaction.atomic
def referral_accept(*, referral_id: UUID, conference_id: UUID | None, actor: Staff) -> AgendaItem:
    """Put a proposed referral's case on a planned meeting of its own agency."""
    found = _referral_for_manager(actor=actor, referral_id=referral_id)
    (case,) = _lock_cases([found.case_id])
    referral = ConferenceReferral.objects.select_for_update().get(pk=found.pk)
    conference = None
    if conference_id is not None:
        conference = (
            Conference.objects.select_for_update()
            .filter(pk=conference_id, agency_id=case.agency_id)
            .first()
        )
    errors: list[DomainError] = []
    if conference is None:
        errors.append(
            InvalidConferenceInput(_("회의를 고르세요."), field="conference", code="required")
        )
    elif conference.status != ConferenceStatus.PLANNED:
        errors.append(
            InvalidConferenceInput(
                _("예정된 회의에만 안건을 올릴 수 있습니다."), field="conference"
            )
        )
    elif AgendaItem.objects.filter(conference=conference, case=case).exists():
        errors.append(
            InvalidConferenceInput(_("이 사례는 이미 그 회의의 안건입니다."), field="conference")
        )
    if errors or conference is None:
        raise ValidationFailed(errors)
    if referral.status != ReferralStatus.PROPOSED:
        raise ConferenceStateConflict(_("이미 처리된 의뢰입니다."))
    item = AgendaItem.objects.create(
        conference=conference,
        case=case,
        referral=referral,
        order=_next_order(conference),
        added_by=actor,
    )
    referral.status = ReferralStatus.ACCEPTED
    referral.decided_at, referral.decided_by = clock.now(), actor
    referral.save(update_fields=["status", "decided_at", "decided_by", "updated_at"])
    _referral_event(case=case, actor=actor, referral=referral, conference=str(conference.pk))
    audit_record(
        actor=actor,
        action="conference.agenda_add",
        target=conference,
        data={"referral": str(referral.pk), "case": str(case.pk), "item": str(item.pk)},
    )
    return item


@transaction.atomic
def referral_decline(*, referral_id: UUID, actor: Staff, reason: str) -> ConferenceReferral:
    found = _referral_for_manager(actor=actor, referral_id=referral_id)
    (case,) = _lock_cases([found.case_id])
    referral = ConferenceReferral.objects.select_for_update().get(pk=found.pk)
    errors: list[DomainError] = []
    reason = _text(
        reason,
        field="reason",
        errors=errors,
        required=True,
        min_len=MIN_REASON,
        required_message=_("채택하지 않는 이유를 적어 주세요."),
    )
    if errors:
        raise ValidationFailed(errors)
    if referral.status != ReferralStatus.PROPOSED:
        raise ConferenceStateConflict(_("이미 처리된 의뢰입니다."))
    referral.status = ReferralStatus.DECLINED
    referral.decided_at, referral.decided_by = clock.now(), actor
    referral.decline_reason = reason
    referral.save(
        update_fields=["status", "decided_at", "decided_by", "decline_reason", "updated_at"]
    )
    _referral_event(case=case, actor=actor, referral=referral)
    audit_record(
        actor=actor,
        action="conference.referral_decline",
        target=case,
        data={"referral": str(referral.pk)},
    )
    return referral


# --- meetings -----------------------------------------------------------------------------------


def _validate_meeting(
    *,
    scheduled_at: dt.datetime | None,
    chair_id: UUID | None,
    agency_id: UUID,
    errors: list[DomainError],
    chair_field: str = "chair",
) -> Staff | None:
    _check_date(
        _seoul_date(scheduled_at) if scheduled_at else None,
        field="scheduled_at",
        errors=errors,
        max_days=MAX_SCHEDULE_DAYS,
        label=_("회의 일시를 적어 주세요."),
    )
    chair = None
    if chair_id is None:
        errors.append(
            InvalidConferenceInput(_("의장을 고르세요."), field=chair_field, code="required")
        )
    else:
        chair = Staff.objects.filter(pk=chair_id, is_active=True).first()
        if chair is None or not can_chair(chair, agency_id):
            errors.append(
                InvalidConferenceInput(
                    _("의장은 이 기관의 팀장이나 사례관리자여야 합니다."), field=chair_field
                )
            )
            chair = None
    return chair


@transaction.atomic
def conference_schedule(
    *, actor: Staff, scheduled_at: dt.datetime | None, chair_id: UUID | None
) -> Conference:
    """A regular meeting of the actor's agency. Open actions waiting for a meeting are carried
    to it when it is the next one."""
    if not can_manage_conferences(actor):
        raise ConferenceActionForbidden(_("회의를 잡을 권한이 없습니다."))
    errors: list[DomainError] = []
    chair = _validate_meeting(
        scheduled_at=scheduled_at, chair_id=chair_id, agency_id=actor.agency_id, errors=errors
    )
    if errors or chair is None or scheduled_at is None:
        raise ValidationFailed(errors)
    _lock_agency(actor.agency_id)
    conference = Conference.objects.create(
        agency_id=actor.agency_id,
        kind=ConferenceKind.REGULAR,
        scheduled_at=scheduled_at,
        chair=chair,
        created_by=actor,
    )
    ConferenceAttendee.objects.create(conference=conference, agency_id=actor.agency_id, staff=chair)
    carried = _roll_over(agency_id=actor.agency_id)
    audit_record(
        actor=actor,
        action="conference.schedule",
        target=conference,
        data={
            "kind": conference.kind,
            "scheduled_at": scheduled_at.isoformat(),
            "chair": str(chair.pk),
            "carried": carried,
        },
    )
    return conference


@transaction.atomic
def conference_attendee_add(
    *,
    conference_id: UUID,
    actor: Staff,
    agency_id: UUID | None,
    staff_id: UUID | None,
    name: str,
    role: str,
) -> ConferenceAttendee:
    conference = _lock_conference(actor=actor, conference_id=conference_id, manage=True)
    _require_open_for_records(conference)
    errors: list[DomainError] = []
    agency = _agency_or_error(agency_id, field="agency", errors=errors)
    name = _text(name, field="name", errors=errors, max_len=MAX_LABEL)
    role = _text(role, field="role", errors=errors, max_len=MAX_LABEL)
    staff = None
    if staff_id is not None:
        staff = Staff.objects.filter(pk=staff_id, is_active=True).first()
        if staff is None or (agency is not None and staff.agency_id != agency.pk):
            errors.append(InvalidConferenceInput(_("그 기관의 직원이 아닙니다."), field="staff"))
        elif ConferenceAttendee.objects.filter(conference=conference, staff=staff).exists():
            errors.append(InvalidConferenceInput(_("이미 참석자입니다."), field="staff"))
    elif not name:
        errors.append(
            InvalidConferenceInput(
                _("직원을 고르거나 이름을 적어 주세요."), field="name", code="required"
            )
        )
    if errors or agency is None:
        raise ValidationFailed(errors)
    attendee = ConferenceAttendee.objects.create(
        conference=conference, agency=agency, staff=staff, name=name, role=role
    )
    audit_record(
        actor=actor,
        action="conference.attendee_add",
        target=conference,
        data={"attendee": str(attendee.pk), "agency": agency.code},
    )
    return attendee


@transaction.atomic
def conference_attendee_remove(*, conference_id: UUID, actor: Staff, attendee_id: UUID) -> None:
    conference = _lock_conference(actor=actor, conference_id=conference_id, manage=True)
    _require_open_for_records(conference)
    attendee = ConferenceAttendee.objects.filter(pk=attendee_id, conference=conference).first()
    if attendee is None:
        raise ValidationFailed(
            [InvalidConferenceInput(_("이 회의의 참석자가 아닙니다."), field="attendee")]
        )
    if attendee.staff_id is not None and attendee.staff_id == conference.chair_id:
        raise ValidationFailed(
            [InvalidConferenceInput(_("의장은 참석자에서 뺄 수 없습니다."), field="attendee")]
        )
    attendee.delete()
    audit_record(
        actor=actor,
        action="conference.attendee_remove",
        target=conference,
        data={"attendee": str(attendee_id)},
    )


def _agenda_case_ids(conference_id: UUID) -> list[UUID]:
    return list(
        AgendaItem.objects.filter(conference_id=conference_id).values_list("case_id", flat=True)
    )


@transaction.atomic
def conference_mark_held(*, conference_id: UUID, actor: Staff) -> Conference:
    """The meeting took place: every case on its agenda was discussed."""
    found = _visible_conference_id(actor=actor, conference_id=conference_id)
    cases = {case.pk: case for case in _lock_cases(_agenda_case_ids(found.pk))}
    _lock_agency(found.agency_id)
    conference = _lock_conference(actor=actor, conference_id=conference_id, manage=True)
    if conference.status != ConferenceStatus.PLANNED:
        raise ConferenceStateConflict(_("예정된 회의만 개최로 기록할 수 있습니다."))
    if _seoul_date(conference.scheduled_at) > clock.today_in_seoul():
        raise ConferenceStateConflict(_("회의 날짜가 되기 전에는 개최로 기록할 수 없습니다."))
    now = clock.now()
    conference.status, conference.held_at = ConferenceStatus.HELD, now
    conference.save(update_fields=["status", "held_at", "updated_at"])
    discussed = []
    for item in AgendaItem.objects.filter(conference=conference).select_related("referral"):
        referral = item.referral
        if referral.status == ReferralStatus.ACCEPTED:
            referral.status, referral.discussed_at = ReferralStatus.DISCUSSED, now
            referral.save(update_fields=["status", "discussed_at", "updated_at"])
        case = cases.get(item.case_id) or Case.objects.select_for_update().get(pk=item.case_id)
        case_event_add(
            case=case,
            actor=actor,
            kind=EventKind.CONFERENCE_DISCUSSED,
            data={
                "conference": str(conference.pk),
                "kind": conference.kind,
                "referral": str(referral.pk),
            },
        )
        discussed.append(str(item.case_id))
    audit_record(
        actor=actor,
        action="conference.hold",
        target=conference,
        data={"cases": sorted(discussed)},
    )
    return conference


@transaction.atomic
def conference_close_minutes(*, conference_id: UUID, actor: Staff) -> Conference:
    """Close the minutes: nothing more is recorded on this meeting, and its open actions (and
    those it carried) roll to the next planned meeting."""
    found = _visible_conference_id(actor=actor, conference_id=conference_id)
    _lock_cases(_agenda_case_ids(found.pk))
    _lock_agency(found.agency_id)
    conference = _lock_conference(actor=actor, conference_id=conference_id, manage=True)
    if conference.status != ConferenceStatus.HELD:
        raise ConferenceStateConflict(_("개최된 회의의 회의록만 마감할 수 있습니다."))
    conference.status = ConferenceStatus.CLOSED
    conference.closed_at, conference.closed_by = clock.now(), actor
    conference.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
    carried = _roll_over(agency_id=conference.agency_id)
    audit_record(
        actor=actor,
        action="conference.close_minutes",
        target=conference,
        data={"carried": carried},
    )
    return conference


@transaction.atomic
def conference_cancel(*, conference_id: UUID, actor: Staff, reason: str) -> Conference:
    """A planned meeting will not take place. The actions carried to it (or decided on its
    agenda) move on to the next planned regular meeting, or wait for one; the referrals it had
    accepted go back to proposed, unless another planned meeting has the case on its agenda.
    Its agenda items stay, for the record (what was prepared for it)."""
    found = _visible_conference_id(actor=actor, conference_id=conference_id)
    cases = {case.pk: case for case in _lock_cases(_agenda_case_ids(found.pk))}
    _lock_agency(found.agency_id)
    conference = _lock_conference(actor=actor, conference_id=conference_id, manage=True)
    errors: list[DomainError] = []
    reason = _text(
        reason,
        field="reason",
        errors=errors,
        required=True,
        min_len=MIN_REASON,
        max_len=MAX_ACTION,
        required_message=_("취소 사유를 적어 주세요."),
    )
    if errors:
        raise ValidationFailed(errors)
    if conference.status != ConferenceStatus.PLANNED:
        raise ConferenceStateConflict(_("예정된 회의만 취소할 수 있습니다."))
    conference.status = ConferenceStatus.CANCELLED
    conference.cancelled_at, conference.cancelled_by = clock.now(), actor
    conference.cancel_reason = reason
    conference.save(
        update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason", "updated_at"]
    )
    reopened = []
    for item in AgendaItem.objects.filter(conference=conference):
        referral = ConferenceReferral.objects.select_for_update().get(pk=item.referral_id)
        elsewhere = (
            AgendaItem.objects.filter(
                referral=referral, conference__status=ConferenceStatus.PLANNED
            )
            .exclude(conference=conference)
            .exists()
        )
        if referral.status == ReferralStatus.ACCEPTED and not elsewhere:
            referral.status = ReferralStatus.PROPOSED
            referral.decided_at = referral.decided_by = None
            referral.save(update_fields=["status", "decided_at", "decided_by", "updated_at"])
            reopened.append(str(referral.pk))
        case = cases.get(item.case_id) or Case.objects.select_for_update().get(pk=item.case_id)
        _referral_event(
            case=case,
            actor=actor,
            referral=referral,
            conference=str(conference.pk),
            cancelled=True,
        )
    carried = _roll_over(agency_id=conference.agency_id)
    audit_record(
        actor=actor,
        action="conference.cancel",
        target=conference,
        data={"kind": conference.kind, "reopened": sorted(reopened), "carried": carried},
    )
    return conference


@transaction.atomic
def conference_call_emergency(
    *, case_id: UUID, actor: Staff, when: dt.datetime | None, reason: str
) -> Conference:
    """An emergency meeting for one case, with that case on its agenda through an emergency
    referral (a proposed or accepted referral of the case becomes it)."""
    case = case_lock_visible(actor=actor, case_id=case_id)
    if not can_call_emergency(actor, case):
        raise ConferenceActionForbidden(_("긴급 사례회의를 소집할 권한이 없습니다."))
    errors: list[DomainError] = []
    _check_date(
        _seoul_date(when) if when else None,
        field="when",
        errors=errors,
        max_days=MAX_SCHEDULE_DAYS,
        label=_("회의 일시를 적어 주세요."),
    )
    reason = _text(
        reason,
        field="reason",
        errors=errors,
        required=True,
        min_len=MIN_REASON,
        required_message=_("긴급 소집 사유를 적어 주세요."),
    )
    if errors or when is None:
        raise ValidationFailed(errors)
    if not case.is_open:
        raise ConferenceStateConflict(_("종결된 사례로는 회의를 소집할 수 없습니다."))
    _lock_agency(case.agency_id)
    now = clock.now()
    referral = (
        ConferenceReferral.objects.select_for_update()
        .filter(case=case, status__in=OPEN_REFERRAL_STATUSES)
        .first()
    )
    if referral is None:
        referral = ConferenceReferral.objects.create(
            case=case,
            reasons=[ReferralReason.EMERGENCY],
            status=ReferralStatus.ACCEPTED,
            note=reason,
            proposed_at=now,
            proposed_by=actor,
            decided_at=now,
            decided_by=actor,
        )
    else:
        if ReferralReason.EMERGENCY not in referral.reasons:
            referral.reasons = [*referral.reasons, ReferralReason.EMERGENCY]
        if referral.status == ReferralStatus.PROPOSED:
            referral.decided_at, referral.decided_by = now, actor
        referral.status = ReferralStatus.ACCEPTED
        referral.note = referral.note or reason
        referral.save(
            update_fields=["reasons", "status", "decided_at", "decided_by", "note", "updated_at"]
        )
    conference = Conference.objects.create(
        agency_id=case.agency_id,
        kind=ConferenceKind.EMERGENCY,
        scheduled_at=when,
        chair=actor,
        created_by=actor,
    )
    ConferenceAttendee.objects.create(conference=conference, agency_id=case.agency_id, staff=actor)
    item = AgendaItem.objects.create(
        conference=conference, case=case, referral=referral, order=1, added_by=actor
    )
    _referral_event(
        case=case, actor=actor, referral=referral, conference=str(conference.pk), emergency=True
    )
    audit_record(
        actor=actor,
        action="conference.call_emergency",
        target=conference,
        data={
            "case": str(case.pk),
            "referral": str(referral.pk),
            "item": str(item.pk),
            "scheduled_at": when.isoformat(),
        },
    )
    return conference


# --- what happens on an agenda item -------------------------------------------------------------


def _lock_item(*, actor: Staff, agenda_item_id: UUID) -> tuple[AgendaItem, Case, Conference]:
    """The agenda item of a conference the actor takes part in, with its case and its meeting
    locked (in that order); 404 for anyone else."""
    found = (
        AgendaItem.objects.filter(
            pk=agenda_item_id,
            conference__in=Conference.objects.filter(visible_conferences_filter(actor)),
        )
        .only("pk", "case_id", "conference_id")
        .first()
    )
    if found is None:
        raise ConferenceNotFound(_("안건을 찾을 수 없습니다."))
    (case,) = _lock_cases([found.case_id])
    conference = _lock_conference(actor=actor, conference_id=found.conference_id, manage=False)
    item = AgendaItem.objects.get(pk=found.pk)
    return item, case, conference


@transaction.atomic
def pre_meeting_info_add(
    *,
    agenda_item_id: UUID,
    actor: Staff,
    agency_id: UUID | None,
    facts: str,
    opinion: str,
    withheld: str,
) -> PreMeetingInfo:
    """What one agency brings about a case: facts kept apart from its opinion, and what it
    withheld and why."""
    item, _case, conference = _lock_item(actor=actor, agenda_item_id=agenda_item_id)
    _require_open_for_records(conference)
    errors: list[DomainError] = []
    agency = _agency_or_error(agency_id, field="agency", errors=errors)
    facts = _text(facts, field="facts", errors=errors)
    opinion = _text(opinion, field="opinion", errors=errors)
    withheld = _text(withheld, field="withheld", errors=errors)
    if not facts and not opinion:
        errors.append(
            InvalidConferenceInput(
                _("사실이나 의견 중 하나는 적어 주세요."), field="facts", code="required"
            )
        )
    if errors or agency is None:
        raise ValidationFailed(errors)
    info = PreMeetingInfo.objects.create(
        agenda_item=item,
        agency=agency,
        facts=facts,
        opinion=opinion,
        withheld=withheld,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action="conference.pre_meeting_info_add",
        target=conference,
        data={
            "item": str(item.pk),
            "info": str(info.pk),
            "agency": agency.code,
            "withheld": bool(withheld),
        },
    )
    return info


@transaction.atomic
def decision_add(*, agenda_item_id: UUID, actor: Staff, text: str) -> Decision:
    item, case, conference = _lock_item(actor=actor, agenda_item_id=agenda_item_id)
    _require_open_for_records(conference)
    errors: list[DomainError] = []
    text = _text(
        text,
        field="text",
        errors=errors,
        required=True,
        required_message=_("결정 내용을 적어 주세요."),
    )
    if errors:
        raise ValidationFailed(errors)
    decision = Decision.objects.create(agenda_item=item, text=text, recorded_by=actor)
    case_event_add(
        case=case,
        actor=actor,
        kind=EventKind.CONFERENCE_DISCUSSED,
        data={"conference": str(conference.pk), "decision": str(decision.pk)},
    )
    audit_record(
        actor=actor,
        action="conference.decision_add",
        target=conference,
        data={"item": str(item.pk), "decision": str(decision.pk)},
    )
    return decision


def _action_event(*, case: Case, actor: Staff, action: Action) -> None:
    case_event_add(
        case=case,
        actor=actor,
        kind=EventKind.CONFERENCE_ACTION,
        data={
            "action": str(action.pk),
            "status": action.status,
            "agency": action.agency.code,
            "due_on": action.due_on.isoformat(),
        },
    )


@transaction.atomic
def action_add(
    *,
    agenda_item_id: UUID,
    actor: Staff,
    what: str,
    agency_id: UUID | None,
    owner_id: UUID | None,
    due_on: dt.date | None,
) -> Action:
    """A SMART action: what exactly, which agency, who (optional), by when."""
    item, case, conference = _lock_item(actor=actor, agenda_item_id=agenda_item_id)
    _require_open_for_records(conference)
    errors: list[DomainError] = []
    what = _text(
        what,
        field="what",
        errors=errors,
        required=True,
        min_len=MIN_REASON,
        max_len=MAX_ACTION,
        required_message=_("무엇을 할지 구체적으로 적어 주세요."),
    )
    agency = _agency_or_error(agency_id, field="agency", errors=errors)
    owner = None
    if owner_id is not None:
        owner = Staff.objects.filter(pk=owner_id, is_active=True).first()
        if owner is None or (agency is not None and owner.agency_id != agency.pk):
            errors.append(
                InvalidConferenceInput(_("담당자는 맡은 기관의 직원이어야 합니다."), field="owner")
            )
    _check_date(
        due_on, field="due_on", errors=errors, max_days=MAX_DUE_DAYS, label=_("기한을 정하세요.")
    )
    if errors or agency is None or due_on is None:
        raise ValidationFailed(errors)
    action = Action.objects.create(
        case=case,
        agenda_item=item,
        what=what,
        agency=agency,
        owner=owner,
        due_on=due_on,
        recorded_by=actor,
    )
    _action_event(case=case, actor=actor, action=action)
    audit_record(
        actor=actor,
        action="conference.action_add",
        target=conference,
        data={
            "item": str(item.pk),
            "action": str(action.pk),
            "agency": agency.code,
            "owner": str(owner.pk) if owner else "",
            "due_on": due_on.isoformat(),
        },
    )
    return action


def _action_finish(*, action_id: UUID, actor: Staff, status: str) -> Action:
    found = (
        Action.objects.filter(
            pk=action_id,
            agenda_item__conference__in=Conference.objects.filter(
                visible_conferences_filter(actor)
            ),
        )
        .only("pk", "case_id")
        .first()
    )
    if found is None:
        raise ConferenceNotFound(_("조치를 찾을 수 없습니다."))
    (case,) = _lock_cases([found.case_id])
    action = (
        Action.objects.select_for_update(of=("self",))
        .select_related("agency", "agenda_item__conference")
        .get(pk=found.pk)
    )
    if action.status != ActionStatus.OPEN:
        raise ConferenceStateConflict(_("이미 끝난 조치입니다."))
    action.status, action.completed_at = status, clock.now()
    action.save(update_fields=["status", "completed_at", "updated_at"])
    _action_event(case=case, actor=actor, action=action)
    audit_record(
        actor=actor,
        action=f"conference.action_{status}",
        target=action.agenda_item.conference,
        data={"action": str(action.pk)},
    )
    return action


@transaction.atomic
def action_complete(*, action_id: UUID, actor: Staff) -> Action:
    return _action_finish(action_id=action_id, actor=actor, status=ActionStatus.DONE)


@transaction.atomic
def action_cancel(*, action_id: UUID, actor: Staff) -> Action:
    return _action_finish(action_id=action_id, actor=actor, status=ActionStatus.CANCELLED)


# --- reading, audited ---------------------------------------------------------------------------


@transaction.atomic
def conference_view_record(*, conference: Conference, actor: Staff) -> None:
    """Reading a meeting's page (its cases and sealed notes) is audited like changing it."""
    audit_record(actor=actor, action="conference.view", target=conference, data={})


def validate_minutes_download(*, reason: str, note: str) -> str:
    errors: list[DomainError] = []
    if reason not in MinutesPurpose.values:
        errors.append(
            InvalidConferenceInput(_("내려받는 이유를 고르세요."), field="reason", code="required")
        )
    note = _text(note, field="note", errors=errors, max_len=200)
    if reason == MinutesPurpose.OTHER and not note:
        errors.append(
            InvalidConferenceInput(
                _("'기타'를 골랐으면 이유를 적어 주세요."), field="note", code="required"
            )
        )
    if errors:
        raise ValidationFailed(errors)
    return note


@transaction.atomic
def minutes_download_record(
    *, conference_id: UUID, actor: Staff, reason: str, note: str
) -> Conference:
    """Record a download of the minutes with its reason (the caller has rendered them and hands
    them out only when this returns)."""
    conference = _visible_conference_id(actor=actor, conference_id=conference_id)
    note = validate_minutes_download(reason=reason, note=note)
    audit_record(
        actor=actor,
        action="conference.minutes_download",
        target=conference,
        data={"reason": reason, "note": note, "status": conference.status},
    )
    return conference


@dataclass(frozen=True)
class MinutesShare:
    """Minutes handed to an attending agency: to whom, and which cases they leave out."""

    recipient: Agency
    withheld: frozenset[UUID]


def sharing_purpose(recipient: Agency) -> str:
    if recipient.kind == AgencyKind.POLICE:
        return str(Purpose.SHARE_WITH_POLICE)
    if recipient.kind == AgencyKind.DELETION_CENTER:
        return str(Purpose.DELETION_SUPPORT)
    return str(Purpose.SHARE_WITH_PROVIDERS)


@transaction.atomic
def minutes_share(
    *, conference_id: UUID, actor: Staff, recipient_agency_id: UUID | None, note: str = ""
) -> MinutesShare:
    """Hand the minutes to an agency that attended: what they say of each case (its risk level,
    the facts, opinions, decisions and actions about it) is data of that case leaving the host
    agency, so each case passes the consent gate for that agency (incident and risk categories,
    by document) and the disclosure is recorded; a case the victim did not agree to share with
    it is left out of its copy. The caller renders the copy inside this transaction."""
    conference = _visible_conference_id(actor=actor, conference_id=conference_id)
    errors: list[DomainError] = []
    note = _text(note, field="note", errors=errors, max_len=200)
    recipient = None
    if recipient_agency_id is not None:
        attended = (
            ConferenceAttendee.objects.filter(conference=conference, agency_id=recipient_agency_id)
            .exclude(agency_id=conference.agency_id)
            .exists()
        )
        recipient = Agency.objects.filter(pk=recipient_agency_id).first() if attended else None
    if recipient is None:
        errors.append(
            InvalidConferenceInput(
                _("회의록을 받을 참석 기관을 고르세요 (주관 기관이 아닌 참석 기관)."),
                field="recipient",
                code="required",
            )
        )
    if errors or recipient is None:
        raise ValidationFailed(errors)
    withheld: set[UUID] = set()
    stamp = conference.scheduled_at.astimezone(clock.SEOUL).date().isoformat()
    for case in Case.objects.filter(pk__in=minutes_case_ids(conference=conference)).order_by("pk"):
        if case.agency_id == recipient.pk:
            continue  # its own case: nothing leaves the agency that holds it
        try:
            disclosure_authorize(
                case=case,
                recipient=recipient,
                purpose=sharing_purpose(recipient),
                categories=[DataCategory.INCIDENT, DataCategory.RISK],
                via=DisclosureVia.DOCUMENT,
                actor=actor,
                what=_("사례회의 회의록 (%s)") % stamp,
            )
        except DisclosureRefused:
            withheld.add(case.pk)
    audit_record(
        actor=actor,
        action="conference.minutes_download",
        target=conference,
        data={
            "reason": MinutesPurpose.ATTENDEE_SHARING,
            "note": note,
            "status": conference.status,
            "recipient": recipient.code,
            "withheld": len(withheld),
        },
    )
    return MinutesShare(recipient=recipient, withheld=frozenset(withheld))
