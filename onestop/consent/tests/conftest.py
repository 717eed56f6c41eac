"""Fixtures of the consent tests: a case at the one-stop center, and the agencies its data could
go to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from onestop.accounts.models import Agency, Staff
from onestop.accounts.services import agency_add
from onestop.cases.models import Case
from onestop.consent.models import ConsentGrant
from onestop.consent.services import ConsentInput, consent_record
from onestop.core import clock


@pytest.fixture
def police() -> Agency:
    return agency_add(
        actor=None, code="police-mapo", kind="police", name="마포경찰서", region="seoul"
    )


@pytest.fixture
def counseling() -> Agency:
    return agency_add(
        actor=None,
        code="counseling-maeum",
        kind="counseling",
        name="마음쉼 상담센터",
        region="seoul",
    )


@pytest.fixture
def security() -> Agency:
    return agency_add(
        actor=None, code="security-dandan", kind="security", name="단단 경호", region="seoul"
    )


@pytest.fixture
def case(manager: Staff, open_case: Callable[..., Any]) -> Case:
    made: Case = open_case(manager)
    return made


@pytest.fixture
def grant(manager: Staff, case: Case) -> Callable[..., ConsentGrant]:
    """Record a consent through the service; keyword arguments override ConsentInput fields."""

    def make(**fields: Any) -> ConsentGrant:
        values: dict[str, Any] = {
            "purpose": "share_with_providers",
            "data_categories": ["contact", "incident"],
            "method": "signed_form",
            "given_at": clock.now() - dt.timedelta(hours=1),
        }
        values.update(fields)
        return consent_record(case_id=case.pk, actor=manager, data=ConsentInput(**values))

    return make
