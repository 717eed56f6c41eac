"""Every write of the shelters app: facilities and their sealed addresses, placements (place,
extend, move, end), the waitlist, and what shelter staff are shown about their residents.

Each case service: lock the case (``case_lock_visible``, always the first lock), check the
actor, lock the facility rows it counts beds in (two of them in primary-key order), validate
every field at once (``ValidationFailed``: nothing written), then count the beds (a facility is
never over capacity: the count is taken under the facility's row lock, so placements into one
facility happen one after the other), write, add a timeline entry (codes only: no address, no
names), audit. A bed that frees enqueues ``tasks.bed_freed`` in the same transaction.

What the shelter staff of another agency see about a resident (name, contact, gender, pets, risk
level) passes the consent gate, at placement and each time the board shows it (with a digest of
what is shown, so unchanged data is not a new disclosure). Without consent the board shows the
case reference and the dates only. A facility's address is read only through
``facility_address_reveal``, one facility at a time, audited; it is never copied into an event,
an audit entry, a notice or a log line."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils.translation import gettext as _

from onestop.accounts.models import Region, Staff
from onestop.audit.services import audit_record
from onestop.cases.models import Case, EventKind
from onestop.cases.services import case_event_add, case_lock_visible
from onestop.consent.errors import DisclosureRefused
from onestop.consent.models import DataCategory, DisclosureVia, Purpose
from onestop.consent.services import disclosure_authorize
from onestop.core import clock
from onestop.core.errors import DomainError, ValidationFailed
from onestop.people.models import Gender
from onestop.shelters import tasks
from onestop.shelters.errors import (
    FacilityFull,
    FacilityNotFound,
    InvalidShelterInput,
    PlacementNotFound,
    PlacementStateConflict,
    ShelterActionForbidden,
)
from onestop.shelters.models import (
    EndReason,
    ExtensionStatus,
    Facility,
    FacilityAddress,
    FacilityKind,
    GenderServed,
    Placement,
    PlacementExtension,
    PlacementStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from onestop.shelters.permissions import (
    can_decide_extension,
    can_manage_facilities,
    can_place,
    can_reveal_address_for_case,
    can_view_board,
    is_facility_staff,
)
from onestop.shelters.rules import (
    FACILITY_KIND_OF,
    gender_fits,
    stay_limit_exceeded,
    stay_limit_message,
)
from onestop.shelters.selectors import Board, occupancy_board, occupied_beds
from onestop.support.errors import PolicyLimitExceeded
from onestop.support.models import SHELTER_KINDS, RequestStatus, ServiceRequest

MAX_NOTE = 2000
MAX_NAME = 100
MAX_ADDRESS = 500
MAX_CAPACITY = 500
# A placement may be recorded up to a week after she arrived, and booked up to 90 days ahead.
BACKDATE_DAYS = 7
AHEAD_DAYS = 90
# How the system signs the disclosures the board makes (the board's own audit entry names the
# staff member who looked).
SYSTEM_LABEL = "system:shelters"
# What a facility's staff are shown about a resident of another agency's case.
RESIDENT_CATEGORIES = (DataCategory.IDENTITY, DataCategory.CONTACT, DataCategory.RISK)


# --- helpers ------------------------------------------------------------------------------------


def _text(
    value: str,
    *,
    field: str,
    errors: list[DomainError],
    max_len: int = MAX_NOTE,
    required: bool = False,
    required_message: str = "",
) -> str:
    text = (value or "").strip()
    if required and not text:
        errors.append(
            InvalidShelterInput(
                required_message or _("내용을 적어 주세요."), field=field, code="required"
            )
        )
    if len(text) > max_len:
        errors.append(InvalidShelterInput(_("%d자 이하로 적어 주세요.") % max_len, field=field))
    return text


def _event(case: Case, actor: Staff | None, action: str, **data: Any) -> None:
    case_event_add(
        case=case, actor=actor, kind=EventKind.PLACEMENT, data={"action": action, **data}
    )


def _placement_data(placement: Placement) -> dict[str, Any]:
    """What a timeline entry and an audit entry say about a placement: ids, codes and dates."""
    return {
        "placement": str(placement.pk),
        "facility": str(placement.facility_id),
        "facility_kind": placement.facility.kind,
        "request": str(placement.service_request_id),
        "starts_on": placement.starts_on.isoformat(),
        "planned_end_on": placement.planned_end_on.isoformat(),
        "pets": placement.pets,
    }


def _require_case_actor(actor: Staff, case: Case) -> None:
    if not can_place(actor, case):
        raise ShelterActionForbidden(
            _("보호시설 입소는 담당 사례관리자와 팀장만 관리할 수 있습니다.")
        )


def _lock_facility(facility_id: UUID | None) -> Facility | None:
    if facility_id is None:
        return None
    return Facility.objects.select_for_update().filter(pk=facility_id).first()


def _lock_placement(case: Case, placement_id: UUID) -> Placement:
    placement = (
        Placement.objects.select_for_update(of=("self",))
        .select_related("facility", "service_request", "service_request__policy")
        .filter(case=case, pk=placement_id)
        .first()
    )
    if placement is None:
        raise PlacementNotFound(_("입소 기록을 찾을 수 없습니다."))
    return placement


def _require_active(placement: Placement) -> None:
    if placement.status != PlacementStatus.ACTIVE:
        raise PlacementStateConflict(_("이미 끝난 입소입니다."))


def _shelter_request(
    case: Case, request_id: UUID | None, errors: list[DomainError]
) -> ServiceRequest | None:
    """The case's approved shelter service request, or an error on its field."""
    if request_id is None:
        errors.append(
            InvalidShelterInput(
                _("승인된 주거 지원 신청을 고르세요."), field="service_request", code="required"
            )
        )
        return None
    request = (
        ServiceRequest.objects.select_related("policy")
        .filter(case=case, pk=request_id, service_kind__in=SHELTER_KINDS)
        .first()
    )
    if request is None:
        errors.append(
            InvalidShelterInput(_("이 사례의 주거 지원 신청이 아닙니다."), field="service_request")
        )
        return None
    if request.status != RequestStatus.APPROVED or request.policy is None:
        errors.append(
            InvalidShelterInput(
                _("승인된 주거 지원 신청만 입소로 이어질 수 있습니다."),
                field="service_request",
                code="not_approved",
            )
        )
        return None
    return request


def _fit_problems(
    case: Case, request: ServiceRequest, facility: Facility, errors: list[DomainError]
) -> None:
    """The facility must deliver the request's service, take her gender, and take her pets when
    she brings them (the program's scheme and the facility must both allow them)."""
    if not facility.active:
        errors.append(InvalidShelterInput(_("지금 운영하지 않는 시설입니다."), field="facility"))
    wanted = FACILITY_KIND_OF.get(request.service_kind)
    if wanted != facility.kind:
        errors.append(
            InvalidShelterInput(
                _("이 신청(%(service)s)은 %(kind)s에만 입소할 수 있습니다.")
                % {
                    "service": request.get_service_kind_display(),
                    "kind": FacilityKind(wanted).label if wanted else "",
                },
                field="facility",
                code="kind_mismatch",
            )
        )
    gender = case.victim.gender
    if not gender_fits(gender, facility.gender_served):
        errors.append(
            InvalidShelterInput(
                _("이 시설(%(served)s)은 피해자의 성별(%(gender)s)과 맞지 않습니다.")
                % {
                    "served": GenderServed(facility.gender_served).label,
                    "gender": Gender(gender).label if gender in Gender.values else gender,
                },
                field="facility",
                code="gender_mismatch",
            )
        )
    if request.pets:
        if request.policy is not None and not request.policy.pets_allowed:
            errors.append(
                PolicyLimitExceeded(
                    _("이 사업의 주거 지원은 반려동물 동반 입소를 지원하지 않습니다."),
                    field="service_request",
                )
            )
        elif not facility.pets_allowed:
            errors.append(
                InvalidShelterInput(
                    _("이 시설은 반려동물과 함께 입소할 수 없습니다."),
                    field="facility",
                    code="pets_not_allowed",
                )
            )


def stay_start_of(request: ServiceRequest, starts_on: dt.date) -> dt.date:
    """The first day of the stay a placement of this request belongs to: the first earlier
    placement she arrived at (a second placement never restarts the count), else ``starts_on``."""
    earlier = (
        Placement.objects.filter(service_request=request)
        .exclude(end_reason=EndReason.DID_NOT_ARRIVE)
        .order_by("stay_starts_on")
        .values_list("stay_starts_on", flat=True)
        .first()
    )
    return min(earlier, starts_on) if earlier is not None else starts_on


def _limit_problems(
    request: ServiceRequest,
    *,
    stay_starts_on: dt.date,
    end_on: dt.date,
    errors: list[DomainError],
    field: str,
    approved_days: bool,
) -> None:
    """The program's longest stay, and (for a placement, not an approved extension) the number
    of days the request was approved for."""
    if request.policy is None:
        return
    limit = stay_limit_exceeded(request.policy, stay_starts_on, end_on)
    if limit is not None:
        errors.append(PolicyLimitExceeded(stay_limit_message(request.policy, limit), field=field))
        return
    days = request.quantity_approved
    if approved_days and days is not None and (end_on - stay_starts_on).days > days:
        errors.append(
            PolicyLimitExceeded(
                _(
                    "승인된 주거 지원은 입소일로부터 %(days)d일(%(limit)s 퇴소)까지입니다. "
                    "더 머물려면 연장을 요청하세요."
                )
                % {
                    "days": days,
                    "limit": (stay_starts_on + dt.timedelta(days=days)).isoformat(),
                },
                field=field,
                code="approved_days",
            )
        )


def _check_start(day: dt.date | None, *, field: str, errors: list[DomainError]) -> None:
    today = clock.today_in_seoul()
    if day is None:
        errors.append(InvalidShelterInput(_("날짜를 고르세요."), field=field, code="required"))
    elif day < today - dt.timedelta(days=BACKDATE_DAYS):
        errors.append(
            InvalidShelterInput(
                _("%d일 전보다 앞선 날짜로는 기록할 수 없습니다.") % BACKDATE_DAYS, field=field
            )
        )
    elif day > today + dt.timedelta(days=AHEAD_DAYS):
        errors.append(
            InvalidShelterInput(
                _("%d일 뒤보다 먼 날짜는 고를 수 없습니다.") % AHEAD_DAYS, field=field
            )
        )


def _require_free_bed(facility: Facility) -> None:
    """Under the facility's row lock: a bed must be free (arrivals to come hold theirs)."""
    if occupied_beds(facility.pk) >= facility.capacity:
        raise FacilityFull(
            _("'%(name)s'에 빈 병상이 없습니다 (정원 %(capacity)d명).")
            % {"name": facility.name, "capacity": facility.capacity},
            field="facility",
        )


def _bed_freed(facility_id: UUID, placement: Placement) -> None:
    tasks.bed_freed.enqueue(facility_id=str(facility_id), placement_id=str(placement.pk))


# --- what a facility's staff see about a resident -------------------------------------------------


@dataclass(frozen=True)
class ResidentView:
    """What the board shows about a resident beside the case reference and her dates. Empty
    (``withheld``) when the consent gate refused it."""

    withheld: bool
    name: str = ""
    phone: str = ""
    contact_method: str = ""
    gender: str = ""
    pets: bool = False
    risk_level: str = ""
    notice: str = ""


def resident_view(placement: Placement) -> ResidentView:
    victim = placement.case.victim
    return ResidentView(
        withheld=False,
        name=victim.name,
        phone=victim.phone,
        contact_method=victim.safe_contact_method,
        gender=victim.gender,
        pets=placement.pets,
        risk_level=placement.case.risk_level,
    )


def _digest(placement: Placement, view: ResidentView) -> str:
    shown = {
        "facility": str(placement.facility_id),
        "name": view.name,
        "phone": view.phone,
        "contact_method": view.contact_method,
        "gender": view.gender,
        "pets": view.pets,
        "risk_level": view.risk_level,
    }
    canonical = json.dumps(shown, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _disclose_resident(
    placement: Placement, *, actor: Staff | None, actor_label: str = ""
) -> ResidentView:
    """The resident as her facility's staff may see her: in full when the facility belongs to
    the case's agency, else only when the consent gate lets it go (and records it)."""
    view = resident_view(placement)
    recipient = placement.facility.agency
    if recipient.pk == placement.case.agency_id:
        return view
    try:
        disclosure_authorize(
            case=placement.case,
            recipient=recipient,
            purpose=Purpose.SHARE_WITH_PROVIDERS,
            categories=list(RESIDENT_CATEGORIES),
            via=DisclosureVia.API,
            actor=actor,
            actor_label=actor_label,
            content_digest=_digest(placement, view),
        )
    except DisclosureRefused as refused:
        return ResidentView(withheld=True, notice=refused.message)
    return view


# --- facilities ---------------------------------------------------------------------------------


def _require_facility_manager(actor: Staff) -> None:
    if not can_view_board(actor):
        raise FacilityNotFound(_("보호시설을 찾을 수 없습니다."))
    if not can_manage_facilities(actor):
        raise ShelterActionForbidden(_("보호시설은 운영 기관의 팀장만 등록하고 바꿀 수 있습니다."))


def _facility_fields(
    *,
    kind: str,
    gender_served: str,
    capacity: int | None,
    region: str,
    errors: list[DomainError],
) -> None:
    if kind not in FacilityKind.values:
        errors.append(InvalidShelterInput(_("시설 종류를 고르세요."), field="kind"))
    if gender_served not in GenderServed.values:
        errors.append(InvalidShelterInput(_("입소 대상 성별을 고르세요."), field="gender_served"))
    if capacity is None or capacity < 1:
        errors.append(InvalidShelterInput(_("정원은 1명 이상입니다."), field="capacity"))
    elif capacity > MAX_CAPACITY:
        errors.append(
            InvalidShelterInput(_("정원은 %d명 이하입니다.") % MAX_CAPACITY, field="capacity")
        )
    if region not in Region.values:
        errors.append(InvalidShelterInput(_("지역을 고르세요."), field="region"))


def _facility_audit(facility: Facility) -> dict[str, Any]:
    return {
        "facility": str(facility.pk),
        "kind": facility.kind,
        "gender_served": facility.gender_served,
        "capacity": facility.capacity,
        "pets_allowed": facility.pets_allowed,
        "region": facility.region,
        "active": facility.active,
    }


@transaction.atomic
def facility_create(
    *,
    actor: Staff,
    name: str,
    kind: str,
    gender_served: str,
    capacity: int | None,
    pets_allowed: bool,
    region: str,
    address: str,
) -> Facility:
    """A facility of the actor's agency, with its sealed address."""
    _require_facility_manager(actor)
    errors: list[DomainError] = []
    clean_name = _text(
        name,
        field="name",
        errors=errors,
        max_len=MAX_NAME,
        required=True,
        required_message=_("시설 이름을 적어 주세요. 위치를 짐작할 수 없는 이름으로 적어 주세요."),
    )
    _facility_fields(
        kind=kind, gender_served=gender_served, capacity=capacity, region=region, errors=errors
    )
    clean_address = _text(
        address,
        field="address",
        errors=errors,
        max_len=MAX_ADDRESS,
        required=True,
        required_message=_("주소를 적어 주세요. 봉인되어 저장됩니다."),
    )
    if clean_name and Facility.objects.filter(agency_id=actor.agency_id, name=clean_name).exists():
        errors.append(InvalidShelterInput(_("같은 이름의 시설이 있습니다."), field="name"))
    if errors or capacity is None:
        raise ValidationFailed(errors)
    facility = Facility.objects.create(
        agency_id=actor.agency_id,
        name=clean_name,
        kind=kind,
        gender_served=gender_served,
        capacity=capacity,
        pets_allowed=pets_allowed,
        region=region,
        created_by=actor,
    )
    FacilityAddress.objects.create(facility=facility, address=clean_address, recorded_by=actor)
    audit_record(
        actor=actor,
        action="shelters.facility_create",
        target=facility,
        data=_facility_audit(facility),
    )
    return facility


@transaction.atomic
def facility_update(
    *,
    actor: Staff,
    facility_id: UUID,
    capacity: int | None,
    pets_allowed: bool,
    active: bool,
) -> Facility:
    """Change beds, pets and whether it takes new placements. Never fewer beds than taken."""
    _require_facility_manager(actor)
    facility = (
        Facility.objects.select_for_update()
        .filter(pk=facility_id, agency_id=actor.agency_id)
        .first()
    )
    if facility is None:
        raise FacilityNotFound(_("보호시설을 찾을 수 없습니다."))
    errors: list[DomainError] = []
    _facility_fields(
        kind=facility.kind,
        gender_served=facility.gender_served,
        capacity=capacity,
        region=facility.region,
        errors=errors,
    )
    taken = occupied_beds(facility.pk)
    if capacity is not None and 1 <= capacity < taken:
        errors.append(
            InvalidShelterInput(
                _("입소 중이거나 입소 예정인 %d명보다 정원을 줄일 수 없습니다.") % taken,
                field="capacity",
            )
        )
    if errors or capacity is None:
        raise ValidationFailed(errors)
    facility.capacity = capacity
    facility.pets_allowed = pets_allowed
    facility.active = active
    facility.save(update_fields=["capacity", "pets_allowed", "active", "updated_at"])
    audit_record(
        actor=actor,
        action="shelters.facility_update",
        target=facility,
        data=_facility_audit(facility),
    )
    return facility


@transaction.atomic
def facility_address_set(*, actor: Staff, facility_id: UUID, address: str) -> None:
    """Record where the facility is (sealed); the audit entry says that it changed, not what."""
    _require_facility_manager(actor)
    facility = Facility.objects.filter(pk=facility_id, agency_id=actor.agency_id).first()
    if facility is None:
        raise FacilityNotFound(_("보호시설을 찾을 수 없습니다."))
    errors: list[DomainError] = []
    clean = _text(
        address,
        field="address",
        errors=errors,
        max_len=MAX_ADDRESS,
        required=True,
        required_message=_("주소를 적어 주세요."),
    )
    if errors:
        raise ValidationFailed(errors)
    FacilityAddress.objects.update_or_create(
        facility=facility, defaults={"address": clean, "recorded_by": actor}
    )
    audit_record(
        actor=actor,
        action="shelters.facility_address_set",
        target=facility,
        data={"facility": str(facility.pk)},
    )


@transaction.atomic
def facility_address_reveal(*, actor: Staff, facility_id: UUID, case_id: UUID | None = None) -> str:
    """The facility's sealed address, for this one answer. Without ``case_id``: its operating
    agency's shelter staff and supervisors. With ``case_id``: the case's lead, case managers and
    supervisors while the case holds a bed there. Every reading is audited (even of nothing);
    the entry names the facility and the case, never the address. "" when none is recorded."""
    if case_id is not None:
        case = case_lock_visible(actor=actor, case_id=case_id)
        facility = Facility.objects.filter(pk=facility_id).first()
        if facility is None:
            raise FacilityNotFound(_("보호시설을 찾을 수 없습니다."))
        if not can_reveal_address_for_case(actor, case, facility):
            raise ShelterActionForbidden(_("이 시설의 주소를 볼 권한이 없습니다."))
        target: Case | Facility = case
    else:
        facility = Facility.objects.filter(pk=facility_id, agency_id=actor.agency_id).first()
        if facility is None or not is_facility_staff(actor, facility):
            raise FacilityNotFound(_("보호시설을 찾을 수 없습니다."))
        target = facility
    sealed = FacilityAddress.objects.filter(facility=facility).first()
    audit_record(
        actor=actor,
        action="shelters.facility_address_reveal",
        target=target,
        data={
            "facility": str(facility.pk),
            "case": str(case_id) if case_id else "",
            "recorded": sealed is not None,
        },
    )
    return sealed.address if sealed is not None else ""


# --- placements ---------------------------------------------------------------------------------


@transaction.atomic
def placement_start(
    *,
    actor: Staff,
    case_id: UUID,
    facility_id: UUID | None,
    service_request_id: UUID | None,
    starts_on: dt.date | None,
    planned_end_on: dt.date | None,
) -> Placement:
    """Place the case's victim in a facility, delivering an approved shelter request: the
    facility fits her (kind, gender, pets), the stay fits the program's policy and the approved
    days, and a bed is free — counted under the facility's row lock."""
    case = case_lock_visible(actor=actor, case_id=case_id)
    _require_case_actor(actor, case)
    if not case.is_open:
        raise PlacementStateConflict(_("종결된 사례입니다. 다시 열고 입소를 기록하세요."))
    facility = _lock_facility(facility_id)
    errors: list[DomainError] = []
    request = _shelter_request(case, service_request_id, errors)
    if facility is None:
        errors.append(
            InvalidShelterInput(_("보호시설을 고르세요."), field="facility", code="required")
        )
    elif request is not None:
        _fit_problems(case, request, facility, errors)
    _check_start(starts_on, field="starts_on", errors=errors)
    if planned_end_on is None:
        errors.append(
            InvalidShelterInput(
                _("퇴소 예정일을 고르세요."), field="planned_end_on", code="required"
            )
        )
    stay_starts_on = starts_on
    if request is not None and starts_on is not None:
        stay_starts_on = stay_start_of(request, starts_on)
    if starts_on is not None and planned_end_on is not None:
        if planned_end_on <= starts_on:
            errors.append(
                InvalidShelterInput(
                    _("퇴소 예정일은 입소일보다 뒤여야 합니다."), field="planned_end_on"
                )
            )
        elif request is not None and stay_starts_on is not None:
            _limit_problems(
                request,
                stay_starts_on=stay_starts_on,
                end_on=planned_end_on,
                errors=errors,
                field="planned_end_on",
                approved_days=True,
            )
    if Placement.objects.filter(case=case, status=PlacementStatus.ACTIVE).exists():
        errors.append(
            PlacementStateConflict(
                _("이미 입소 중(또는 입소 예정)인 시설이 있습니다. 옮기려면 '시설 이동'을 쓰세요."),
                field="facility",
                code="already_placed",
            )
        )
    if errors:
        raise ValidationFailed(errors)
    # (for the type checker: each was checked above)
    if facility is None or request is None or starts_on is None or planned_end_on is None:
        raise ValidationFailed([InvalidShelterInput(_("입력한 내용을 확인해 주세요."))])
    _require_free_bed(facility)
    placement = Placement.objects.create(
        case=case,
        facility=facility,
        service_request=request,
        starts_on=starts_on,
        planned_end_on=planned_end_on,
        stay_starts_on=stay_starts_on or starts_on,
        pets=request.pets,
        placed_at=clock.now(),
        placed_by=actor,
    )
    WaitlistEntry.objects.filter(service_request=request, status=WaitlistStatus.WAITING).update(
        status=WaitlistStatus.PLACED, placement=placement, closed_at=clock.now()
    )
    shown = _disclose_resident(placement, actor=actor)
    data = _placement_data(placement)
    _event(case, actor, "placed", **data)
    audit_record(
        actor=actor,
        action="shelters.placement_start",
        target=case,
        data={**data, "shared_with_facility": not shown.withheld},
    )
    return placement


@transaction.atomic
def placement_extension_request(
    *,
    actor: Staff,
    case_id: UUID,
    placement_id: UUID,
    requested_end_on: dt.date | None,
    reason: str = "",
) -> PlacementExtension:
    """Ask to move the departure day later (within the program's longest stay); a supervisor of
    the case's agency who did not ask decides."""
    case = case_lock_visible(actor=actor, case_id=case_id)
    _require_case_actor(actor, case)
    placement = _lock_placement(case, placement_id)
    _require_active(placement)
    if placement.extensions.filter(status=ExtensionStatus.REQUESTED).exists():
        raise PlacementStateConflict(_("결정을 기다리는 연장 요청이 이미 있습니다."))
    errors: list[DomainError] = []
    clean_reason = _text(
        reason,
        field="reason",
        errors=errors,
        required=True,
        required_message=_("연장이 필요한 이유를 적어 주세요."),
    )
    if requested_end_on is None:
        errors.append(
            InvalidShelterInput(
                _("새 퇴소 예정일을 고르세요."), field="requested_end_on", code="required"
            )
        )
    elif requested_end_on <= placement.planned_end_on:
        errors.append(
            InvalidShelterInput(
                _("지금 퇴소 예정일(%s)보다 뒤여야 합니다.") % placement.planned_end_on.isoformat(),
                field="requested_end_on",
            )
        )
    else:
        _limit_problems(
            placement.service_request,
            stay_starts_on=placement.stay_starts_on,
            end_on=requested_end_on,
            errors=errors,
            field="requested_end_on",
            approved_days=False,
        )
    if errors:
        raise ValidationFailed(errors)
    if requested_end_on is None:  # (checked above; for the type checker)
        raise ValidationFailed([InvalidShelterInput(_("입력한 내용을 확인해 주세요."))])
    extension = PlacementExtension.objects.create(
        placement=placement,
        previous_end_on=placement.planned_end_on,
        requested_end_on=requested_end_on,
        reason=clean_reason,
        requested_at=clock.now(),
        requested_by=actor,
    )
    data = {
        "placement": str(placement.pk),
        "extension": str(extension.pk),
        "facility_kind": placement.facility.kind,
        "previous_end_on": placement.planned_end_on.isoformat(),
        "requested_end_on": requested_end_on.isoformat(),
    }
    _event(case, actor, "extension_requested", **data)
    audit_record(actor=actor, action="shelters.extension_request", target=case, data=data)
    return extension


@transaction.atomic
def placement_extension_decide(
    *, actor: Staff, case_id: UUID, extension_id: UUID, approve: bool, note: str = ""
) -> PlacementExtension:
    """Approve (the departure day moves) or refuse an extension: a supervisor of the case's
    agency, never the one who asked. The program's limit is checked again."""
    case = case_lock_visible(actor=actor, case_id=case_id)
    extension = (
        PlacementExtension.objects.select_for_update(of=("self",))
        .select_related("placement")
        .filter(pk=extension_id, placement__case=case)
        .first()
    )
    if extension is None:
        raise PlacementNotFound(_("연장 요청을 찾을 수 없습니다."))
    if not can_decide_extension(actor, case):
        raise ShelterActionForbidden(_("연장은 사례 기관의 팀장만 승인할 수 있습니다."))
    if extension.requested_by_id == actor.pk:
        raise ShelterActionForbidden(
            _("자신이 요청한 연장은 승인하거나 거절할 수 없습니다. 다른 팀장이 결정합니다."),
            code="self_approval",
        )
    if extension.status != ExtensionStatus.REQUESTED:
        raise PlacementStateConflict(_("이미 결정된 연장 요청입니다."))
    placement = _lock_placement(case, extension.placement_id)
    errors: list[DomainError] = []
    clean_note = _text(note, field="note", errors=errors)
    if approve:
        _require_active(placement)
        if extension.requested_end_on <= placement.planned_end_on:
            errors.append(
                PlacementStateConflict(
                    _("퇴소 예정일이 이미 요청한 날짜 이후입니다."), field="approve"
                )
            )
        _limit_problems(
            placement.service_request,
            stay_starts_on=placement.stay_starts_on,
            end_on=extension.requested_end_on,
            errors=errors,
            field="approve",
            approved_days=False,
        )
    if errors:
        raise ValidationFailed(errors)
    extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    extension.decided_at = clock.now()
    extension.decided_by = actor
    extension.decision_note = clean_note
    extension.save(
        update_fields=["status", "decided_at", "decided_by", "decision_note", "updated_at"]
    )
    if approve:
        placement.planned_end_on = extension.requested_end_on
        placement.save(update_fields=["planned_end_on", "updated_at"])
    data = {
        "placement": str(placement.pk),
        "extension": str(extension.pk),
        "facility_kind": placement.facility.kind,
        "status": extension.status,
        "planned_end_on": placement.planned_end_on.isoformat(),
    }
    _event(case, actor, "extension_decided", **data)
    audit_record(actor=actor, action="shelters.extension_decide", target=case, data=data)
    return extension


def _cancel_pending_extensions(placement: Placement) -> None:
    placement.extensions.filter(status=ExtensionStatus.REQUESTED).update(
        status=ExtensionStatus.CANCELLED, decided_at=clock.now()
    )


@transaction.atomic
def placement_move(
    *,
    actor: Staff,
    case_id: UUID,
    placement_id: UUID,
    facility_id: UUID | None,
    moved_on: dt.date | None,
    planned_end_on: dt.date | None = None,
) -> Placement:
    """End the placement here and place her there, in one transaction: both facility rows are
    locked in primary-key order (so two moves in opposite directions never deadlock), the new
    facility must fit and have a free bed. The stay goes on: its first day and its departure day
    stay (an earlier departure may be given; a later one is an extension). A pending extension
    follows her."""
    case = case_lock_visible(actor=actor, case_id=case_id)
    _require_case_actor(actor, case)
    placement = _lock_placement(case, placement_id)
    _require_active(placement)
    ids = {placement.facility_id} | ({facility_id} if facility_id else set())
    locked = {
        f.pk: f for f in Facility.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }
    target = locked.get(facility_id) if facility_id else None
    errors: list[DomainError] = []
    if target is None:
        errors.append(
            InvalidShelterInput(
                _("옮겨 갈 보호시설을 고르세요."), field="facility", code="required"
            )
        )
    elif target.pk == placement.facility_id:
        errors.append(InvalidShelterInput(_("지금 있는 시설입니다."), field="facility"))
    else:
        _fit_problems(case, placement.service_request, target, errors)
    end_on = planned_end_on or placement.planned_end_on
    if moved_on is None:
        errors.append(
            InvalidShelterInput(_("이동일을 고르세요."), field="moved_on", code="required")
        )
    elif moved_on < placement.starts_on:
        errors.append(
            InvalidShelterInput(
                _("이동일은 지금 시설의 입소일(%s) 이후여야 합니다.")
                % placement.starts_on.isoformat(),
                field="moved_on",
            )
        )
    elif moved_on >= end_on:
        errors.append(
            InvalidShelterInput(_("이동일은 퇴소 예정일보다 앞서야 합니다."), field="moved_on")
        )
    else:
        _check_start(moved_on, field="moved_on", errors=errors)
    if planned_end_on is not None and planned_end_on > placement.planned_end_on:
        errors.append(
            InvalidShelterInput(
                _("퇴소 예정일(%s)을 늦추려면 연장을 요청하세요.")
                % placement.planned_end_on.isoformat(),
                field="planned_end_on",
            )
        )
    if errors:
        raise ValidationFailed(errors)
    if target is None or moved_on is None:  # (checked above; for the type checker)
        raise ValidationFailed([InvalidShelterInput(_("입력한 내용을 확인해 주세요."))])
    _require_free_bed(target)
    now = clock.now()
    placement.status = PlacementStatus.ENDED
    placement.ended_on = moved_on
    placement.end_reason = EndReason.MOVED
    placement.ended_at = now
    placement.ended_by = actor
    placement.save(
        update_fields=["status", "ended_on", "end_reason", "ended_at", "ended_by", "updated_at"]
    )
    moved = Placement.objects.create(
        case=case,
        facility=target,
        service_request=placement.service_request,
        starts_on=moved_on,
        planned_end_on=end_on,
        stay_starts_on=placement.stay_starts_on,
        pets=placement.pets,
        moved_from=placement,
        placed_at=now,
        placed_by=actor,
    )
    placement.extensions.filter(status=ExtensionStatus.REQUESTED).update(placement=moved)
    shown = _disclose_resident(moved, actor=actor)
    data = {**_placement_data(moved), "from_placement": str(placement.pk)}
    data["from_facility"] = str(placement.facility_id)
    _event(case, actor, "moved", **data)
    audit_record(
        actor=actor,
        action="shelters.placement_move",
        target=case,
        data={**data, "shared_with_facility": not shown.withheld},
    )
    _bed_freed(placement.facility_id, placement)
    return moved


# Why a placement may be ended by staff (a move ends one by itself).
END_REASONS = (EndReason.DEPARTED, EndReason.DID_NOT_ARRIVE, EndReason.OTHER)


@transaction.atomic
def placement_end(
    *,
    actor: Staff,
    case_id: UUID,
    placement_id: UUID,
    ended_on: dt.date | None,
    reason: str,
    note: str = "",
) -> Placement:
    """She left (or never arrived): the bed frees, a pending extension is cancelled, and the
    waiting cases that fit hear of the free bed."""
    case = case_lock_visible(actor=actor, case_id=case_id)
    _require_case_actor(actor, case)
    placement = _lock_placement(case, placement_id)
    _require_active(placement)
    errors: list[DomainError] = []
    if reason not in END_REASONS:
        errors.append(InvalidShelterInput(_("퇴소 사유를 고르세요."), field="reason"))
    clean_note = _text(
        note,
        field="note",
        errors=errors,
        required=reason == EndReason.OTHER,
        required_message=_("기타 사유를 적어 주세요."),
    )
    today = clock.today_in_seoul()
    if ended_on is None:
        errors.append(
            InvalidShelterInput(_("퇴소일을 고르세요."), field="ended_on", code="required")
        )
    elif ended_on > today:
        errors.append(InvalidShelterInput(_("퇴소일은 오늘 이전이어야 합니다."), field="ended_on"))
    elif ended_on < placement.starts_on and reason != EndReason.DID_NOT_ARRIVE:
        errors.append(
            InvalidShelterInput(
                _("퇴소일은 입소일(%s) 이후여야 합니다.") % placement.starts_on.isoformat(),
                field="ended_on",
            )
        )
    if errors:
        raise ValidationFailed(errors)
    if ended_on is None:  # (checked above; for the type checker)
        raise ValidationFailed([InvalidShelterInput(_("입력한 내용을 확인해 주세요."))])
    placement.status = PlacementStatus.ENDED
    placement.ended_on = ended_on
    placement.end_reason = reason
    placement.end_note = clean_note
    placement.ended_at = clock.now()
    placement.ended_by = actor
    placement.save(
        update_fields=[
            "status",
            "ended_on",
            "end_reason",
            "end_note",
            "ended_at",
            "ended_by",
            "updated_at",
        ]
    )
    _cancel_pending_extensions(placement)
    data = {**_placement_data(placement), "ended_on": ended_on.isoformat(), "end_reason": reason}
    _event(case, actor, "ended", **data)
    audit_record(actor=actor, action="shelters.placement_end", target=case, data=data)
    _bed_freed(placement.facility_id, placement)
    return placement


# --- the waitlist -------------------------------------------------------------------------------


@transaction.atomic
def waitlist_add(*, actor: Staff, case_id: UUID, service_request_id: UUID | None) -> WaitlistEntry:
    """Nothing fits now: the case waits for a bed of the request's kind that takes her (and her
    pets). When one frees, her case team hears of it."""
    case = case_lock_visible(actor=actor, case_id=case_id)
    _require_case_actor(actor, case)
    if not case.is_open:
        raise PlacementStateConflict(_("종결된 사례입니다."))
    errors: list[DomainError] = []
    request = _shelter_request(case, service_request_id, errors)
    if request is not None:
        if request.pets and request.policy is not None and not request.policy.pets_allowed:
            errors.append(
                PolicyLimitExceeded(
                    _("이 사업의 주거 지원은 반려동물 동반 입소를 지원하지 않습니다."),
                    field="service_request",
                )
            )
        if WaitlistEntry.objects.filter(
            service_request=request, status=WaitlistStatus.WAITING
        ).exists():
            errors.append(
                PlacementStateConflict(
                    _("이미 대기자 명단에 있습니다."), field="service_request", code="waiting"
                )
            )
        if Placement.objects.filter(
            service_request=request, status=PlacementStatus.ACTIVE
        ).exists():
            errors.append(
                PlacementStateConflict(
                    _("이 신청으로 이미 입소했습니다."), field="service_request", code="placed"
                )
            )
    if errors:
        raise ValidationFailed(errors)
    if request is None:  # (checked above; for the type checker)
        raise ValidationFailed([InvalidShelterInput(_("입력한 내용을 확인해 주세요."))])
    entry = WaitlistEntry.objects.create(
        case=case,
        service_request=request,
        kind=FACILITY_KIND_OF[request.service_kind],
        pets=request.pets,
        gender=case.victim.gender,
        requested_at=clock.now(),
        requested_by=actor,
    )
    data = {
        "waitlist": str(entry.pk),
        "request": str(request.pk),
        "facility_kind": entry.kind,
        "pets": entry.pets,
    }
    _event(case, actor, "waitlisted", **data)
    audit_record(actor=actor, action="shelters.waitlist_add", target=case, data=data)
    return entry


@transaction.atomic
def waitlist_cancel(*, actor: Staff, case_id: UUID, entry_id: UUID) -> WaitlistEntry:
    case = case_lock_visible(actor=actor, case_id=case_id)
    _require_case_actor(actor, case)
    entry = WaitlistEntry.objects.select_for_update().filter(pk=entry_id, case=case).first()
    if entry is None:
        raise PlacementNotFound(_("대기 기록을 찾을 수 없습니다."))
    if entry.status != WaitlistStatus.WAITING:
        raise PlacementStateConflict(_("대기 중이 아닙니다."))
    entry.status = WaitlistStatus.CANCELLED
    entry.closed_at = clock.now()
    entry.save(update_fields=["status", "closed_at", "updated_at"])
    data = {"waitlist": str(entry.pk), "facility_kind": entry.kind}
    _event(case, actor, "waitlist_cancelled", **data)
    audit_record(actor=actor, action="shelters.waitlist_cancel", target=case, data=data)
    return entry


# --- the board ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownBoard:
    board: Board
    residents: dict[UUID, ResidentView]


@transaction.atomic
def board_open(*, actor: Staff, today: dt.date | None = None) -> ShownBoard:
    """The occupancy board as the actor may see it: each resident of another agency's case
    through the consent gate (a digest of what is shown, so the same data shown again is not a
    new disclosure); withheld when the gate refuses. The reading is audited."""
    if not can_view_board(actor):
        raise FacilityNotFound(_("보호시설을 찾을 수 없습니다."))
    board = occupancy_board(user=actor, today=today or clock.today_in_seoul())
    residents = {
        placement.pk: _disclose_resident(placement, actor=None, actor_label=SYSTEM_LABEL)
        for placement in board.placements
    }
    audit_record(
        actor=actor,
        action="shelters.board_view",
        data={
            "facilities": [str(row.facility.pk) for row in board.facilities],
            "shown": sorted(str(pk) for pk, view in residents.items() if not view.withheld),
            "withheld": sorted(str(pk) for pk, view in residents.items() if view.withheld),
        },
    )
    return ShownBoard(board, residents)
