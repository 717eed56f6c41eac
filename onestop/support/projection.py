"""What a partner sees of a case: for each service, the fields its work needs, grouped by the
consent ledger's data categories — and nothing else. Never counseling notes (no part reads the
timeline's contact records or the case summary), never a sealed location (no part reads
``people.SealedLocation``; a meeting point or visit place is written for the partner on the
referral, and is shared as ``address`` only when the victim consented to that).

``projection_categories`` is what the consent gate checks; ``build_projection`` builds exactly
those parts, so the gate and the content cannot drift apart (a test holds them together)."""

from __future__ import annotations

from typing import Any

from onestop.cases.models import (
    Case,
    CaseEvent,
    EventKind,
    Incident,
    ProtectiveMeasure,
    RiskGrade,
)
from onestop.consent.models import DataCategory, Purpose
from onestop.risk.selectors import latest_assessment
from onestop.support.models import ProviderReferral, ServiceKind

# The categories each service's partner gets (``address`` is added when the referral carries a
# meeting point or a visit place).
PROJECTION: dict[str, tuple[str, ...]] = {
    ServiceKind.COUNSELING: (DataCategory.IDENTITY, DataCategory.CONTACT),
    ServiceKind.HOME_THERAPY: (DataCategory.IDENTITY, DataCategory.CONTACT),
    ServiceKind.LEGAL: (DataCategory.IDENTITY, DataCategory.CONTACT, DataCategory.INCIDENT),
    ServiceKind.MEDICAL: (DataCategory.IDENTITY, DataCategory.CONTACT),
    ServiceKind.ACCOMPANIMENT: (DataCategory.IDENTITY, DataCategory.CONTACT),
    ServiceKind.SECURITY: (DataCategory.CONTACT, DataCategory.RISK),
    ServiceKind.RELOCATION: (DataCategory.IDENTITY, DataCategory.CONTACT),
    ServiceKind.DELETION: (DataCategory.IDENTITY, DataCategory.CONTACT, DataCategory.INCIDENT),
}


def projection_categories(service_kind: str, *, meeting_point: bool) -> list[str]:
    categories = list(PROJECTION.get(service_kind, ()))
    if meeting_point:
        categories.append(DataCategory.ADDRESS)
    return [str(c) for c in categories]


def purpose_of(service_kind: str) -> str:
    if service_kind == ServiceKind.DELETION:
        return str(Purpose.DELETION_SUPPORT)
    return str(Purpose.SHARE_WITH_PROVIDERS)


def _identity(case: Case) -> dict[str, Any]:
    return {"name": case.victim.name}


def _contact(case: Case) -> dict[str, Any]:
    victim = case.victim
    return {
        "phone": victim.phone,
        "safe_contact_method": victim.safe_contact_method,
        "safe_contact_times": victim.safe_contact_times,
    }


def _risk(case: Case) -> dict[str, Any]:
    latest = latest_assessment(case=case)
    police = CaseEvent.objects.filter(case=case, kind=EventKind.POLICE_REFERRAL).order_by("-at")
    return {
        "level": case.risk_level,
        "level_label": str(RiskGrade(case.risk_level).label),
        "assessed_on": latest.assessed_at.date().isoformat() if latest else None,
        "police_recommended_protection": any(
            e.data.get("protection_recommended") for e in police[:20]
        ),
    }


def _incident(case: Case) -> dict[str, Any]:
    """Facts of the harm, without anyone's notes: what kinds of behaviour, how often, when, and
    the protective measures on record."""
    incidents = Incident.objects.filter(case=case).order_by("-occurred_at")[:100]
    measures = ProtectiveMeasure.objects.filter(case=case).order_by("-starts_on")
    return {
        "relationship": case.relationship,
        "behaviours": list(case.stalking_behaviours),
        "further_harms": list(case.further_harms),
        "incidents": [
            {
                "on": i.occurred_at.date().isoformat(),
                "behaviours": list(i.behaviours),
                "count": i.count,
                "source": i.source,
                "breach": i.measure_id is not None,
            }
            for i in incidents
        ],
        "protective_measures": [
            {
                "kind": m.kind,
                "issued_by": m.issued_by,
                "decision_ref": m.decision_ref,
                "starts_on": m.starts_on.isoformat(),
                "ends_on": m.ends_on.isoformat() if m.ends_on else None,
                "ended_on": m.ended_on.isoformat() if m.ended_on else None,
            }
            for m in measures
        ],
    }


PARTS = {
    DataCategory.IDENTITY: _identity,
    DataCategory.CONTACT: _contact,
    DataCategory.RISK: _risk,
    DataCategory.INCIDENT: _incident,
}


def build_projection(*, referral: ProviderReferral, case: Case) -> dict[str, Any]:
    """The referral's projection: one part per consented category, plus the service details
    written for the partner (schedule, instructions: they may name her, so they are
    withheld with the rest when her consent ends). The caller passes it through the consent
    gate before showing it."""
    parts: dict[str, Any] = {
        "service": {"schedule": referral.schedule, "instructions": referral.instructions}
    }
    for category in referral.categories:
        if category == DataCategory.ADDRESS:
            parts["address"] = {"meeting_point": referral.meeting_point}
        elif category in PARTS:
            parts[category] = PARTS[DataCategory(category)](case)
    return parts
