"""Her page of who accessed her case and what was shared: staff by name and agency, herself as
herself; the disclosures of her data; her consents, each withdrawable from the page (and only
hers). And the staff side: opening the portal for her on the phone, a new passphrase after she
says her code word — for the case team only."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from onestop.accounts.models import Agency, AgencyKind, Role, Staff
from onestop.accounts.services import agency_add
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case, CaseEvent, EventKind
from onestop.cases.services import MeasureInput, protective_measure_record
from onestop.consent.errors import DisclosureRefused
from onestop.consent.models import ConsentGrant, DisclosureVia, Purpose
from onestop.consent.services import ConsentInput, consent_record, disclosure_authorize
from onestop.core import clock
from onestop.portal.models import PortalAccess
from onestop.portal.services import portal_access_open_for_case, portal_sign_in
from onestop.portal.views import SEEN_KEY, SESSION_KEY

pytestmark = pytest.mark.django_db

PASSPHRASE = "바닷가 모래성 쌓기"


@pytest.fixture
def case(open_case: Callable[..., Case], manager: Staff) -> Case:
    return open_case(manager)


@pytest.fixture
def police() -> Agency:
    return agency_add(
        actor=None, code="seoul-police", kind=AgencyKind.POLICE, name="서울경찰청", region="seoul"
    )


def signed_in(case: Case, manager: Staff) -> Client:
    access, _code = portal_access_open_for_case(
        actor=manager, case_id=case.pk, passphrase=PASSPHRASE, code_word="해바라기"
    )
    client = Client()
    session = client.session
    session[SESSION_KEY] = str(access.pk)
    session[SEEN_KEY] = time.time()
    session.save()
    return client


def grant(case: Case, manager: Staff, purpose: str, agency: Agency) -> ConsentGrant:
    return consent_record(
        case_id=case.pk,
        actor=manager,
        data=ConsentInput(
            purpose=purpose,
            data_categories=["identity", "incident"],
            method="signed_form",
            given_at=clock.now(),
            recipient_agency_id=agency.pk,
        ),
    )


def test_she_sees_who_looked_what_was_shared_and_her_consents(
    case: Case, manager: Staff, police: Agency
) -> None:
    given = grant(case, manager, Purpose.SHARE_WITH_POLICE, police)
    disclosure_authorize(
        case=case, recipient=police, purpose=Purpose.SHARE_WITH_POLICE, categories=["incident"],
        via=DisclosureVia.PHONE, actor=manager,
    )  # fmt: skip
    manager_client = Client()
    manager_client.force_login(manager)
    manager_client.get(reverse("cases:detail", args=[case.pk]))  # audited as a view
    client = signed_in(case, manager)
    answer = client.get(reverse("portal:access"))
    text = answer.content.decode()
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-store"
    assert "서울경찰청" in text  # what was shared with whom
    assert manager.label in text  # who looked, by name
    assert "사례 기록을 열람함" in text
    assert str(given.pk) in text  # her consent, with its withdraw button
    assert "이 동의 철회하기" in text
    # never an address from the log
    assert "127.0.0.1" not in text


def test_she_withdraws_a_consent_and_nothing_more_is_shared_on_it(
    case: Case, manager: Staff, police: Agency
) -> None:
    given = grant(case, manager, Purpose.SHARE_WITH_POLICE, police)
    client = signed_in(case, manager)
    answer = client.post(reverse("portal:consent_withdraw"), {"consent": str(given.pk)})
    assert answer.status_code == 302
    given.refresh_from_db()
    assert given.withdrawn_at is not None
    assert given.withdrawn_by is None
    event = CaseEvent.objects.get(case=case, kind=EventKind.CONSENT_WITHDRAWN)
    assert event.data["by"] == "portal"
    entry = AuditEntry.objects.get(action="consent.withdraw")
    assert entry.actor_id is None
    assert entry.actor_label == "portal"
    with pytest.raises(DisclosureRefused):
        disclosure_authorize(
            case=case, recipient=police, purpose=Purpose.SHARE_WITH_POLICE,
            categories=["incident"], via=DisclosureVia.PHONE, actor=manager,
        )  # fmt: skip
    # twice: refused with a message, nothing more written
    entries = AuditEntry.objects.count()
    again = client.post(reverse("portal:consent_withdraw"), {"consent": str(given.pk)}, follow=True)
    assert "이미 철회된 동의" in again.content.decode()
    assert AuditEntry.objects.count() == entries


def test_she_cannot_withdraw_another_case_s_consent(
    case: Case, manager: Staff, police: Agency, open_case: Callable[..., Case]
) -> None:
    other_case = open_case(manager, name="박서연", phone="010-5555-6666")
    theirs = grant(other_case, manager, Purpose.SHARE_WITH_POLICE, police)
    client = signed_in(case, manager)
    answer = client.post(reverse("portal:consent_withdraw"), {"consent": str(theirs.pk)})
    assert answer.status_code == 302
    theirs.refresh_from_db()
    assert theirs.withdrawn_at is None
    assert not AuditEntry.objects.filter(action="consent.withdraw").exists()


@pytest.mark.parametrize("name", ["portal:access", "portal:consent_withdraw"])
def test_the_pages_need_her_sign_in(name: str) -> None:
    answer = Client().post(reverse(name)) if "withdraw" in name else Client().get(reverse(name))
    assert answer.status_code == 302
    assert answer["Location"] == reverse("portal:sign_in")


# --- staff side ---------------------------------------------------------------------------------


def staff_client(user: Staff) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_open_the_portal_for_her_and_read_her_the_code_once(
    case: Case, manager: Staff
) -> None:
    client = staff_client(manager)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "포털 열어 주기" in page
    answer = client.post(
        reverse("portal_staff:open", args=[case.pk]),
        {"passphrase": PASSPHRASE, "code_word": "해바라기"},
        follow=True,
    )
    access = PortalAccess.objects.get(case=case)
    text = answer.content.decode()
    assert f"{access.code[:5]}-{access.code[5:]}" in text
    signed_in_again = portal_sign_in(code=access.code, passphrase=PASSPHRASE, address="10.0.0.9")
    assert signed_in_again.pk == access.pk
    # the page does not show it again
    later = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert access.code[:5] + "-" not in later
    assert "피해자가 포털을 씁니다" in later


def test_a_bad_passphrase_is_shown_beside_its_field_and_nothing_written(
    case: Case, manager: Staff
) -> None:
    answer = staff_client(manager).post(
        reverse("portal_staff:open", args=[case.pk]), {"passphrase": "짧음", "code_word": ""}
    )
    assert answer.status_code == 422
    assert "8자 이상" in answer.content.decode()
    assert not PortalAccess.objects.exists()


def test_reset_needs_her_code_word(case: Case, manager: Staff) -> None:
    signed_in(case, manager)
    client = staff_client(manager)
    wrong = client.post(
        reverse("portal_staff:reset", args=[case.pk]),
        {"code_word": "장미", "new_passphrase": "새로운 비밀 문구 123"},
    )
    assert wrong.status_code == 422
    assert "확인용 암호 단어가 맞지 않습니다" in wrong.content.decode()
    assert AuditEntry.objects.filter(action="portal.reset_refused").count() == 1
    right = client.post(
        reverse("portal_staff:reset", args=[case.pk]),
        {"code_word": "해바라기", "new_passphrase": "새로운 비밀 문구 123"},
    )
    assert right.status_code == 302
    code = PortalAccess.objects.get(case=case).code
    assert portal_sign_in(code=code, passphrase="새로운 비밀 문구 123", address="10.0.0.9")


@pytest.mark.parametrize("role", [Role.HOTLINE_COUNSELOR, Role.PROVIDER])
def test_staff_off_the_case_cannot_open_or_reset(
    case: Case, manager: Staff, staff: dict[str, Staff], other_agency: Agency,
    make_staff: Callable[..., Any], role: str,
) -> None:  # fmt: skip
    for user in (staff[role], make_staff(other_agency, Role.SUPERVISOR)):
        answer = staff_client(user).post(
            reverse("portal_staff:open", args=[case.pk]),
            {"passphrase": PASSPHRASE, "code_word": "해바라기"},
        )
        assert answer.status_code in (403, 404)
    assert not PortalAccess.objects.exists()


def test_her_case_page_says_who_to_contact_and_what_protects_her_now(
    case: Case, manager: Staff
) -> None:
    today = clock.today_in_seoul()
    protective_measure_record(
        case_id=case.pk,
        actor=manager,
        data=MeasureInput(
            kind="provisional_100m", issued_by="서울중앙지방법원", starts_on=today,
            ends_on=today + dt.timedelta(days=60), decision_ref="2026초기1234",
        ),
    )  # fmt: skip
    protective_measure_record(
        case_id=case.pk,
        actor=manager,
        data=MeasureInput(
            kind="provisional_telecom", issued_by="서울중앙지방법원",
            starts_on=today - dt.timedelta(days=120), ends_on=today - dt.timedelta(days=30),
        ),
    )  # fmt: skip
    text = signed_in(case, manager).get(reverse("portal:case")).content.decode()
    assert manager.label in text  # who to contact
    assert "잠정조치 2호: 100m 이내 접근금지" in text
    assert f"{(today + dt.timedelta(days=60)).isoformat()}까지" in text
    assert "잠정조치 3호" not in text  # an ended measure no longer protects her
    assert "2026초기1234" not in text  # nor is the court's reference her business here


def test_her_case_page_tells_how_her_deletion_support_stands_without_urls(
    case: Case, manager: Staff, supervisor: Staff
) -> None:
    from onestop.takedown import tracking
    from onestop.takedown.models import PlatformKind, TakedownStatus

    client = signed_in(case, manager)
    assert "삭제 지원" not in client.get(reverse("portal:case")).content.decode()
    tracking.platform_save(
        actor=supervisor,
        data=tracking.PlatformInput(
            name="웹하드 예시", kind=PlatformKind.FILE_SHARING, country="KR",
            domains="webhard.example", report_channel="https://webhard.example/report",
            response_hours=24,
        ),
    )  # fmt: skip
    tracking.mandate_record(
        actor=manager, case_id=case.pk,
        data=tracking.MandateInput(relation="victim", proof_kind="id_checked"),
    )  # fmt: skip
    for n in (1, 2):
        request = tracking.takedown_request_open(
            actor=manager, case_id=case.pk,
            data=tracking.FoundInput(url=f"https://webhard.example/v/{n}"),
        )  # fmt: skip
    tracking.takedown_evidence_preserve(
        actor=manager, case_id=case.pk, request_id=request.pk, name="c.txt", data=b"page",
        captured_at=None, keep_file=False,
    )  # fmt: skip
    for to in (TakedownStatus.REQUESTED, TakedownStatus.REMOVED):
        tracking.takedown_request_step(
            actor=manager, case_id=case.pk, request_id=request.pk,
            data=tracking.StepInput(to_status=to),
        )  # fmt: skip
    text = client.get(reverse("portal:case")).content.decode()
    assert "찾아낸 게시물: 2</li>" in text
    assert "삭제되거나 차단된 게시물: 1</li>" in text
    assert "삭제를 요청하고 있는 게시물: 1</li>" in text
    assert "webhard" not in text  # no URL, no platform on her page
