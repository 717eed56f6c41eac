"""The satisfaction survey at closure: answered only while the case is closed, once per case (the
constraint holds under concurrency too), a score of 1 to 5 and at most 1,000 characters of
comment, everything wrong refused at once with nothing written; the answer audited (score only);
the portal page, the case team's panel, and the supervisors' summary with exact numbers."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onestop.accounts.models import Agency, Role, Staff
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case, CaseStatus, CloseReason
from onestop.cases.services import case_transition
from onestop.core import clock
from onestop.core.errors import ValidationFailed
from onestop.portal import survey as survey_module
from onestop.portal.models import SatisfactionSurvey
from onestop.portal.services import portal_access_open
from onestop.portal.survey import (
    SurveyAlreadyAnswered,
    SurveyNotOpen,
    SurveySummaryForbidden,
    survey_answer,
    survey_summary,
)
from onestop.portal.views import SEEN_KEY, SESSION_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(open_case: Callable[..., Case], manager: Staff) -> Case:
    return open_case(manager)


def close(case: Case, actor: Staff) -> Case:
    return case_transition(
        case_id=case.pk,
        actor=actor,
        to_status=CaseStatus.CLOSED,
        close_reason=CloseReason.SUPPORT_COMPLETED,
    )


@pytest.fixture
def closed_case(case: Case, manager: Staff) -> Case:
    return close(case, manager)


def counts() -> tuple[int, int]:
    return SatisfactionSurvey.objects.count(), AuditEntry.objects.count()


def victim_client(case: Case) -> Client:
    access, _code = portal_access_open(
        actor=None, case=case, passphrase="봄날의 벚꽃길 2024", code_word="해바라기"
    )
    client = Client()
    session = client.session
    session[SESSION_KEY] = str(access.pk)
    session[SEEN_KEY] = time.time()
    session.save()
    return client


def logged_in(user: Staff) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the service -------------------------------------------------------------------------------


def test_an_answer_on_a_closed_case_is_saved_sealed_and_audited_by_score_only(
    closed_case: Case,
) -> None:
    survey = survey_answer(case=closed_case, score=5, comment="  상담 선생님 덕분에 버텼어요  ")
    survey.refresh_from_db()
    assert (survey.case_id, survey.score) == (closed_case.pk, 5)
    assert survey.comment == "상담 선생님 덕분에 버텼어요"
    with connection.cursor() as cursor:
        cursor.execute("SELECT comment FROM portal_satisfactionsurvey")
        (raw,) = cursor.fetchone()
    assert "버텼어요" not in raw
    entry = AuditEntry.objects.get(action="portal.survey")
    assert entry.actor_id is None
    assert entry.actor_label == "portal"
    assert entry.target_id == str(closed_case.pk)
    assert entry.data == {"score": 5}


def test_an_open_case_is_refused_and_nothing_is_written(case: Case) -> None:
    before = counts()
    with pytest.raises(SurveyNotOpen):
        survey_answer(case=case, score=4, comment="")
    assert counts() == before


def test_a_reopened_case_is_refused(closed_case: Case, manager: Staff) -> None:
    case_transition(
        case_id=closed_case.pk, actor=manager, to_status=CaseStatus.ASSESSING, note="다시 연락"
    )
    before = counts()
    with pytest.raises(SurveyNotOpen):
        survey_answer(case=closed_case, score=4, comment="")
    assert counts() == before


def test_a_second_answer_is_refused_and_changes_nothing(closed_case: Case) -> None:
    first = survey_answer(case=closed_case, score=2, comment="첫 답")
    before = counts()
    with pytest.raises(SurveyAlreadyAnswered):
        survey_answer(case=closed_case, score=5, comment="바꾼 답")
    assert counts() == before
    first.refresh_from_db()
    assert (first.score, first.comment) == (2, "첫 답")


def test_an_answer_that_loses_the_race_is_refused_by_the_constraint(
    closed_case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an answer committed by someone else after this call's check
    survey_answer(case=closed_case, score=3, comment="")
    monkeypatch.setattr(survey_module, "_answered", lambda case: False)
    before = counts()
    # then the unique constraint refuses it, as the same clear refusal, and nothing is written
    with pytest.raises(SurveyAlreadyAnswered):
        survey_answer(case=closed_case, score=5, comment="")
    assert counts() == before


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(score=st.one_of(st.integers(), st.integers(min_value=-2, max_value=8)))
def test_only_scores_one_to_five_are_accepted(closed_case: Case, score: int) -> None:
    with transaction.atomic():
        before = counts()
        if 1 <= score <= 5:
            assert survey_answer(case=closed_case, score=score, comment="").score == score
            assert counts() == (before[0] + 1, before[1] + 1)
        else:
            with pytest.raises(ValidationFailed) as refused:
                survey_answer(case=closed_case, score=score, comment="")
            assert [(e.field, e.message) for e in refused.value.errors] == [
                ("score", "점수는 1부터 5까지입니다.")
            ]
            assert counts() == before
        transaction.set_rollback(True)


def test_the_database_holds_the_score_bounds_too(closed_case: Case) -> None:
    for score in (0, 6):
        with pytest.raises(IntegrityError), transaction.atomic():
            SatisfactionSurvey.objects.create(
                case=closed_case, score=score, answered_at=clock.now()
            )


def test_a_comment_of_up_to_1000_characters_is_kept(closed_case: Case) -> None:
    assert len(survey_answer(case=closed_case, score=4, comment="가" * 1000).comment) == 1000


def test_every_problem_is_refused_at_once_and_nothing_is_written(closed_case: Case) -> None:
    before = counts()
    with pytest.raises(ValidationFailed) as refused:
        survey_answer(case=closed_case, score=None, comment="가" * 1001)
    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("score", "1부터 5까지 중에서 하나를 골라 주세요."),
        ("comment", "남기실 말은 1000자까지 쓸 수 있습니다. 지금 1001자입니다."),
    ]
    assert counts() == before


def test_true_is_not_a_score(closed_case: Case) -> None:
    with pytest.raises(ValidationFailed):
        survey_answer(case=closed_case, score=True, comment="")
    assert counts()[0] == 0


# --- the summary -------------------------------------------------------------------------------


@pytest.fixture
def answered(open_case: Callable[..., Case], manager: Staff) -> Callable[..., SatisfactionSurvey]:
    made = iter(range(100))

    def make(score: int, *, actor: Staff = manager, days_ago: float = 1) -> SatisfactionSurvey:
        i = next(made)
        case = close(open_case(actor, name=f"피해자{i}", phone=f"010-5{i:03d}-{2000 + i}"), actor)
        survey = survey_answer(case=case, score=score, comment="")
        SatisfactionSurvey.objects.filter(pk=survey.pk).update(
            answered_at=clock.now() - dt.timedelta(days=days_ago)
        )
        return survey

    return make


def test_the_summary_counts_averages_and_distributes_the_agencys_answers(
    answered: Callable[..., SatisfactionSurvey],
    supervisor: Staff,
    other_agency: Agency,
    make_staff: Callable[..., Staff],
) -> None:
    for score in (5, 4, 4, 1):
        answered(score)
    answered(5, days_ago=91)  # before the period
    answered(2, actor=make_staff(other_agency, Role.CASE_MANAGER))  # another agency's
    now = clock.now()
    summary = survey_summary(user=supervisor, since=now - dt.timedelta(days=90), until=now)
    assert summary.count == 4
    assert summary.mean == Decimal("3.50")
    assert summary.distribution == {1: 1, 2: 0, 3: 0, 4: 2, 5: 1}
    assert summary.rows == [(5, 1), (4, 2), (3, 0), (2, 0), (1, 1)]


def test_the_mean_is_rounded_to_two_places_and_the_period_is_half_open(
    answered: Callable[..., SatisfactionSurvey], supervisor: Staff
) -> None:
    for score in (5, 5, 4):
        answered(score)
    at = clock.now() - dt.timedelta(days=1)
    SatisfactionSurvey.objects.update(answered_at=at)
    second = dt.timedelta(seconds=1)
    starting = survey_summary(user=supervisor, since=at, until=at + second)
    ending = survey_summary(user=supervisor, since=at - second, until=at)
    assert (starting.count, starting.mean) == (3, Decimal("4.67"))  # 14 / 3
    assert (ending.count, ending.mean) == (0, None)


def test_nobody_answered_means_no_mean(supervisor: Staff) -> None:
    now = clock.now()
    summary = survey_summary(user=supervisor, since=now - dt.timedelta(days=90), until=now)
    assert (summary.count, summary.mean) == (0, None)
    assert summary.distribution == {1: 0, 2: 0, 3: 0, 4: 0, 5: 0}


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.SUPERVISOR])
def test_only_supervisors_read_the_summary(staff: dict[str, Staff], role: str) -> None:
    now = clock.now()
    with pytest.raises(SurveySummaryForbidden):
        survey_summary(user=staff[role], since=now - dt.timedelta(days=90), until=now)


# --- the portal page ---------------------------------------------------------------------------


def test_the_survey_page_needs_her_sign_in() -> None:
    answer = Client().get(reverse("portal:survey"))
    assert answer.status_code == 302
    assert answer["Location"] == reverse("portal:sign_in")
    assert answer["Cache-Control"] == "no-store"


def test_an_open_case_is_sent_back_to_her_case_page(case: Case) -> None:
    client = victim_client(case)
    answer = client.get(reverse("portal:survey"))
    assert answer.status_code == 302
    assert answer["Location"] == reverse("portal:case")
    assert client.post(reverse("portal:survey"), {"score": "5"}).status_code == 302
    assert SatisfactionSurvey.objects.count() == 0


def test_she_answers_once_and_is_thanked(closed_case: Case) -> None:
    client = victim_client(closed_case)
    form = client.get(reverse("portal:survey"))
    text = form.content.decode()
    assert form.status_code == 200
    assert form["Cache-Control"] == "no-store"
    assert "<title>생활 안내</title>" in text
    for word in ("매우 불만족", "불만족", "보통", "만족", "매우 만족"):
        assert word in text
    assert text.count('type="radio" name="score"') == 5
    sent = client.post(reverse("portal:survey"), {"score": "4", "comment": "고마웠어요"})
    assert sent.status_code == 302
    assert sent["Location"] == reverse("portal:survey")
    thanks = client.get(reverse("portal:survey"))
    assert "고맙습니다" in thanks.content.decode()
    assert 'name="score"' not in thanks.content.decode()
    again = client.post(reverse("portal:survey"), {"score": "1", "comment": "다시"})
    assert again.status_code == 200
    survey = SatisfactionSurvey.objects.get()
    assert (survey.score, survey.comment) == (4, "고마웠어요")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"comment": "점수 없이"}, "1부터 5까지 중에서 하나를 골라 주세요."),
        ({"score": "9"}, "점수는 1부터 5까지입니다."),
        ({"score": "3", "comment": "가" * 1001}, "1000자까지 쓸 수 있습니다"),
    ],
)
def test_a_refused_answer_is_shown_with_its_reason_and_nothing_is_written(
    closed_case: Case, data: dict[str, str], message: str
) -> None:
    client = victim_client(closed_case)
    before = counts()
    answer = client.post(reverse("portal:survey"), data)
    assert answer.status_code == 422
    assert message in answer.content.decode()
    assert counts() == before


# --- staff side --------------------------------------------------------------------------------


def test_the_answer_shows_on_the_case_page_for_its_team_only(
    closed_case: Case,
    staff: dict[str, Staff],
    other_agency: Agency,
    make_staff: Callable[..., Staff],
) -> None:
    url = reverse("cases:detail", args=[closed_case.pk])
    manager, supervisor = staff[Role.CASE_MANAGER], staff[Role.SUPERVISOR]
    assert "만족도 조사 응답" not in logged_in(manager).get(url).content.decode()
    survey_answer(case=closed_case, score=5, comment="담당자분께 감사드려요")
    for member in (manager, supervisor):
        page = logged_in(member).get(url).content.decode()
        assert "만족도 조사 응답" in page
        assert "5 / 5" in page
        assert "담당자분께 감사드려요" in page
    outsiders = [
        staff[Role.HOTLINE_COUNSELOR],  # same agency, not on the team
        make_staff(other_agency, Role.SUPERVISOR),
        make_staff(other_agency, Role.CASE_MANAGER),
    ]
    for outsider in outsiders:
        assert logged_in(outsider).get(url).status_code == 404


def test_the_dashboard_shows_supervisors_the_last_90_days(
    answered: Callable[..., SatisfactionSurvey],
    staff: dict[str, Staff],
    other_agency: Agency,
    make_staff: Callable[..., Staff],
) -> None:
    for score in (5, 4):
        answered(score)
    answered(1, days_ago=120)
    page = logged_in(staff[Role.SUPERVISOR]).get(reverse("cases:dashboard")).content.decode()
    assert "만족도 조사 (최근 90일)" in page
    assert "응답 2건 · 평균 4.50 / 5" in page
    assert '<meter min="0" max="2" value="1">' in page
    for role in (Role.CASE_MANAGER, Role.HOTLINE_COUNSELOR):
        page = logged_in(staff[role]).get(reverse("cases:dashboard")).content.decode()
        assert "만족도 조사" not in page
    elsewhere = logged_in(make_staff(other_agency, Role.SUPERVISOR))
    page = elsewhere.get(reverse("cases:dashboard")).content.decode()
    assert "이 기간에 들어온 응답이 없습니다." in page


# --- concurrency (PostgreSQL) ------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_answers_at_the_same_moment_make_one(
    open_case: Callable[..., Case], manager: Staff
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("real parallel transactions need PostgreSQL")
    case = close(open_case(manager), manager)
    parallel = 8
    barrier = threading.Barrier(parallel)
    results: list[Any] = [None] * parallel

    def body(index: int) -> None:
        try:
            barrier.wait(30)
            results[index] = survey_answer(case=case, score=1 + index % 5, comment="")
        except BaseException as exc:  # reported by the assertions below
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=body, args=(i,)) for i in range(parallel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    saved = [r for r in results if isinstance(r, SatisfactionSurvey)]
    refused = [r for r in results if isinstance(r, SurveyAlreadyAnswered)]
    assert (len(saved), len(refused)) == (1, parallel - 1)
    assert SatisfactionSurvey.objects.count() == 1
    assert AuditEntry.objects.filter(action="portal.survey").count() == 1
