"""The staff side through the real views: the case page's panel says when the plan was saved and
by whom (never its contents); the plan page (audited) lets her team fill it in, keeps what was
typed on a refusal and writes nothing; the printable sheet leaves out names and code words
unless asked; other agencies and staff off the team get 404."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from onestop.accounts.models import Role, Staff
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case
from onestop.safety.models import SafetyPlan
from onestop.safety.services import safety_plan_save_by_victim

from .conftest import CODE_WORD, FRIEND, FRIEND_PHONE, a_plan

pytestmark = pytest.mark.django_db


def logged_in(user: Staff) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_panel_says_when_and_by_whom_and_nothing_of_the_contents(
    case: Case, manager: Staff
) -> None:
    client = logged_in(manager)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "아직 안전 계획이 없습니다" in page
    safety_plan_save_by_victim(case=case, data=a_plan())
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "1번째 저장" in page
    assert "피해자 (포털)" in page
    assert reverse("safety:plan", args=[case.pk]) in page
    assert reverse("safety:print", args=[case.pk]) in page
    assert "안전 계획 저장" in page  # the timeline entry, described in the reader's language
    assert "1번째 저장 · 바뀐 부분: 위험 신호와 112 신고, 믿을 수 있는 사람들" in page
    assert "피해자가 포털에서 저장" in page
    for secret in (FRIEND, FRIEND_PHONE, CODE_WORD):
        assert secret not in page
    assert not AuditEntry.objects.filter(action="safety.view").exists()


@pytest.mark.parametrize("name", ["safety:plan", "safety:print"])
def test_outsiders_get_404(
    case: Case,
    name: str,
    staff: dict[str, Staff],
    other_agency: object,
    make_staff: Callable[..., Staff],
) -> None:
    safety_plan_save_by_victim(case=case, data=a_plan())
    outsiders = [
        staff[Role.HOTLINE_COUNSELOR],  # same agency, not on the team
        make_staff(other_agency, Role.SUPERVISOR),
        make_staff(other_agency, Role.CASE_MANAGER),
    ]
    for outsider in outsiders:
        client = logged_in(outsider)
        assert client.get(reverse(name, args=[case.pk])).status_code == 404
        assert client.post(reverse(name, args=[case.pk]), {}).status_code == 404
    assert SafetyPlan.objects.count() == 1
    assert not AuditEntry.objects.filter(action="safety.view").exists()
    assert Client().get(reverse(name, args=[case.pk])).status_code == 302  # sign in first


def test_the_plan_page_shows_it_audited_and_saves_with_her(
    case: Case, manager: Staff, supervisor: Staff
) -> None:
    safety_plan_save_by_victim(case=case, data=a_plan())
    client = logged_in(supervisor)
    answer = client.get(reverse("safety:plan", args=[case.pk]))
    text = answer.content.decode()
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-store"
    assert FRIEND in text
    assert CODE_WORD in text
    assert 'value="location_sharing_off" checked' in text
    assert AuditEntry.objects.get(action="safety.view").data["purpose"] == "view"
    answer = client.post(
        reverse("safety:plan", args=[case.pk]),
        {
            "version": "1",
            "q_appears_work": "안내 데스크에 사진 전달",
            "checks": ["sos_setting", "tell_workplace"],
            "person0_name": FRIEND,
            "person0_contact": FRIEND_PHONE,
            "person0_knows": "지금 상황",
            "person0_signal": CODE_WORD,
            "person1_name": "",
        },
    )
    assert answer.status_code == 302
    plan = SafetyPlan.objects.order_by("-version").first()
    assert plan is not None
    assert plan.version == 2
    assert plan.saved_by == supervisor
    assert plan.data["answers"] == {"appears_work": "안내 데스크에 사진 전달"}
    assert plan.sections_changed == ["signals", "routes", "appears", "phone"]
    history = client.get(reverse("safety:plan", args=[case.pk])).content.decode()
    assert supervisor.label in history


def test_a_refused_save_keeps_what_was_typed_and_writes_nothing(case: Case, manager: Staff) -> None:
    client = logged_in(manager)
    saves = AuditEntry.objects.filter(action="safety.save")
    before = (SafetyPlan.objects.count(), saves.count())
    answer = client.post(
        reverse("safety:plan", args=[case.pk]),
        {
            "version": "0",
            "q_routes_home": "큰길로 다니기",
            "q_ready_other": "가" * 501,
            "person0_contact": FRIEND_PHONE,
            "checks": ["id_card"],
        },
    )
    text = answer.content.decode()
    assert answer.status_code == 422
    assert "큰길로 다니기" in text
    assert FRIEND_PHONE in text
    assert 'value="id_card" checked' in text
    assert "500자 이내로 적어 주세요 (지금 501자)" in text
    assert "이름이나 부르는 이름을 적어 주세요" in text
    assert (
        SafetyPlan.objects.count(),
        AuditEntry.objects.filter(action="safety.save").count(),
    ) == before


def test_the_printable_sheet_leaves_out_names_and_code_words_unless_chosen(
    case: Case, manager: Staff
) -> None:
    safety_plan_save_by_victim(case=case, data=a_plan())
    client = logged_in(manager)
    url = reverse("safety:print", args=[case.pk])
    plain = client.get(url)
    text = plain.content.decode()
    assert plain["Cache-Control"] == "no-store"
    assert "버스 대신 큰길로, 7시 전에" in text
    assert "지금 상황" in text
    assert FRIEND not in text
    assert FRIEND_PHONE not in text
    assert CODE_WORD not in text
    full = client.post(url, {"include": ["names", "code_words"]}).content.decode()
    assert FRIEND in full
    assert FRIEND_PHONE in full
    assert CODE_WORD in full
    purposes = list(
        AuditEntry.objects.filter(action="safety.view").values_list("data__purpose", flat=True)
    )
    assert purposes == ["print", "print"]
