"""The consent panel of the case page and its three forms, through the real views: who may use
them (everyone else gets 404, as for the case itself), what a refusal shows, and that it writes
nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from onestop.accounts.models import Role
from onestop.audit.models import AuditEntry
from onestop.cases.services import case_team_assign
from onestop.consent.models import ConsentGrant, Disclosure
from onestop.core import clock

pytestmark = pytest.mark.django_db

TEAM_ROLES = {
    Role.CASE_MANAGER: "case_manager",
    Role.HOTLINE_COUNSELOR: "counselor",
    Role.EXPERT: "expert",
}


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def consent_form(**changes) -> dict[str, object]:
    data: dict[str, object] = {
        "purpose": "share_with_providers",
        "recipient_kinds": ["counseling"],
        "data_categories": ["contact", "incident"],
        "method": "signed_form",
        "given_by": "victim",
        "given_at": (clock.now() - dt.timedelta(hours=1))
        .astimezone(clock.SEOUL)
        .strftime("%Y-%m-%dT%H:%M"),
    }
    data.update(changes)
    return data


def counts() -> tuple[int, int, int]:
    """Consents, disclosures, and audit entries other than views of the case page (a refused
    form shows the page again, and that showing is audited like any other)."""
    return (
        ConsentGrant.objects.count(),
        Disclosure.objects.count(),
        AuditEntry.objects.exclude(action="case.view.case").count(),
    )


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("where", ["own", "other"])
@pytest.mark.parametrize("on_team", [True, False])
def test_who_may_record_a_consent(
    case, manager, make_staff, agency, other_agency, role, where, on_team
):
    home = agency if where == "own" else other_agency
    user = make_staff(home, role, username=f"{where}-{role}".replace("_", "-"))
    if on_team and where == "own" and role in TEAM_ROLES:
        case_team_assign(case_id=case.pk, actor=manager, staff_id=user.pk, role=TEAM_ROLES[role])
    may = where == "own" and (role == Role.SUPERVISOR or (on_team and role in TEAM_ROLES))
    before = ConsentGrant.objects.count()

    response = logged_in(user).post(reverse("consent:record", args=[case.pk]), consent_form())

    if may:
        assert response.status_code == 302
        assert response["Location"] == reverse("cases:detail", args=[case.pk])
        assert ConsentGrant.objects.count() == before + 1
    else:
        assert response.status_code == 404
        assert ConsentGrant.objects.count() == before


def test_anonymous_is_sent_to_sign_in(case):
    response = Client().post(reverse("consent:record", args=[case.pk]), consent_form())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert ConsentGrant.objects.count() == 0


def test_a_refused_consent_shows_the_errors_keeps_the_input_and_writes_nothing(case, manager):
    before = counts()
    response = logged_in(manager).post(
        reverse("consent:record", args=[case.pk]),
        consent_form(method="", data_categories=[], note="피해자가 메모를 원함"),
    )
    assert response.status_code == 422
    assert counts() == before
    page = response.content.decode()
    assert "동의 방법을 고르세요." in page
    assert "동의한 정보 항목을 하나 이상 고르세요." in page
    assert "피해자가 메모를 원함" in page  # kept
    assert '<details class="form-details" open>' in page


def test_the_case_page_shows_the_ledger(case, manager, counseling):
    client = logged_in(manager)
    client.post(reverse("consent:record", args=[case.pk]), consent_form())
    response = client.post(
        reverse("consent:disclose", args=[case.pk]),
        {
            "recipient_agency": str(counseling.pk),
            "purpose": "share_with_providers",
            "data_categories": ["contact"],
            "via": "phone",
            "what": "상담 예약을 위해 연락처 전달",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "협력기관과 공유" in page
    assert "유효" in page
    assert counseling.name in page
    assert "상담 예약을 위해 연락처 전달" in page
    assert Disclosure.objects.get().disclosed_by == manager


def test_a_disclosure_without_consent_is_refused_with_the_reason(case, manager, security):
    before = counts()
    response = logged_in(manager).post(
        reverse("consent:disclose", args=[case.pk]),
        {
            "recipient_agency": str(security.pk),
            "purpose": "share_with_providers",
            "data_categories": ["address"],
            "via": "phone",
        },
    )
    assert response.status_code == 403
    assert counts() == before
    assert "동의한 기록이 없습니다" in response.content.decode()


def test_withdrawing_from_the_case_page(case, manager):
    client = logged_in(manager)
    client.post(reverse("consent:record", args=[case.pk]), consent_form())
    grant = ConsentGrant.objects.get()
    response = client.post(
        reverse("consent:withdraw", args=[case.pk]), {"grant": str(grant.pk), "note": "전화로 요청"}
    )
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.withdrawn_at is not None
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "철회됨" in page
    assert "전화로 요청" in page


def test_withdrawing_twice_from_the_page_shows_why(case, manager):
    client = logged_in(manager)
    client.post(reverse("consent:record", args=[case.pk]), consent_form())
    grant = ConsentGrant.objects.get()
    url = reverse("consent:withdraw", args=[case.pk])
    client.post(url, {"grant": str(grant.pk)})
    before = counts()
    response = client.post(url, {"grant": str(grant.pk)})
    assert response.status_code == 409
    assert "이미 철회된 동의입니다." in response.content.decode()
    assert counts() == before


def test_staff_who_may_only_read_see_the_ledger_without_forms(case, manager, supervisor, staff):
    # a supervisor may write; an expert put on the team may write; nobody else sees the page
    page = logged_in(supervisor).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "동의 기록하기" in page
    assert (
        logged_in(staff[Role.STATISTICIAN]).get(reverse("cases:detail", args=[case.pk])).status_code
        == 404
    )


def test_the_timeline_names_a_consent_in_the_readers_language(case, manager):
    client = logged_in(manager)
    client.post(reverse("consent:record", args=[case.pk]), consent_form())  # written in Korean
    client.cookies["django_language"] = "en"
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert '<p class="event-detail">Sharing with partner agencies</p>' in page
    assert '<p class="event-detail">협력기관과 공유</p>' not in page
