"""Every write of the support app: service requests and their decisions, referrals to partners,
the partners' answers and deliveries, closing.

Each service: lock the case row first (``case_lock_visible`` for the case's staff; a partner
cannot see the case, so its row is locked directly after the referral was found in the
partner's own filter), then the request row, then — when a limit is checked — the policy row;
check; validate every field at once (nothing written on a refusal); write; timeline entry (codes
only); audit.

Limits hold under concurrency: every approval under a policy locks that policy's row before it
sums what was already granted, so two approvals racing under one policy are ordered and the
second sees the first; every delivery locks its request's row before it sums what was already
delivered."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.accounts.models import Agency, ApiKey, Staff
from onestop.audit.services import audit_record
from onestop.cases.models import RISK_ORDER, Case, CaseEvent, CaseStatus, EventKind
from onestop.cases.services import case_event_add, case_lock_visible
from onestop.consent.errors import DisclosureRefused
from onestop.consent.services import disclosure_authorize
from onestop.core import clock
from onestop.core.errors import DomainError, ValidationFailed
from onestop.support.errors import (
    InvalidServiceInput,
    NotEligible,
    PolicyLimitExceeded,
    ServiceActionForbidden,
    ServiceNotFound,
    ServiceStateConflict,
)
from onestop.support.models import (
    GRANTED_STATUSES,
    OPEN_REFERRAL_STATUSES,
    SHELTER_KINDS,
    SUBTYPES,
    UNIT_OF,
    Delivery,
    DeliveryKind,
    ProgramGrantTotal,
    ProviderReferral,
    ReferralStatus,
    RequestStatus,
    ServiceKind,
    ServicePolicy,
    ServiceRequest,
    Unit,
)
from onestop.support.permissions import (
    PROVIDER_KINDS,
    can_decide_service,
    can_manage_services,
    can_request_service,
    key_referrals_filter,
    partner_referrals_filter,
)
from onestop.support.policies import policy_in_force, stay_end_limit
from onestop.support.projection import build_projection, projection_categories, purpose_of

MAX_NOTE = 2000
MAX_QUANTITY = 1_000_000_000  # a billion won: anything above is a typing mistake
# Which deliveries each service takes.
DELIVERY_KINDS: dict[str, frozenset[str]] = {
    ServiceKind.COUNSELING: frozenset({DeliveryKind.SESSION}),
    ServiceKind.HOME_THERAPY: frozenset({DeliveryKind.SESSION}),
    ServiceKind.LEGAL: frozenset({DeliveryKind.LEGAL_STEP, DeliveryKind.PAYMENT}),
    ServiceKind.MEDICAL: frozenset({DeliveryKind.PAYMENT}),
    ServiceKind.ACCOMPANIMENT: frozenset({DeliveryKind.ACCOMPANIMENT}),
    ServiceKind.SECURITY: frozenset({DeliveryKind.GUARD_SHIFT}),
    ServiceKind.RELOCATION: frozenset({DeliveryKind.PAYMENT}),
    ServiceKind.DELETION: frozenset({DeliveryKind.LEGAL_STEP}),
}


def _won(amount: int) -> str:
    return f"{amount:,}"


def _quantity_text(unit: str, quantity: int) -> str:
    if unit == Unit.WON:
        return _("%s원") % _won(quantity)
    if unit == Unit.SESSIONS:
        return _("%d회") % quantity
    if unit == Unit.DAYS:
        return _("%d일") % quantity
    return _("%d건") % quantity


def _text(value: str, *, field: str, errors: list[DomainError], required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        errors.append(InvalidServiceInput(_("내용을 적어 주세요."), field=field, code="required"))
    if len(value) > MAX_NOTE:
        errors.append(InvalidServiceInput(_("%d자 이내로 적어 주세요.") % MAX_NOTE, field=field))
    return value


# --- eligibility and limits ---------------------------------------------------------------------


def police_recommended_protection(case: Case) -> bool:
    """A police referral of this case said protection is needed."""
    return CaseEvent.objects.filter(
        case=case, kind=EventKind.POLICE_REFERRAL, data__protection_recommended=True
    ).exists()


def eligibility_problem(policy: ServicePolicy, case: Case) -> str | None:
    """Why the case does not qualify under the policy, or None."""
    if not policy.min_risk_level:
        return None
    if RISK_ORDER.index(case.risk_level) >= RISK_ORDER.index(policy.min_risk_level):
        return None
    if policy.police_protection_qualifies and police_recommended_protection(case):
        return None
    from onestop.cases.models import RiskGrade

    values = {
        "service": ServiceKind(policy.service_kind).label,
        "level": RiskGrade(policy.min_risk_level).label,
        "current": RiskGrade(case.risk_level).label,
    }
    if policy.police_protection_qualifies:
        return (
            _(
                "'%(service)s'은(는) 위험도가 '%(level)s' 이상이거나 경찰이 신변보호를 "
                "권고한 경우에만 지원합니다 (현재 위험도: %(current)s)."
            )
            % values
        )
    return (
        _(
            "'%(service)s'은(는) 위험도가 '%(level)s' 이상인 경우에만 지원합니다 "
            "(현재: %(current)s)."
        )
        % values
    )


def _per_request_limits(
    *,
    policy: ServicePolicy,
    kind: str,
    quantity: int | None,
    starts_on: dt.date | None,
    hours_per_day: int | None,
    guards_per_shift: int | None,
    pets: bool,
) -> list[DomainError]:
    """The policy's limits that one request can break by itself (not what others were granted)."""
    errors: list[DomainError] = []
    service = ServiceKind(kind).label
    if quantity is not None:
        sessions = policy.max_sessions if UNIT_OF.get(kind) == Unit.SESSIONS else None
        if sessions is not None and quantity > sessions:
            errors.append(
                PolicyLimitExceeded(
                    _("'%(service)s'은(는) 한 사례에 최대 %(limit)d회까지입니다.")
                    % {"service": service, "limit": sessions},
                    field="quantity",
                )
            )
        amount = policy.max_amount_won if UNIT_OF.get(kind) == Unit.WON else None
        if amount is not None and quantity > amount:
            errors.append(
                PolicyLimitExceeded(
                    _("'%(service)s'은(는) 한 사례에 최대 %(limit)s원까지입니다.")
                    % {"service": service, "limit": _won(amount)},
                    field="quantity",
                )
            )
        if UNIT_OF.get(kind) == Unit.DAYS and starts_on is not None:
            end = stay_end_limit(policy, starts_on)
            if end is not None and starts_on + dt.timedelta(days=quantity) > end:
                limit = (
                    _("%d일") % policy.max_days
                    if policy.max_days is not None
                    else _("%d개월") % (policy.max_months or 0)
                )
                errors.append(
                    PolicyLimitExceeded(
                        _(
                            "'%(service)s'은(는) 시작일로부터 최대 %(limit)s(%(end)s 종료)까지"
                            "입니다."
                        )
                        % {"service": service, "limit": limit, "end": end.isoformat()},
                        field="quantity",
                    )
                )
    if kind == ServiceKind.SECURITY:
        if (
            policy.max_hours_per_day is not None
            and hours_per_day is not None
            and hours_per_day > policy.max_hours_per_day
        ):
            errors.append(
                PolicyLimitExceeded(
                    _("민간 경호는 하루 최대 %d시간까지입니다.") % policy.max_hours_per_day,
                    field="hours_per_day",
                )
            )
        if (
            policy.max_guards_per_shift is not None
            and guards_per_shift is not None
            and guards_per_shift > policy.max_guards_per_shift
        ):
            errors.append(
                PolicyLimitExceeded(
                    _("민간 경호는 한 근무에 경호원 최대 %d명까지입니다.")
                    % policy.max_guards_per_shift,
                    field="guards_per_shift",
                )
            )
    if pets and kind in SHELTER_KINDS and not policy.pets_allowed:
        errors.append(
            PolicyLimitExceeded(
                _("이 사업의 '%s'은(는) 반려동물 동반을 지원하지 않습니다.") % service,
                field="pets",
            )
        )
    return errors


def _granted(policy_filter: Q) -> int:
    total = ServiceRequest.objects.filter(policy_filter, status__in=GRANTED_STATUSES).aggregate(
        total=Sum("quantity_approved")
    )["total"]
    return int(total or 0)


def grant_total_lock(*, program_id: UUID, service_kind: str) -> ProgramGrantTotal:
    """The program's running total for the service, locked for this transaction (created, from
    the grants on record, the first time)."""
    total = (
        ProgramGrantTotal.objects.select_for_update()
        .filter(program_id=program_id, service_kind=service_kind)
        .first()
    )
    if total is not None:
        return total
    ProgramGrantTotal.objects.bulk_create(
        [
            ProgramGrantTotal(
                program_id=program_id,
                service_kind=service_kind,
                granted=_granted(Q(program_id=program_id, service_kind=service_kind)),
            )
        ],
        ignore_conflicts=True,  # another approval created it first: its row is as good
    )
    return ProgramGrantTotal.objects.select_for_update().get(
        program_id=program_id, service_kind=service_kind
    )


def _grant_total_add(request: ServiceRequest, quantity: int) -> None:
    if request.program_id is None or not quantity:
        return
    total = grant_total_lock(program_id=request.program_id, service_kind=request.service_kind)
    total.granted = F("granted") + quantity
    total.save(update_fields=["granted", "updated_at"])


def _cumulative_limits(
    *, policy: ServicePolicy, request: ServiceRequest, quantity: int | None, so_far: int
) -> list[DomainError]:
    """Limits on what was granted in all: per case under the program (the caller holds the case
    row lock), and the program's budget (``so_far``: the program's running total, whose row the
    caller holds locked)."""
    if quantity is None:
        return []
    kind, unit = request.service_kind, UNIT_OF.get(request.service_kind)
    service = ServiceKind(kind).label
    same_program = Q(program_id=policy.program_id, service_kind=kind)
    errors: list[DomainError] = []
    per_unit: dict[str, int | None] = {
        Unit.SESSIONS: policy.max_sessions,
        Unit.WON: policy.max_amount_won,
    }
    per_case = per_unit.get(unit or "")
    if unit == Unit.DAYS and policy.max_days is not None:
        per_case = policy.max_days
    if per_case is not None:
        case_so_far = _granted(same_program & Q(case_id=request.case_id))
        if case_so_far + quantity > per_case:
            errors.append(
                PolicyLimitExceeded(
                    _(
                        "'%(service)s'은(는) 이 사업에서 한 사례에 최대 %(limit)s까지입니다. "
                        "이미 %(so_far)s이 승인되어 %(left)s만 더 승인할 수 있습니다."
                    )
                    % {
                        "service": service,
                        "limit": _quantity_text(unit or "", per_case),
                        "so_far": _quantity_text(unit or "", case_so_far),
                        "left": _quantity_text(unit or "", max(per_case - case_so_far, 0)),
                    },
                    field="quantity",
                    code="case_limit",
                )
            )
    budgets: dict[str, int | None] = {
        Unit.SESSIONS: policy.budget_sessions,
        Unit.WON: policy.budget_amount_won,
    }
    budget = budgets.get(unit or "")
    if budget is not None and so_far + quantity > budget:
        errors.append(
            PolicyLimitExceeded(
                _(
                    "이 사업의 '%(service)s' 예산은 %(limit)s이고 이미 %(so_far)s이 "
                    "승인되었습니다 (남은 예산: %(left)s)."
                )
                % {
                    "service": service,
                    "limit": _quantity_text(unit or "", budget),
                    "so_far": _quantity_text(unit or "", so_far),
                    "left": _quantity_text(unit or "", max(budget - so_far, 0)),
                },
                field="quantity",
                code="budget",
            )
        )
    return errors


# --- requests -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceRequestInput:
    service_kind: str
    quantity: int | None = None
    starts_on: dt.date | None = None
    subtype: str = ""
    hours_per_day: int | None = None
    guards_per_shift: int | None = None
    pets: bool = False
    reason: str = ""


def _validate_request(
    data: ServiceRequestInput, *, case: Case, today: dt.date
) -> tuple[ServicePolicy | None, str, list[DomainError]]:
    errors: list[DomainError] = []
    reason = _text(data.reason, field="reason", errors=errors)
    kind = data.service_kind
    if kind not in ServiceKind.values:
        errors.append(InvalidServiceInput(_("지원 서비스를 고르세요."), field="service_kind"))
        return None, reason, errors
    subtypes = SUBTYPES.get(kind)
    if subtypes is not None and data.subtype not in subtypes.values:
        errors.append(InvalidServiceInput(_("세부 내용을 고르세요."), field="subtype"))
    if subtypes is None and data.subtype:
        errors.append(
            InvalidServiceInput(_("이 서비스에는 세부 내용이 없습니다."), field="subtype")
        )
    unit = UNIT_OF.get(kind)
    if unit is not None and unit != Unit.TIMES and data.quantity is None:
        errors.append(
            InvalidServiceInput(
                _("신청할 양을 적어 주세요 (%s).") % Unit(unit).label,
                field="quantity",
                code="required",
            )
        )
    if data.quantity is not None and not 1 <= data.quantity <= MAX_QUANTITY:
        errors.append(InvalidServiceInput(_("1 이상의 수를 적어 주세요."), field="quantity"))
    if unit is None and data.quantity is not None:
        errors.append(InvalidServiceInput(_("이 서비스는 양을 정하지 않습니다."), field="quantity"))
    needs_start = kind == ServiceKind.SECURITY or kind in SHELTER_KINDS
    if needs_start and data.starts_on is None:
        errors.append(
            InvalidServiceInput(_("시작일을 적어 주세요."), field="starts_on", code="required")
        )
    if data.starts_on is not None and data.starts_on < today - dt.timedelta(days=1):
        errors.append(InvalidServiceInput(_("시작일이 지났습니다."), field="starts_on"))
    if kind == ServiceKind.SECURITY:
        if data.hours_per_day is None or not 1 <= data.hours_per_day <= 24:
            errors.append(
                InvalidServiceInput(_("하루 경호 시간을 적어 주세요."), field="hours_per_day")
            )
        if data.guards_per_shift is None or data.guards_per_shift < 1:
            errors.append(
                InvalidServiceInput(
                    _("한 근무의 경호원 수를 적어 주세요."), field="guards_per_shift"
                )
            )
    elif data.hours_per_day is not None or data.guards_per_shift is not None:
        errors.append(
            InvalidServiceInput(
                _("경호 시간과 인원은 민간 경호에만 적습니다."), field="hours_per_day"
            )
        )
    if data.pets and kind not in SHELTER_KINDS:
        errors.append(InvalidServiceInput(_("반려동물은 주거 지원에만 적습니다."), field="pets"))
    policy = policy_in_force(agency=case.agency, service_kind=kind, on=today)
    if policy is None:
        errors.append(
            NotEligible(
                _("이 기관의 지역에서 시행 중인 지원 사업이 '%s'을(를) 제공하지 않습니다.")
                % ServiceKind(kind).label,
                field="service_kind",
                code="no_program",
            )
        )
    else:
        errors += _per_request_limits(
            policy=policy,
            kind=kind,
            quantity=data.quantity,
            starts_on=data.starts_on,
            hours_per_day=data.hours_per_day,
            guards_per_shift=data.guards_per_shift,
            pets=data.pets,
        )
    return policy, reason, errors


@transaction.atomic
def service_request_create(
    *,
    actor: Staff,
    case_id: UUID,
    service_kind: str,
    quantity: int | None = None,
    starts_on: dt.date | None = None,
    pets: bool = False,
    reason: str = "",
    subtype: str = "",
    hours_per_day: int | None = None,
    guards_per_shift: int | None = None,
) -> ServiceRequest:
    """Add a service to the case's support plan, awaiting a supervisor's decision. Refused at
    once when no program in force offers it or it breaks a limit by itself (what was granted
    before is counted when it is decided)."""
    case = case_lock_visible(actor=actor, case_id=case_id)
    if not can_request_service(actor, case):
        raise ServiceActionForbidden(_("이 사례에 지원 서비스를 신청할 권한이 없습니다."))
    if case.status == CaseStatus.CLOSED:
        raise ServiceStateConflict(_("종결된 사례입니다. 다시 열고 신청하세요."))
    data = ServiceRequestInput(
        service_kind=service_kind,
        quantity=quantity,
        starts_on=starts_on,
        subtype=subtype,
        hours_per_day=hours_per_day,
        guards_per_shift=guards_per_shift,
        pets=pets,
        reason=reason,
    )
    _policy, clean_reason, errors = _validate_request(data, case=case, today=clock.today_in_seoul())
    if errors:
        raise ValidationFailed(errors)
    request = ServiceRequest.objects.create(
        case=case,
        service_kind=service_kind,
        subtype=subtype,
        quantity_requested=quantity,
        starts_on=starts_on,
        hours_per_day=hours_per_day,
        guards_per_shift=guards_per_shift,
        pets=pets,
        reason=clean_reason,
        requested_at=clock.now(),
        requested_by=actor,
    )
    case_event_add(
        case=case,
        actor=actor,
        kind=EventKind.SERVICE_REQUESTED,
        data={"request": str(request.pk), "service": service_kind, "quantity": quantity},
    )
    audit_record(
        actor=actor,
        action="support.request",
        target=case,
        data={"request": str(request.pk), "service": service_kind, "quantity": quantity},
    )
    return request


def _lock_request(*, actor: Staff, request_id: UUID) -> tuple[Case, ServiceRequest]:
    """The request's case (locked, if the actor may see it) and the request (locked)."""
    case_id = ServiceRequest.objects.filter(pk=request_id).values_list("case_id", flat=True).first()
    if case_id is None:
        raise ServiceNotFound(_("지원 서비스를 찾을 수 없습니다."))
    case = case_lock_visible(actor=actor, case_id=case_id)
    request = ServiceRequest.objects.select_for_update().get(pk=request_id)
    return case, request


@transaction.atomic
def service_request_decide(
    *,
    actor: Staff,
    request_id: UUID,
    approve: bool,
    quantity: int | None = None,
    note: str = "",
) -> ServiceRequest:
    """A supervisor approves (the quantity asked for, or less) or refuses (with a reason). An
    approval takes the policy in force today, locks it, and is refused — naming the rule and
    its limit — when the case is not eligible or the grant would pass a per-case limit or the
    program's budget."""
    case, request = _lock_request(actor=actor, request_id=request_id)
    if not can_decide_service(actor, case):
        raise ServiceActionForbidden(_("지원 서비스는 기관의 팀장이 승인합니다."))
    if request.requested_by_id == actor.pk:
        raise ServiceActionForbidden(
            _("자신이 신청한 지원 서비스는 승인할 수 없습니다. 다른 팀장이 결정해야 합니다."),
            code="self_approval",
        )
    if request.status != RequestStatus.REQUESTED:
        raise ServiceStateConflict(_("이미 결정된 신청입니다."))
    errors: list[DomainError] = []
    clean_note = _text(note, field="note", errors=errors, required=not approve)
    policy: ServicePolicy | None = None
    granted = request.quantity_requested
    if approve:
        if quantity is not None:
            if not 1 <= quantity <= (request.quantity_requested or 0):
                errors.append(
                    InvalidServiceInput(
                        _("승인량은 1 이상, 신청량(%s) 이하여야 합니다.")
                        % (request.quantity_requested or 0),
                        field="quantity",
                    )
                )
            granted = quantity
        found = policy_in_force(
            agency=case.agency, service_kind=request.service_kind, on=clock.today_in_seoul()
        )
        if found is None:
            errors.append(
                NotEligible(
                    _("시행 중인 지원 사업이 이 서비스를 제공하지 않습니다."),
                    field="service_kind",
                    code="no_program",
                )
            )
        else:
            policy = ServicePolicy.objects.select_for_update().get(pk=found.pk)
            # the program's running total, locked (and created) before this grant is saved
            total = grant_total_lock(
                program_id=policy.program_id, service_kind=request.service_kind
            )
            problem = eligibility_problem(policy, case)
            if problem:
                errors.append(NotEligible(problem, field="service_kind"))
            if not errors:
                errors += _per_request_limits(
                    policy=policy,
                    kind=request.service_kind,
                    quantity=granted,
                    starts_on=request.starts_on,
                    hours_per_day=request.hours_per_day,
                    guards_per_shift=request.guards_per_shift,
                    pets=request.pets,
                )
            if not errors:
                errors += _cumulative_limits(
                    policy=policy, request=request, quantity=granted, so_far=total.granted
                )
    if errors:
        raise ValidationFailed(errors)
    request.status = RequestStatus.APPROVED if approve else RequestStatus.REFUSED
    request.decided_at = clock.now()
    request.decided_by = actor
    request.decision_note = clean_note
    if policy is not None:
        request.policy = policy
        request.program_id = policy.program_id
        request.quantity_approved = granted
    request.save()
    if approve:
        _grant_total_add(request, int(request.quantity_approved or 0))
    data = {
        "request": str(request.pk),
        "service": request.service_kind,
        "approved": approve,
        "quantity": request.quantity_approved,
        "program": policy.program.code if policy is not None else "",
    }
    case_event_add(case=case, actor=actor, kind=EventKind.SERVICE_DECIDED, data=data)
    audit_record(actor=actor, action="support.decide", target=case, data=data)
    return request


@transaction.atomic
def service_request_cancel(*, actor: Staff, request_id: UUID, note: str = "") -> ServiceRequest:
    """Withdraw a request nobody has started on: the victim changed her mind, or it was a
    mistake. Once a partner accepted it or something was delivered, close it instead."""
    case, request = _lock_request(actor=actor, request_id=request_id)
    if not (can_manage_services(actor, case) or request.requested_by_id == actor.pk):
        raise ServiceActionForbidden(_("이 신청을 취소할 권한이 없습니다."))
    if request.status not in (RequestStatus.REQUESTED, RequestStatus.APPROVED):
        raise ServiceStateConflict(_("승인 대기 또는 승인된 신청만 취소할 수 있습니다."))
    started = request.deliveries.filter(cancelled_at__isnull=True).exists() or (
        request.referrals.filter(status=ReferralStatus.ACCEPTED).exists()
    )
    if started:
        raise ServiceStateConflict(_("이미 제공이 시작되었습니다. 취소 대신 종결하세요."))
    errors: list[DomainError] = []
    clean_note = _text(note, field="note", errors=errors)
    if errors:
        raise ValidationFailed(errors)
    now = clock.now()
    request.referrals.filter(status=ReferralStatus.SENT).update(
        status=ReferralStatus.WITHDRAWN, ended_at=now
    )
    if request.status == RequestStatus.APPROVED:  # what it was granted goes back to the budget
        _grant_total_add(request, -int(request.quantity_approved or 0))
    request.status = RequestStatus.CANCELLED
    request.closed_at, request.closed_by, request.close_note = now, actor, clean_note
    request.save()
    data = {"request": str(request.pk), "service": request.service_kind, "cancelled": True}
    case_event_add(case=case, actor=actor, kind=EventKind.SERVICE_CLOSED, data=data)
    audit_record(actor=actor, action="support.cancel", target=case, data=data)
    return request


@transaction.atomic
def service_request_close(*, actor: Staff, request_id: UUID, note: str = "") -> ServiceRequest:
    """The service is done (or ends): its accepted referral is completed, a referral still
    waiting for an answer is withdrawn; nothing more can be delivered on it."""
    case, request = _lock_request(actor=actor, request_id=request_id)
    if not can_manage_services(actor, case):
        raise ServiceActionForbidden(_("지원 서비스를 종결할 권한이 없습니다."))
    if request.status != RequestStatus.APPROVED:
        raise ServiceStateConflict(_("승인된 지원 서비스만 종결할 수 있습니다."))
    errors: list[DomainError] = []
    clean_note = _text(note, field="note", errors=errors)
    if errors:
        raise ValidationFailed(errors)
    now = clock.now()
    request.referrals.filter(status=ReferralStatus.ACCEPTED).update(
        status=ReferralStatus.COMPLETED, ended_at=now
    )
    request.referrals.filter(status=ReferralStatus.SENT).update(
        status=ReferralStatus.WITHDRAWN, ended_at=now
    )
    request.status = RequestStatus.CLOSED
    request.closed_at, request.closed_by, request.close_note = now, actor, clean_note
    request.save()
    data = {"request": str(request.pk), "service": request.service_kind, "cancelled": False}
    case_event_add(case=case, actor=actor, kind=EventKind.SERVICE_CLOSED, data=data)
    audit_record(actor=actor, action="support.close", target=case, data=data)
    return request


# --- referrals to partners ----------------------------------------------------------------------


@transaction.atomic
def provider_referral_send(
    *,
    actor: Staff,
    request_id: UUID,
    provider_id: UUID | None,
    provider_staff_id: UUID | None = None,
    meeting_point: str = "",
    schedule: str = "",
    instructions: str = "",
) -> ProviderReferral:
    """Send an approved service to the partner who delivers it. The partner will see the
    service's projection of the case (``projection.py``); the consent gate decides now whether
    the victim agreed to share those categories with this partner, and records the disclosure —
    a refusal sends nothing."""
    case, request = _lock_request(actor=actor, request_id=request_id)
    if not can_manage_services(actor, case):
        raise ServiceActionForbidden(_("협력기관에 의뢰할 권한이 없습니다."))
    if request.status != RequestStatus.APPROVED:
        raise ServiceStateConflict(_("승인된 지원 서비스만 의뢰할 수 있습니다."))
    if request.service_kind in SHELTER_KINDS:
        raise ServiceStateConflict(_("주거 지원은 보호시설 입소로 진행합니다."))
    if request.referrals.filter(status__in=OPEN_REFERRAL_STATUSES).exists():
        raise ServiceStateConflict(
            _("이미 의뢰 중입니다. 거절되거나 철회된 뒤에 다른 기관에 의뢰하세요.")
        )
    errors: list[DomainError] = []
    meeting_point = _text(meeting_point, field="meeting_point", errors=errors)
    schedule = _text(schedule, field="schedule", errors=errors)
    instructions = _text(instructions, field="instructions", errors=errors)
    provider = Agency.objects.filter(pk=provider_id).first() if provider_id else None
    allowed = PROVIDER_KINDS.get(request.service_kind, frozenset())
    if provider is None:
        errors.append(
            InvalidServiceInput(_("협력기관을 고르세요."), field="provider", code="required")
        )
    elif provider.kind not in allowed:
        errors.append(
            InvalidServiceInput(
                _("이 기관은 '%s'을(를) 제공하는 기관이 아닙니다.")
                % ServiceKind(request.service_kind).label,
                field="provider",
            )
        )
    person: Staff | None = None
    if provider_staff_id is not None:
        person = Staff.objects.filter(pk=provider_staff_id, is_active=True).first()
        if person is None or provider is None or person.agency_id != provider.pk:
            errors.append(
                InvalidServiceInput(
                    _("담당자는 의뢰받는 기관의 직원이어야 합니다."), field="provider_staff"
                )
            )
    if request.service_kind == ServiceKind.SECURITY and not (meeting_point and schedule):
        errors.append(
            InvalidServiceInput(
                _("민간 경호에는 만날 장소와 일정을 적어 주세요."),
                field="meeting_point" if not meeting_point else "schedule",
                code="required",
            )
        )
    if errors or provider is None:
        raise ValidationFailed(errors)
    categories = projection_categories(request.service_kind, meeting_point=bool(meeting_point))
    purpose = purpose_of(request.service_kind)
    disclosure_authorize(
        case=case,
        recipient=provider,
        purpose=purpose,
        categories=categories,
        via="api",
        actor=actor,
        what=_("'%s' 의뢰") % ServiceKind(request.service_kind).label,
    )
    referral = ProviderReferral.objects.create(
        request=request,
        case=case,
        provider=provider,
        provider_staff=person,
        purpose=purpose,
        categories=categories,
        meeting_point=meeting_point,
        schedule=schedule,
        instructions=instructions,
        sent_at=clock.now(),
        sent_by=actor,
    )
    data = {
        "request": str(request.pk),
        "referral": str(referral.pk),
        "service": request.service_kind,
        "provider": provider.code,
        "provider_label": provider.name,
    }
    case_event_add(case=case, actor=actor, kind=EventKind.SERVICE_REFERRED, data=data)
    audit_record(actor=actor, action="support.refer", target=case, data=data)
    return referral


@transaction.atomic
def provider_referral_withdraw(
    *, actor: Staff, referral_id: UUID, reason: str = ""
) -> ProviderReferral:
    """The case team takes a referral back (no answer came, the victim changed her mind)."""
    request_id = (
        ProviderReferral.objects.filter(pk=referral_id).values_list("request_id", flat=True).first()
    )
    if request_id is None:
        raise ServiceNotFound(_("의뢰를 찾을 수 없습니다."))
    case, _request = _lock_request(actor=actor, request_id=request_id)
    if not can_manage_services(actor, case):
        raise ServiceActionForbidden(_("의뢰를 철회할 권한이 없습니다."))
    referral = ProviderReferral.objects.select_for_update().get(pk=referral_id)
    if referral.status not in OPEN_REFERRAL_STATUSES:
        raise ServiceStateConflict(_("진행 중인 의뢰가 아닙니다."))
    errors: list[DomainError] = []
    reason = _text(reason, field="reason", errors=errors, required=True)
    if errors:
        raise ValidationFailed(errors)
    referral.status = ReferralStatus.WITHDRAWN
    referral.ended_at = clock.now()
    referral.decline_reason = reason
    referral.save()
    data = {"referral": str(referral.pk), "service": referral.request.service_kind}
    data["answer"] = "withdrawn"
    case_event_add(case=case, actor=actor, kind=EventKind.SERVICE_RESPONDED, data=data)
    audit_record(actor=actor, action="support.referral.withdraw", target=case, data=data)
    return referral


# --- the partner's side -------------------------------------------------------------------------


@dataclass(frozen=True)
class Partner:
    """Who acts for a provider: one of its staff signed in, or its system with a provider key."""

    staff: Staff | None = None
    key: ApiKey | None = None

    def referrals(self) -> Q:
        if self.staff is not None:
            return partner_referrals_filter(self.staff)
        if self.key is not None:
            return key_referrals_filter(self.key)
        return Q(pk__in=[])

    @property
    def label(self) -> str:
        if self.staff is not None:
            return self.staff.get_username()
        return self.key.label if self.key is not None else ""

    @property
    def display(self) -> str:
        if self.staff is not None:
            return self.staff.label
        return self.key.agency.name if self.key is not None else ""


def _audit_partner(partner: Partner, *, action: str, case: Case, data: dict[str, Any]) -> None:
    audit_record(
        actor=partner.staff, actor_label=partner.label, action=action, target=case, data=data
    )


def partner_referral_lock(*, partner: Partner, referral_id: UUID) -> tuple[Case, ProviderReferral]:
    """The referral (locked) and its case (locked first), if the partner may see it; else 404."""
    case_id = (
        ProviderReferral.objects.filter(partner.referrals(), pk=referral_id)
        .values_list("case_id", flat=True)
        .first()
    )
    if case_id is None:
        raise ServiceNotFound(_("의뢰를 찾을 수 없습니다."))
    case = Case.objects.select_for_update().get(pk=case_id)
    referral = (
        ProviderReferral.objects.select_for_update(of=("self",))
        .select_related("request", "provider")
        .get(pk=referral_id)
    )
    return case, referral


@transaction.atomic
def provider_referral_respond(
    *, partner: Partner, referral_id: UUID, accept: bool, reason: str = ""
) -> ProviderReferral:
    """The partner accepts, or declines with a reason (the case team then refers elsewhere).
    Answering the same way again changes nothing (a retried call)."""
    case, referral = partner_referral_lock(partner=partner, referral_id=referral_id)
    wanted = ReferralStatus.ACCEPTED if accept else ReferralStatus.DECLINED
    if referral.status == wanted:
        return referral
    if referral.status != ReferralStatus.SENT:
        raise ServiceStateConflict(
            _("이 의뢰는 이미 '%s' 상태입니다.") % ReferralStatus(referral.status).label
        )
    errors: list[DomainError] = []
    reason = _text(reason, field="reason", errors=errors, required=not accept)
    if errors:
        raise ValidationFailed(errors)
    referral.status = wanted
    referral.responded_at = clock.now()
    referral.responded_by_label = partner.display
    referral.decline_reason = "" if accept else reason
    if not accept:
        referral.ended_at = referral.responded_at
    referral.save()
    data = {
        "referral": str(referral.pk),
        "service": referral.request.service_kind,
        "provider_label": referral.provider.name,
        "answer": wanted,
    }
    case_event_add(case=case, actor=partner.staff, kind=EventKind.SERVICE_RESPONDED, data=data)
    _audit_partner(partner, action="support.referral.respond", case=case, data=data)
    return referral


@dataclass(frozen=True)
class DeliveryInput:
    kind: str
    occurred_on: dt.date | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    guards: int | None = None
    minutes: int | None = None
    amount_won: int | None = None
    receipt: str = ""
    note: str = ""


def hours_by_day(starts_at: dt.datetime, ends_at: dt.datetime) -> dict[dt.date, float]:
    """How many hours of a shift fall on each calendar day in Seoul (a night shift counts on
    both days)."""
    spans: dict[dt.date, float] = defaultdict(float)
    at = timezone.localtime(starts_at)
    end = timezone.localtime(ends_at)
    while at < end:
        midnight = timezone.make_aware(
            dt.datetime.combine(at.date() + dt.timedelta(days=1), dt.time())
        )
        stop = min(end, midnight)
        spans[at.date()] += (stop - at).total_seconds() / 3600
        at = stop
    return dict(spans)


def _shift_problems(
    data: DeliveryInput, *, request: ServiceRequest, others: Iterable[Delivery]
) -> list[DomainError]:
    """A guard shift must fit the approved schedule: inside the approved days, at most the
    approved guards, and at most the approved (and the policy's) hours on any day, counting the
    shifts already on the schedule."""
    errors: list[DomainError] = []
    if data.starts_at is None or data.ends_at is None or data.ends_at <= data.starts_at:
        return [InvalidServiceInput(_("근무 시작과 끝을 적어 주세요 (끝이 뒤)."), field="ends_at")]
    policy = request.policy
    guard_limits = [
        x for x in (request.guards_per_shift, policy and policy.max_guards_per_shift) if x
    ]
    max_guards = min(guard_limits) if guard_limits else None
    if data.guards is None or data.guards < 1:
        errors.append(InvalidServiceInput(_("경호원 수를 적어 주세요."), field="guards"))
    elif max_guards is not None and data.guards > max_guards:
        errors.append(
            PolicyLimitExceeded(
                _("한 근무의 경호원은 최대 %d명입니다 (승인 내용).") % max_guards, field="guards"
            )
        )
    if request.starts_on is not None and request.quantity_approved:
        first = request.starts_on
        last = first + dt.timedelta(days=int(request.quantity_approved) - 1)
        days = hours_by_day(data.starts_at, data.ends_at)
        if min(days) < first or max(days) > last:
            errors.append(
                PolicyLimitExceeded(
                    _("경호 일정은 승인된 %(days)d일(%(first)s~%(last)s) 안이어야 합니다.")
                    % {
                        "days": request.quantity_approved,
                        "first": first.isoformat(),
                        "last": last.isoformat(),
                    },
                    field="starts_at",
                    code="schedule_days",
                )
            )
    limits = [x for x in (request.hours_per_day, policy and policy.max_hours_per_day) if x]
    if limits:
        max_hours = min(limits)
        used: dict[dt.date, float] = defaultdict(float)
        for shift in others:
            if shift.starts_at and shift.ends_at:
                for day, hours in hours_by_day(shift.starts_at, shift.ends_at).items():
                    used[day] += hours
        for day, hours in sorted(hours_by_day(data.starts_at, data.ends_at).items()):
            if used[day] + hours > max_hours + 1e-9:
                errors.append(
                    PolicyLimitExceeded(
                        _(
                            "%(day)s의 경호가 하루 최대 %(limit)d시간을 넘습니다 (이미 "
                            "%(used)g시간 + 이번 %(this)g시간)."
                        )
                        % {
                            "day": day.isoformat(),
                            "limit": max_hours,
                            "used": used[day],
                            "this": hours,
                        },
                        field="ends_at",
                        code="hours_per_day",
                    )
                )
    return errors


def _delivery_problems(
    data: DeliveryInput, *, request: ServiceRequest, today: dt.date
) -> tuple[list[DomainError], str, str]:
    errors: list[DomainError] = []
    receipt = _text(data.receipt, field="receipt", errors=errors)
    note = _text(data.note, field="note", errors=errors)
    allowed = DELIVERY_KINDS.get(request.service_kind, frozenset())
    if data.kind not in allowed:
        errors.append(
            InvalidServiceInput(
                _("'%s'에는 이 제공 기록을 적을 수 없습니다.")
                % ServiceKind(request.service_kind).label,
                field="kind",
            )
        )
        return errors, receipt, note
    occurred_on = data.occurred_on
    if data.kind == DeliveryKind.GUARD_SHIFT and data.starts_at is not None:
        occurred_on = timezone.localtime(data.starts_at).date()
    if occurred_on is None:
        errors.append(
            InvalidServiceInput(_("날짜를 적어 주세요."), field="occurred_on", code="required")
        )
    elif data.kind != DeliveryKind.GUARD_SHIFT and occurred_on > today:
        errors.append(InvalidServiceInput(_("아직 오지 않은 날짜입니다."), field="occurred_on"))
    live = request.deliveries.filter(cancelled_at__isnull=True)
    quantity = request.quantity_approved
    if data.kind == DeliveryKind.SESSION:
        if data.minutes is not None and not 1 <= data.minutes <= 600:
            errors.append(
                InvalidServiceInput(_("회기 시간을 분으로 적어 주세요."), field="minutes")
            )
        done = live.filter(kind=DeliveryKind.SESSION).count()
        if quantity is not None and done + 1 > quantity:
            errors.append(
                PolicyLimitExceeded(
                    _("승인된 %(limit)d회를 모두 제공했습니다 (더 필요하면 추가 신청).")
                    % {"limit": quantity},
                    field="kind",
                    code="sessions_used",
                )
            )
    elif data.kind == DeliveryKind.PAYMENT:
        if data.amount_won is None or not 1 <= data.amount_won <= MAX_QUANTITY:
            errors.append(InvalidServiceInput(_("지급액을 적어 주세요."), field="amount_won"))
        else:
            paid = int(
                live.filter(kind=DeliveryKind.PAYMENT).aggregate(t=Sum("amount_won"))["t"] or 0
            )
            if quantity is not None and paid + data.amount_won > quantity:
                errors.append(
                    PolicyLimitExceeded(
                        _(
                            "승인액 %(limit)s원을 넘습니다 (이미 지급 %(paid)s원, 남은 금액 "
                            "%(left)s원)."
                        )
                        % {
                            "limit": _won(quantity),
                            "paid": _won(paid),
                            "left": _won(max(quantity - paid, 0)),
                        },
                        field="amount_won",
                        code="amount_used",
                    )
                )
        if not receipt:
            errors.append(
                InvalidServiceInput(
                    _("영수증(또는 증빙) 번호를 적어 주세요."), field="receipt", code="required"
                )
            )
    elif data.kind == DeliveryKind.ACCOMPANIMENT:
        done = live.filter(kind=DeliveryKind.ACCOMPANIMENT).count()
        if quantity is not None and done + 1 > quantity:
            errors.append(
                PolicyLimitExceeded(
                    _("승인된 동행 %d건을 모두 제공했습니다.") % quantity, field="kind"
                )
            )
    elif data.kind == DeliveryKind.GUARD_SHIFT:
        errors += _shift_problems(
            data, request=request, others=live.filter(kind=DeliveryKind.GUARD_SHIFT)
        )
    return errors, receipt, note


def _only_its_fields(data: DeliveryInput) -> DeliveryInput:
    """The delivery with only the fields of its kind (a session has no guards, a payment no
    shift times): what is stored, and what a replay is compared on."""
    shift = data.kind == DeliveryKind.GUARD_SHIFT
    return DeliveryInput(
        kind=data.kind,
        occurred_on=None if shift else data.occurred_on,
        starts_at=data.starts_at if shift else None,
        ends_at=data.ends_at if shift else None,
        guards=data.guards if shift else None,
        minutes=data.minutes if data.kind == DeliveryKind.SESSION else None,
        amount_won=data.amount_won if data.kind == DeliveryKind.PAYMENT else None,
        receipt=data.receipt.strip(),
        note=data.note.strip(),
    )


def _delivery_digest(data: DeliveryInput) -> dict[str, Any]:
    """What makes two deliveries the same: every field of its kind, moments compared as instants
    (the same time sent with another offset is the same)."""
    data = _only_its_fields(data)

    def instant(value: dt.datetime | None) -> str | None:
        return value.astimezone(dt.UTC).isoformat() if value is not None else None

    return {
        "kind": data.kind,
        "occurred_on": data.occurred_on.isoformat() if data.occurred_on else None,
        "starts_at": instant(data.starts_at),
        "ends_at": instant(data.ends_at),
        "guards": data.guards,
        "minutes": data.minutes,
        "amount_won": data.amount_won,
        "receipt": data.receipt,
        "note": data.note,
    }


def _input_of(delivery: Delivery) -> DeliveryInput:
    return DeliveryInput(
        kind=delivery.kind,
        occurred_on=delivery.occurred_on,
        starts_at=delivery.starts_at,
        ends_at=delivery.ends_at,
        guards=delivery.guards,
        minutes=delivery.minutes,
        amount_won=delivery.amount_won,
        receipt=delivery.receipt,
        note=delivery.note,
    )


def _delivery_write(
    *,
    case: Case,
    request: ServiceRequest,
    referral: ProviderReferral | None,
    data: DeliveryInput,
    staff: Staff | None,
    label: str,
    idempotency_key: str,
) -> Delivery:
    if request.status != RequestStatus.APPROVED:
        raise ServiceStateConflict(_("승인되어 진행 중인 지원 서비스에만 제공 기록을 적습니다."))
    data = _only_its_fields(data)
    errors, receipt, note = _delivery_problems(data, request=request, today=clock.today_in_seoul())
    if errors:
        raise ValidationFailed(errors)
    occurred_on = data.occurred_on
    if data.kind == DeliveryKind.GUARD_SHIFT and data.starts_at is not None:
        occurred_on = timezone.localtime(data.starts_at).date()
    if occurred_on is None:  # checked above; for the type checker
        raise ValidationFailed([InvalidServiceInput(_("날짜를 적어 주세요."), field="occurred_on")])
    delivery = Delivery.objects.create(
        request=request,
        referral=referral,
        kind=data.kind,
        occurred_on=occurred_on,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        guards=data.guards,
        minutes=data.minutes,
        amount_won=data.amount_won if data.kind == DeliveryKind.PAYMENT else None,
        receipt=receipt,
        note=note,
        recorded_at=clock.now(),
        recorded_by=staff,
        recorded_by_label=label,
        idempotency_key=idempotency_key,
    )
    event: dict[str, Any] = {
        "request": str(request.pk),
        "delivery": str(delivery.pk),
        "service": request.service_kind,
        "delivery_kind": data.kind,
        "on": occurred_on.isoformat(),
        "amount_won": delivery.amount_won,
    }
    if delivery.starts_at and delivery.ends_at:
        event["hours"] = round((delivery.ends_at - delivery.starts_at).total_seconds() / 3600, 2)
    case_event_add(case=case, actor=staff, kind=EventKind.SERVICE_DELIVERED, data=event)
    audit_record(actor=staff, actor_label=label, action="support.deliver", target=case, data=event)
    return delivery


@transaction.atomic
def partner_delivery_record(
    *, partner: Partner, referral_id: UUID, data: DeliveryInput, idempotency_key: str = ""
) -> tuple[Delivery, bool]:
    """The partner records what it delivered on a referral it accepted. With an idempotency key,
    the same key answers the first delivery again (``False``: not new); with another content,
    it is refused."""
    case, referral = partner_referral_lock(partner=partner, referral_id=referral_id)
    request = (
        ServiceRequest.objects.select_for_update(of=("self",))
        .select_related("policy")
        .get(pk=referral.request_id)
    )
    if idempotency_key:
        earlier = Delivery.objects.filter(
            referral=referral, idempotency_key=idempotency_key
        ).first()
        if earlier is not None:
            same = _delivery_digest(data) == _delivery_digest(_input_of(earlier))
            if not same:
                raise ServiceStateConflict(
                    _("같은 Idempotency-Key로 다른 내용을 보냈습니다."), code="idempotency_conflict"
                )
            return earlier, False
    if referral.status != ReferralStatus.ACCEPTED:
        raise ServiceStateConflict(_("수락한 의뢰에만 제공 기록을 적습니다."))
    delivery = _delivery_write(
        case=case,
        request=request,
        referral=referral,
        data=data,
        staff=partner.staff,
        label=partner.label,
        idempotency_key=idempotency_key,
    )
    return delivery, True


@transaction.atomic
def delivery_record(*, actor: Staff, request_id: UUID, data: DeliveryInput) -> Delivery:
    """The case team records a delivery itself: a payment the center made (relocation, medical
    fees), an accompaniment its staff did."""
    case, request = _lock_request(actor=actor, request_id=request_id)
    if not can_manage_services(actor, case):
        raise ServiceActionForbidden(_("제공 기록을 적을 권한이 없습니다."))
    request = ServiceRequest.objects.select_related("policy").get(pk=request.pk)
    referral = request.referrals.filter(status=ReferralStatus.ACCEPTED).first()
    return _delivery_write(
        case=case,
        request=request,
        referral=referral,
        data=data,
        staff=actor,
        label=actor.get_username(),
        idempotency_key="",
    )


@transaction.atomic
def delivery_cancel(*, actor: Staff, delivery_id: UUID, reason: str) -> Delivery:
    """A delivery recorded by mistake stops counting; the row stays, marked cancelled."""
    request_id = (
        Delivery.objects.filter(pk=delivery_id).values_list("request_id", flat=True).first()
    )
    if request_id is None:
        raise ServiceNotFound(_("제공 기록을 찾을 수 없습니다."))
    case, request = _lock_request(actor=actor, request_id=request_id)
    if not can_manage_services(actor, case):
        raise ServiceActionForbidden(_("제공 기록을 취소할 권한이 없습니다."))
    delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
    if delivery.cancelled_at is not None:
        raise ServiceStateConflict(_("이미 취소된 기록입니다."))
    errors: list[DomainError] = []
    reason = _text(reason, field="reason", errors=errors, required=True)
    if errors:
        raise ValidationFailed(errors)
    delivery.cancelled_at = clock.now()
    delivery.note = (delivery.note + "\n" if delivery.note else "") + _("취소: %s") % reason
    delivery.save()
    data = {
        "delivery": str(delivery.pk),
        "request": str(request.pk),
        "service": request.service_kind,
        "delivery_kind": delivery.kind,
        "on": delivery.occurred_on.isoformat(),
        "cancelled": True,
    }
    case_event_add(case=case, actor=actor, kind=EventKind.SERVICE_DELIVERED, data=data)
    audit_record(actor=actor, action="support.delivery.cancel", target=case, data=data)
    return delivery


# --- what a partner sees ------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerView:
    """A referral as its partner sees it: the service, what was asked, and — while the victim's
    consent covers it — the projection; ``withheld`` says why the projection is not shown."""

    referral: ProviderReferral
    projection: dict[str, Any]
    withheld: str = ""


@transaction.atomic
def partner_referral_view(*, partner: Partner, referral_id: UUID) -> PartnerView:
    """Open one referral for its partner. The projection is built now from the case and passes
    the consent gate again (with a digest of its content: unchanged data shown again is not a
    new disclosure); a withdrawn or expired consent hides it at once. The reading is audited."""
    case, referral = partner_referral_lock(partner=partner, referral_id=referral_id)
    projection: dict[str, Any] = {}
    withheld = ""
    if referral.status in OPEN_REFERRAL_STATUSES:
        built = build_projection(referral=referral, case=case)
        digest = hashlib.sha256(
            json.dumps(built, sort_keys=True, ensure_ascii=False, default=str).encode()
        ).hexdigest()
        try:
            disclosure_authorize(
                case=case,
                recipient=referral.provider,
                purpose=referral.purpose,
                categories=referral.categories,
                via="api",
                actor=partner.staff,
                actor_label=partner.label,
                what=_("의뢰 내용 열람"),
                content_digest=digest,
            )
            projection = built
        except DisclosureRefused as refused:
            withheld = refused.message
    else:
        withheld = _("종료된 의뢰에는 피해자 정보를 보여 주지 않습니다.")
    _audit_partner(
        partner,
        action="support.referral.view",
        case=case,
        data={"referral": str(referral.pk), "shown": bool(projection)},
    )
    return PartnerView(referral=referral, projection=projection, withheld=withheld)


# --- program policies ---------------------------------------------------------------------------

POLICY_LIMIT_FIELDS = (
    "max_sessions",
    "max_amount_won",
    "max_days",
    "max_months",
    "max_hours_per_day",
    "max_guards_per_shift",
    "budget_sessions",
    "budget_amount_won",
)
POLICY_FIELDS = (
    *POLICY_LIMIT_FIELDS,
    "offered",
    "min_risk_level",
    "police_protection_qualifies",
    "pets_allowed",
    "note",
)


@transaction.atomic
def policy_set(
    *,
    actor: Staff | None,
    actor_label: str = "",
    program_code: str,
    service_kind: str,
    effective_from: dt.date,
    changes: dict[str, Any],
) -> ServicePolicy:
    """Change a program's rule for one service from a date: a new policy row, starting from the
    rule in force on that date with ``changes`` applied (``None`` clears a limit). Requests
    approved before keep the rule they were approved under."""
    from onestop.cases.models import RiskGrade
    from onestop.support.models import Program

    errors: list[DomainError] = []
    program = Program.objects.select_for_update().filter(code=program_code).first()
    if program is None:
        errors.append(InvalidServiceInput(_("그런 사업이 없습니다."), field="program"))
    if service_kind not in ServiceKind.values:
        errors.append(InvalidServiceInput(_("지원 서비스를 고르세요."), field="service_kind"))
    unknown = sorted(set(changes) - set(POLICY_FIELDS))
    if unknown:
        errors.append(
            InvalidServiceInput(
                _("알 수 없는 항목입니다: %s") % ", ".join(unknown), field="changes"
            )
        )
    for name in POLICY_LIMIT_FIELDS:
        value = changes.get(name)
        if value is not None and (not isinstance(value, int) or value < 0):
            errors.append(InvalidServiceInput(_("0 이상의 정수를 적어 주세요."), field=name))
    level = changes.get("min_risk_level")
    if level and level not in RiskGrade.values:
        errors.append(
            InvalidServiceInput(_("위험도 값이 올바르지 않습니다."), field="min_risk_level")
        )
    if errors or program is None:
        raise ValidationFailed(errors)
    if effective_from < program.starts_on:
        errors.append(
            InvalidServiceInput(_("사업 시작일보다 앞설 수 없습니다."), field="effective_from")
        )
    if ServicePolicy.objects.filter(
        program=program, service_kind=service_kind, effective_from=effective_from
    ).exists():
        errors.append(
            InvalidServiceInput(
                _("이 날짜에 시작하는 기준이 이미 있습니다. 다른 날짜를 고르세요."),
                field="effective_from",
            )
        )
    base = (
        ServicePolicy.objects.filter(
            program=program, service_kind=service_kind, effective_from__lte=effective_from
        )
        .order_by("-effective_from")
        .first()
    )
    values: dict[str, Any] = {name: getattr(base, name) for name in POLICY_FIELDS} if base else {}
    values.update(changes)
    if values.get("max_days") is not None and values.get("max_months") is not None:
        errors.append(
            InvalidServiceInput(
                _("기간 한도는 일 또는 개월 가운데 하나로만 정합니다."), field="max_days"
            )
        )
    if (values.get("max_hours_per_day") or 0) > 24:
        errors.append(InvalidServiceInput(_("하루는 24시간입니다."), field="max_hours_per_day"))
    if errors:
        raise ValidationFailed(errors)
    policy = ServicePolicy.objects.create(
        program=program,
        service_kind=service_kind,
        effective_from=effective_from,
        recorded_by=actor,
        **{k: v for k, v in values.items() if v is not None or k in POLICY_LIMIT_FIELDS},
    )
    audit_record(
        actor=actor,
        actor_label=actor_label or None,
        action="support.policy.set",
        target=policy,
        data={
            "program": program.code,
            "service": service_kind,
            "effective_from": effective_from.isoformat(),
            "changes": {k: changes[k] for k in sorted(changes)},
        },
    )
    return policy
