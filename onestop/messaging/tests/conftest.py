from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import caches

from onestop.accounts.models import Staff
from onestop.cases.models import Case
from onestop.portal.models import PortalAccess
from onestop.portal.services import portal_access_open_for_case

PASSPHRASE = "봄날의 벚꽃길 2024"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.fixture
def case(open_case: Callable[..., Case], manager: Staff) -> Case:
    """A case whose team is the case manager who opened it (its lead)."""
    return open_case(
        manager, safe_contact_method="sms", safe_contact_times="18:00~21:00 · 문자만 가능"
    )


@pytest.fixture
def access(case: Case, manager: Staff) -> PortalAccess:
    opened, _code = portal_access_open_for_case(
        actor=manager, case_id=case.pk, passphrase=PASSPHRASE, code_word="해바라기"
    )
    return opened


def written() -> dict[str, Any]:
    """Counts of everything sending a message could write."""
    from onestop.audit.models import AuditEntry
    from onestop.cases.models import CaseEvent, Notification
    from onestop.messaging.models import Message

    return {
        "messages": Message.objects.count(),
        "events": CaseEvent.objects.count(),
        "notices": Notification.objects.count(),
        "audit": AuditEntry.objects.count(),
        "read": Message.objects.filter(read_by_staff_at__isnull=False).count()
        + Message.objects.filter(read_by_victim_at__isnull=False).count(),
    }
