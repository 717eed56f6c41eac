"""Every write to a case: check, lock, write, audit, enqueue — in one transaction."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from onestop.accounts.models import Agency, Role, Staff
from onestop.audit.services import audit_record
from onestop.cases import tasks
from onestop.cases.errors import (
    CaseActionForbidden,
    CaseNotFound,
    InvalidCaseInput,
    MeasureTermExceeded,
    TransitionNotAllowed,
)
from onestop.cases.listeners import listens_to
from onestop.cases.models import (
    STAFF_INCIDENT_SOURCES,
    Case,
    CaseEvent,
    CaseReferenceCounter,
    CaseStatus,
    CaseTeamMember,
    Channel,
    CloseReason,
    EventKind,
    FurtherHarm,
    Incident,
    IncidentSource,
    Notification,
    ProtectiveMeasure,
    ProtectiveMeasureExtension,
    ProtectiveMeasureKind,
    Relationship,
    Reminder,
    RiskGrade,
    StalkingBehaviour,
    TeamRole,
    contract_behaviours,
)
from onestop.cases.permissions import (
    TEAM_ROLE_FOR_STAFF,
    can_add_to_timeline,
    can_manage_team,
    can_move_workflow,
    can_open_cases,
    can_read_sealed_locations,
    visible_cases_filter,
)
from onestop.cases.protection import TERM_RULES, extension_limit, first_term_limit, latest_end
from onestop.cases.reminders import DueReminder, reminder_sources
from onestop.core import clock
from onestop.core.actors import PORTAL_ACTOR_LABEL
from onestop.core.errors import Conflict, DomainError, ValidationFailed
from onestop.people.models import Perpetrator, SealedLocation, Victim
from onestop.people.selectors import sealed_locations_of
from onestop.people.services import sealed_location_add

# A summary holds what a partner's report says too (the police referral contract allows 10,000).
MAX_SUMMARY = 10_000
MAX_NOTE = 5000

logger = logging.getLogger(__name__)

# The workflow. Reopening (closed → assessing) starts with a fresh assessment.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    CaseStatus.RECEIVED: frozenset({CaseStatus.ASSESSING, CaseStatus.CLOSED}),
    CaseStatus.ASSESSING: frozenset({CaseStatus.PLANNING, CaseStatus.CLOSED}),
    CaseStatus.PLANNING: frozenset(
        {CaseStatus.IN_SUPPORT, CaseStatus.ASSESSING, CaseStatus.CLOSED}
    ),
    CaseStatus.IN_SUPPORT: frozenset(
        {CaseStatus.MONITORING, CaseStatus.PLANNING, CaseStatus.CLOSED}
    ),
    CaseStatus.MONITORING: frozenset({CaseStatus.IN_SUPPORT, CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset({CaseStatus.ASSESSING}),
}


def case_lock_visible(*, actor: Staff, case_id: UUID) -> Case:
    """The case, locked for this transaction, if the actor may see it; else 404. Every service
    that changes a case, here or in a higher layer, starts with it (the case row is always the
    first lock a case's writers take, so they never deadlock)."""
    if not Case.objects.filter(visible_cases_filter(actor), pk=case_id).exists():
        raise CaseNotFound(_("사례를 찾을 수 없습니다."))
    return Case.objects.select_for_update().get(pk=case_id)


def _add_event(
    *,
    case: Case,
    actor: Staff | None,
    kind: str,
    data: dict[str, Any] | None = None,
    note: str = "",
) -> CaseEvent:
    event = CaseEvent.objects.create(
        case=case, at=clock.now(), actor=actor, kind=kind, data=data or {}, note=note
    )
    if tasks.notifies(kind=kind, data=event.data):
        tasks.notify_case_event.enqueue(event_id=str(event.pk))
    if listens_to(kind):
        tasks.dispatch_case_event.enqueue(event_id=str(event.pk))
    return event


def _next_reference() -> str:
    from django.conf import settings

    year = clock.today_in_seoul().year
    counter = CaseReferenceCounter.objects.select_for_update().filter(year=year).first()
    if counter is None:  # the first case of the year
        CaseReferenceCounter.objects.get_or_create(year=year)
        counter = CaseReferenceCounter.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{settings.ONESTOP_CASE_REFERENCE_PREFIX}-{year}-{counter.last_number:06d}"


def _clean_codes(values: Iterable[str], *, allowed: list[str], field: str) -> list[str]:
    codes = list(dict.fromkeys(values))
    unknown = [c for c in codes if c not in allowed]
    if unknown:
        raise InvalidCaseInput(_("알 수 없는 항목입니다: %s") % ", ".join(unknown), field=field)
    return codes


def validate_case_input(
    *,
    channel: str,
    relationship: str,
    stalking_behaviours: Iterable[str],
    further_harms: Iterable[str],
    summary: str,
) -> tuple[list[str], list[str]]:
    errors: list[DomainError] = []
    behaviours: list[str] = []
    harms: list[str] = []
    if channel not in Channel.values:
        errors.append(InvalidCaseInput(_("접수 경로를 선택하세요."), field="channel"))
    if relationship not in Relationship.values:
        errors.append(InvalidCaseInput(_("관계 값이 올바르지 않습니다."), field="relationship"))
    try:
        # a case's behaviours are the contracts' kinds (a finer kind counts as its kind)
        behaviours = contract_behaviours(
            _clean_codes(
                stalking_behaviours, allowed=StalkingBehaviour.values, field="stalking_behaviours"
            )
        )
    except DomainError as exc:
        errors.append(exc)
    try:
        harms = _clean_codes(further_harms, allowed=FurtherHarm.values, field="further_harms")
    except DomainError as exc:
        errors.append(exc)
    if len(summary) > MAX_SUMMARY:
        errors.append(
            InvalidCaseInput(
                _("상담 요약은 %d자 이하로 적어 주세요.") % MAX_SUMMARY, field="summary"
            )
        )
    if errors:
        raise ValidationFailed(errors)
    return behaviours, harms


def _case_create(
    *,
    agency_id: UUID,
    opened_by: Staff | None,
    victim: Victim,
    perpetrator: Perpetrator | None,
    relationship: str,
    channel: str,
    stalking_behaviours: Iterable[str],
    further_harms: Iterable[str],
    summary: str,
    event_data: dict[str, Any] | None = None,
) -> Case:
    if victim.agency_id != agency_id or (
        perpetrator is not None and perpetrator.agency_id != agency_id
    ):
        raise CaseActionForbidden(_("다른 기관의 인적 정보로 사례를 만들 수 없습니다."))
    behaviours, harms = validate_case_input(
        channel=channel,
        relationship=relationship,
        stalking_behaviours=stalking_behaviours,
        further_harms=further_harms,
        summary=summary,
    )
    case = Case.objects.create(
        reference=_next_reference(),
        agency_id=agency_id,
        victim=victim,
        perpetrator=perpetrator,
        relationship=relationship,
        channel=channel,
        stalking_behaviours=behaviours,
        further_harms=harms,
        summary=summary.strip(),
        opened_at=clock.now(),
        opened_by=opened_by,
    )
    _add_event(
        case=case,
        actor=opened_by,
        kind=EventKind.OPENED,
        data={"channel": channel, **(event_data or {})},
    )
    return case


@transaction.atomic
def case_open(
    *,
    actor: Staff,
    victim: Victim,
    perpetrator: Perpetrator | None,
    relationship: str,
    channel: str,
    stalking_behaviours: Iterable[str],
    further_harms: Iterable[str],
    summary: str,
) -> Case:
    """Open a case for a victim of the actor's agency; the actor joins its team."""
    if not can_open_cases(actor) or actor.agency_id is None:
        raise CaseActionForbidden(_("사례를 생성할 권한이 없습니다."))
    case = _case_create(
        agency_id=actor.agency_id,
        opened_by=actor,
        victim=victim,
        perpetrator=perpetrator,
        relationship=relationship,
        channel=channel,
        stalking_behaviours=stalking_behaviours,
        further_harms=further_harms,
        summary=summary,
    )
    team_role = (
        TeamRole.LEAD if actor.role in TEAM_ROLE_FOR_STAFF[TeamRole.LEAD] else (TeamRole.COUNSELOR)
    )
    CaseTeamMember.objects.create(case=case, staff=actor, role=team_role, assigned_by=actor)
    audit_record(
        actor=actor,
        action="case.open",
        target=case,
        data={"reference": case.reference, "channel": channel},
    )
    return case


# --- cases opened by partner systems ------------------------------------------------------------
# These entry points check no staff permission: the caller (intake's referral service) has
# authenticated the partner's key and checked its scope. They audit in the partner's name. They
# run only inside the caller's transaction, which any refusal ends: no savepoint of their own.


@transaction.atomic(savepoint=False)
def case_open_from_referral(
    *,
    agency: Agency,
    source_label: str,
    victim: Victim,
    perpetrator: Perpetrator | None,
    relationship: str,
    channel: str,
    stalking_behaviours: Iterable[str],
    summary: str,
    referral_data: dict[str, Any],
    arrival_kind: str = EventKind.POLICE_REFERRAL,
) -> Case:
    """A case a partner system opened, or a victim's application from the portal
    (``arrival_kind`` ``WEB_APPLICATION``). Nobody is on its team yet: the agency's supervisors
    and on-duty staff see it, and whoever takes it joins the team (``case_referral_take``)."""
    case = _case_create(
        agency_id=agency.pk,
        opened_by=None,
        victim=victim,
        perpetrator=perpetrator,
        relationship=relationship,
        channel=channel,
        stalking_behaviours=stalking_behaviours,
        further_harms=[],
        summary=summary,
        event_data={"referral": True},
    )
    _add_event(case=case, actor=None, kind=arrival_kind, data=referral_data)
    audit_record(
        actor=None,
        actor_label=source_label,
        action="case.open",
        target=case,
        data={
            "reference": case.reference,
            "channel": channel,
            "via": "referral" if arrival_kind == EventKind.POLICE_REFERRAL else "application",
        },
    )
    return case


@transaction.atomic(savepoint=False)
def case_referral_attach(
    *,
    case_id: UUID,
    source_label: str,
    stalking_behaviours: Iterable[str],
    summary: str,
    perpetrator: Perpetrator | None,
    referral_data: dict[str, Any],
    arrival_kind: str = EventKind.POLICE_REFERRAL,
) -> Case:
    """A partner's new report about a victim whose case is open, or her own further application
    from the portal (``arrival_kind`` ``WEB_APPLICATION``): it joins that case's timeline, its
    behaviours are added to the case's, and its perpetrator becomes the case's when the case had
    none."""
    case = Case.objects.select_for_update().get(pk=case_id)
    if not case.is_open:
        raise TransitionNotAllowed(_("종결된 사례에는 연계를 붙일 수 없습니다."))
    behaviours = contract_behaviours(
        _clean_codes(
            stalking_behaviours, allowed=StalkingBehaviour.values, field="stalking_behaviours"
        )
    )
    merged = list(dict.fromkeys([*case.stalking_behaviours, *behaviours]))
    changed = []
    if merged != case.stalking_behaviours:
        case.stalking_behaviours = merged
        changed.append("stalking_behaviours")
    if case.perpetrator_id is None and perpetrator is not None:
        if perpetrator.agency_id != case.agency_id:
            raise CaseActionForbidden(_("다른 기관의 인적 정보로 사례를 바꿀 수 없습니다."))
        case.perpetrator = perpetrator
        changed.append("perpetrator")
    # The case changed (if only by a new report): its ``updated_at`` says so to the police.
    case.save(update_fields=[*changed, "updated_at"])
    _add_event(
        case=case,
        actor=None,
        kind=arrival_kind,
        data=referral_data,
        note=summary.strip()[:MAX_SUMMARY],
    )
    audit_record(
        actor=None,
        actor_label=source_label,
        action="case.referral_attach",
        target=case,
        data={"reference": case.reference},
    )
    return case


@transaction.atomic
def case_referral_take(
    *,
    case_id: UUID,
    actor: Staff,
    referral_data: dict[str, Any],
    kind: str = EventKind.REFERRAL_TAKEN,
) -> Case:
    """A staff member of the receiving agency takes a referred case that nobody has taken yet
    (the caller, intake's referral service, checks that under its own lock): she joins its team
    (as lead when she can lead and it has none) and can open it from then on."""
    case = Case.objects.select_for_update().filter(pk=case_id, agency_id=actor.agency_id).first()
    if case is None or not can_open_cases(actor):
        raise CaseNotFound(_("사례를 찾을 수 없습니다."))
    joins = actor.role != Role.SUPERVISOR  # supervisors see every case of their agency
    if joins and not CaseTeamMember.objects.filter(case=case, staff=actor).exists():
        CaseTeamMember.objects.create(
            case=case, staff=actor, role=_team_role_for_taker(actor, case), assigned_by=actor
        )
    _add_event(case=case, actor=actor, kind=kind, data=referral_data)
    audit_record(actor=actor, action="case.referral_take", target=case, data=referral_data)
    return case


def _team_role_for_taker(actor: Staff, case: Case) -> str:
    has_lead = CaseTeamMember.objects.filter(case=case, role=TeamRole.LEAD).exists()
    if not has_lead and actor.role in TEAM_ROLE_FOR_STAFF[TeamRole.LEAD]:
        return TeamRole.LEAD
    if actor.role in TEAM_ROLE_FOR_STAFF[TeamRole.CASE_MANAGER]:
        return TeamRole.CASE_MANAGER
    return TeamRole.COUNSELOR


def case_event_add(
    *,
    case: Case,
    actor: Staff | None,
    kind: str,
    data: dict[str, Any] | None = None,
    note: str = "",
) -> CaseEvent:
    """A timeline entry written by a higher layer's service (consent, risk, support), inside its
    own transaction, after its own checks; it audits its own action."""
    if kind not in EventKind.values:
        raise InvalidCaseInput(_("알 수 없는 기록 종류입니다."), field="kind")
    return _add_event(case=case, actor=actor, kind=kind, data=data, note=note)


@transaction.atomic
def case_transition(
    *,
    case_id: UUID,
    actor: Staff,
    to_status: str,
    close_reason: str = "",
    note: str = "",
) -> Case:
    case = case_lock_visible(actor=actor, case_id=case_id)
    if not can_move_workflow(actor, case):
        raise CaseActionForbidden(_("이 사례의 진행 단계를 바꿀 권한이 없습니다."))
    if to_status not in CaseStatus.values:
        raise InvalidCaseInput(_("알 수 없는 단계입니다."), field="to_status")
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise InvalidCaseInput(_("메모가 너무 깁니다."), field="note")
    from_status = case.status
    if to_status not in ALLOWED_TRANSITIONS[from_status]:
        raise TransitionNotAllowed(
            _("'%(from)s'에서 '%(to)s'(으)로 바꿀 수 없습니다.")
            % {"from": CaseStatus(from_status).label, "to": CaseStatus(to_status).label},
            field="to_status",
        )
    reopening = from_status == CaseStatus.CLOSED
    if to_status == CaseStatus.CLOSED:
        if close_reason not in CloseReason.values:
            raise InvalidCaseInput(_("종결 사유를 선택하세요."), field="close_reason")
        if close_reason == CloseReason.OTHER and not note:
            raise InvalidCaseInput(_("기타 사유를 메모에 적어 주세요."), field="note")
        case.closed_at, case.close_reason = clock.now(), close_reason
    elif close_reason:
        raise InvalidCaseInput(_("종결할 때만 종결 사유를 고릅니다."), field="close_reason")
    if reopening:
        if not note:
            raise InvalidCaseInput(_("재개 사유를 적어 주세요."), field="note")
        case.closed_at, case.close_reason = None, ""
    case.status = to_status
    case.save(update_fields=["status", "closed_at", "close_reason", "updated_at"])
    data = {"from": from_status, "to": to_status, "close_reason": close_reason}
    _add_event(
        case=case,
        actor=actor,
        kind=EventKind.REOPENED if reopening else EventKind.STATUS_CHANGED,
        data=data,
        note=note,
    )
    audit_record(actor=actor, action="case.transition", target=case, data=data)
    return case


@transaction.atomic
def case_team_assign(*, case_id: UUID, actor: Staff, staff_id: UUID, role: str) -> CaseTeamMember:
    case = case_lock_visible(actor=actor, case_id=case_id)
    if not can_manage_team(actor, case):
        raise CaseActionForbidden(_("담당자를 배정할 권한이 없습니다."))
    if role not in TeamRole.values:
        raise InvalidCaseInput(_("알 수 없는 역할입니다."), field="role")
    staff = Staff.objects.filter(pk=staff_id, agency_id=case.agency_id, is_active=True).first()
    if staff is None:
        raise InvalidCaseInput(_("같은 기관의 직원만 배정할 수 있습니다."), field="staff")
    if staff.role not in TEAM_ROLE_FOR_STAFF[role]:
        raise InvalidCaseInput(_("이 직원의 직무로는 이 역할을 맡을 수 없습니다."), field="role")
    if not case.is_open:
        raise TransitionNotAllowed(_("종결된 사례에는 담당자를 배정할 수 없습니다."))
    if role == TeamRole.LEAD:
        # One lead at a time: the previous lead stays on the team as a case manager.
        CaseTeamMember.objects.filter(case=case, role=TeamRole.LEAD).exclude(staff=staff).update(
            role=TeamRole.CASE_MANAGER
        )
    member, _created = CaseTeamMember.objects.update_or_create(
        case=case, staff=staff, defaults={"role": role, "assigned_by": actor}
    )
    data = {"staff": str(staff.pk), "staff_label": staff.label, "role": role}
    _add_event(case=case, actor=actor, kind=EventKind.TEAM_ASSIGNED, data=data)
    audit_record(actor=actor, action="case.team_assign", target=case, data=data)
    return member


@transaction.atomic
def case_team_remove(*, case_id: UUID, actor: Staff, staff_id: UUID) -> None:
    case = case_lock_visible(actor=actor, case_id=case_id)
    if not can_manage_team(actor, case):
        raise CaseActionForbidden(_("담당자를 해제할 권한이 없습니다."))
    member = (
        CaseTeamMember.objects.filter(case=case, staff_id=staff_id).select_related("staff").first()
    )
    if member is None:
        raise InvalidCaseInput(_("이 사례의 담당자가 아닙니다."), field="staff")
    data = {"staff": str(member.staff_id), "staff_label": member.staff.label, "role": member.role}
    member.delete()
    _add_event(case=case, actor=actor, kind=EventKind.TEAM_REMOVED, data=data)
    audit_record(actor=actor, action="case.team_remove", target=case, data=data)


@transaction.atomic
def case_note_add(*, case_id: UUID, actor: Staff, note: str) -> CaseEvent:
    case = case_lock_visible(actor=actor, case_id=case_id)
    if not can_add_to_timeline(actor, case):
        raise CaseActionForbidden(_("이 사례에 기록할 권한이 없습니다."))
    note = note.strip()
    if not note:
        raise InvalidCaseInput(_("메모를 입력하세요."), field="note", code="required")
    if len(note) > MAX_NOTE:
        raise InvalidCaseInput(_("메모가 너무 깁니다."), field="note")
    event = _add_event(case=case, actor=actor, kind=EventKind.NOTE, note=note)
    audit_record(actor=actor, action="case.note_add", target=case, data={"event": event.pk})
    return event


@transaction.atomic
def case_contact_log(
    *, case_id: UUID, actor: Staff, channel: str, summary: str, via_intake: bool = False
) -> CaseEvent:
    """A call, chat or visit about an existing case. An intake counselor who is not on the team
    may log it when she has just matched the caller to this case (``via_intake``)."""
    case = Case.objects.select_for_update().filter(pk=case_id, agency_id=actor.agency_id).first()
    if case is None or not (via_intake or can_add_to_timeline(actor, case)):
        raise CaseNotFound(_("사례를 찾을 수 없습니다."))
    if via_intake and not can_open_cases(actor):
        raise CaseNotFound(_("사례를 찾을 수 없습니다."))
    if channel not in Channel.values:
        raise InvalidCaseInput(_("접수 경로를 선택하세요."), field="channel")
    if len(summary) > MAX_SUMMARY:
        raise InvalidCaseInput(_("상담 요약이 너무 깁니다."), field="summary")
    event = _add_event(
        case=case, actor=actor, kind=EventKind.CONTACT, data={"channel": channel}, note=summary
    )
    audit_record(
        actor=actor,
        action="case.contact_log",
        target=case,
        data={"event": event.pk, "channel": channel, "via_intake": via_intake},
    )
    return event


@transaction.atomic
def case_complaint_withdrawn_record(*, case_id: UUID, actor: Staff, note: str = "") -> CaseEvent:
    """The victim withdrew her police complaint. Stalking is no longer a complaint-only crime:
    this is recorded on the timeline and changes nothing else — the case stays as it is."""
    case = case_lock_visible(actor=actor, case_id=case_id)
    if not can_add_to_timeline(actor, case):
        raise CaseActionForbidden(_("이 사례에 기록할 권한이 없습니다."))
    event = _add_event(
        case=case,
        actor=actor,
        kind=EventKind.COMPLAINT_WITHDRAWN,
        data={"status_unchanged": case.status},
        note=note.strip()[:MAX_NOTE],
    )
    audit_record(actor=actor, action="case.complaint_withdrawn", target=case, data={})
    return event


@transaction.atomic
def case_view_record(*, case: Case, actor: Staff, what: str = "case") -> None:
    """Reading case data is audited like changing it."""
    audit_record(actor=actor, action=f"case.view.{what}", target=case, data={})


@transaction.atomic
def notification_mark_read(*, actor: Staff, notification_ids: list[UUID]) -> int:
    from onestop.cases.models import Notification

    return Notification.objects.filter(
        recipient=actor, pk__in=notification_ids, read_at__isnull=True
    ).update(read_at=clock.now())


@transaction.atomic
def case_sealed_locations_reveal(*, case_id: UUID, actor: Staff) -> list[SealedLocation]:
    """The victim's sealed places, for the case's lead, case managers and supervisors. Every
    reading is audited, even of none."""
    case = case_lock_visible(actor=actor, case_id=case_id)
    if not can_read_sealed_locations(actor, case):
        raise CaseActionForbidden(_("봉인된 주소를 볼 권한이 없습니다."))
    places = sealed_locations_of(victim=case.victim)
    audit_record(
        actor=actor,
        action="case.sealed_locations_reveal",
        target=case,
        data={"locations": [str(place.pk) for place in places]},
    )
    return places


@transaction.atomic
def case_sealed_location_add(
    *, case_id: UUID, actor: Staff, kind: str, address: str
) -> SealedLocation:
    case = case_lock_visible(actor=actor, case_id=case_id)
    if not can_read_sealed_locations(actor, case):
        raise CaseActionForbidden(_("봉인된 주소를 등록할 권한이 없습니다."))
    if not case.is_open:
        raise TransitionNotAllowed(_("종결된 사례에는 주소를 등록할 수 없습니다."))
    place = sealed_location_add(
        victim=case.victim, kind=kind, address=address, source="staff", recorded_by=actor
    )
    # The timeline says that a place was sealed, never which.
    _add_event(case=case, actor=actor, kind=EventKind.SEALED_LOCATION_ADDED, data={"kind": kind})
    audit_record(
        actor=actor,
        action="case.sealed_location_add",
        target=case,
        data={"location": str(place.pk), "kind": kind},
    )
    return place


# --- the risk level (the risk app's assessments set it) ----------------------------------------


def case_risk_level_set(*, case: Case, level: str, assessed_at: dt.datetime) -> None:
    """Flag the case with the level of its latest assessment. Called by the risk app's service,
    inside its transaction, with the case it locked; that service audits the assessment."""
    if level not in RiskGrade.values:
        raise InvalidCaseInput(_("알 수 없는 위험 수준입니다."), field="level")
    case.risk_level = level
    case.risk_assessed_at = assessed_at
    case.save(update_fields=["risk_level", "risk_assessed_at", "updated_at"])


# --- incidents ---------------------------------------------------------------------------------

MAX_INCIDENT_COUNT = 1_000_000
MAX_PLACE = 200
EARLIEST_INCIDENT = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
CLOCK_SKEW = dt.timedelta(minutes=5)


def _lock_for_timeline(*, actor: Staff, case_id: UUID, message: str) -> Case:
    case = case_lock_visible(actor=actor, case_id=case_id)
    if not can_add_to_timeline(actor, case):
        raise CaseActionForbidden(message)
    return case


def case_lock_for_victim(*, case: Case) -> Case:
    """Her case, locked for this transaction, for something she adds in the portal (the portal
    found the case from her signed-in access; she has no ``Staff`` row). Refused once the case
    is closed: nobody would read what she adds, so she is told to call instead."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if not locked.is_open:
        raise CaseActionForbidden(
            _(
                "지원이 끝난 사례라 새 기록을 더할 수 없습니다. 다시 도움이 필요하면 "
                "상담원에게 연락하세요."
            )
        )
    return locked


def _measure_in_force_on(measure: ProtectiveMeasure, day: dt.date) -> bool:
    last = measure.ended_on or measure.ends_on
    return measure.starts_on <= day and (last is None or day <= last)


@dataclass(frozen=True)
class IncidentCheck:
    """What ``incident_check`` found: every problem, and the cleaned behaviours and measure."""

    problems: list[DomainError]
    behaviours: list[str]
    measure: ProtectiveMeasure | None


def incident_check(
    *,
    case: Case,
    occurred_at: dt.datetime,
    behaviours: Iterable[str],
    source: str,
    sources: Sequence[str],
    count: int,
    note: str,
    place: str,
    measure_id: UUID | None = None,
) -> IncidentCheck:
    """The rules of one incident, whoever records it — staff on the case page or the victim in
    the portal: a past time with a zone, at least one known behaviour (unless it breaks a
    measure), a source from ``sources``, a count in range, a note and place not too long, and a
    measure of this case in force on that day. Writes nothing (the measure is locked); the
    caller raises with the problems — its own added — and writes only when there are none."""
    errors: list[DomainError] = []
    now = clock.now()
    if occurred_at.tzinfo is None:
        errors.append(InvalidCaseInput(_("일시에 시간대가 없습니다."), field="occurred_at"))
    elif occurred_at > now + CLOCK_SKEW:
        errors.append(InvalidCaseInput(_("아직 오지 않은 일시입니다."), field="occurred_at"))
    elif occurred_at < EARLIEST_INCIDENT:
        errors.append(InvalidCaseInput(_("1990년 이후의 일시를 적어 주세요."), field="occurred_at"))
    codes: list[str] = []
    try:
        codes = _clean_codes(behaviours, allowed=StalkingBehaviour.values, field="behaviours")
    except DomainError as exc:
        errors.append(exc)
    if not codes and measure_id is None and not any(e.field == "behaviours" for e in errors):
        errors.append(
            InvalidCaseInput(_("어떤 행동이었는지 하나 이상 고르세요."), field="behaviours")
        )
    if source not in sources:
        errors.append(InvalidCaseInput(_("누가 알려 왔는지 고르세요."), field="source"))
    if not 1 <= count <= MAX_INCIDENT_COUNT:
        errors.append(
            InvalidCaseInput(
                _("횟수는 1에서 %s 사이로 적어 주세요.") % f"{MAX_INCIDENT_COUNT:,}", field="count"
            )
        )
    if len(note) > MAX_NOTE:
        errors.append(
            InvalidCaseInput(_("내용은 %d자 이하로 적어 주세요.") % MAX_NOTE, field="note")
        )
    if len(place.strip()) > MAX_PLACE:
        errors.append(
            InvalidCaseInput(_("장소는 %d자 이하로 적어 주세요.") % MAX_PLACE, field="place")
        )
    measure = None
    if measure_id is not None:
        measure = (
            ProtectiveMeasure.objects.select_for_update().filter(pk=measure_id, case=case).first()
        )
        if measure is None:
            errors.append(InvalidCaseInput(_("이 사례의 보호조치를 고르세요."), field="measure"))
        elif measure.kind == ProtectiveMeasureKind.EMERGENCY:
            errors.append(
                InvalidCaseInput(
                    _(
                        "응급조치는 현장 조치라 위반을 기록할 수 없습니다. "
                        "피해 사건으로 기록하세요."
                    ),
                    field="measure",
                )
            )
        elif occurred_at.tzinfo is not None and not _measure_in_force_on(
            measure, occurred_at.astimezone(clock.SEOUL).date()
        ):
            errors.append(
                InvalidCaseInput(
                    _("그 날짜에는 이 보호조치가 효력이 없었습니다 (%(start)s ~ %(end)s).")
                    % {"start": measure.starts_on, "end": measure.ended_on or measure.ends_on},
                    field="occurred_at",
                )
            )
    return IncidentCheck(problems=errors, behaviours=codes, measure=measure)


def _incident_write(
    *,
    case: Case,
    actor: Staff | None,
    occurred_at: dt.datetime,
    behaviours: list[str],
    count: int,
    source: str,
    note: str,
    place: str,
    measure: ProtectiveMeasure | None,
) -> Incident:
    """Write a checked incident, its timeline entry and its audit entry. ``actor`` None: the
    victim, in the portal. Neither entry holds the note or the place."""
    incident = Incident.objects.create(
        case=case,
        occurred_at=occurred_at,
        behaviours=behaviours,
        count=count,
        source=source,
        note=note.strip(),
        place=place.strip(),
        measure=measure,
        recorded_by=actor,
    )
    data: dict[str, Any] = {
        "incident": str(incident.pk),
        "behaviours": behaviours,
        "count": count,
        "source": source,
        "occurred_at": occurred_at.isoformat(),
    }
    if actor is None:
        data["by"] = "portal"
    if measure is not None:
        data["measure"] = str(measure.pk)
        data["measure_kind"] = measure.kind
        _add_event(case=case, actor=actor, kind=EventKind.MEASURE_BREACHED, data=data)
    else:
        _add_event(case=case, actor=actor, kind=EventKind.INCIDENT_RECORDED, data=data)
    audit_record(
        actor=actor,
        actor_label=PORTAL_ACTOR_LABEL if actor is None else None,
        action="case.measure_breach" if measure is not None else "case.incident_record",
        target=case,
        data=data,
    )
    return incident


@transaction.atomic
def incident_record(
    *,
    case_id: UUID,
    actor: Staff,
    occurred_at: dt.datetime,
    behaviours: Iterable[str],
    source: str,
    count: int = 1,
    note: str = "",
    place: str = "",
    measure_id: UUID | None = None,
) -> Incident:
    """Record what the perpetrator did. With ``measure_id`` it is a breach of that protective
    measure: the case team is alerted at once. Every problem is reported at once; nothing is
    written on any."""
    case = _lock_for_timeline(
        actor=actor, case_id=case_id, message=_("이 사례에 피해 사건을 기록할 권한이 없습니다.")
    )
    check = incident_check(
        case=case,
        occurred_at=occurred_at,
        behaviours=behaviours,
        source=source,
        sources=STAFF_INCIDENT_SOURCES,
        count=count,
        note=note,
        place=place,
        measure_id=measure_id,
    )
    if check.problems:
        raise ValidationFailed(check.problems)
    return _incident_write(
        case=case,
        actor=actor,
        occurred_at=occurred_at,
        behaviours=check.behaviours,
        count=count,
        source=source,
        note=note,
        place=place,
        measure=check.measure,
    )


@transaction.atomic
def incident_record_by_victim(
    *,
    case: Case,
    occurred_at: dt.datetime,
    behaviours: Iterable[str],
    count: int,
    place: str,
    note: str,
) -> Incident:
    """The victim records what he did, in the portal: the same rules as ``incident_record``,
    source ``self_reported``, nobody in ``recorded_by``; the timeline entry says it was her
    (``"by": "portal"``) and the case team hears of it as of any incident."""
    locked = case_lock_for_victim(case=case)
    check = incident_check(
        case=locked,
        occurred_at=occurred_at,
        behaviours=behaviours,
        source=IncidentSource.SELF_REPORTED,
        sources=(IncidentSource.SELF_REPORTED,),
        count=count,
        note=note,
        place=place,
    )
    if check.problems:
        raise ValidationFailed(check.problems)
    return _incident_write(
        case=locked,
        actor=None,
        occurred_at=occurred_at,
        behaviours=check.behaviours,
        count=count,
        source=IncidentSource.SELF_REPORTED,
        note=note,
        place=place,
        measure=None,
    )


@dataclass(frozen=True)
class ImportedIncident:
    """One day of contacts read from an imported file (a chat export, a call log)."""

    occurred_at: dt.datetime
    behaviours: tuple[str, ...]
    count: int
    note: str = ""


def _imported_problems(*, rows: Sequence[ImportedIncident], source: str) -> list[DomainError]:
    now = clock.now()
    errors: list[DomainError] = []
    if not rows:
        errors.append(InvalidCaseInput(_("가져올 피해 사건이 없습니다."), field="rows"))
    if source not in IncidentSource.values:
        errors.append(InvalidCaseInput(_("누가 알려 왔는지 고르세요."), field="source"))
    for index, row in enumerate(rows):
        where = f"rows[{index}]"
        if row.occurred_at.tzinfo is None or not (
            EARLIEST_INCIDENT <= row.occurred_at <= now + CLOCK_SKEW
        ):
            errors.append(InvalidCaseInput(_("일시가 올바르지 않습니다."), field=where))
        if not set(row.behaviours) <= set(StalkingBehaviour.values) or not row.behaviours:
            errors.append(InvalidCaseInput(_("알 수 없는 행동입니다."), field=where))
        if not 1 <= row.count <= MAX_INCIDENT_COUNT or len(row.note) > MAX_NOTE:
            errors.append(InvalidCaseInput(_("횟수나 내용이 범위를 벗어났습니다."), field=where))
    return errors[:20]


def _imported_write(
    *,
    case: Case,
    actor: Staff | None,
    rows: Sequence[ImportedIncident],
    source: str,
    origin: str,
) -> list[Incident]:
    problems = _imported_problems(rows=rows, source=source)
    if problems:
        raise ValidationFailed(problems)
    incidents = Incident.objects.bulk_create(
        [
            Incident(
                case=case,
                occurred_at=row.occurred_at,
                behaviours=list(row.behaviours),
                count=row.count,
                source=source,
                note=row.note.strip(),
                recorded_by=actor,
            )
            for row in rows
        ]
    )
    behaviours = sorted({code for row in rows for code in row.behaviours})
    data: dict[str, Any] = {
        "imported": len(incidents),
        "behaviours": behaviours,
        "count": sum(row.count for row in rows),
        "source": source,
        "origin": origin,
        "from": min(row.occurred_at for row in rows).isoformat(),
        "to": max(row.occurred_at for row in rows).isoformat(),
    }
    if actor is None:
        data["by"] = "portal"
    _add_event(case=case, actor=actor, kind=EventKind.INCIDENT_RECORDED, data=data)
    audit_record(
        actor=actor,
        actor_label=PORTAL_ACTOR_LABEL if actor is None else None,
        action="case.incidents_import",
        target=case,
        data=data,
    )
    return incidents


@transaction.atomic
def incidents_import(
    *, case_id: UUID, actor: Staff, rows: Sequence[ImportedIncident], source: str, origin: str
) -> list[Incident]:
    """Add many incidents read from one file at once (one per day of contacts): every row is
    checked as ``incident_record`` checks one, nothing is written if any fails, and the timeline
    gets one entry for the whole import (``origin`` says what it came from), so listeners
    (conference criteria, reassessment) run once."""
    case = _lock_for_timeline(
        actor=actor, case_id=case_id, message=_("이 사례에 피해 사건을 기록할 권한이 없습니다.")
    )
    return _imported_write(case=case, actor=actor, rows=rows, source=source, origin=origin)


@transaction.atomic
def incidents_import_by_victim(
    *, case: Case, rows: Sequence[ImportedIncident], origin: str
) -> list[Incident]:
    """``incidents_import`` for the victim in the portal (her chat export or call log): source
    ``self_reported``, nobody in ``recorded_by``, ``"by": "portal"`` on the timeline entry."""
    locked = case_lock_for_victim(case=case)
    return _imported_write(
        case=locked, actor=None, rows=rows, source=IncidentSource.SELF_REPORTED, origin=origin
    )


# --- protective measures -----------------------------------------------------------------------

MAX_ISSUER = 200
MAX_REF = 100
EARLIEST_MEASURE = dt.date(2021, 10, 21)  # the Stalking Punishment Act came into force


@dataclass(frozen=True)
class MeasureInput:
    kind: str
    issued_by: str
    starts_on: dt.date | None
    ends_on: dt.date | None = None
    decision_ref: str = ""
    covers: str = ""
    note: str = ""


def validate_measure(data: MeasureInput) -> dt.date:
    """Every problem at once, the term rule included; → the start date."""
    errors: list[DomainError] = []
    if data.kind not in ProtectiveMeasureKind.values:
        errors.append(InvalidCaseInput(_("보호조치 종류를 고르세요."), field="kind"))
    if not data.issued_by.strip():
        errors.append(
            InvalidCaseInput(_("조치한 기관(경찰서·법원)을 적어 주세요."), field="issued_by")
        )
    elif len(data.issued_by) > MAX_ISSUER:
        errors.append(
            InvalidCaseInput(_("%d자 이하로 적어 주세요.") % MAX_ISSUER, field="issued_by")
        )
    if len(data.decision_ref) > MAX_REF:
        errors.append(
            InvalidCaseInput(_("%d자 이하로 적어 주세요.") % MAX_REF, field="decision_ref")
        )
    for name, text in (("covers", data.covers), ("note", data.note)):
        if len(text) > MAX_NOTE:
            errors.append(InvalidCaseInput(_("%d자 이하로 적어 주세요.") % MAX_NOTE, field=name))
    today = clock.today_in_seoul()
    if data.starts_on is None:
        errors.append(InvalidCaseInput(_("시작일을 적어 주세요."), field="starts_on"))
    elif data.starts_on < EARLIEST_MEASURE:
        errors.append(
            InvalidCaseInput(
                _("스토킹처벌법 시행일(2021-10-21) 이후 날짜를 적어 주세요."), field="starts_on"
            )
        )
    elif data.starts_on > today + dt.timedelta(days=31):
        errors.append(InvalidCaseInput(_("한 달 넘게 뒤의 시작일입니다."), field="starts_on"))
    if data.kind in ProtectiveMeasureKind.values and data.starts_on is not None:
        limit = first_term_limit(data.kind, data.starts_on)
        if limit is None:
            if data.ends_on is not None and data.ends_on < data.starts_on:
                errors.append(InvalidCaseInput(_("종료일이 시작일보다 앞섭니다."), field="ends_on"))
        elif data.ends_on is None:
            errors.append(InvalidCaseInput(_("종료일을 적어 주세요."), field="ends_on"))
        elif data.ends_on < data.starts_on:
            errors.append(InvalidCaseInput(_("종료일이 시작일보다 앞섭니다."), field="ends_on"))
        elif data.ends_on > limit:
            rule = TERM_RULES[data.kind]
            errors.append(
                MeasureTermExceeded(
                    _(
                        "%(kind)s은(는) 한 번에 %(months)d개월을 넘을 수 없습니다: "
                        "%(start)s에 시작하면 늦어도 %(limit)s에 끝납니다."
                    )
                    % {
                        "kind": ProtectiveMeasureKind(data.kind).label,
                        "months": rule.months,
                        "start": data.starts_on.isoformat(),
                        "limit": limit.isoformat(),
                    },
                    field="ends_on",
                )
            )
    if errors or data.starts_on is None:
        raise ValidationFailed(errors)
    return data.starts_on


def _measure_event_data(measure: ProtectiveMeasure) -> dict[str, Any]:
    return {
        "measure": str(measure.pk),
        "measure_kind": measure.kind,
        "starts_on": measure.starts_on.isoformat(),
        "ends_on": measure.ends_on.isoformat() if measure.ends_on else "",
    }


@transaction.atomic
def protective_measure_record(
    *, case_id: UUID, actor: Staff, data: MeasureInput
) -> ProtectiveMeasure:
    case = _lock_for_timeline(
        actor=actor, case_id=case_id, message=_("이 사례에 보호조치를 기록할 권한이 없습니다.")
    )
    starts_on = validate_measure(data)
    measure = ProtectiveMeasure.objects.create(
        case=case,
        kind=data.kind,
        issued_by=data.issued_by.strip(),
        decision_ref=data.decision_ref.strip(),
        covers=data.covers.strip(),
        starts_on=starts_on,
        ends_on=data.ends_on,
        original_ends_on=data.ends_on,
        note=data.note.strip(),
        recorded_by=actor,
    )
    event_data = _measure_event_data(measure)
    _add_event(case=case, actor=actor, kind=EventKind.MEASURE_RECORDED, data=event_data)
    audit_record(actor=actor, action="case.measure_record", target=case, data=event_data)
    return measure


def _lock_measure(case: Case, measure_id: UUID) -> ProtectiveMeasure:
    measure = ProtectiveMeasure.objects.select_for_update().filter(pk=measure_id, case=case).first()
    if measure is None:
        raise InvalidCaseInput(_("이 사례의 보호조치를 고르세요."), field="measure")
    return measure


@transaction.atomic
def protective_measure_extend(
    *,
    case_id: UUID,
    actor: Staff,
    measure_id: UUID,
    ends_on: dt.date | None,
    decided_on: dt.date | None,
    decision_ref: str = "",
) -> ProtectiveMeasureExtension:
    """A court extends a provisional measure: at most twice, by at most 3 months each, 9 months
    in all; an ended measure is not extended (a new decision is a new measure)."""
    case = _lock_for_timeline(
        actor=actor, case_id=case_id, message=_("이 사례의 보호조치를 바꿀 권한이 없습니다.")
    )
    measure = _lock_measure(case, measure_id)
    errors: list[DomainError] = []
    rule = TERM_RULES[measure.kind]
    done = measure.extensions.count()
    limit = (
        extension_limit(
            measure.kind,
            starts_on=measure.starts_on,
            current_end=measure.ends_on,
            extensions_so_far=done,
        )
        if measure.ends_on is not None
        else None
    )
    today = clock.today_in_seoul()
    if measure.ended_on is not None:
        errors.append(
            Conflict(
                _("이미 끝난 조치는 연장할 수 없습니다. 새 결정은 새 조치로 기록하세요."),
                field="measure",
            )
        )
    elif rule.extensions == 0:
        errors.append(
            MeasureTermExceeded(
                _("%s은(는) 연장할 수 없습니다.") % ProtectiveMeasureKind(measure.kind).label,
                field="measure",
            )
        )
    elif measure.ends_on is None:
        errors.append(
            InvalidCaseInput(
                _("종료일이 기록되지 않은 조치는 연장할 수 없습니다. 결정문의 기간을 확인하세요."),
                field="measure",
            )
        )
    elif limit is None:
        errors.append(
            MeasureTermExceeded(
                _(
                    "잠정조치는 두 번까지만 연장할 수 있습니다 (모두 9개월: 늦어도 %(limit)s에 "
                    "끝납니다). 이미 %(done)d번 연장했습니다."
                )
                % {"limit": latest_end(measure.starts_on, rule.total_months or 0), "done": done},
                field="measure",
            )
        )
    if decided_on is None:
        errors.append(InvalidCaseInput(_("연장 결정일을 적어 주세요."), field="decided_on"))
    elif decided_on > today:
        errors.append(InvalidCaseInput(_("아직 오지 않은 날짜입니다."), field="decided_on"))
    elif measure.ends_on is not None and decided_on > measure.ends_on:
        errors.append(
            Conflict(
                _("조치가 끝난 뒤(%s)의 결정은 연장이 아니라 새 조치입니다.")
                % measure.ends_on.isoformat(),
                field="decided_on",
            )
        )
    elif decided_on < measure.starts_on:
        errors.append(
            InvalidCaseInput(
                _("조치 시작일(%s)보다 앞선 결정일입니다.") % measure.starts_on.isoformat(),
                field="decided_on",
            )
        )
    if len(decision_ref) > MAX_REF:
        errors.append(
            InvalidCaseInput(_("%d자 이하로 적어 주세요.") % MAX_REF, field="decision_ref")
        )
    if ends_on is None:
        errors.append(InvalidCaseInput(_("연장 후 종료일을 적어 주세요."), field="ends_on"))
    elif measure.ends_on is not None and ends_on <= measure.ends_on:
        errors.append(
            InvalidCaseInput(
                _("지금 종료일(%s)보다 뒤의 날짜를 적어 주세요.") % measure.ends_on.isoformat(),
                field="ends_on",
            )
        )
    elif limit is not None and ends_on > limit:
        errors.append(
            MeasureTermExceeded(
                _(
                    "한 번에 3개월, 모두 9개월을 넘을 수 없습니다: 이번 연장은 늦어도 "
                    "%s에 끝나야 합니다."
                )
                % limit.isoformat(),
                field="ends_on",
            )
        )
    if errors or ends_on is None or decided_on is None or measure.ends_on is None:
        raise ValidationFailed(errors)
    extension = ProtectiveMeasureExtension.objects.create(
        measure=measure,
        number=done + 1,
        previous_ends_on=measure.ends_on,
        ends_on=ends_on,
        decided_on=decided_on,
        decision_ref=decision_ref.strip(),
        recorded_by=actor,
    )
    measure.ends_on = ends_on
    measure.save(update_fields=["ends_on", "updated_at"])
    event_data = {**_measure_event_data(measure), "extension": extension.number}
    _add_event(case=case, actor=actor, kind=EventKind.MEASURE_EXTENDED, data=event_data)
    audit_record(actor=actor, action="case.measure_extend", target=case, data=event_data)
    return extension


@transaction.atomic
def protective_measure_end(
    *, case_id: UUID, actor: Staff, measure_id: UUID, ended_on: dt.date | None, reason: str
) -> ProtectiveMeasure:
    """A measure ends before its term (revoked, replaced, the perpetrator released)."""
    case = _lock_for_timeline(
        actor=actor, case_id=case_id, message=_("이 사례의 보호조치를 바꿀 권한이 없습니다.")
    )
    measure = _lock_measure(case, measure_id)
    errors: list[DomainError] = []
    if measure.ended_on is not None:
        errors.append(Conflict(_("이미 끝난 조치입니다."), field="measure"))
    if ended_on is None:
        errors.append(InvalidCaseInput(_("끝난 날짜를 적어 주세요."), field="ended_on"))
    elif ended_on < measure.starts_on:
        errors.append(InvalidCaseInput(_("시작일보다 앞선 날짜입니다."), field="ended_on"))
    elif ended_on > clock.today_in_seoul():
        errors.append(InvalidCaseInput(_("아직 오지 않은 날짜입니다."), field="ended_on"))
    elif measure.ends_on is not None and ended_on > measure.ends_on:
        errors.append(
            InvalidCaseInput(
                _("이 조치는 %s에 기간이 끝났습니다. 기간 안의 날짜를 적어 주세요.")
                % measure.ends_on.isoformat(),
                field="ended_on",
            )
        )
    if not reason.strip():
        errors.append(InvalidCaseInput(_("사유를 적어 주세요."), field="reason"))
    elif len(reason) > MAX_ISSUER:
        errors.append(InvalidCaseInput(_("%d자 이하로 적어 주세요.") % MAX_ISSUER, field="reason"))
    if errors:
        raise ValidationFailed(errors)
    measure.ended_on = ended_on
    measure.end_reason = reason.strip()
    measure.save(update_fields=["ended_on", "end_reason", "updated_at"])
    event_data = {**_measure_event_data(measure), "ended_on": str(ended_on)}
    _add_event(case=case, actor=actor, kind=EventKind.MEASURE_ENDED, data=event_data)
    audit_record(actor=actor, action="case.measure_end", target=case, data=event_data)
    return measure


@transaction.atomic(savepoint=False)
def case_partner_report_record(
    *,
    case: Case,
    occurred_at: dt.datetime,
    behaviours: Iterable[str],
    measures: Iterable[tuple[str, dt.date, dt.date | None]],
    issued_by: str,
    source_label: str,
) -> Incident:
    """A partner's report (a police referral) is an incident, and the protective measures it
    names are recorded as reported, without the term check: the police state what was ordered.
    The caller holds the case lock and writes the report's own timeline entry and audit."""
    incident = Incident.objects.create(
        case=case,
        occurred_at=occurred_at,
        behaviours=[b for b in dict.fromkeys(behaviours) if b in StalkingBehaviour.values],
        count=1,
        source=IncidentSource.POLICE,
    )
    for kind, starts_on, ends_on in measures:
        measure = ProtectiveMeasure.objects.create(
            case=case,
            kind=kind,
            issued_by=issued_by[:MAX_ISSUER],
            starts_on=starts_on,
            ends_on=ends_on,
            original_ends_on=ends_on,
        )
        audit_record(
            actor=None,
            actor_label=source_label,
            action="case.measure_record",
            target=case,
            data=_measure_event_data(measure),
        )
    return incident


# --- reminders ---------------------------------------------------------------------------------


def _reminder_recipients(due: DueReminder, case: Case | None) -> list[Staff]:
    who = Q(pk__in=list(due.recipients))
    if case is not None and due.team_of_case:
        who |= Q(pk__in=case.team.values("staff_id"))
    if case is not None and due.supervisors:
        who |= Q(role=Role.SUPERVISOR, agency_id=case.agency_id)
    return list(Staff.objects.filter(who, is_active=True).distinct())


def reminder_send(*, due: DueReminder) -> int:
    """Send one reminder unless its key was sent before; → how many notices were written.
    Its own transaction: a sweep's other reminders do not wait for it, nor fail with it."""
    with transaction.atomic():
        case = Case.objects.filter(pk=due.case_id).first() if due.case_id else None
        reminder, created = Reminder.objects.get_or_create(
            key=due.key[:200],
            defaults={
                "kind": due.kind,
                "case": case,
                "due_at": due.due_at,
                "text": due.text[:300],
                "link": due.link[:300],
                "data": due.data,
            },
        )
        if not created:
            return 0
        notices = [
            Notification(recipient=staff, case=case, kind=due.kind, reminder=reminder)
            for staff in _reminder_recipients(due, case)
        ]
        Notification.objects.bulk_create(notices, ignore_conflicts=True)
        if case is not None:
            _add_event(
                case=case,
                actor=None,
                kind=EventKind.REMINDER,
                data={"reminder": due.kind, "key": reminder.key, "recipients": len(notices)},
            )
        audit_record(
            actor=None,
            actor_label="reminders",
            action="reminder.send",
            target=case,
            data={"key": reminder.key, "kind": due.kind, "recipients": len(notices)},
        )
        return len(notices)


def reminders_send(*, now: dt.datetime) -> dict[str, int]:
    """Ask every registered source what is due and send what was not sent: → notices written,
    by source. A failing source is logged and sends nothing; the others still send."""
    sent: dict[str, int] = {}
    for name, source in reminder_sources():
        count = 0
        try:
            # A source lists in full or fails as a whole (a savepoint, so that inside a caller's
            # transaction its failed query does not break the next source's); each reminder is
            # then sent in its own transaction.
            with transaction.atomic():
                due_now = list(source(now))
        except Exception:
            logger.exception("reminder source failed", extra={"source": name})
            due_now = []
        # What was sent before is skipped with one query (the unique key still decides, in
        # ``reminder_send``, when two sweeps race).
        done_before: set[str] = set()
        for chunk_start in range(0, len(due_now), 1000):
            keys = [due.key[:200] for due in due_now[chunk_start : chunk_start + 1000]]
            done_before.update(Reminder.objects.filter(key__in=keys).values_list("key", flat=True))
        for due in due_now:
            if due.key[:200] not in done_before:
                count += reminder_send(due=due)
        sent[name] = count
    return sent
