"""A withdrawal and a disclosure that arrive at the same moment are ordered by the lock on the
consent: a disclosure never goes out on a consent withdrawn before it, and one that went out
first stays recorded before the withdrawal. Real parallel transactions on PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction

from onestop.accounts.models import Agency
from onestop.cases.models import Case
from onestop.consent.errors import DisclosureRefused
from onestop.consent.models import ConsentGrant, Disclosure
from onestop.consent.services import consent_withdraw, disclosure_authorize

HOLD = 0.5  # seconds the first transaction keeps its lock


def needs_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("real parallel transactions need PostgreSQL")


def run_in_thread(
    target: Callable[[], object], results: dict[str, Any], name: str
) -> threading.Thread:
    def body() -> None:
        started = time.monotonic()
        try:
            results[name] = target()
        except BaseException as exc:
            results[name] = exc
        finally:
            results[f"{name}_seconds"] = time.monotonic() - started
            connections.close_all()

    thread = threading.Thread(target=body)
    thread.start()
    return thread


def disclose(case: Case, counseling: Agency) -> Disclosure:
    return disclosure_authorize(
        case=case,
        recipient=counseling,
        purpose="share_with_providers",
        categories=["contact"],
        via="api",
        actor=None,
        actor_label="test",
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_disclosure_waiting_on_a_withdrawal_is_refused(case, counseling, manager, grant):
    needs_postgres()
    consent = grant(recipient_agency_id=counseling.pk)
    locked = threading.Event()
    results: dict[str, Any] = {}

    def withdraw():
        with transaction.atomic():
            consent_withdraw(case_id=case.pk, grant_id=consent.pk, actor=manager, note="")
            locked.set()
            time.sleep(HOLD)  # the disclosure arrives while the withdrawal is not yet committed

    def disclose_after_lock():
        locked.wait(5)
        return disclose(case, counseling)

    threads = [
        run_in_thread(withdraw, results, "withdraw"),
        run_in_thread(disclose_after_lock, results, "disclose"),
    ]
    for thread in threads:
        thread.join(10)

    assert results["withdraw"] is None
    assert isinstance(results["disclose"], DisclosureRefused)
    assert results["disclose"].code == "consent_withdrawn"
    assert results["disclose_seconds"] >= HOLD * 0.8  # it waited for the withdrawal
    assert Disclosure.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_withdrawal_waiting_on_a_disclosure_comes_after_it(case, counseling, manager, grant):
    needs_postgres()
    consent = grant(recipient_agency_id=counseling.pk)
    locked = threading.Event()
    results: dict[str, Any] = {}

    def disclose_and_hold():
        with transaction.atomic():
            made = disclose(case, counseling)
            locked.set()
            time.sleep(HOLD)
        return made

    def withdraw_after_lock():
        locked.wait(5)
        return consent_withdraw(case_id=case.pk, grant_id=consent.pk, actor=manager, note="")

    threads = [
        run_in_thread(disclose_and_hold, results, "disclose"),
        run_in_thread(withdraw_after_lock, results, "withdraw"),
    ]
    for thread in threads:
        thread.join(10)

    assert isinstance(results["disclose"], Disclosure), results
    assert isinstance(results["withdraw"], ConsentGrant), results
    disclosure = Disclosure.objects.get()
    withdrawn = ConsentGrant.objects.get(pk=consent.pk)
    assert results["withdraw_seconds"] >= HOLD * 0.8
    assert disclosure.consent_id == consent.pk
    assert withdrawn.withdrawn_at is not None
    assert disclosure.disclosed_at <= withdrawn.withdrawn_at
