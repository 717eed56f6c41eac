"""Her safety plan in the portal: both pages need her sign-in, are never cached and send no
referrer; what she types comes back as she typed it; a refusal keeps all of it and writes
nothing; the printed sheet holds her entries under neutral headings and leaves out names,
numbers and code words unless she asks for them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from onestop.accounts.models import Staff
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case, CaseEvent
from onestop.safety.models import SafetyPlan
from onestop.safety.services import safety_plan_save_by_victim

from .conftest import CODE_WORD, FRIEND, FRIEND_PHONE, a_plan, signed_in_victim

pytestmark = pytest.mark.django_db

TYPED = {
    "version": "0",
    "q_signals_warning": "술을 마시고 전화하면\n불안해요",
    "q_routes_safe_places": "역 앞 24시간 편의점, ○○지구대",
    "q_appears_home": "문 열지 않고 112",
    "checks": ["sos_setting", "unknown_apps", "evidence_copies"],
    "person0_name": FRIEND,
    "person0_contact": FRIEND_PHONE,
    "person0_knows": "지금 상황과 이 계획",
    "person0_signal": CODE_WORD,
    "person1_name": "",
    "person1_contact": "",
}


@pytest.mark.parametrize("name", ["portal:safety", "portal:safety_print"])
def test_both_pages_need_her_sign_in(case: Case, name: str) -> None:
    for answer in (Client().get(reverse(name)), Client().post(reverse(name), TYPED)):
        assert answer.status_code == 302
        assert answer["Location"] == reverse("portal:sign_in")
        assert answer["Cache-Control"] == "no-store"
    assert SafetyPlan.objects.count() == 0


@pytest.mark.parametrize("name", ["portal:safety", "portal:safety_print"])
def test_pages_are_private_and_neutral(case: Case, name: str) -> None:
    answer = signed_in_victim(case).get(reverse(name))
    text = answer.content.decode()
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-store"
    assert answer["Referrer-Policy"] == "same-origin"
    assert "<title>생활 안내</title>" in text
    assert "data-quick-exit" in text


def test_what_she_types_comes_back_as_she_typed_it(case: Case) -> None:
    client = signed_in_victim(case)
    answer = client.post(reverse("portal:safety"), {**TYPED, "after": "routes"})
    assert answer.status_code == 302
    assert answer["Location"] == reverse("portal:safety") + "#section-routes"
    plan = SafetyPlan.objects.get(case=case)
    assert plan.saved_by_label == "portal"
    assert plan.data["answers"]["signals_warning"] == "술을 마시고 전화하면\n불안해요"
    assert plan.data["people"] == [
        {
            "name": FRIEND,
            "contact": FRIEND_PHONE,
            "knows": "지금 상황과 이 계획",
            "signal": CODE_WORD,
        }
    ]
    page = client.get(reverse("portal:safety"))
    text = page.content.decode()
    assert "저장했습니다" in text
    assert "술을 마시고 전화하면\n불안해요</textarea>" in text
    assert "역 앞 24시간 편의점, ○○지구대" in text
    assert f'value="{FRIEND}"' in text
    assert f'value="{FRIEND_PHONE}"' in text
    assert f'value="{CODE_WORD}"' in text
    assert 'value="unknown_apps" checked' in text
    assert 'value="two_step" checked' not in text
    assert 'name="version" value="1"' in text
    event = CaseEvent.objects.get(case=case, kind="safety_plan_saved")
    assert event.data["by"] == "portal"
    assert AuditEntry.objects.get(action="safety.save").actor_label == "portal"


def test_a_refusal_keeps_everything_she_typed_and_writes_nothing(case: Case) -> None:
    client = signed_in_victim(case)
    typed = {**TYPED, "q_routes_home": "가" * 1001, "person1_knows": "아무것도"}
    answer = client.post(reverse("portal:safety"), typed)
    text = answer.content.decode()
    assert answer.status_code == 422
    assert answer["Cache-Control"] == "no-store"
    assert "1000자 이내로 적어 주세요 (지금 1001자)" in text
    assert "이름이나 부르는 이름을 적어 주세요" in text
    assert "술을 마시고 전화하면\n불안해요</textarea>" in text
    assert "가" * 1001 in text
    assert f'value="{CODE_WORD}"' in text
    assert 'value="아무것도"' in text
    assert 'value="evidence_copies" checked' in text
    assert SafetyPlan.objects.count() == 0
    assert CaseEvent.objects.filter(kind="safety_plan_saved").count() == 0


def test_her_counselor_saving_in_between_is_not_overwritten_silently(
    case: Case, manager: Staff
) -> None:
    client = signed_in_victim(case)
    safety_plan_save_by_victim(case=case, data=a_plan())  # (as if her counselor saved it)
    answer = client.post(reverse("portal:safety"), TYPED)
    text = answer.content.decode()
    assert answer.status_code == 409
    assert "방금 다른 곳에서 저장되었습니다" in text
    assert "문 열지 않고 112" in text
    assert 'name="version" value="1"' in text  # saving again is her deliberate choice
    assert SafetyPlan.objects.count() == 1
    assert client.post(reverse("portal:safety"), {**TYPED, "version": "1"}).status_code == 302
    assert SafetyPlan.objects.count() == 2


def test_she_sees_only_her_own_plan(
    case: Case, open_case: Callable[..., Case], manager: Staff
) -> None:
    other = open_case(manager, name="이민아", phone="010-2222-3333")
    safety_plan_save_by_victim(case=other, data=a_plan())
    client = signed_in_victim(case)
    for name in ("portal:safety", "portal:safety_print"):
        text = client.post(reverse(name), {"include": ["names", "code_words"]}).content.decode()
        assert FRIEND not in text
        assert "큰길" not in text


def test_the_printed_sheet_holds_her_entries_and_leaves_out_names_when_she_chooses(
    case: Case,
) -> None:
    client = signed_in_victim(case)
    client.post(reverse("portal:safety"), TYPED)
    url = reverse("portal:safety_print")
    first = client.get(url).content.decode()
    chosen = client.post(url, {"include": ["code_words"]}).content.decode()
    for text in (first, chosen):
        assert "역 앞 24시간 편의점, ○○지구대" in text
        assert "문 열지 않고 112" in text
        assert "지금 상황과 이 계획" in text
        assert FRIEND not in text
        assert FRIEND_PHONE not in text
        sheet = text.split('class="safety-sheet"', 1)[1]
        for shouting in ("스토킹", "가해자", "그가 나타나면", "위험 신호"):
            assert shouting not in sheet
        assert "나의 준비 메모" in sheet
    assert CODE_WORD not in first
    assert CODE_WORD in chosen
    everything = client.post(url, {"include": ["names", "code_words"]}).content.decode()
    assert FRIEND in everything
    assert FRIEND_PHONE in everything
    assert '<li class="done">' in everything
