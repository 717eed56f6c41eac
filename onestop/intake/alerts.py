"""Live alerts of police referrals to the receiving agency's on-duty staff.

An alert says that a referral arrived, when, from which station and at which police risk grade,
never who the victim is: her name is shown only when a staff member opens the referral
(``services.police_referral_take``, audited).

Delivery is in two parts. The live push goes through the Channels layer from the process that
received the referral, right after its transaction commits (in-memory layer on the embedded
default, where one server process holds every socket; Redis in production). What must not be
lost is in the database: the untaken ``PoliceReferral`` rows, which every dashboard lists and
every socket receives on (re)connecting, and the ``Notification`` rows the task worker writes."""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.urls import reverse
from django.utils import translation

from onestop.accounts.models import Role, Staff
from onestop.cases.models import RiskGrade
from onestop.cases.permissions import INTAKE_ROLES
from onestop.core import clock
from onestop.intake.models import PoliceReferral

logger = logging.getLogger(__name__)

PENDING_LIMIT = 50


def alert_group(agency_id: UUID | str) -> str:
    return f"referral-alerts.{agency_id}"


def can_take_referrals(user: Staff) -> bool:
    """Staff who take referrals of their agency: on-duty counselors and case managers, and
    supervisors at any time."""
    if not (user.is_authenticated and user.is_active and user.agency_id):
        return False
    return user.role == Role.SUPERVISOR or (user.role in INTAKE_ROLES and user.on_duty)


def receives_live_alerts(user: Staff) -> bool:
    """Live alerts go to the on-duty (supervisors included, when they are on duty)."""
    return can_take_referrals(user) and user.on_duty


def referral_alert_payload(referral: PoliceReferral) -> dict[str, Any]:
    """What an alert may say: never who the victim is. Its label is in the active language;
    ``localized`` puts it in the viewer's."""
    grade = referral.risk_grade if referral.risk_grade in RiskGrade.values else RiskGrade.UNKNOWN
    received = referral.received_at.astimezone(clock.SEOUL)
    return {
        "id": str(referral.pk),
        "received_at": received.isoformat(),
        "received_label": received.strftime("%m-%d %H:%M"),
        "station": referral.station,
        "risk_grade": grade,
        "risk_label": str(RiskGrade(grade).label),
        "protection_recommended": bool(referral.protection_recommended),
        "attached": referral.outcome == "attached",
        "take_url": reverse("intake:referral_take", args=[referral.pk]),
    }


def localized(payload: dict[str, Any], language: str) -> dict[str, Any]:
    """The alert with its labels in ``language`` (the viewer's, not the sender's)."""
    with translation.override(language):
        return {**payload, "risk_label": str(RiskGrade(payload["risk_grade"]).label)}


def pending_referrals_for(*, user: Staff, limit: int = PENDING_LIMIT) -> list[PoliceReferral]:
    """Referrals of the user's agency that nobody has taken yet, newest first."""
    if not can_take_referrals(user):
        return []
    return list(
        PoliceReferral.objects.filter(receiving_agency_id=user.agency_id, taken_at__isnull=True)
        .only("id", "received_at", "station", "risk_grade", "protection_recommended", "outcome")
        .order_by("-received_at")[:limit]
    )


def push_referral_alert(*, agency_id: UUID, payload: dict[str, Any]) -> None:
    """Send an alert (``referral_alert_payload``, built before the referral's transaction
    committed) to the receiving agency's connected on-duty staff. Best effort: a failure is
    logged, and the referral still shows on every dashboard from the database."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            alert_group(agency_id), {"type": "referral.alert", "referral": payload}
        )
    except Exception:  # the database holds the referral; a lost push is not a lost referral
        logger.exception("live alert for referral %s was not pushed", payload.get("id"))
