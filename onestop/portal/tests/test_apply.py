"""Applying from the portal: one form for every service, through the intake service; consent
choices recorded as grants; a case code shown once and a passphrase kept as a slow hash; every
problem beside its field with nothing written; a retried submit does not apply twice; nothing
tells the applicant whether her phone number or name is known; signed in, a further
application joins her own case; staff take an application like a police referral."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from onestop.accounts.models import Agency, Role, Staff
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case, CaseEvent, CaseTeamMember, EventKind, Notification
from onestop.conftest import run_pending_tasks
from onestop.consent.models import ConsentGrant, ConsentSource, Purpose
from onestop.intake.errors import ReferralAlreadyTaken, ReferralNotFound
from onestop.intake.models import IntakeOutcome, WebApplication
from onestop.intake.services import (
    ApplicationInput,
    submission_key_of,
    web_application_take,
)
from onestop.people.models import Victim
from onestop.portal.models import PortalAccess
from onestop.portal.services import portal_apply, portal_sign_in
from onestop.portal.views import NEW_CODE_KEY, SESSION_KEY

pytestmark = pytest.mark.django_db

PASSPHRASE = "느티나무 아래 벤치 7"
TOKEN = "t" * 32


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    caches["default"].clear()


@pytest.fixture
def center(agency: Agency) -> Agency:
    Agency.objects.filter(pk=agency.pk).update(is_default_center=True)
    agency.refresh_from_db()
    return agency


def form_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "submission_token": TOKEN,
        "behaviours": ["communication", "watching_waiting"],
        "frequency": "daily",
        "since": "2026-09-01",
        "relationship": "former_partner",
        "perpetrator_name": "",
        "description": "헤어진 뒤 하루에 전화 50통, 집 앞에서 기다립니다.",
        "wanted_services": ["counseling", "legal", "security"],
        "name": "지은",
        "phone": "010-2345-6789",
        "birth_year": "1995",
        "safe_contact_method": "sms",
        "safe_contact_times": "평일 12:00~13:00",
        "consents": ["support_services", "share_with_providers"],
        "code_word": "민트초코",
        "passphrase": PASSPHRASE,
        "passphrase_again": PASSPHRASE,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def written() -> tuple[int, ...]:
    return (
        Case.objects.count(),
        Victim.objects.count(),
        ConsentGrant.objects.count(),
        PortalAccess.objects.count(),
        WebApplication.objects.count(),
    )


def test_the_form_page_asks_everything_once_and_explains_each_consent(center: Agency) -> None:
    answer = Client().get(reverse("portal:apply"))
    text = answer.content.decode()
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-store"
    for words in ("어떤 일이 있었나요", "얼마나 자주", "어떤 도움을 원하나요", "안전하게 연락",
                  "확인용 암호 단어", "동의하지 않으면", "파기"):  # fmt: skip
        assert words in text, words
    token = re.search(r'name="submission_token" value="([^"]+)"', text)
    assert token is not None
    assert len(token.group(1)) >= 16
    # the form works without JavaScript: a plain POST form with every field
    assert 'method="post"' in text
    assert 'name="consents" value="support_services"' in text


def test_applying_opens_a_case_with_her_consents_and_shows_her_code_once(
    center: Agency, supervisor: Staff
) -> None:
    client = Client()
    answer = client.post(reverse("portal:apply"), form_data(), REMOTE_ADDR="10.1.1.1")
    assert answer.status_code == 302
    assert answer["Location"] == reverse("portal:applied")
    case = Case.objects.get()
    assert case.agency_id == center.pk
    assert case.channel == "web"
    assert case.team.count() == 0  # nobody yet: the center takes it
    assert case.relationship == "former_partner"
    assert case.stalking_behaviours == ["communication", "watching_waiting"]
    victim = case.victim
    assert victim.name == "지은"
    assert victim.safe_contact_method == "sms"
    assert victim.safe_contact_times == "평일 12:00~13:00"
    grants = {g.purpose: g for g in ConsentGrant.objects.filter(case=case)}
    assert set(grants) == {Purpose.SUPPORT_SERVICES, Purpose.SHARE_WITH_PROVIDERS}
    assert grants[Purpose.SUPPORT_SERVICES].recipient_agency_id == center.pk
    assert all(g.source == ConsentSource.PORTAL for g in grants.values())
    assert "address" in grants[Purpose.SUPPORT_SERVICES].data_categories
    application = WebApplication.objects.get()
    assert application.wanted_services == ["counseling", "legal", "security"]
    assert application.frequency == "daily"
    assert str(application.since) == "2026-09-01"
    assert application.outcome == IntakeOutcome.NEW_CASE
    assert application.taken_at is None
    access = PortalAccess.objects.get(case=case)
    assert PASSPHRASE not in access.passphrase_hash  # a hash (Argon2 outside the tests)
    event = CaseEvent.objects.get(case=case, kind=EventKind.WEB_APPLICATION)
    assert event.data["wanted_services"] == ["counseling", "legal", "security"]
    assert "지은" not in str(event.data)
    assert "010" not in str(event.data)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"intake.web_application", "consent.record", "portal.open", "case.open"} <= actions

    shown = client.get(reverse("portal:applied"))
    assert shown.status_code == 200
    code = access.code
    assert f"{code[:5]}-{code[5:]}" in shown.content.decode()
    assert shown["Cache-Control"] == "no-store"
    # once: a reload goes to her case, and the code is no longer in her session
    again = client.get(reverse("portal:applied"))
    assert again.status_code == 302
    assert again["Location"] == reverse("portal:case")
    assert NEW_CODE_KEY not in client.session
    # she is signed in, and can sign in again with the code and the passphrase she chose
    assert client.session[SESSION_KEY] == str(access.pk)
    assert portal_sign_in(code=code, passphrase=PASSPHRASE, address="10.0.0.9").pk == access.pk


def test_every_problem_is_shown_beside_its_field_and_nothing_is_written(center: Agency) -> None:
    before = written()
    answer = Client().post(
        reverse("portal:apply"),
        form_data(
            behaviours=[],
            name="",
            phone="",
            safe_contact_method="call",
            consents=["share_with_police"],
            passphrase="짧다",
            passphrase_again="다르다",
            code_word="",
            since="2099-01-01",
        ),
    )
    assert answer.status_code == 422
    form = answer.context["form"]
    for field in ("behaviours", "name", "phone", "consents", "passphrase",
                  "passphrase_again", "code_word", "since"):  # fmt: skip
        assert form.errors.get(field), field
    text = answer.content.decode()
    assert "센터가 신청 내용을 지원에 쓰는 데 동의해야" in text
    # what she typed is still there (but never the passphrase)
    assert "헤어진 뒤 하루에 전화 50통" in text
    assert 'value="former_partner" selected' in text or 'former_partner" selected' in text
    assert "짧다" not in text
    assert written() == before


def test_a_retried_submit_is_answered_from_the_first_not_applied_twice(center: Agency) -> None:
    first = Client()
    assert first.post(reverse("portal:apply"), form_data()).status_code == 302
    before = written()
    # the answer never reached her: the same form is sent again from a browser whose session
    # never got the cookie
    retry = Client()
    answer = retry.post(reverse("portal:apply"), form_data())
    assert answer.status_code == 302
    assert written() == before
    shown = retry.get(reverse("portal:applied")).content.decode()
    code = PortalAccess.objects.get().code
    assert f"{code[:5]}-{code[5:]}" in shown
    # the same token without her passphrase shows nothing
    stranger = Client().post(reverse("portal:apply"), form_data(passphrase="아무 문구나 여덟자"))
    assert stranger.status_code == 422
    assert code not in stranger.content.decode()
    assert f"{code[:5]}-" not in stranger.content.decode()
    assert written() == before


def test_nothing_tells_the_applicant_her_phone_or_name_is_known(
    center: Agency, open_case: Callable[..., Case], staff: dict[str, Staff]
) -> None:
    known = open_case(staff[Role.CASE_MANAGER], phone="010-2345-6789", name="지은")
    pages = []
    strangers = (("a" * 32, "010-9999-0000", "하늘"), ("b" * 32, "010-2345-6789", "지은"))
    for token, phone, name in strangers:
        client = Client()
        answer = client.post(
            reverse("portal:apply"), form_data(submission_token=token, phone=phone, name=name)
        )
        assert answer.status_code == 302
        assert answer["Location"] == reverse("portal:applied")
        code = PortalAccess.objects.order_by("-created_at").first()
        assert code is not None
        page = client.get(reverse("portal:applied")).content.decode()
        pages.append(page.replace(f"{code.code[:5]}-{code.code[5:]}", "CODE"))
    assert pages[0] == pages[1]  # the same answer, known or not
    fresh, matched = (
        WebApplication.objects.get(submission_key=submission_key_of(t))
        for t in ("a" * 32, "b" * 32)
    )
    # her known case was neither joined nor shown; staff see the possible match
    assert matched.case_id != known.pk
    assert matched.outcome == IntakeOutcome.NEW_CASE
    assert (fresh.possible_matches, matched.possible_matches) == (0, 1)


def test_a_signed_in_application_joins_her_own_case(center: Agency) -> None:
    client = Client()
    client.post(reverse("portal:apply"), form_data())
    case = Case.objects.get()
    page = client.get(reverse("portal:apply"))
    assert page.status_code == 200
    assert 'name="passphrase"' not in page.content.decode()
    more = {
        "submission_token": "m" * 32,
        "behaviours": ["visiting_home_work"],
        "frequency": "weekly",
        "relationship": "former_partner",
        "description": "이번 주에 회사 앞에 왔습니다.",
        "wanted_services": ["relocation"],
    }
    answer = client.post(reverse("portal:apply"), more)
    assert answer.status_code == 302
    assert answer["Location"] == reverse("portal:case")
    assert Case.objects.count() == 1
    case.refresh_from_db()
    assert "visiting_home_work" in case.stalking_behaviours
    joined = WebApplication.objects.get(outcome=IntakeOutcome.ATTACHED)
    assert joined.case_id == case.pk
    assert joined.wanted_services == ["relocation"]
    # sent twice (a retry): still one
    client.post(reverse("portal:apply"), more)
    assert WebApplication.objects.filter(outcome=IntakeOutcome.ATTACHED).count() == 1


def test_staff_take_an_application_like_a_referral_and_see_its_requests(
    center: Agency, staff: dict[str, Staff]
) -> None:
    counselor = staff[Role.HOTLINE_COUNSELOR]
    Staff.objects.filter(pk=counselor.pk).update(on_duty=True)
    counselor.refresh_from_db()
    Client().post(reverse("portal:apply"), form_data())
    application = WebApplication.objects.get()
    run_pending_tasks()
    # the center's supervisors and on-duty staff are told (by reference only)
    told = set(Notification.objects.values_list("recipient_id", flat=True))
    assert {counselor.pk, staff[Role.SUPERVISOR].pk} <= told
    client = Client()
    client.force_login(counselor)
    dashboard = client.get(reverse("cases:dashboard")).content.decode()
    assert "홈페이지 신청" in dashboard
    assert "지은" not in dashboard
    answer = client.post(reverse("intake:application_take", args=[application.pk]))
    assert answer.status_code == 302
    case = application.case
    assert CaseTeamMember.objects.filter(case=case, staff=counselor).exists()
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "심리상담" in page
    assert "민간 경호" in page
    application.refresh_from_db()
    assert application.taken_by_id == counselor.pk


def test_only_staff_of_the_receiving_center_who_take_referrals_can_take_it(
    center: Agency, other_agency: Agency, make_staff: Callable[..., Staff], staff: dict[str, Staff]
) -> None:
    Client().post(reverse("portal:apply"), form_data())
    application = WebApplication.objects.get()
    elsewhere = make_staff(other_agency, Role.SUPERVISOR)
    off_duty = staff[Role.HOTLINE_COUNSELOR]  # not on duty
    for actor in (elsewhere, off_duty):
        with pytest.raises(ReferralNotFound):
            web_application_take(actor=actor, application_id=application.pk)
    assert not CaseTeamMember.objects.filter(case=application.case).exists()
    web_application_take(actor=staff[Role.SUPERVISOR], application_id=application.pk)
    application.refresh_from_db()
    assert application.taken_by_id == staff[Role.SUPERVISOR].pk


def test_without_a_default_center_the_application_is_refused_and_nothing_written(
    agency: Agency,
) -> None:
    before = written()
    answer = Client().post(reverse("portal:apply"), form_data())
    assert answer.status_code == 503
    assert "1366" in answer.content.decode()
    assert written() == before


def test_too_many_applications_from_one_address_are_refused(center: Agency) -> None:
    for n in range(5):
        portal_apply(
            data=ApplicationInput(
                submission_token=f"{n}" * 20, behaviours=("other",), name="가명",
                safe_contact_method="none", consents=("support_services",),
            ),
            passphrase=PASSPHRASE, passphrase_again=PASSPHRASE, code_word="코드워드",
            address="10.9.9.9",
        )  # fmt: skip
    before = written()
    answer = Client().post(reverse("portal:apply"), form_data(), REMOTE_ADDR="10.9.9.9")
    assert answer.status_code == 429
    assert written() == before


def test_an_application_someone_took_is_refused_to_a_second_counselor(
    center: Agency, make_staff: Callable[..., Staff]
) -> None:
    Client().post(reverse("portal:apply"), form_data())
    application = WebApplication.objects.get()
    first, second = (
        make_staff(center, Role.HOTLINE_COUNSELOR, username=f"duty-{n}") for n in (1, 2)
    )
    Staff.objects.filter(pk__in=[first.pk, second.pk]).update(on_duty=True)
    first.refresh_from_db()
    second.refresh_from_db()
    web_application_take(actor=first, application_id=application.pk)
    with pytest.raises(ReferralAlreadyTaken, match=first.label):
        web_application_take(actor=second, application_id=application.pk)
    assert not CaseTeamMember.objects.filter(case=application.case, staff=second).exists()
    # taking it again is harmless for the one who took it
    web_application_take(actor=first, application_id=application.pk)
    assert CaseTeamMember.objects.filter(case=application.case, staff=first).count() == 1
