"""Reads of the consent ledger. Callers pass a case they fetched through
``cases.selectors.case_get_for_user``: what the user may see was decided there."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from onestop.accounts.models import Agency, AgencyKind
from onestop.cases.models import Case
from onestop.consent.models import ConsentGrant, DataCategory, Disclosure
from onestop.core import clock

STATE_LABELS = {
    "active": _("유효"),
    "withdrawn": _("철회됨"),
    "expired": _("기간 만료"),
    "pending": _("효력 전"),
}


def grant_state(grant: ConsentGrant, *, at: dt.datetime) -> str:
    if grant.withdrawn_at is not None and grant.withdrawn_at <= at:
        return "withdrawn"
    if grant.expires_at is not None and grant.expires_at <= at:
        return "expired"
    if grant.given_at > at:
        return "pending"
    return "active"


@dataclass(frozen=True)
class ConsentRow:
    grant: ConsentGrant
    state: str
    recipient_label: str
    category_labels: list[str]

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def is_active(self) -> bool:
        return self.state == "active"


def _recipient_label(grant: ConsentGrant) -> str:
    if grant.recipient_agency is not None:
        return grant.recipient_agency.name
    return ", ".join(
        str(AgencyKind(k).label) if k in AgencyKind.values else k for k in grant.recipient_kinds
    )


def _labels(codes: list[str]) -> list[str]:
    return [str(DataCategory(c).label) if c in DataCategory.values else c for c in codes]


def consents_for_case(*, case: Case) -> list[ConsentRow]:
    now = clock.now()
    grants = (
        ConsentGrant.objects.filter(case=case)
        .select_related("recipient_agency", "recorded_by", "withdrawn_by")
        .order_by("-given_at", "-created_at")
    )
    rows = [
        ConsentRow(
            grant=g,
            state=grant_state(g, at=now),
            recipient_label=_recipient_label(g),
            category_labels=_labels(g.data_categories),
        )
        for g in grants
    ]
    rows.sort(key=lambda r: not r.is_active)  # in force first, newest first within
    return rows


def disclosures_for_case(*, case: Case, limit: int = 200) -> list[Disclosure]:
    return list(
        Disclosure.objects.filter(case=case)
        .select_related("recipient_agency", "disclosed_by", "consent")
        .order_by("-disclosed_at")[:limit]
    )


def disclosure_recipients_for(*, case: Case) -> QuerySet[Agency]:
    """Agencies a case's data could go to: every agency but its own."""
    return Agency.objects.exclude(pk=case.agency_id).order_by("kind", "name")
