"""Recording an assessment: the row, the case's level and flag, the timeline entry and the audit
entry in one transaction; every bad field refused at once with nothing written; professional
judgement raises and never lowers; assessments and instruments never change or go."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onestop.accounts.models import Role
from onestop.audit.models import AuditEntry
from onestop.cases.errors import CaseNotFound
from onestop.cases.models import CaseEvent
from onestop.cases.services import case_team_assign, case_transition
from onestop.core import clock
from onestop.core.errors import ValidationFailed
from onestop.risk.engine import level_rank, score_answers
from onestop.risk.errors import CaseClosedForAssessment, RecordImmutable
from onestop.risk.models import ASSESSED_LEVELS, Assessment, Instrument
from onestop.risk.selectors import current_risk, security_eligible
from onestop.risk.services import assessment_record
from onestop.risk.tests.conftest import bundled_definition, scored_answers

pytestmark = pytest.mark.django_db

DEFINITION = bundled_definition()
CODES = [item["code"] for item in DEFINITION["items"]]


def counts() -> tuple[int, int, int]:
    return Assessment.objects.count(), AuditEntry.objects.count(), CaseEvent.objects.count()


def assess(case, actor, instrument, *yes: str, **kwargs: Any) -> Assessment:
    return assessment_record(
        case_id=case.pk,
        actor=actor,
        instrument_id=instrument.pk,
        answers=kwargs.pop("answers", None) or scored_answers(DEFINITION, yes),
        **kwargs,
    )


def refused_fields(case, actor, **kwargs: Any) -> list[tuple[str | None, str]]:
    """The (field, message) of every problem, after checking that nothing was written."""
    before = counts()
    level = type(case).objects.get(pk=case.pk).risk_level
    with pytest.raises(ValidationFailed) as caught:
        assessment_record(case_id=case.pk, actor=actor, **kwargs)
    assert counts() == before
    assert type(case).objects.get(pk=case.pk).risk_level == level
    return [(error.field, error.message) for error in caught.value.errors]


def raw_database() -> str:
    lines: list[str] = []
    with connection.cursor() as cursor:
        for table in ("risk_assessment", "cases_caseevent", "audit_auditentry"):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            lines.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(lines)


def test_an_assessment_is_recorded_with_the_case_level_timeline_and_audit(
    case, manager, instrument
):
    assessment = assess(
        case,
        manager,
        instrument,
        "contact_escalating",
        "following_approaching",
        "home_work_visits",
        summary="최근 2주 사이 연락이 크게 늘었음",
    )

    assert (assessment.score, assessment.computed_level, assessment.final_level) == (
        Decimal(6),
        "medium",
        "medium",
    )
    assert (assessment.raised, assessment.raise_reason, assessment.red_flags) == (False, "", [])
    assert assessment.answers["contact_escalating"] == {"answer": "yes", "source": "victim"}
    assert assessment.answers["weapon"] == {"answer": "no", "source": "staff"}
    assert assessment.assessed_by == manager
    case.refresh_from_db()
    assert (case.risk_level, case.risk_assessed_at) == ("medium", assessment.assessed_at)
    assert case.risk_flagged is False
    event = CaseEvent.objects.get(case=case, kind="risk_assessed")
    assert event.data == {
        "assessment": str(assessment.pk),
        "level": "medium",
        "computed": "medium",
        "instrument": "onestop-stalking-screen",
        "version": "1",
        "raised": False,
        "score": "6",
    }
    entry = AuditEntry.objects.get(action="risk.assess")
    assert (entry.actor, entry.data["level"], entry.data["red_flags"]) == (manager, "medium", [])
    assert "연락이 크게" not in raw_database()  # the summary is sealed
    assert Assessment.objects.get().summary == "최근 2주 사이 연락이 크게 늘었음"


def test_a_red_flag_makes_the_case_high_risk_and_eligible_for_security(case, manager, instrument):
    assert security_eligible(case) is False
    assert current_risk(case) is None

    assessment = assess(case, manager, instrument, "strangulation")

    assert (assessment.score, assessment.computed_level) == (Decimal(4), "high")
    assert assessment.red_flags == ["strangulation"]
    case.refresh_from_db()
    assert case.risk_flagged is True
    assert security_eligible(case) is True
    risk = current_risk(case)
    assert risk is not None
    assert (risk.level, risk.flagged, risk.assessment) == ("high", True, assessment)


def test_the_latest_assessment_decides_eligibility(case, manager, instrument):
    assess(case, manager, instrument, "weapon")
    assess(case, manager, instrument)
    assert security_eligible(case) is False
    risk = current_risk(case)
    assert risk is not None
    assert risk.level == "low"


def test_professional_judgement_raises_the_level_and_records_why(case, manager, instrument):
    assessment = assess(
        case,
        manager,
        instrument,
        "contact_escalating",
        raise_to="very_high",
        raise_reason="가해자가 오늘 피해자 집 앞에서 흉기를 보였다는 제보",
    )
    assert (assessment.computed_level, assessment.final_level, assessment.raised) == (
        "low",
        "very_high",
        True,
    )
    assert assessment.raise_reason == "가해자가 오늘 피해자 집 앞에서 흉기를 보였다는 제보"
    event = CaseEvent.objects.get(case=case, kind="risk_assessed")
    assert (event.data["level"], event.data["computed"], event.data["raised"]) == (
        "very_high",
        "low",
        True,
    )
    assert "흉기를 보였다" not in raw_database()


def test_judgement_never_lowers_the_computed_level(case, manager, instrument):
    fields = refused_fields(
        case,
        manager,
        instrument_id=instrument.pk,
        answers=scored_answers(DEFINITION, ["weapon"]),
        raise_to="medium",
        raise_reason="피해자가 괜찮다고 함",
    )
    assert fields == [
        (
            "raise_to",
            "계산된 수준(높음)보다 낮출 수 없습니다. 전문가 판단은 수준을 올릴 때만 씁니다.",
        )
    ]


def test_a_raise_needs_a_reason_a_higher_level_and_a_known_one(case, manager, instrument):
    answers = scored_answers(DEFINITION, ["weapon"])
    common = {"instrument_id": instrument.pk, "answers": answers}
    assert refused_fields(case, manager, raise_to="very_high", **common) == [
        ("raise_reason", "수준을 올리는 이유를 적어 주세요.")
    ]
    assert refused_fields(case, manager, raise_to="high", raise_reason="같음", **common) == [
        ("raise_to", "계산된 수준과 같습니다. 올릴 때만 고르세요.")
    ]
    assert refused_fields(case, manager, raise_reason="이유만 적음", **common) == [
        ("raise_to", "이유를 적었다면 올릴 수준도 고르세요.")
    ]
    assert refused_fields(case, manager, raise_to="extreme", raise_reason="이유", **common) == [
        ("raise_to", "올릴 수준을 목록에서 고르세요.")
    ]
    assert refused_fields(case, manager, judged_level="high", **common) == [
        ("judged_level", "점수형 도구의 수준은 계산됩니다. 더 높게 보면 '수준 올리기'를 쓰세요.")
    ]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(yes=st.sets(st.sampled_from(CODES)), raise_to=st.sampled_from(["", *ASSESSED_LEVELS]))
def test_the_final_level_is_never_below_the_computed_one(case, manager, instrument, yes, raise_to):
    answers = scored_answers(DEFINITION, yes)
    computed = score_answers(DEFINITION, answers).computed_level
    assert computed is not None
    before = counts()
    record = {
        "case_id": case.pk,
        "actor": manager,
        "instrument_id": instrument.pk,
        "answers": answers,
        "raise_to": raise_to,
        "raise_reason": "판단 근거" if raise_to else "",
    }
    if raise_to and level_rank(raise_to) <= level_rank(computed):
        # a "raise" to the computed level or below: refused, by its field, nothing written
        with pytest.raises(ValidationFailed) as refused:
            assessment_record(**record)
        assert [e.field for e in refused.value.errors] == ["raise_to"]
        assert counts() == before
        return
    assessment = assessment_record(**record)
    assert assessment.computed_level == computed
    assert assessment.final_level == (raise_to or computed)
    assert level_rank(assessment.final_level) >= level_rank(assessment.computed_level)
    assert assessment.raised == bool(raise_to)


def test_every_bad_answer_is_refused_at_once(case, manager, instrument):
    answers = scored_answers(DEFINITION)
    answers["contact_escalating"] = {"answer": "", "source": ""}
    answers["weapon"] = {"answer": "yes", "source": ""}
    answers["strangulation"] = {"answer": "maybe", "source": "neighbour"}
    answers["victim_fear"] = {"answer": "unknown", "source": ""}  # no source needed
    answers["not_an_item"] = {"answer": "yes", "source": "victim"}
    fields = refused_fields(
        case,
        manager,
        instrument_id=instrument.pk,
        answers=answers,
        raise_to="low",
        raise_reason="x" * 5001,
    )
    assert fields == [
        ("answers.contact_escalating.answer", "예, 아니오, 모름 가운데 하나를 고르세요."),
        ("answers.strangulation.answer", "예, 아니오, 모름 가운데 하나를 고르세요."),
        ("answers.strangulation.source", "누가 답했는지 고르세요."),
        ("answers.weapon.source", "누가 답했는지 고르세요."),
        ("answers", "이 도구에 없는 항목입니다: not_an_item"),
        # the valid "weapon: yes" already makes it high
        (
            "raise_to",
            "계산된 수준(높음)보다 낮출 수 없습니다. 전문가 판단은 수준을 올릴 때만 씁니다.",
        ),
        ("raise_reason", "이유가 너무 깁니다."),
    ]


def test_an_unknown_instrument_is_a_field_error(case, manager):
    for instrument_id in (None, "not-a-uuid", "5f0c8c55-8f0e-4c8e-9d43-0d0f3f0f0f0f"):
        assert refused_fields(case, manager, instrument_id=instrument_id, answers={}) == [
            ("instrument", "평가 도구를 고르세요.")
        ]


# --- structured professional judgement ----------------------------------------------------------


def spj_answers(**overrides: dict[str, str]) -> dict[str, dict[str, str]]:
    answers = {
        "persistence": {"rating": "present", "rationale": "접근금지 뒤에도 매일 연락"},
        "violence_risk": {"rating": "partial", "rationale": "과거 폭행 신고 1건"},
        "victim_vulnerability": {"rating": "absent", "rationale": ""},
    }
    answers.update(overrides)
    return answers


def test_an_spj_assessment_records_ratings_rationales_and_the_judged_level(
    case, manager, spj_instrument
):
    assessment = assessment_record(
        case_id=case.pk,
        actor=manager,
        instrument_id=spj_instrument.pk,
        answers=spj_answers(),
        judged_level="high",
        summary="집요함이 뚜렷하고 폭력 전력이 있어 높음으로 판단",
    )
    assert assessment.score is None
    assert (assessment.computed_level, assessment.final_level, assessment.raised) == (
        "high",
        "high",
        False,
    )
    assert assessment.answers == {
        "persistence": {"rating": "present"},
        "violence_risk": {"rating": "partial"},
        "victim_vulnerability": {"rating": "absent"},
    }
    assert json.loads(assessment.rationales) == {
        "persistence": "접근금지 뒤에도 매일 연락",
        "violence_risk": "과거 폭행 신고 1건",
    }
    raw = raw_database()
    assert "매일 연락" not in raw
    assert "폭력 전력" not in raw
    event = CaseEvent.objects.get(case=case, kind="risk_assessed")
    assert (event.data["level"], event.data["score"]) == ("high", None)
    case.refresh_from_db()
    assert case.risk_flagged is True


def test_an_spj_assessment_needs_ratings_rationales_a_level_and_a_summary(
    case, manager, spj_instrument
):
    fields = refused_fields(
        case,
        manager,
        instrument_id=spj_instrument.pk,
        answers=spj_answers(
            persistence={"rating": "present", "rationale": " "},
            violence_risk={"rating": "", "rationale": ""},
        ),
        raise_to="very_high",
    )
    assert fields == [
        ("answers.persistence.rationale", "있거나 부분적으로 있다고 본 근거를 적어 주세요."),
        ("answers.violence_risk.rating", "있음, 부분적으로 있음, 없음 가운데 하나를 고르세요."),
        ("summary", "종합 판단을 적어 주세요."),
        ("judged_level", "판단한 위험 수준을 고르세요."),
        ("raise_to", "전문가 판단 도구에서는 위험 수준을 직접 고릅니다."),
    ]


# --- who may assess, and when -------------------------------------------------------------------


TEAM_ROLES = {Role.CASE_MANAGER: "case_manager", Role.HOTLINE_COUNSELOR: "counselor"}


@pytest.mark.parametrize(
    ("role", "where", "on_team", "may"),
    [
        (Role.HOTLINE_COUNSELOR, "own", True, True),
        (Role.CASE_MANAGER, "own", True, True),
        (Role.SUPERVISOR, "own", False, True),
        (Role.CASE_MANAGER, "own", False, False),
        (Role.STATISTICIAN, "own", False, False),
        (Role.ADMIN, "own", False, False),
        (Role.SUPERVISOR, "other", False, False),
        (Role.CASE_MANAGER, "other", False, False),
    ],
)
def test_who_may_assess(
    case, manager, make_staff, agency, other_agency, instrument, role, where, on_team, may
):
    user = make_staff(agency if where == "own" else other_agency, role, username=f"u-{where}")
    if on_team:
        case_team_assign(case_id=case.pk, actor=manager, staff_id=user.pk, role=TEAM_ROLES[role])
    before = counts()
    if may:
        assert assess(case, user, instrument, "weapon").assessed_by == user
    else:
        with pytest.raises(CaseNotFound):
            assess(case, user, instrument, "weapon")
        assert counts() == before


def test_a_closed_case_is_not_assessed(case, manager, instrument):
    case_transition(
        case_id=case.pk, actor=manager, to_status="closed", close_reason="support_completed"
    )
    before = counts()
    with pytest.raises(CaseClosedForAssessment):
        assess(case, manager, instrument)
    assert counts() == before


# --- append-only --------------------------------------------------------------------------------


def test_an_assessment_is_never_changed_or_removed(case, manager, instrument):
    assessment = assess(case, manager, instrument, "weapon")
    assessment.final_level = "low"
    with pytest.raises(RecordImmutable):
        assessment.save()
    with pytest.raises(RecordImmutable):
        assessment.delete()
    with pytest.raises(RecordImmutable):
        Assessment.objects.filter(pk=assessment.pk).update(final_level="low")
    with pytest.raises(RecordImmutable):
        Assessment.objects.filter(pk=assessment.pk).delete()
    stored = Assessment.objects.get(pk=assessment.pk)
    assert stored.final_level == "high"


def test_an_instrument_version_is_never_changed_or_removed(instrument):
    instrument.definition = {"changed": True}
    with pytest.raises(RecordImmutable):
        instrument.save()
    with pytest.raises(RecordImmutable):
        instrument.delete()
    with pytest.raises(RecordImmutable):
        Instrument.objects.all().update(version="2")
    assert Instrument.objects.get(pk=instrument.pk).definition["code"] == "onestop-stalking-screen"


def test_the_database_refuses_a_final_level_below_the_computed_one(case, manager, instrument):
    values = {
        "case": case,
        "instrument": instrument,
        "assessed_at": clock.now(),
        "assessed_by": manager,
    }
    for bad in (
        {"computed_level": "high", "final_level": "medium", "raised": True, "raise_reason": "x"},
        {"computed_level": "low", "final_level": "high", "raised": True, "raise_reason": ""},
        {"computed_level": "low", "final_level": "high", "raised": False},
        {"computed_level": "unknown", "final_level": "unknown"},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Assessment.objects.create(**values, **bad)
    assert Assessment.objects.count() == 0
