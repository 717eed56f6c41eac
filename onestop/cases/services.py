"""Every write to a case: check, lock, write, audit, enqueue — in one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils.translation import gettext as _

from onestop.accounts.models import Agency, Role, Staff
from onestop.audit.services import audit_record
from onestop.cases import tasks
from onestop.cases.errors import (
    CaseActionForbidden,
    CaseNotFound,
    InvalidCaseInput,
    TransitionNotAllowed,
)
from onestop.cases.models import (
    Case,
    CaseEvent,
    CaseReferenceCounter,
    CaseStatus,
    CaseTeamMember,
    Channel,
    CloseReason,
    EventKind,
    FurtherHarm,
    Relationship,
    StalkingBehaviour,
    TeamRole,
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
from onestop.core import clock
from onestop.core.errors import DomainError, ValidationFailed
from onestop.people.models import Perpetrator, SealedLocation, Victim
from onestop.people.selectors import sealed_locations_of
from onestop.people.services import sealed_location_add

# A summary holds what a partner's report says too (the police referral contract allows 10,000).
MAX_SUMMARY = 10_000
MAX_NOTE = 5000

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
        behaviours = _clean_codes(
            stalking_behaviours, allowed=StalkingBehaviour.values, field="stalking_behaviours"
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
) -> Case:
    """A case a partner system opened. Nobody is on its team yet: the agency's supervisors and
    on-duty staff are alerted, and whoever takes it joins the team (``case_referral_take``)."""
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
    _add_event(case=case, actor=None, kind=EventKind.POLICE_REFERRAL, data=referral_data)
    audit_record(
        actor=None,
        actor_label=source_label,
        action="case.open",
        target=case,
        data={"reference": case.reference, "channel": channel, "via": "referral"},
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
) -> Case:
    """A partner's new report about a victim whose case is open: it joins that case's timeline,
    its behaviours are added to the case's, and its perpetrator becomes the case's when the case
    had none."""
    case = Case.objects.select_for_update().get(pk=case_id)
    if not case.is_open:
        raise TransitionNotAllowed(_("종결된 사례에는 연계를 붙일 수 없습니다."))
    behaviours = _clean_codes(
        stalking_behaviours, allowed=StalkingBehaviour.values, field="stalking_behaviours"
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
        kind=EventKind.POLICE_REFERRAL,
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
def case_referral_take(*, case_id: UUID, actor: Staff, referral_data: dict[str, Any]) -> Case:
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
    _add_event(case=case, actor=actor, kind=EventKind.REFERRAL_TAKEN, data=referral_data)
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
