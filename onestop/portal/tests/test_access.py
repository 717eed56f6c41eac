"""Portal access: a case code and a passphrase kept as a slow hash; one refusal for an unknown
code, a wrong passphrase or a locked access (and about the same time for each); a lock after five
failures; the reset only through staff who hear her code word; every failure audited."""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest

from onestop.accounts.models import Staff
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case
from onestop.core import clock
from onestop.core.errors import DomainError, ValidationFailed
from onestop.portal.errors import PortalSignInFailed
from onestop.portal.models import PortalAccess
from onestop.portal.services import (
    CODE_ALPHABET,
    MAX_FAILURES,
    display_code,
    portal_access_open_for_case,
    portal_passphrase_reset,
    portal_sign_in,
)

pytestmark = pytest.mark.django_db

PASSPHRASE = "봄날의 벚꽃길 2024"


@pytest.fixture
def case(open_case: Callable[..., Case], manager: Staff) -> Case:
    return open_case(manager)


@pytest.fixture
def opened(case: Case, manager: Staff) -> tuple[PortalAccess, str]:
    return portal_access_open_for_case(
        actor=manager, case_id=case.pk, passphrase=PASSPHRASE, code_word="해바라기"
    )


def address() -> str:
    """A fresh address per call: the per-address limit is not what most tests are about."""
    return f"10.{uuid4().int % 250}.{uuid4().int % 250}.{uuid4().int % 250}"


def refusal(code: str, passphrase: str) -> PortalSignInFailed:
    with pytest.raises(PortalSignInFailed) as caught:
        portal_sign_in(code=code, passphrase=passphrase, address=address())
    return caught.value


def test_open_and_sign_in(opened: tuple[PortalAccess, str]) -> None:
    access, code = opened
    assert len(code) == 10
    assert set(code) <= set(CODE_ALPHABET)
    assert PASSPHRASE not in access.passphrase_hash
    assert (
        portal_sign_in(code=display_code(code).lower(), passphrase=PASSPHRASE, address="1.1.1.1")
        == access
    )
    assert AuditEntry.objects.filter(action="portal.sign_in").count() == 1


def test_one_refusal_for_every_failure(opened: tuple[PortalAccess, str]) -> None:
    _, code = opened
    unknown = refusal("ZZZZZZZZZZ", PASSPHRASE)
    wrong = refusal(code, "틀린 비밀 문구입니다")
    assert (unknown.message, unknown.status_code, unknown.code) == (
        wrong.message,
        wrong.status_code,
        wrong.code,
    )


def test_five_failures_lock_the_access_for_fifteen_minutes(
    opened: tuple[PortalAccess, str], monkeypatch: Any
) -> None:
    access, code = opened
    for _ in range(MAX_FAILURES):
        refusal(code, "틀린 비밀 문구입니다")
    access.refresh_from_db()
    assert access.locked_until is not None
    locked = refusal(code, PASSPHRASE)  # even the right passphrase, while locked
    assert locked.message == refusal("ZZZZZZZZZZ", PASSPHRASE).message
    later = clock.now() + dt.timedelta(minutes=16)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert portal_sign_in(code=code, passphrase=PASSPHRASE, address=address()) == access
    failures = AuditEntry.objects.filter(action="portal.sign_in_failed")
    assert failures.count() == MAX_FAILURES + 1


def test_an_unknown_code_takes_about_as_long_as_a_wrong_passphrase(
    case: Case, manager: Staff, settings: Any
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    _, code = portal_access_open_for_case(
        actor=manager, case_id=case.pk, passphrase=PASSPHRASE, code_word="해바라기"
    )

    def timed(given: str) -> float:
        start = time.perf_counter()
        with pytest.raises(PortalSignInFailed):
            portal_sign_in(code=given, passphrase="틀린 비밀 문구입니다", address=address())
        return time.perf_counter() - start

    unknown = statistics.median(timed("ZZZZZZZZZZ") for _ in range(4))
    wrong = statistics.median(timed(code) for _ in range(4))
    assert 0.4 < unknown / wrong < 2.5


def test_too_many_tries_from_one_address_are_refused(opened: tuple[PortalAccess, str]) -> None:
    _, code = opened
    where = address()
    for _ in range(30):
        with pytest.raises(PortalSignInFailed):
            portal_sign_in(code="ZZZZZZZZZZ", passphrase="x" * 8, address=where)
    with pytest.raises(PortalSignInFailed):
        portal_sign_in(code=code, passphrase=PASSPHRASE, address=where)


def test_staff_reset_needs_her_code_word(
    case: Case, manager: Staff, opened: tuple[PortalAccess, str]
) -> None:
    access, code = opened
    with pytest.raises(ValidationFailed) as caught:
        portal_passphrase_reset(
            actor=manager, case_id=case.pk, code_word="장미", new_passphrase="새로운 비밀 문구"
        )
    assert caught.value.errors[0].field == "code_word"
    assert AuditEntry.objects.filter(action="portal.reset_refused").count() == 1  # kept
    access.refresh_from_db()
    assert portal_sign_in(code=code, passphrase=PASSPHRASE, address=address()) == access
    portal_passphrase_reset(
        actor=manager, case_id=case.pk, code_word="해바라기", new_passphrase="새로운 비밀 문구"
    )
    assert portal_sign_in(code=code, passphrase="새로운 비밀 문구", address=address()) == access
    refusal(code, PASSPHRASE)


def test_weak_passphrases_and_outsiders_are_refused(
    case: Case, other_agency: Any, make_staff: Callable[..., Staff], manager: Staff
) -> None:
    with pytest.raises(ValidationFailed) as weak:
        portal_access_open_for_case(
            actor=manager, case_id=case.pk, passphrase="aaaaaaaa", code_word="해"
        )
    assert {e.field for e in weak.value.errors} == {"passphrase", "code_word"}
    assert PortalAccess.objects.count() == 0
    stranger = make_staff(other_agency, "supervisor")
    with pytest.raises(DomainError) as outside:
        portal_access_open_for_case(
            actor=stranger, case_id=case.pk, passphrase=PASSPHRASE, code_word="해바라기"
        )
    assert outside.value.status_code == 404
