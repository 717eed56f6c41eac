"""``onestop demo``: a realistic, valid, audited data set, loaded once."""

from __future__ import annotations

import datetime as dt
import io
import random
from collections import Counter

import pytest
from django.core.management import call_command

from onestop.accounts.models import Agency, AgencyKind, Role, Staff
from onestop.audit.models import AuditEntry
from onestop.audit.selectors import audit_chain_verify
from onestop.cases.models import Case, CaseEvent, CaseStatus, EventKind, Relationship
from onestop.consent.models import ConsentGrant, Disclosure
from onestop.core import clock
from onestop.demo.data import (
    DEMO_PASSWORD,
    LOGINS,
    RESIDENCE,
    SEED,
    _plans,
    _simulated_clock,
    demo_load,
)
from onestop.intake.models import Intake, IntakeOutcome, PoliceReferral
from onestop.people.models import Perpetrator, SealedLocation, Victim

MODELS = (Agency, Staff, Victim, Perpetrator, Case, CaseEvent, Intake, AuditEntry)


def demo() -> str:
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def loaded(db) -> str:
    return demo()


def test_second_run_changes_nothing_and_the_chain_verifies(loaded):
    first = counts()
    assert first["Case"] >= 55
    again = demo()
    assert "already present" in again
    assert counts() == first
    report = audit_chain_verify()
    assert report.ok, report.problem
    assert report.entries == first["AuditEntry"]


def test_prints_every_login_with_the_shared_password(loaded):
    assert DEMO_PASSWORD in loaded
    for login in LOGINS:
        assert login.username in loaded
        staff = Staff.objects.get(username=login.username)
        assert staff.check_password(DEMO_PASSWORD)
        assert staff.display_name
    assert {login.role for login in LOGINS} == set(Role.values)


def test_agencies_cover_the_kinds_a_demo_needs(loaded):
    kinds = Counter(Agency.objects.values_list("kind", flat=True))
    assert kinds[AgencyKind.HOTLINE_1366] == 2
    for kind in (AgencyKind.ONESTOP_CENTER, AgencyKind.POLICE, AgencyKind.SHELTER,
                 AgencyKind.COUNSELING, AgencyKind.LEGAL, AgencyKind.SECURITY,
                 AgencyKind.DELETION_CENTER, AgencyKind.CITY_OFFICE):  # fmt: skip
        assert kinds[kind] >= 1
    center = Agency.objects.get(is_default_center=True)
    assert (center.code, center.region) == ("seoul-onestop", "seoul")


def test_cases_in_every_status_over_eighteen_months(loaded):
    cases = list(Case.objects.all())
    assert {c.status for c in cases} == set(CaseStatus.values)
    closed = [c for c in cases if c.status == CaseStatus.CLOSED]
    assert len({c.close_reason for c in closed}) >= 5
    now = clock.now()
    opened = sorted(c.opened_at for c in cases)
    assert opened[-1] <= now
    assert now - opened[0] > dt.timedelta(days=365)
    assert now - opened[0] <= dt.timedelta(days=560)
    for case in cases:  # the reference's year is the year the case was opened (in Seoul)
        assert case.reference.split("-")[1] == str(case.opened_at.astimezone(clock.SEOUL).year)
        events = list(case.events.order_by("at", "created_at"))  # (as the timeline does)
        assert events[0].kind == EventKind.OPENED
        assert all(e.at <= now for e in events)
    waiting = set(
        PoliceReferral.objects.filter(taken_at__isnull=True).values_list("case", flat=True)
    )
    # every case has a team, but the police referrals nobody has taken yet
    assert {c.pk for c in cases if not c.team.exists()} == waiting
    assert len(waiting) == 2


def test_police_referrals_consents_and_disclosures_are_there(loaded):
    referrals = list(PoliceReferral.objects.order_by("received_at"))
    assert [r.risk_grade for r in referrals] == ["high", "very_high", "medium"]
    assert [r.taken_by.username if r.taken_by else "" for r in referrals] == ["counselor1", "", ""]
    assert all(r.case.channel == "police" for r in referrals)
    assert SealedLocation.objects.filter(source="police_referral").count() == 3
    staff_grants = ConsentGrant.objects.filter(source="staff")
    assert staff_grants.count() >= 4
    assert staff_grants.filter(withdrawn_at__isnull=False).exists()
    # every consent to share with providers was used once; the consent to deletion support
    # (the deletion demo's) lets her hashes be exported, which discloses nothing of the case
    assert staff_grants.filter(purpose="deletion_support").count() == 1
    shared = staff_grants.exclude(purpose="deletion_support")
    assert Disclosure.objects.count() == shared.count()
    assert {d.basis for d in Disclosure.objects.all()} == {"consent"}


def test_the_special_cases_are_there(loaded):
    reopened = Case.objects.get(events__kind=EventKind.REOPENED)
    assert reopened.is_open
    withdrawn = Case.objects.get(events__kind=EventKind.COMPLAINT_WITHDRAWN)
    assert withdrawn.is_open, "a withdrawn complaint does not close a stalking case"
    assert Intake.objects.filter(outcome=IntakeOutcome.ATTACHED).count() == 1


def test_the_mix_follows_the_published_figures(loaded):
    cases = list(Case.objects.all())
    share = Counter(c.relationship for c in cases)[Relationship.FORMER_PARTNER] / len(cases)
    assert 0.5 <= share <= 0.8
    harmed = sum(1 for c in cases if c.further_harms) / len(cases)
    assert 0.55 <= harmed <= 0.85
    summaries = " ".join(c.summary for c in cases)
    for places in RESIDENCE.values():  # every one of the 17 regions appears
        assert any(place in summaries for place in places)


def test_the_data_is_the_same_every_time():
    first, second = _plans(random.Random(SEED)), _plans(random.Random(SEED))
    assert [p.intake for p in first] == [p.intake for p in second]
    assert len({(p.intake.name, p.intake.birth_year) for p in first}) == len(first)
    assert all(p.intake.phone.startswith("010-") for p in first)


def test_the_simulated_clock_is_put_back():
    past = dt.datetime(2025, 1, 2, 3, 4, tzinfo=dt.UTC)
    with _simulated_clock(past) as set_time:
        assert clock.now() == past
        set_time(past + dt.timedelta(days=1))
        assert clock.today_in_seoul() == dt.date(2025, 1, 3)
    assert clock.now() - dt.datetime.now(dt.UTC) < dt.timedelta(seconds=5)


@pytest.mark.django_db
@pytest.mark.parametrize("hours_ago", [5, 13, 21])
def test_loads_at_any_time_of_day(hours_ago):
    """The timeline is laid out from the moment of loading; every hour of the day must work."""
    moment = clock.now() - dt.timedelta(hours=hours_ago)
    result = demo_load(now=moment)
    assert result.created
    assert result.cases == Case.objects.count()
    assert not CaseEvent.objects.filter(at__gt=moment).exists()
    assert audit_chain_verify().ok


def test_the_portal_can_be_tried_with_the_published_code(loaded):
    from onestop.evidence.models import EvidenceFile
    from onestop.messaging.models import Message
    from onestop.portal.models import PortalAccess
    from onestop.portal.services import portal_sign_in
    from onestop.safety.models import SafetyPlan

    access = portal_sign_in(code="SAFE2-HAVEN", passphrase="onestop-demo-1366", address="10.0.0.9")
    assert EvidenceFile.objects.filter(case=access.case).count() == 3  # the evidence case
    assert PortalAccess.objects.count() == 1
    assert Message.objects.filter(case=access.case).count() == 2
    assert SafetyPlan.objects.filter(case=access.case).exists()


def test_deletion_support_is_there_at_every_stage(loaded):
    from onestop.takedown.export import export_rows, export_scope
    from onestop.takedown.models import BankItem, DeletionMandate, Platform, TakedownRequest
    from onestop.takedown.tracking import is_overdue

    platforms = list(Platform.objects.all())
    assert len(platforms) == 5
    assert {p.is_foreign for p in platforms} == {True, False}
    assert all(d.endswith(".example") for p in platforms for d in p.domain_list())
    (mandate,) = DeletionMandate.objects.all()
    assert (mandate.relation, mandate.revoked_at) == ("victim", None)
    case = mandate.case
    items = list(BankItem.objects.all())
    assert [i.case_id for i in items] == [case.pk, case.pk]
    assert not any(i.needs_review for i in items)
    requests = {r.platform.kind: r for r in TakedownRequest.objects.select_related("platform")}
    now = clock.now()
    assert {kind: (r.status, is_overdue(r, now=now)) for kind, r in requests.items()} == {
        "file_sharing": ("removed", False),
        "community": ("requested", True),
        "adult_site": ("escalated", False),
        "social_media": ("requested", False),
        "search_engine": ("found", False),
    }
    assert requests["adult_site"].platform.is_foreign
    assert requests["adult_site"].evidence_file_id is not None  # the capture, kept as evidence
    assert all(r.evidence_preserved and r.case_id == case.pk for r in requests.values())
    removed = requests["file_sharing"].steps.get(status_to="removed")
    assert removed.at < removed.recorded_at  # answered at night, written down the next morning
    for request in requests.values():
        steps = list(request.steps.order_by("recorded_at"))
        assert [s.at for s in steps] == sorted(s.at for s in steps)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "takedown.platform_save",
        "takedown.mandate_record",
        "takedown.bank_add",
        "takedown.request_found",
        "takedown.evidence_preserve",
        "takedown.step",
    } <= actions
    exported = list(export_rows(scope=export_scope(actor=None)))
    assert {r.id for r in exported} == {str(i.pk) for i in items}
    assert case.reference not in repr(exported)
