"""The disclosure gate: data of a case leaves its agency only when a consent in force covers the
purpose, the recipient and every category — or a legal basis is stated with its justification —
and every disclosure is recorded. A refusal writes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from unittest import mock

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onestop.accounts.models import Agency, Staff
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case, CaseEvent
from onestop.consent.errors import DisclosureRefused
from onestop.consent.models import ConsentGrant, Disclosure
from onestop.consent.services import (
    ConsentInput,
    consent_record,
    consent_withdraw,
    disclosure_authorize,
)
from onestop.core import clock
from onestop.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int]:
    return Disclosure.objects.count(), AuditEntry.objects.count(), CaseEvent.objects.count()


def disclose(
    case: Case,
    recipient: Agency,
    *,
    actor: Staff | None = None,
    purpose: str = "share_with_providers",
    categories: Sequence[str] = ("contact",),
    **kw: Any,
) -> Disclosure:
    return disclosure_authorize(
        case=case,
        recipient=recipient,
        purpose=purpose,
        categories=list(categories),
        via="phone",
        actor=actor,
        what="담당 상담사에게 연락처 전달",
        **kw,
    )


def refused(case: Case, recipient: Agency, **kw: Any) -> DisclosureRefused:
    before = counts()
    with pytest.raises(DisclosureRefused) as caught:
        disclose(case, recipient, **kw)
    assert counts() == before, "a refused disclosure wrote something"
    return caught.value


def test_without_any_consent_nothing_may_leave(case, counseling, manager):
    error = refused(case, counseling, actor=manager)
    assert error.code == "consent_missing"
    assert counseling.name in error.message


def test_a_consent_naming_the_agency_lets_its_categories_go_and_records_it(
    case, counseling, manager, grant
):
    consent = grant(recipient_agency_id=counseling.pk, data_categories=["contact", "incident"])
    before_audit = AuditEntry.objects.count()

    disclosure = disclose(case, counseling, actor=manager, categories=["incident", "contact"])

    assert disclosure.basis == "consent"
    assert disclosure.consent == consent
    assert disclosure.recipient_agency == counseling
    assert disclosure.data_categories == ["incident", "contact"]
    assert disclosure.disclosed_by == manager
    event = CaseEvent.objects.filter(case=case, kind="disclosed").get()
    assert event.data["recipient_label"] == counseling.name
    assert event.data["basis"] == "consent"
    entry = AuditEntry.objects.filter(action="consent.disclose").get()
    assert entry.seq == before_audit + 1
    assert entry.actor == manager
    assert entry.data == {
        "disclosure": str(disclosure.pk),
        "recipient": counseling.code,
        "purpose": "share_with_providers",
        "categories": ["incident", "contact"],
        "basis": "consent",
        "consent": str(consent.pk),
        "via": "phone",
    }


def test_a_consent_for_one_agency_does_not_cover_another(case, counseling, security, grant):
    grant(recipient_agency_id=counseling.pk)
    assert refused(case, security).code == "consent_missing"


def test_a_consent_for_a_kind_of_agency_covers_every_agency_of_that_kind_only(
    case, counseling, security, grant
):
    grant(recipient_kinds=("counseling",))
    assert disclose(case, counseling).basis == "consent"
    assert refused(case, security).code == "consent_missing"


def test_a_category_outside_the_consent_is_refused_by_name(case, counseling, grant):
    grant(recipient_agency_id=counseling.pk, data_categories=["contact"])
    error = refused(case, counseling, categories=["contact", "address"])
    assert error.code == "category_not_consented"
    assert error.field == "data_categories"
    assert "주소" in error.message
    assert "연락처" not in error.message


def test_another_purpose_is_not_covered(case, counseling, grant):
    grant(recipient_agency_id=counseling.pk, purpose="statistics")
    assert refused(case, counseling).code == "consent_missing"


def test_withdrawal_stops_every_later_disclosure_at_once(case, counseling, manager, grant):
    consent = grant(recipient_agency_id=counseling.pk)
    first = disclose(case, counseling)

    consent_withdraw(case_id=case.pk, grant_id=consent.pk, actor=manager, note="전화로 철회")

    assert refused(case, counseling).code == "consent_withdrawn"
    assert list(Disclosure.objects.all()) == [first]  # what went before stays on the record


def test_an_expired_consent_covers_nothing(case, counseling, grant):
    now = clock.now()
    grant(recipient_agency_id=counseling.pk, expires_at=now + dt.timedelta(days=30))
    with mock.patch("onestop.core.clock.now", return_value=now + dt.timedelta(days=31)):
        assert refused(case, counseling).code == "consent_expired"
    with mock.patch("onestop.core.clock.now", return_value=now + dt.timedelta(days=29)):
        assert disclose(case, counseling).basis == "consent"


def test_urgent_danger_lets_data_go_without_consent_with_its_justification(case, police, manager):
    disclosure = disclose(
        case,
        police,
        actor=manager,
        purpose="share_with_police",
        categories=["contact", "address"],
        legal_basis="urgent_danger_to_life",
        justification="가해자가 흉기를 들고 집 앞에 있다는 신고, 즉시 출동 요청",
    )
    assert disclosure.basis == "urgent_danger_to_life"
    assert disclosure.consent is None
    assert disclosure.justification.startswith("가해자가 흉기를")
    entry = AuditEntry.objects.filter(action="consent.disclose").get()
    assert entry.data["basis"] == "urgent_danger_to_life"
    assert "흉기" not in str(entry.data)  # the justification is sealed, not in the log


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"legal_basis": "urgent_danger_to_life", "justification": "급함"}, "justification"),
        ({"legal_basis": "because", "justification": "충분히 긴 사유를 적었습니다"}, "legal_basis"),
        ({"purpose": "gossip"}, "purpose"),
        ({"categories": []}, "data_categories"),
        ({"categories": ["contact", "diary"]}, "data_categories"),
    ],
)
def test_bad_requests_are_refused_by_field_and_write_nothing(case, police, changes, field):
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        disclose(case, police, **changes)
    assert field in {e.field for e in caught.value.errors}
    assert counts() == before


def test_the_owning_agency_is_not_a_disclosure(case, agency):
    with pytest.raises(ValidationFailed) as caught:
        disclose(case, agency)
    assert [e.field for e in caught.value.errors] == ["recipient_agency"]


def test_a_consent_naming_the_agency_is_preferred_to_one_for_its_kind(case, counseling, grant):
    grant(recipient_kinds=("counseling",))
    named = grant(recipient_agency_id=counseling.pk, given_at=clock.now() - dt.timedelta(days=3))
    assert disclose(case, counseling).consent == named


# --- the gate against a reference model ---------------------------------------------------------

PURPOSES = ["share_with_providers", "share_with_police"]
CATEGORIES = ["identity", "contact", "address", "incident"]
grant_specs = st.fixed_dictionaries(
    {
        "purpose": st.sampled_from(PURPOSES),
        "to": st.sampled_from(["counseling", "security", "kind:counseling", "kind:security"]),
        "categories": st.sets(st.sampled_from(CATEGORIES), min_size=1),
        "state": st.sampled_from(["active", "withdrawn", "expired"]),
    }
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=st.lists(grant_specs, max_size=4),
    purpose=st.sampled_from(PURPOSES),
    to=st.sampled_from(["counseling", "security"]),
    wanted=st.sets(st.sampled_from(CATEGORIES), min_size=1),
)
def test_the_gate_allows_exactly_what_some_consent_in_force_covers(
    case, counseling, security, manager, specs, purpose, to, wanted
):
    agencies = {"counseling": counseling, "security": security}
    now = clock.now()
    with transaction.atomic():
        for spec in specs:
            target = spec["to"]
            recipient = (
                {"recipient_kinds": (target[5:],)}
                if target.startswith("kind:")
                else {"recipient_agency_id": agencies[target].pk}
            )
            made = consent_record(
                case_id=case.pk,
                actor=manager,
                data=ConsentInput(
                    purpose=spec["purpose"],
                    data_categories=sorted(spec["categories"]),
                    method="electronic",
                    given_at=now - dt.timedelta(days=10),
                    expires_at=now + dt.timedelta(days=1),
                    **recipient,
                ),
            )
            if spec["state"] == "withdrawn":
                consent_withdraw(case_id=case.pk, grant_id=made.pk, actor=manager, note="")
            elif spec["state"] == "expired":
                ConsentGrant.objects.filter(pk=made.pk).update(
                    expires_at=now - dt.timedelta(seconds=1)
                )

        expected = any(
            spec["state"] == "active"
            and spec["purpose"] == purpose
            and spec["to"] in (to, f"kind:{to}")
            and wanted <= spec["categories"]
            for spec in specs
        )
        try:
            disclose(case, agencies[to], purpose=purpose, categories=sorted(wanted))
            allowed = True
        except DisclosureRefused:
            allowed = False
        assert allowed == expected
        transaction.set_rollback(True)
