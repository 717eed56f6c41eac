"""How the support app's timeline entries read on the case page: labels from the codes, in the
reader's language."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _

from onestop.cases.models import CaseEvent, EventKind
from onestop.support.models import UNIT_OF, DeliveryKind, ReferralStatus, ServiceKind
from onestop.support.templatetags.humanize_won import quantity, won

KINDS = (
    EventKind.SERVICE_REQUESTED,
    EventKind.SERVICE_DECIDED,
    EventKind.SERVICE_REFERRED,
    EventKind.SERVICE_RESPONDED,
    EventKind.SERVICE_DELIVERED,
    EventKind.SERVICE_CLOSED,
)


def _label(choices: type[models.TextChoices], code: object) -> str:
    return str(choices(str(code)).label) if str(code) in choices.values else str(code)


def support_event_detail(event: CaseEvent) -> str:
    data = event.data or {}
    service = _label(ServiceKind, data.get("service", ""))
    unit = UNIT_OF.get(str(data.get("service", "")), "")
    parts = [service]
    if event.kind == EventKind.SERVICE_REQUESTED and data.get("quantity"):
        parts.append(quantity(data["quantity"], unit))
    elif event.kind == EventKind.SERVICE_DECIDED:
        if data.get("approved"):
            parts.append(_("승인"))
            if data.get("quantity"):
                parts.append(quantity(data["quantity"], unit))
        else:
            parts.append(_("승인하지 않음"))
    elif event.kind == EventKind.SERVICE_REFERRED:
        parts.append(str(data.get("provider_label", "")))
    elif event.kind == EventKind.SERVICE_RESPONDED:
        parts.append(str(data.get("provider_label", "")))
        parts.append(_label(ReferralStatus, data.get("answer", "")))
    elif event.kind == EventKind.SERVICE_DELIVERED:
        parts.append(_label(DeliveryKind, data.get("delivery_kind", "")))
        parts.append(str(data.get("on", "")))
        if data.get("hours"):
            parts.append(_("%s시간") % data["hours"])
        if data.get("amount_won"):
            parts.append(won(data["amount_won"]))
        if data.get("cancelled"):
            parts.append(_("잘못 적어 취소함"))
    elif event.kind == EventKind.SERVICE_CLOSED:
        parts.append(_("취소") if data.get("cancelled") else _("종결"))
    return " · ".join(p for p in parts if p)
