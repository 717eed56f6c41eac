"""The risk panel of the case page and its assessment form, through the real views: who sees and
uses them (everyone else gets 404, as for the case itself), what the page shows (the level, the
flag, the due state, the history and its SVG chart, in Korean or English), and that a refusal
shows its errors next to its items and writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from onestop.accounts.models import Role
from onestop.audit.models import AuditEntry
from onestop.cases.services import case_team_assign
from onestop.risk.models import Assessment
from onestop.risk.services import assessment_record
from onestop.risk.tests.conftest import bundled_definition, scored_answers

pytestmark = pytest.mark.django_db

DEFINITION = bundled_definition()
TEAM_ROLES = {
    Role.CASE_MANAGER: "case_manager",
    Role.HOTLINE_COUNSELOR: "counselor",
    Role.EXPERT: "expert",
}


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(instrument, *yes: str, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"instrument": str(instrument.pk)}
    for code, given in scored_answers(DEFINITION, yes).items():
        data[f"answers.{code}.answer"] = given["answer"]
        data[f"answers.{code}.source"] = given["source"]
    data.update(extra)
    return data


def counts() -> tuple[int, int]:
    return (
        Assessment.objects.count(),
        AuditEntry.objects.exclude(action="case.view.case").count(),
    )


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("where", ["own", "other"])
@pytest.mark.parametrize("on_team", [True, False])
def test_who_sees_the_panel_and_may_assess(
    case, manager, make_staff, agency, other_agency, instrument, role, where, on_team
):
    home = agency if where == "own" else other_agency
    user = make_staff(home, role, username=f"{where}-{role}".replace("_", "-"))
    if on_team and where == "own" and role in TEAM_ROLES:
        case_team_assign(case_id=case.pk, actor=manager, staff_id=user.pk, role=TEAM_ROLES[role])
    may = where == "own" and (role == Role.SUPERVISOR or (on_team and role in TEAM_ROLES))
    client = logged_in(user)

    page = client.get(reverse("cases:detail", args=[case.pk]))
    response = client.post(reverse("risk:assess", args=[case.pk]), form_data(instrument, "weapon"))

    if may:
        assert page.status_code == 200
        assert 'id="risk-title"' in page.content.decode()
        assert response.status_code == 302
        assert response["Location"] == reverse("cases:detail", args=[case.pk])
        assert Assessment.objects.get().assessed_by == user
    else:
        assert page.status_code == 404
        assert response.status_code == 404
        assert Assessment.objects.count() == 0


def test_anonymous_is_sent_to_sign_in(case, instrument):
    response = Client().post(reverse("risk:assess", args=[case.pk]), form_data(instrument))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert Assessment.objects.count() == 0


def test_an_unknown_instrument_is_not_found(case, manager):
    response = logged_in(manager).post(
        reverse("risk:assess", args=[case.pk]), {"instrument": "nonsense"}
    )
    assert response.status_code == 404
    assert Assessment.objects.count() == 0


def test_a_never_assessed_case_shows_the_form_in_korean(case, manager, instrument):
    page = logged_in(manager).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "위험 평가" in page
    assert "아직 위험 평가가 없습니다." in page
    assert "재평가가 필요합니다." in page
    assert "아직 평가하지 않았습니다" in page
    assert "스토킹 위험 선별 도구 (OneStop) v1(으)로 평가하기" in page
    assert "목을 조르거나 입·코를 막아 숨을 못 쉬게 한 적이 있다." in page
    assert "위험 신호: '예'이면 '높음' 이상" in page
    assert f'action="{reverse("risk:assess", args=[case.pk])}"' in page
    assert 'name="answers.strangulation.answer"' in page
    assert 'name="answers.strangulation.source"' in page
    assert "<svg" not in page  # no history, no chart


def test_the_page_shows_the_level_flag_history_and_chart(case, manager, instrument):
    client = logged_in(manager)
    first = form_data(instrument, "contact_escalating")
    first["answers.victim_fear.answer"] = "unknown"
    first["answers.victim_fear.source"] = ""
    assert client.post(reverse("risk:assess", args=[case.pk]), first).status_code == 302
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "'모름'으로 답한 항목이 1개 있습니다." in page
    response = client.post(
        reverse("risk:assess", args=[case.pk]),
        form_data(
            instrument,
            "strangulation",
            raise_to="very_high",
            raise_reason="피해자가 오늘 밤 찾아오겠다는 문자를 받음",
        ),
        follow=True,
    )
    page = response.content.decode()
    assert "위험 평가를 기록했습니다: 매우 높음" in page
    assert "현재 위험 수준" in page
    assert "고위험 사례" in page
    assert "사례회의 의뢰가 제안되고, 민간 경호 지원을 받을 수 있습니다." in page
    assert "다음 재평가:" in page
    assert "(전문가 판단으로 올림)" in page
    assert "'모름' 1개" in page  # the first assessment's
    assert "'모름'으로 답한 항목이" not in page  # the latest has none
    assert "피해자가 오늘 밤 찾아오겠다는 문자를 받음" in page
    # the chart: inline SVG, two points, a step line from low up to very high
    assert page.count("<svg") == 1
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert 'role="img"' in svg
    assert svg.count("<circle") == 2
    assert "risk-chart-point-low" in svg
    assert "risk-chart-point-very_high" in svg
    assert '<path class="risk-chart-line" d="M78.0,108 H348.0 V18"' in svg
    assert "<script" not in page[page.index('id="risk-title"') :]
    table = page[page.index('<table class="risk-history">') : page.index("</table>")]
    assert table.count("<tr>") == 3  # header and two assessments


def test_the_page_speaks_english_when_asked(case, manager, instrument):
    client = logged_in(manager)
    client.post(reverse("set_language"), {"language": "en"})
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Has ever choked or strangled the victim" in page
    assert "Stalking risk screen (OneStop) v1" in page


def test_a_refused_assessment_shows_the_errors_keeps_the_input_and_writes_nothing(
    case, manager, instrument
):
    data = form_data(instrument, "weapon", raise_to="medium", raise_reason="피해자가 괜찮다고 함")
    data["answers.victim_fear.answer"] = ""
    data["answers.weapon.source"] = ""
    before = counts()
    response = logged_in(manager).post(reverse("risk:assess", args=[case.pk]), data)
    assert response.status_code == 422
    assert counts() == before
    page = response.content.decode()
    assert "예, 아니오, 모름 가운데 하나를 고르세요." in page
    assert "누가 답했는지 고르세요." in page
    assert "계산된 수준(높음)보다 낮출 수 없습니다." in page
    assert "피해자가 괜찮다고 함" in page  # kept
    assert '<details class="form-details" open>' in page


def test_an_spj_instrument_gets_its_own_form(case, manager, spj_instrument):
    client = logged_in(manager)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "예시 구조화된 전문가 판단 도구 v2024.1(으)로 평가하기" in page
    assert 'name="answers.persistence.rating"' in page
    assert 'name="answers.persistence.rationale"' in page
    assert 'name="judged_level"' in page

    response = client.post(
        reverse("risk:assess", args=[case.pk]),
        {
            "instrument": str(spj_instrument.pk),
            "answers.persistence.rating": "present",
            "answers.persistence.rationale": "매일 찾아옴",
            "answers.violence_risk.rating": "absent",
            "answers.victim_vulnerability.rating": "partial",
            "answers.victim_vulnerability.rationale": "혼자 삶",
            "judged_level": "high",
            "summary": "집요하고 피해자가 고립되어 높음",
        },
    )
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert (assessment.final_level, assessment.score) == ("high", None)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "집요하고 피해자가 고립되어 높음" in page
    assert "매일 찾아옴" in page


def test_a_closed_case_offers_no_form(case, manager, instrument):
    from onestop.cases.services import case_transition

    assessment_record(
        case_id=case.pk,
        actor=manager,
        instrument_id=instrument.pk,
        answers=scored_answers(DEFINITION),
    )
    case_transition(
        case_id=case.pk, actor=manager, to_status="closed", close_reason="support_completed"
    )
    page = logged_in(manager).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "평가 기록" in page
    assert 'name="answers.weapon.answer"' not in page
