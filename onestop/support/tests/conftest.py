"""Support fixtures: a Seoul case opened by a case manager, partner agencies of every kind with
one provider each, and the victim's consent to share with partners."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from onestop.accounts.models import Agency, AgencyKind, Role, Staff
from onestop.accounts.services import agency_add
from onestop.cases.models import Case
from onestop.consent.models import DataCategory, Purpose
from onestop.consent.services import ConsentInput, consent_record
from onestop.core import clock
from onestop.support.models import ServiceRequest
from onestop.support.services import service_request_create, service_request_decide

PARTNER_KINDS = [
    AgencyKind.COUNSELING,
    AgencyKind.LEGAL,
    AgencyKind.MEDICAL,
    AgencyKind.SECURITY,
    AgencyKind.RELOCATION,
    AgencyKind.DELETION_CENTER,
]


@pytest.fixture
def case(open_case: Callable[..., Case], manager: Staff) -> Case:
    return open_case(manager)


@pytest.fixture
def partners(make_staff: Callable[..., Staff]) -> dict[str, Staff]:
    """One provider account at a partner agency of each kind, keyed by agency kind."""
    people: dict[str, Staff] = {}
    for kind in PARTNER_KINDS:
        agency = agency_add(
            actor=None, code=f"partner-{kind}".replace("_", "-"), kind=kind,
            name=f"협력 {kind}", region="seoul",
        )  # fmt: skip
        people[kind] = make_staff(agency, Role.PROVIDER)
    return people


def partner_agency(partners: dict[str, Staff], kind: str) -> Agency:
    return partners[kind].agency


@pytest.fixture
def share_all(case: Case, manager: Staff) -> Callable[..., Any]:
    """Record the victim's consent to share these categories with partners of these kinds."""

    def share(
        categories: list[str] | None = None,
        kinds: tuple[str, ...] = tuple(PARTNER_KINDS),
        purpose: str = Purpose.SHARE_WITH_PROVIDERS,
    ) -> Any:
        return consent_record(
            case_id=case.pk,
            actor=manager,
            data=ConsentInput(
                purpose=purpose,
                data_categories=categories or list(DataCategory.values),
                method="signed_form",
                given_at=clock.now() - dt.timedelta(minutes=1),
                recipient_kinds=kinds,
            ),
        )

    return share


@pytest.fixture
def approved(case: Case, manager: Staff, supervisor: Staff) -> Callable[..., ServiceRequest]:
    """A service requested by the case manager and approved by the supervisor."""

    def make(kind: str, **fields: Any) -> ServiceRequest:
        request = service_request_create(
            actor=manager, case_id=case.pk, service_kind=kind, **fields
        )
        return service_request_decide(actor=supervisor, request_id=request.pk, approve=True)

    return make
