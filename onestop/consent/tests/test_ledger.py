"""The consent ledger: recording a consent and withdrawing it. Each is a row, an entry on the
case's timeline and an audit entry, in one transaction; bad input is refused by field and
writes nothing; only the case's team and its agency's supervisors may write."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from onestop.audit.models import AuditEntry
from onestop.cases.errors import CaseNotFound
from onestop.cases.models import CaseEvent
from onestop.cases.services import case_team_assign
from onestop.consent.errors import ConsentAlreadyWithdrawn, ConsentNotFound
from onestop.consent.models import ConsentGrant
from onestop.consent.selectors import consents_for_case
from onestop.consent.services import ConsentInput, consent_record, consent_withdraw
from onestop.core import clock
from onestop.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int]:
    return ConsentGrant.objects.count(), AuditEntry.objects.count(), CaseEvent.objects.count()


def good(**changes: Any) -> ConsentInput:
    values: dict[str, Any] = {
        "purpose": "share_with_providers",
        "recipient_kinds": ("counseling", "legal"),
        "data_categories": ["contact", "incident", "contact"],
        "method": "signed_form",
        "given_by": "victim",
        "given_at": clock.now() - dt.timedelta(minutes=5),
        "note": "상담 중 서면 동의",
    }
    values.update(changes)
    return ConsentInput(**values)


def test_recording_a_consent_writes_the_row_the_timeline_and_the_audit(case, manager):
    grant = consent_record(case_id=case.pk, actor=manager, data=good())

    assert grant.case == case
    assert grant.recipient_agency is None
    assert grant.recipient_kinds == ["counseling", "legal"]
    assert grant.data_categories == ["contact", "incident"]  # repeats dropped, order kept
    assert (grant.source, grant.recorded_by, grant.withdrawn_at) == ("staff", manager, None)
    event = CaseEvent.objects.get(case=case, kind="consent_recorded")
    assert event.data["consent"] == str(grant.pk)
    entry = AuditEntry.objects.get(action="consent.record")
    assert entry.actor == manager
    assert entry.data["recipient_kinds"] == ["counseling", "legal"]
    assert entry.data["categories"] == ["contact", "incident"]
    assert "상담 중" not in str(entry.data)  # the note is sealed, never in the log


def test_a_consent_to_one_agency(case, manager, counseling):
    grant = consent_record(
        case_id=case.pk,
        actor=manager,
        data=good(recipient_kinds=(), recipient_agency_id=counseling.pk),
    )
    assert grant.recipient_agency == counseling
    assert grant.recipient_kinds == []


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"purpose": ""}, {"purpose"}),
        ({"purpose": "marketing"}, {"purpose"}),
        ({"data_categories": []}, {"data_categories"}),
        ({"data_categories": ["contact", "diary"]}, {"data_categories"}),
        ({"recipient_kinds": ()}, {"recipient_agency"}),  # neither an agency nor a kind
        ({"recipient_kinds": ("bakery",)}, {"recipient_kinds"}),
        ({"method": "telepathy"}, {"method"}),
        ({"given_by": "neighbour"}, {"given_by"}),
        ({"given_at": None}, {"given_at"}),
        ({"given_at": clock.now() + dt.timedelta(days=1)}, {"given_at"}),
        ({"expires_at": clock.now() - dt.timedelta(days=1)}, {"expires_at"}),
        ({"note": "가" * 2001}, {"note"}),
        (
            {"purpose": "x", "method": "y", "data_categories": []},
            {"purpose", "method", "data_categories"},
        ),
    ],
)
def test_bad_input_is_refused_by_field_and_writes_nothing(case, manager, changes, fields):
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        consent_record(case_id=case.pk, actor=manager, data=good(**changes))
    assert {e.field for e in caught.value.errors} == fields
    assert counts() == before


def test_both_an_agency_and_kinds_is_ambiguous(case, manager, counseling):
    with pytest.raises(ValidationFailed) as caught:
        consent_record(case_id=case.pk, actor=manager, data=good(recipient_agency_id=counseling.pk))
    assert [e.field for e in caught.value.errors] == ["recipient_agency"]


def test_withdrawing_a_consent(case, manager):
    grant = consent_record(case_id=case.pk, actor=manager, data=good())

    withdrawn = consent_withdraw(
        case_id=case.pk, grant_id=grant.pk, actor=manager, note="본인 요청"
    )

    assert withdrawn.withdrawn_by == manager
    assert withdrawn.withdrawn_at is not None
    assert withdrawn.withdrawal_note == "본인 요청"
    assert CaseEvent.objects.filter(case=case, kind="consent_withdrawn").count() == 1
    assert AuditEntry.objects.filter(action="consent.withdraw").count() == 1
    [row] = consents_for_case(case=case)
    assert (row.state, row.is_active) == ("withdrawn", False)


def test_withdrawing_twice_is_refused_and_writes_nothing(case, manager):
    grant = consent_record(case_id=case.pk, actor=manager, data=good())
    consent_withdraw(case_id=case.pk, grant_id=grant.pk, actor=manager, note="")
    before = counts()
    with pytest.raises(ConsentAlreadyWithdrawn):
        consent_withdraw(case_id=case.pk, grant_id=grant.pk, actor=manager, note="")
    assert counts() == before


def test_a_consent_of_another_case_cannot_be_withdrawn_through_this_one(case, manager, open_case):
    other = open_case(manager, name="박서연", phone="010-2222-3333")
    grant = consent_record(case_id=other.pk, actor=manager, data=good())
    before = counts()
    with pytest.raises(ConsentNotFound):
        consent_withdraw(case_id=case.pk, grant_id=grant.pk, actor=manager, note="")
    assert counts() == before


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("counselor", CaseNotFound),  # same agency, not on the team
        ("expert", CaseNotFound),
        ("statistician", CaseNotFound),
        ("admin", CaseNotFound),
        ("other_supervisor", CaseNotFound),  # another agency
    ],
)
def test_only_the_team_and_supervisors_may_write(case, staff, other_agency, make_staff, who, error):
    actor = (
        make_staff(other_agency, "supervisor")
        if who == "other_supervisor"
        else staff[{"counselor": "hotline_counselor"}.get(who, who)]
    )
    before = counts()
    with pytest.raises(error):
        consent_record(case_id=case.pk, actor=actor, data=good())
    assert counts() == before


def test_a_supervisor_off_the_team_may_record(case, supervisor):
    assert consent_record(case_id=case.pk, actor=supervisor, data=good()).recorded_by == supervisor


def test_an_expert_on_the_team_may_record_a_consent(case, manager, staff):

    case_team_assign(case_id=case.pk, actor=manager, staff_id=staff["expert"].pk, role="expert")
    grant = consent_record(case_id=case.pk, actor=staff["expert"], data=good())
    assert grant.recorded_by == staff["expert"]


def test_states_in_the_ledger(case, manager):
    now = clock.now()
    active = consent_record(case_id=case.pk, actor=manager, data=good())
    expired = consent_record(
        case_id=case.pk, actor=manager, data=good(expires_at=now + dt.timedelta(days=1))
    )
    ConsentGrant.objects.filter(pk=expired.pk).update(expires_at=now - dt.timedelta(seconds=1))
    rows = consents_for_case(case=case)
    assert [(r.grant.pk, r.state) for r in rows] == [(active.pk, "active"), (expired.pk, "expired")]
    assert rows[0].category_labels == ["연락처", "피해 사실"]
    assert rows[0].recipient_label == "상담기관, 법률지원"
