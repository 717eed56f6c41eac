"""Small helpers shared by the shelter tests."""

from __future__ import annotations

from typing import Any

from onestop.accounts.models import Agency, Staff
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case, CaseEvent, Notification
from onestop.consent.models import ConsentGrant, DataCategory, Disclosure, Purpose
from onestop.consent.services import ConsentInput, consent_record
from onestop.shelters.models import (
    Facility,
    FacilityAddress,
    Placement,
    PlacementExtension,
    WaitlistEntry,
)

from .conftest import T0


def counts() -> tuple[int, ...]:
    """Every row a shelter service (or what it calls) could write; audit entries other than the
    readings of a page (a refusal shows the page again, and showing it is audited)."""
    return (
        Facility.objects.count(),
        FacilityAddress.objects.count(),
        Placement.objects.count(),
        PlacementExtension.objects.count(),
        WaitlistEntry.objects.count(),
        CaseEvent.objects.count(),
        Disclosure.objects.count(),
        Notification.objects.count(),
        AuditEntry.objects.exclude(action__startswith="case.view")
        .exclude(action="shelters.board_view")
        .count(),
    )


def consent_to_share(case: Case, actor: Staff, recipient: Agency, **extra: Any) -> ConsentGrant:
    """The victim agreed that the shelter agency may know who she is, how to reach her, her
    risk level."""
    return consent_record(
        case_id=case.pk,
        actor=actor,
        data=ConsentInput(
            purpose=Purpose.SHARE_WITH_PROVIDERS,
            data_categories=[DataCategory.IDENTITY, DataCategory.CONTACT, DataCategory.RISK],
            method="signed_form",
            given_at=T0,
            recipient_agency_id=recipient.pk,
            **extra,
        ),
    )
