"""Changing a program's rule: a new row from a date, the old rule kept for what was approved
under it; bad changes refused with nothing written; the command line."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from onestop.audit.models import AuditEntry
from onestop.core.errors import DomainError
from onestop.support.models import ServicePolicy
from onestop.support.policies import policy_in_force
from onestop.support.services import policy_set

pytestmark = pytest.mark.django_db


def test_a_change_is_a_new_rule_from_its_date(agency: object) -> None:
    policy = policy_set(
        actor=None,
        actor_label="test",
        program_code="seoul-stalking-2024",
        service_kind="security",
        effective_from=dt.date(2026, 12, 1),
        changes={"max_days": 5},
    )
    # the rest of the rule carries over
    assert (policy.max_days, policy.max_hours_per_day, policy.max_guards_per_shift) == (5, 10, 2)
    assert policy.min_risk_level == "high"
    old = policy_in_force(agency=agency, service_kind="security", on=dt.date(2026, 11, 30))  # type: ignore[arg-type]
    new = policy_in_force(agency=agency, service_kind="security", on=dt.date(2026, 12, 1))  # type: ignore[arg-type]
    assert old is not None
    assert old.max_days == 7
    assert new == policy
    assert AuditEntry.objects.filter(action="support.policy.set").count() == 1


def test_bad_changes_write_nothing() -> None:
    before = ServicePolicy.objects.count(), AuditEntry.objects.count()
    cases: list[dict[str, object]] = [
        {"max_days": -1},
        {"max_hours_per_day": 25},
        {"max_days": 10},  # the shelter rule is in months already: not both
        {"colour": "red"},
        {"min_risk_level": "extreme"},
    ]
    for changes in cases:
        with pytest.raises(DomainError) as caught:
            policy_set(
                actor=None,
                program_code="seoul-stalking-2024",
                service_kind="shelter_long_term",
                effective_from=dt.date(2026, 12, 1),
                changes=changes,
            )
        assert caught.value.status_code == 422
    with pytest.raises(DomainError) as same_day:
        policy_set(
            actor=None,
            program_code="seoul-stalking-2024",
            service_kind="relocation",
            effective_from=dt.date(2024, 1, 1),
            changes={"max_amount_won": 3},
        )
    assert same_day.value.field == "effective_from"
    assert (ServicePolicy.objects.count(), AuditEntry.objects.count()) == before


def test_the_command_sets_and_lists() -> None:
    out = io.StringIO()
    call_command(
        "programs",
        "set",
        "seoul-stalking-2024",
        "counseling",
        "--from",
        "2026-12-01",
        "--max-sessions",
        "10",
        "--budget-sessions",
        "120",
        stdout=out,
    )
    assert "사례당 10회" in out.getvalue()
    assert "사업 전체 120회" in out.getvalue()
    listing = io.StringIO()
    call_command("programs", "list", stdout=listing)
    assert "seoul-stalking-2023" in listing.getvalue()
    assert "사례당 2,000,000원" in listing.getvalue()
    with pytest.raises(CommandError) as refused:
        call_command(
            "programs",
            "set",
            "no-such",
            "counseling",
            "--from",
            "2026-12-01",
            "--max-sessions",
            "1",
        )
    assert "nothing changed" in str(refused.value)
