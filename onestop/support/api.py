"""The partner part of the JSON API, for a provider's own system (a key with the ``provider``
scope): the referrals sent to the key's agency, one referral with its projection (what the
victim agreed to share for this service, re-checked against her consent on every call), the
answer (accept, or decline with a reason) and delivery records.

Thin: which referrals a key sees is ``permissions.key_referrals_filter``; opening, answering and
recording are the services'. A known key of another scope gets 403; a referral the key's agency
was not sent is 404, whether it exists or not. Times are ISO 8601 with their offset (+09:00)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import AfterValidator, AwareDatetime

from onestop.accounts.api import ApiKeyAuth, PartnerRequest
from onestop.accounts.models import ApiScope
from onestop.core.clock import SEOUL
from onestop.core.errors import BadRequest, DomainError, ValidationFailed
from onestop.core.schemas import InputSchema, error_responses, in_utc
from onestop.support.errors import InvalidServiceInput, ServiceActionForbidden
from onestop.support.models import (
    Delivery,
    DeliveryKind,
    ProviderReferral,
    ReferralStatus,
    ServiceKind,
)
from onestop.support.partner_views import service_label, subtype_label
from onestop.support.selectors import (
    DeliveryTotals,
    delivery_totals,
    partner_referrals,
    referral_deliveries,
)
from onestop.support.services import (
    DeliveryInput,
    Partner,
    PartnerView,
    partner_delivery_record,
    partner_referral_view,
    provider_referral_respond,
)

router = Router(tags=["partner referrals"], auth=ApiKeyAuth())

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_TEXT = 2000

UtcDatetime = Annotated[AwareDatetime, AfterValidator(in_utc)]


def _partner(request: PartnerRequest) -> Partner:
    key = request.auth
    if key.scope != ApiScope.PROVIDER:
        raise ServiceActionForbidden(
            _("이 키로는 협력기관 의뢰를 다룰 수 없습니다 (provider 범위의 키가 필요합니다).")
        )
    return Partner(key=key)


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(SEOUL) if value is not None else None


# --- answers -------------------------------------------------------------------------------------


class ApprovedOut(Schema):
    """What the center approved: the quantity in its unit (``sessions``, ``won``, ``days``,
    ``times``; empty for a service granted as a whole) and, for private security, the schedule's
    limits."""

    unit: str
    quantity: int | None
    starts_on: dt.date | None
    hours_per_day: int | None
    guards_per_shift: int | None


class ReferralItemOut(Schema):
    """A referral as a list shows it: the case only by its reference."""

    id: UUID
    case_reference: str = Field(examples=["OS-2026-000123"])
    service_kind: ServiceKind
    service_label: str
    subtype: str
    subtype_label: str
    status: Literal["sent", "accepted", "declined", "withdrawn", "completed"]
    status_label: str
    sent_at: dt.datetime = Field(description="ISO 8601 with its offset (+09:00).")
    responded_at: dt.datetime | None
    assigned_to: str = Field(description="The partner's named person, or empty.")
    approved: ApprovedOut


class ReferralListOut(Schema):
    referrals: list[ReferralItemOut]


class ServicePartOut(Schema):
    schedule: str
    instructions: str


class IdentityOut(Schema):
    name: str


class ContactOut(Schema):
    phone: str = Field(description="E.164, or empty.")
    safe_contact_method: str = Field(description="call, sms, or none (she calls first).")
    safe_contact_times: str


class RiskOut(Schema):
    level: str
    level_label: str
    assessed_on: dt.date | None
    police_recommended_protection: bool


class IncidentItemOut(Schema):
    on: dt.date
    behaviours: list[str]
    count: int
    source: str
    breach: bool


class ProtectiveMeasureOut(Schema):
    kind: str
    issued_by: str
    decision_ref: str
    starts_on: dt.date
    ends_on: dt.date | None
    ended_on: dt.date | None


class IncidentOut(Schema):
    relationship: str
    behaviours: list[str]
    further_harms: list[str]
    incidents: list[IncidentItemOut]
    protective_measures: list[ProtectiveMeasureOut]


class AddressOut(Schema):
    meeting_point: str


class ProjectionOut(Schema):
    """What the victim agreed to share for this service: each part is null unless the service
    needs it and her consent covers it."""

    service: ServicePartOut
    identity: IdentityOut | None = None
    contact: ContactOut | None = None
    risk: RiskOut | None = None
    incident: IncidentOut | None = None
    address: AddressOut | None = None


class DeliveryOut(Schema):
    id: UUID
    kind: DeliveryKind
    occurred_on: dt.date
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    guards: int | None
    minutes: int | None
    amount_won: int | None
    receipt: str
    recorded_at: dt.datetime
    cancelled: bool


class HoursOut(Schema):
    day: dt.date
    hours: float


class TotalsOut(Schema):
    """Delivered so far on the service (not cancelled), against what was approved."""

    unit: str
    approved: int | None
    used: int
    left: int | None
    hours_per_day_limit: int | None
    hours_by_day: list[HoursOut]


class PartnerReferralOut(ReferralItemOut):
    projection: ProjectionOut | None = Field(
        description="Null when it is withheld (see ``withheld``)."
    )
    withheld: str = Field(description="Why the projection is not shown, or empty.")
    decline_reason: str
    deliveries: list[DeliveryOut]
    totals: TotalsOut


def _item(referral: ProviderReferral) -> dict[str, Any]:
    request = referral.request
    kind = request.service_kind
    return {
        "id": referral.pk,
        "case_reference": referral.case.reference,
        "service_kind": kind,
        "service_label": service_label(kind),
        "subtype": request.subtype,
        "subtype_label": subtype_label(kind, request.subtype),
        "status": referral.status,
        "status_label": str(ReferralStatus(referral.status).label),
        "sent_at": _local(referral.sent_at),
        "responded_at": _local(referral.responded_at),
        "assigned_to": referral.provider_staff.label if referral.provider_staff else "",
        "approved": {
            "unit": request.unit,
            "quantity": request.quantity_approved,
            "starts_on": request.starts_on,
            "hours_per_day": request.hours_per_day,
            "guards_per_shift": request.guards_per_shift,
        },
    }


def _delivery(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.pk,
        "kind": delivery.kind,
        "occurred_on": delivery.occurred_on,
        "starts_at": _local(delivery.starts_at),
        "ends_at": _local(delivery.ends_at),
        "guards": delivery.guards,
        "minutes": delivery.minutes,
        "amount_won": delivery.amount_won,
        "receipt": delivery.receipt,
        "recorded_at": _local(delivery.recorded_at),
        "cancelled": delivery.cancelled_at is not None,
    }


def _totals(totals: DeliveryTotals) -> dict[str, Any]:
    return {
        "unit": totals.unit,
        "approved": totals.approved,
        "used": totals.used,
        "left": totals.left,
        "hours_per_day_limit": totals.hours_per_day_limit,
        "hours_by_day": [{"day": day, "hours": hours} for day, hours in totals.hours_by_day],
    }


def _referral(view: PartnerView) -> dict[str, Any]:
    referral = view.referral
    return {
        **_item(referral),
        "projection": view.projection or None,
        "withheld": view.withheld,
        "decline_reason": referral.decline_reason,
        "deliveries": [_delivery(d) for d in referral_deliveries(referral=referral)],
        "totals": _totals(delivery_totals(request=referral.request)),
    }


def _opened(partner: Partner, referral_id: UUID) -> dict[str, Any]:
    return _referral(partner_referral_view(partner=partner, referral_id=referral_id))


# --- requests ------------------------------------------------------------------------------------


class DeclineIn(InputSchema):
    reason: str = Field(max_length=MAX_TEXT, description="Why not: the center refers elsewhere.")


# Which fields each kind of delivery takes (besides ``kind`` and ``note``).
DELIVERY_FIELDS: dict[str, frozenset[str]] = {
    DeliveryKind.SESSION: frozenset({"occurred_on", "minutes"}),
    DeliveryKind.GUARD_SHIFT: frozenset({"starts_at", "ends_at", "guards"}),
    DeliveryKind.PAYMENT: frozenset({"occurred_on", "amount_won", "receipt"}),
    DeliveryKind.ACCOMPANIMENT: frozenset({"occurred_on"}),
    DeliveryKind.LEGAL_STEP: frozenset({"occurred_on"}),
}


class DeliveryIn(InputSchema):
    """One delivery. Each kind takes its own fields (a field of another kind is refused):
    ``session``: occurred_on, minutes; ``guard_shift``: starts_at, ends_at, guards;
    ``payment``: occurred_on, amount_won, receipt; ``accompaniment`` and ``legal_step``:
    occurred_on. Every kind takes a note (what was done, never what was said)."""

    kind: Literal["session", "guard_shift", "payment", "accompaniment", "legal_step"]
    occurred_on: dt.date | None = None
    starts_at: UtcDatetime | None = Field(None, description="ISO 8601 with an offset.")
    ends_at: UtcDatetime | None = Field(None, description="ISO 8601 with an offset.")
    guards: int | None = Field(None, ge=0, le=1000)
    minutes: int | None = Field(None, ge=0, le=100_000)
    amount_won: int | None = Field(None, ge=0, le=10**12)
    receipt: str = Field("", max_length=200)
    note: str = Field("", max_length=MAX_TEXT)


def delivery_input(body: DeliveryIn) -> DeliveryInput:
    allowed = DELIVERY_FIELDS[body.kind] | {"kind", "note"}
    stray = sorted(body.model_fields_set - allowed)
    if stray:
        raise ValidationFailed(
            [
                InvalidServiceInput(
                    _("'%s' 기록에는 이 항목을 보내지 않습니다.") % DeliveryKind(body.kind).label,
                    field=name,
                    code="unknown_field",
                )
                for name in stray
            ]
        )
    return DeliveryInput(
        kind=body.kind,
        occurred_on=body.occurred_on,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        guards=body.guards,
        minutes=body.minutes,
        amount_won=body.amount_won,
        receipt=body.receipt,
        note=body.note,
    )


def _idempotency_key(request: HttpRequest) -> str:
    value = request.headers.get(IDEMPOTENCY_HEADER)
    if value is None or not 8 <= len(value) <= 128 or not value.isprintable():
        raise BadRequest(
            _("Idempotency-Key 헤더에 8~128자의 값을 보내 주세요."), field=IDEMPOTENCY_HEADER
        )
    return value


DELIVERY_OPENAPI: dict[str, Any] = {
    "parameters": [
        {
            "in": "header",
            "name": IDEMPOTENCY_HEADER,
            "required": True,
            "description": "Chosen by the caller; the same key with the same body answers the "
            "first delivery again (200), with another body is refused (409).",
            "schema": {"type": "string", "minLength": 8, "maxLength": 128},
        }
    ]
}


# --- operations ----------------------------------------------------------------------------------


@router.get("/referrals", response={200: ReferralListOut} | error_responses(401, 403))
def list_referrals(request: PartnerRequest) -> dict[str, Any]:
    """The referrals sent to the key's agency, newest first. No victim data: the case is named
    by its reference."""
    partner = _partner(request)
    return {"referrals": [_item(r) for r in partner_referrals(partner=partner)]}


@router.get(
    "/referrals/{referral_id}",
    response={200: PartnerReferralOut} | error_responses(401, 403, 404, 422),
)
def get_referral(request: PartnerRequest, referral_id: UUID) -> dict[str, Any]:
    """One referral with its projection, checked against the victim's consent now (withdrawn:
    ``projection`` is null and ``withheld`` says why). Each reading is audited."""
    return _opened(_partner(request), referral_id)


@router.post(
    "/referrals/{referral_id}/accept",
    response={200: PartnerReferralOut} | error_responses(401, 403, 404, 409, 422),
)
def accept_referral(request: PartnerRequest, referral_id: UUID) -> dict[str, Any]:
    """Accept the referral. Accepting an accepted referral again changes nothing."""
    partner = _partner(request)
    provider_referral_respond(partner=partner, referral_id=referral_id, accept=True)
    return _opened(partner, referral_id)


@router.post(
    "/referrals/{referral_id}/decline",
    response={200: PartnerReferralOut} | error_responses(400, 401, 403, 404, 409, 422),
)
def decline_referral(request: PartnerRequest, referral_id: UUID, body: DeclineIn) -> dict[str, Any]:
    """Decline with a reason (required); the center then refers elsewhere."""
    partner = _partner(request)
    provider_referral_respond(
        partner=partner, referral_id=referral_id, accept=False, reason=body.reason
    )
    return _opened(partner, referral_id)


@router.post(
    "/referrals/{referral_id}/deliveries",
    response={201: DeliveryOut, 200: DeliveryOut} | error_responses(400, 401, 403, 404, 409, 422),
    openapi_extra=DELIVERY_OPENAPI,
)
def record_delivery(
    request: PartnerRequest, referral_id: UUID, body: DeliveryIn
) -> Status[dict[str, Any]]:
    """Record a delivery on an accepted referral, within what was approved (a refusal names the
    limit, 422). 201 when recorded; 200 with the first delivery when the same `Idempotency-Key`
    and body are sent again."""
    partner = _partner(request)
    key = _idempotency_key(request)
    data = delivery_input(body)
    try:
        delivery, created = partner_delivery_record(
            partner=partner, referral_id=referral_id, data=data, idempotency_key=key
        )
    except DomainError as refused:
        if refused.code == "idempotency_conflict":
            refused.field = IDEMPOTENCY_HEADER
        raise
    return Status(201 if created else 200, _delivery(delivery))
