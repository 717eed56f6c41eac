"""The minutes PDF: Korean text in the bundled font, the confidentiality notice on every page,
page x / y, cases by reference and risk level only (never the victim's name or phone), and a
download only for a recorded reason, audited, never cached."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from onestop.audit.models import AuditEntry
from onestop.conferences.models import AgendaItem, ConferenceKind
from onestop.conferences.selectors import minutes_data
from onestop.conferences.services import (
    action_add,
    conference_attendee_add,
    conference_close_minutes,
    conference_mark_held,
    decision_add,
    pre_meeting_info_add,
)
from onestop.consent.models import ConsentGrant, Disclosure
from onestop.consent.services import ConsentInput, consent_record, consent_withdraw
from onestop.core import clock

from .conftest import TODAY, day_at

pytestmark = pytest.mark.django_db

NOTICE = "대외비"
VICTIM_NAME = "김지영"
VICTIM_PHONES = ("010-1234-5678", "01012345678", "+821012345678")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def meeting(case, manager, expert, police, schedule, put_on_agenda, open_case):
    """A held meeting with two cases, long enough to fill several pages."""
    conference = schedule(day_at(0, 8))
    conference_attendee_add(
        conference_id=conference.pk,
        actor=manager,
        agency_id=police.pk,
        staff_id=None,
        name="이경위",
        role="스토킹 전담 경찰",
    )
    second = open_case(manager, name="최민지", phone="010-9876-5432")
    for subject in (case, second):
        item = put_on_agenda(subject, conference)
        pre_meeting_info_add(
            agenda_item_id=item.pk,
            actor=expert,
            agency_id=police.pk,
            facts="11월 18일 접근금지 명령 위반으로 신고 접수",
            opinion="가해자의 집착이 강해지고 있어 재범 위험이 높다고 판단",
            withheld="수사 중인 진술 내용은 수사 보안을 이유로 공유하지 않음",
        )
        for n in range(18):
            decision_add(
                agenda_item_id=item.pk,
                actor=manager,
                text=f"결정 {n + 1}: 주 1회 안부 전화와 안전 계획 점검을 계속한다.",
            )
        action_add(
            agenda_item_id=item.pk,
            actor=manager,
            what="경찰과 신변보호 연장 여부를 협의한다",
            agency_id=police.pk,
            owner_id=None,
            due_on=TODAY + dt.timedelta(days=7),
        )
    conference_mark_held(conference_id=conference.pk, actor=manager)
    return conference


def download(user, conference, **form) -> Any:
    data = {"reason": "records", "note": ""}
    data.update(form)
    return logged_in(user).post(reverse("conferences:minutes", args=[conference.pk]), data)


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_the_minutes_are_a_korean_pdf_with_the_notice_on_every_page(meeting, expert, case):
    response = download(expert, meeting)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"] == (
        'attachment; filename="conference-minutes-20261120-0800.pdf"'
    )
    pages = pages_text(response.content)
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert NOTICE in text
        assert "서울 원스톱" in text  # the host, in the header
        assert f"{number} / {len(pages)}" in text
    whole = "\n".join(pages)
    for expected in (
        "사례회의 회의록",
        "초안",  # not closed yet
        case.reference,
        "위험도",
        "이경위",
        "스토킹 전담 경찰",
        "마포경찰서",
        "접근금지 명령 위반으로 신고 접수",
        "재범 위험이 높다고 판단",
        "수사 보안을 이유로 공유하지 않음",
        "신변보호 연장 여부를 협의한다",
        "2026-11-27",
        "진행 중",
    ):
        assert expected in whole, expected


def test_the_minutes_never_name_the_victim(meeting, expert):
    whole = "\n".join(pages_text(download(expert, meeting).content))
    for identity in (VICTIM_NAME, "최민지", *VICTIM_PHONES, "010-9876-5432"):
        assert identity not in whole
    assert not re.search(r"01[0-9]-?\d{3,4}-?\d{4}", whole)


def test_the_minutes_embed_the_bundled_font(meeting, expert):
    reader = PdfReader(io.BytesIO(download(expert, meeting).content))
    fonts = set()
    for page in reader.pages:
        resources = page["/Resources"]
        assert isinstance(resources, DictionaryObject)
        faces = resources["/Font"].get_object()
        assert isinstance(faces, DictionaryObject)
        for font in faces.values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert fonts
    assert all("Pretendard" in name for name in fonts)


def test_closed_minutes_are_no_draft(meeting, manager):
    conference_close_minutes(conference_id=meeting.pk, actor=manager)
    whole = "\n".join(pages_text(download(manager, meeting).content))
    assert "초안" not in whole
    assert "회의록 마감" in whole


def test_a_download_is_audited_with_its_reason(meeting, expert):
    download(expert, meeting, reason="other", note="감사 자료 제출")

    entry = AuditEntry.objects.get(action="conference.minutes_download")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (
        expert.pk,
        "conferences.conference",
        str(meeting.pk),
    )
    assert entry.data == {"reason": "other", "note": "감사 자료 제출", "status": "held"}


@pytest.mark.parametrize(
    ("form", "field"),
    [({"reason": ""}, "reason"), ({"reason": "other", "note": ""}, "note")],
)
def test_no_reason_no_download(meeting, expert, form, field):
    before = AuditEntry.objects.filter(action="conference.minutes_download").count()

    response = download(expert, meeting, **form)

    assert response.status_code == 422
    assert response["Content-Type"].startswith("text/html")
    assert response.context["minutes_form"].errors[field]
    assert AuditEntry.objects.filter(action="conference.minutes_download").count() == before


def test_an_emergency_meeting_says_so(case, manager):
    from onestop.conferences.services import conference_call_emergency

    conference = conference_call_emergency(
        case_id=case.pk, actor=manager, when=day_at(0, 18), reason="가해자가 집 앞에 나타남"
    )
    assert conference.kind == ConferenceKind.EMERGENCY
    whole = "\n".join(pages_text(download(manager, conference).content))
    assert "긴급 회의" in whole
    assert "긴급" in whole
    assert VICTIM_NAME not in whole


def test_the_minutes_html_loads_nothing_but_the_fonts(meeting):
    from onestop.conferences.minutes import minutes_html

    html = minutes_html(data=minutes_data(conference=meeting))
    assert not re.search(r"""(src|href)\s*=\s*["']""", html)
    assert "url(" not in html  # the fonts come in only through the @font-face rules it is given


# --- minutes handed to an attending agency pass the consent gate, case by case -----------------


def share_with_police(case, manager) -> None:
    consent_record(
        case_id=case.pk,
        actor=manager,
        data=ConsentInput(
            purpose="share_with_police",
            data_categories=["incident", "risk"],
            method="signed_form",
            given_at=clock.now() - dt.timedelta(minutes=1),
            recipient_kinds=("police",),
        ),
    )


def test_a_copy_for_an_attending_agency_leaves_out_cases_without_consent(
    meeting, expert, manager, case, police
):
    second = next(
        item.case
        for item in AgendaItem.objects.filter(conference=meeting).select_related("case")
        if item.case != case
    )
    share_with_police(case, manager)
    response = download(expert, meeting, reason="attendee_sharing", recipient=str(police.pk))
    assert response.status_code == 200
    whole = "\n".join(pages_text(response.content))
    assert "마포경찰서" in whole
    assert case.reference in whole
    assert second.reference not in whole
    assert "이 사본에서 뺐습니다" in whole
    # the case that went out is a recorded disclosure; the other is not
    disclosures = Disclosure.objects.filter(recipient_agency=police)
    assert [d.case_id for d in disclosures] == [case.pk]
    assert disclosures[0].via == "document"
    entry = AuditEntry.objects.filter(action="conference.minutes_download").latest("seq")
    assert entry.data["recipient"] == police.code
    assert entry.data["withheld"] == 1


def test_a_withdrawn_consent_leaves_the_case_out_at_once(meeting, expert, manager, case, police):
    share_with_police(case, manager)
    grant = ConsentGrant.objects.get(case=case)
    consent_withdraw(case_id=case.pk, grant_id=grant.pk, actor=manager, note="철회")
    response = download(expert, meeting, reason="attendee_sharing", recipient=str(police.pk))
    whole = "\n".join(pages_text(response.content))
    assert case.reference not in whole
    assert not Disclosure.objects.filter(recipient_agency=police).exists()


def test_sharing_needs_an_attending_agency_and_the_sharing_reason(
    meeting, expert, police, other_agency
):
    before = AuditEntry.objects.count(), Disclosure.objects.count()
    missing = download(expert, meeting, reason="attendee_sharing")
    assert missing.status_code == 422
    assert "참석 기관을 고르세요" in missing.content.decode()
    stranger = download(expert, meeting, reason="attendee_sharing", recipient=str(other_agency.pk))
    assert stranger.status_code == 422
    wrong_reason = download(expert, meeting, reason="records", recipient=str(police.pk))
    assert wrong_reason.status_code == 422
    assert "참석 기관과 공유" in wrong_reason.content.decode()
    after = AuditEntry.objects.exclude(action="conference.view").count(), Disclosure.objects.count()
    assert after == (before[0], before[1])
