"""The duplicate check shown to an intake counselor: the cases of her own agency whose victim has
the caller's phone, or her name and birth year. It shows just enough to confirm with the caller
(masked name, last four digits, status) and is audited as a disclosure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

from onestop.accounts.models import Staff
from onestop.audit.services import audit_record
from onestop.cases.models import Case, CaseStatus, ProtectiveMeasureKind, TeamRole
from onestop.cases.permissions import can_open_cases
from onestop.core.errors import DomainError
from onestop.core.phone import mask_phone, normalize_phone
from onestop.intake.alerts import can_take_referrals
from onestop.intake.models import PoliceReferral, WebApplication
from onestop.people.identity import mask_name, name_birth_index, phone_index
from onestop.people.selectors import victim_find_matches


@dataclass(frozen=True)
class IntakeMatch:
    case_id: UUID
    victim_id: UUID
    reference: str
    status: str
    status_label: str
    opened_at: dt.datetime
    masked_name: str
    masked_phone: str
    birth_year: int | None
    matched_on: str
    lead: str

    @property
    def is_open(self) -> bool:
        return self.status != CaseStatus.CLOSED


def intake_matches_for_user(
    *,
    user: Staff,
    phone: str = "",
    name: str = "",
    birth_year: int | None = None,
    audit: bool = True,
) -> list[IntakeMatch]:
    if not can_open_cases(user) or user.agency is None:
        return []
    victims = list(
        victim_find_matches(agency=user.agency, phone=phone, name=name, birth_year=birth_year)
    )
    if not victims:
        return []
    try:
        wanted_phone = phone_index(normalize_phone(phone)) if phone.strip() else ""
    except DomainError:
        wanted_phone = ""
    wanted_name = name_birth_index(name, birth_year)
    by_id = {v.pk: v for v in victims}
    cases = (
        Case.objects.filter(victim_id__in=by_id, agency_id=user.agency_id)
        .prefetch_related("team__staff")
        .order_by("status", "-opened_at")
    )
    matches: list[IntakeMatch] = []
    for case in cases:
        victim = by_id[case.victim_id]
        on = [
            label
            for label, hit in (
                ("phone", bool(wanted_phone) and victim.phone_index == wanted_phone),
                ("name_birth_year", bool(wanted_name) and victim.name_birth_index == wanted_name),
            )
            if hit
        ]
        lead = next((m.staff.label for m in case.team.all() if m.role == TeamRole.LEAD), "")
        matches.append(
            IntakeMatch(
                case_id=case.pk,
                victim_id=victim.pk,
                reference=case.reference,
                status=case.status,
                status_label=str(CaseStatus(case.status).label),
                opened_at=case.opened_at,
                masked_name=mask_name(victim.name),
                masked_phone=mask_phone(victim.phone) if victim.phone else "",
                birth_year=victim.birth_year,
                matched_on="+".join(on),
                lead=lead,
            )
        )
    matches.sort(key=lambda m: (not m.is_open, -m.opened_at.timestamp()))
    if audit and matches:
        # The intake service records the same action for matches it refuses on (see there).
        audit_record(
            actor=user,
            action="intake.matches_shown",
            data={"cases": [m.reference for m in matches]},
        )
    return matches


@dataclass(frozen=True)
class MeasureRow:
    kind: str
    label: str
    start: str
    end: str


@dataclass(frozen=True)
class ReferralRow:
    referral: PoliceReferral
    measures: list[MeasureRow]


def referrals_for_case(*, case: Case) -> list[ReferralRow]:
    """The police referrals behind a case the caller fetched through ``case_get_for_user``."""
    rows = []
    for referral in (
        PoliceReferral.objects.filter(case=case)
        .select_related("referring_agency", "taken_by")
        .order_by("-received_at")
    ):
        measures = [
            MeasureRow(
                kind=m.get("kind", ""),
                label=str(ProtectiveMeasureKind(m["kind"]).label)
                if m.get("kind") in ProtectiveMeasureKind.values
                else str(m.get("kind", "")),
                start=str(m.get("from") or ""),
                end=str(m.get("to") or ""),
            )
            for m in referral.protective_measures
        ]
        rows.append(ReferralRow(referral=referral, measures=measures))
    return rows


def pending_applications_for(*, user: Staff, limit: int = 50) -> list[WebApplication]:
    """Applications from the portal to the user's agency that nobody has taken yet, newest
    first — for staff who take referrals (they say nothing of who applied)."""
    if not can_take_referrals(user):
        return []
    return list(
        WebApplication.objects.filter(receiving_agency_id=user.agency_id, taken_at__isnull=True)
        .only("id", "received_at", "wanted_services", "frequency", "outcome", "case_id")
        .order_by("-received_at")[:limit]
    )


def applications_for_case(*, case: Case) -> list[WebApplication]:
    """The applications behind a case (the caller has the case through an access check)."""
    return list(
        WebApplication.objects.filter(case=case).select_related("taken_by").order_by("-received_at")
    )
