"""The partner workspace, ``/partner/``: the referrals sent to the signed-in partner's agency,
one referral with what the victim agreed to share for it, the answer (accept, or decline with a
reason) and the record of what was delivered.

Thin: ``permissions.partner_referrals_filter`` decides which referrals a partner sees, the
services open (``partner_referral_view``: the projection through the consent gate, audited),
answer and record. Anyone who is not partner staff, and any referral not sent to her, is 404.
A list names a case by its reference only. Forms work without JavaScript (POST, then redirect);
a refusal shows the page again with the error beside its field and the input kept, and writes
nothing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from onestop.accounts.models import Staff
from onestop.accounts.views import current_staff
from onestop.cases.models import IncidentSource, ProtectiveMeasureKind, Relationship
from onestop.cases.views import form_perform, no_store
from onestop.core.errors import Conflict, PermissionDenied
from onestop.people.models import ContactMethod
from onestop.support.models import (
    OPEN_REFERRAL_STATUSES,
    SUBTYPES,
    Delivery,
    DeliveryKind,
    ProviderReferral,
    ReferralStatus,
    ServiceKind,
    Unit,
)
from onestop.support.partner_forms import DELIVERY_FORMS, AcceptForm, DeclineForm, DeliveryForm
from onestop.support.permissions import is_partner_staff
from onestop.support.selectors import (
    delivery_totals,
    partner_referrals,
    referral_deliveries,
)
from onestop.support.services import (
    DELIVERY_KINDS,
    Partner,
    PartnerView,
    partner_delivery_record,
    partner_referral_view,
    provider_referral_respond,
)

# --- labels -------------------------------------------------------------------------------------


def service_label(kind: str) -> str:
    try:
        return str(ServiceKind(kind).label)
    except ValueError:
        return kind


def subtype_label(kind: str, subtype: str) -> str:
    choices = SUBTYPES.get(kind)
    if not subtype or choices is None:
        return ""
    try:
        return str(choices(subtype).label)
    except ValueError:
        return subtype


def _label(choices: Any, code: object) -> str:
    try:
        return str(choices(str(code)).label)
    except ValueError:
        return str(code or "")


# The parts a page knows how to show, in the order it shows them.
KNOWN_PARTS = ("identity", "contact", "risk", "address", "incident", "service")


def projection_display(projection: Mapping[str, Any]) -> dict[str, Any]:
    """The projection with the labels a page shows beside its codes. Parts the page does not
    know (added to ``projection.py`` later) come under ``other`` as label → text, so nothing
    the victim agreed to share is silently left out."""
    shown: dict[str, Any] = {key: projection[key] for key in KNOWN_PARTS if key in projection}
    if "contact" in shown:
        contact = dict(shown["contact"])
        contact["method_label"] = _label(ContactMethod, contact.get("safe_contact_method"))
        shown["contact"] = contact
    if "incident" in shown:
        incident = dict(shown["incident"])
        incident["relationship_label"] = _label(Relationship, incident.get("relationship"))
        incident["incidents"] = [
            {**row, "source_label": _label(IncidentSource, row.get("source"))}
            for row in incident.get("incidents", [])
        ]
        incident["protective_measures"] = [
            {**row, "kind_label": _label(ProtectiveMeasureKind, row.get("kind"))}
            for row in incident.get("protective_measures", [])
        ]
        shown["incident"] = incident
    shown["other"] = [
        (str(key), value) for key, value in projection.items() if key not in KNOWN_PARTS
    ]
    return shown


def quantity_text(unit: str, quantity: int | None) -> str:
    if quantity is None:
        return ""
    if unit == Unit.WON:
        return _("%s원") % f"{quantity:,}"
    if unit == Unit.SESSIONS:
        return _("%d회") % quantity
    if unit == Unit.DAYS:
        return _("%d일") % quantity
    return _("%d건") % quantity


@dataclass(frozen=True)
class DeliveryRow:
    delivery: Delivery
    kind_label: str
    detail: str


def delivery_row(delivery: Delivery) -> DeliveryRow:
    """One delivery as the partner's list shows it: what and how much, never its note (a note of
    the case team's may say more than the partner needs)."""
    parts: list[str] = []
    if delivery.kind == DeliveryKind.SESSION and delivery.minutes:
        parts.append(_("%d분") % delivery.minutes)
    if delivery.starts_at and delivery.ends_at:
        start, end = timezone.localtime(delivery.starts_at), timezone.localtime(delivery.ends_at)
        hours = (end - start).total_seconds() / 3600
        parts.append(f"{start:%Y-%m-%d %H:%M} ~ {end:%Y-%m-%d %H:%M}")
        parts.append(_("%g시간") % round(hours, 2))
    if delivery.guards:
        parts.append(_("경호원 %d명") % delivery.guards)
    if delivery.amount_won:
        parts.append(_("%s원") % f"{delivery.amount_won:,}")
    if delivery.receipt:
        parts.append(_("영수증 %s") % delivery.receipt)
    if delivery.recorded_by_label:
        parts.append(_("기록: %s") % delivery.recorded_by_label)
    return DeliveryRow(
        delivery=delivery, kind_label=_label(DeliveryKind, delivery.kind), detail=" · ".join(parts)
    )


# --- helpers ------------------------------------------------------------------------------------


def _partner_staff(request: HttpRequest) -> Staff:
    """The signed-in member of a partner agency; anyone else gets 404, like a page that does not
    exist."""
    user = current_staff(request)
    if not is_partner_staff(user):
        raise Http404
    return user


@dataclass(frozen=True)
class ReferralRow:
    referral: ProviderReferral
    service: str
    subtype: str
    status: str


def _row(referral: ProviderReferral) -> ReferralRow:
    kind = referral.request.service_kind
    return ReferralRow(
        referral=referral,
        service=service_label(kind),
        subtype=subtype_label(kind, referral.request.subtype),
        status=_label(ReferralStatus, referral.status),
    )


# --- the list -----------------------------------------------------------------------------------


@login_required
@require_GET
def referral_list(request: HttpRequest) -> HttpResponse:
    user = _partner_staff(request)
    rows = [_row(r) for r in partner_referrals(partner=Partner(staff=user))]
    open_rows = [row for row in rows if row.referral.status in OPEN_REFERRAL_STATUSES]
    closed_rows = [row for row in rows if row.referral.status not in OPEN_REFERRAL_STATUSES]
    response = render(
        request,
        "support/partner/list.html",
        {"open_rows": open_rows, "closed_rows": closed_rows, "agency": user.agency},
    )
    return no_store(response)


# --- one referral -------------------------------------------------------------------------------


def delivery_kinds_of(service_kind: str) -> list[str]:
    """The kinds of delivery a service takes, in the order of ``DeliveryKind``."""
    allowed = DELIVERY_KINDS.get(service_kind, frozenset())
    return [kind for kind in DeliveryKind.values if kind in allowed]


def _forms(view: PartnerView, bound: Mapping[str, forms.Form]) -> dict[str, Any]:
    referral = view.referral
    found: dict[str, Any] = {"delivery_forms": []}
    if referral.status == ReferralStatus.SENT:
        found["accept_form"] = bound.get("accept") or AcceptForm()
        found["decline_form"] = bound.get("decline") or DeclineForm()
    if referral.status == ReferralStatus.ACCEPTED:
        found["delivery_forms"] = [
            bound.get(f"delivery-{kind}") or DELIVERY_FORMS[kind]()
            for kind in delivery_kinds_of(referral.request.service_kind)
        ]
    return found


def _render_detail(
    request: HttpRequest,
    user: Staff,
    referral_id: UUID,
    *,
    bound: Mapping[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    view = partner_referral_view(partner=Partner(staff=user), referral_id=referral_id)
    referral = view.referral
    kind = referral.request.service_kind
    totals = delivery_totals(request=referral.request)
    context: dict[str, Any] = {
        "referral": referral,
        "service_request": referral.request,
        "row": _row(referral),
        "projection": projection_display(view.projection) if view.projection else None,
        "withheld": view.withheld,
        "deliveries": [delivery_row(d) for d in referral_deliveries(referral=referral)],
        "totals": totals,
        "totals_text": {
            "approved": quantity_text(totals.unit, totals.approved),
            "used": quantity_text(totals.unit, totals.used),
            "left": quantity_text(totals.unit, totals.left),
        },
        "hours_rows": [(day, _("%g시간") % hours) for day, hours in totals.hours_by_day],
        "is_security": kind == ServiceKind.SECURITY,
        **_forms(view, bound or {}),
    }
    _say_errors_of_forms_not_shown(request, bound or {}, context)
    response = render(request, "support/partner/detail.html", context, status=status)
    return no_store(response)


def _say_errors_of_forms_not_shown(
    request: HttpRequest, bound: Mapping[str, forms.Form], context: Mapping[str, Any]
) -> None:
    """A refused form the page does not show (a delivery the service does not take) has its
    errors said above the page instead."""
    shown = [context.get("accept_form"), context.get("decline_form"), *context["delivery_forms"]]
    for form in bound.values():
        if any(form is other for other in shown):
            continue
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))


@login_required
@require_GET
def referral_detail(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    return _render_detail(request, _partner_staff(request), referral_id)


Perform = Callable[[Partner, forms.Form], str]


def _submit(
    request: HttpRequest, referral_id: UUID, *, name: str, form: forms.Form, perform: Perform
) -> HttpResponse:
    """Validate the form, run the service; on a refusal show the referral again with the error
    beside its field (or above the form)."""
    user = _partner_staff(request)
    # what the referral's state does not allow (answered, not accepted yet) is said above the
    # page: the form it came from may no longer be on it
    status = form_perform(
        request,
        form,
        lambda _data: perform(Partner(staff=user), form),
        said_above=(PermissionDenied, Conflict),
    )
    if status is None:
        return redirect("partner:detail", referral_id=referral_id)
    return _render_detail(request, user, referral_id, bound={name: form}, status=status)


@login_required
@require_POST
def referral_accept_view(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    def perform(partner: Partner, form: forms.Form) -> str:
        provider_referral_respond(partner=partner, referral_id=referral_id, accept=True)
        return _("의뢰를 수락했습니다.")

    return _submit(
        request, referral_id, name="accept", form=AcceptForm(request.POST), perform=perform
    )


@login_required
@require_POST
def referral_decline_view(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    def perform(partner: Partner, form: forms.Form) -> str:
        provider_referral_respond(
            partner=partner,
            referral_id=referral_id,
            accept=False,
            reason=form.cleaned_data["reason"],
        )
        return _("의뢰를 거절했습니다. 의뢰한 센터에 알립니다.")

    return _submit(
        request, referral_id, name="decline", form=DeclineForm(request.POST), perform=perform
    )


@login_required
@require_POST
def delivery_record_view(request: HttpRequest, referral_id: UUID, kind: str) -> HttpResponse:
    form_class = DELIVERY_FORMS.get(kind)
    if form_class is None:
        raise Http404

    def perform(partner: Partner, form: forms.Form) -> str:
        assert isinstance(form, DeliveryForm)  # noqa: S101  (the form made above)
        _delivery, created = partner_delivery_record(
            partner=partner,
            referral_id=referral_id,
            data=form.delivery_input(),
            idempotency_key=form.sent_key(),
        )
        if not created:
            return _("이미 기록된 내용입니다 (같은 양식을 다시 보냈습니다).")
        return _("'%s' 제공 기록을 남겼습니다.") % _label(DeliveryKind, kind)

    return _submit(
        request,
        referral_id,
        name=f"delivery-{kind}",
        form=form_class(request.POST),
        perform=perform,
    )
