"""The satisfaction survey offered when a case closes: her answer (1 to 5 and a comment), what the
portal shows her, the case team's view of the answer, and the supervisors' summary.

Responsible for: answering (once per case, only while the case is closed), reading one case's
answer, and the agency's count, mean and distribution over a period. Not for: the pages
(``survey_views``), nor the yearly statistics (``reports``).

The writer takes her ``case`` (the portal view found it from her signed-in access) and records
``actor=None`` with the portal's label, like every victim-side service. The survey's refusals are
defined here, beside the rules they enforce."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from onestop.accounts.models import Role, Staff
from onestop.audit.services import audit_record
from onestop.cases.models import Case, CaseStatus
from onestop.cases.permissions import is_active_staff
from onestop.core import clock
from onestop.core.actors import PORTAL_ACTOR_LABEL
from onestop.core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from onestop.portal.models import SatisfactionSurvey

SCORES = range(1, 6)
MAX_COMMENT = 1000
SUMMARY_DAYS = 90


class InvalidSurveyAnswer(DomainError):
    code = "invalid"


class SurveyNotOpen(Conflict):
    """The case is not closed: the survey is offered at closure."""

    code = "survey_not_open"


class SurveyAlreadyAnswered(Conflict):
    code = "survey_answered"


class SurveySummaryForbidden(PermissionDenied):
    code = "forbidden"


class SurveyState(StrEnum):
    NOT_OFFERED = "not_offered"  # the case is open
    OPEN = "open"  # closed, not yet answered
    ANSWERED = "answered"


# --- writing -----------------------------------------------------------------------------------


def _answered(case: Case) -> bool:
    return SatisfactionSurvey.objects.filter(case=case).exists()


def survey_answer_problems(*, score: object, comment: str) -> list[DomainError]:
    """Every problem with an answer, at once (empty when it may be saved)."""
    problems: list[DomainError] = []
    if score is None:
        problems.append(
            InvalidSurveyAnswer(_("1부터 5까지 중에서 하나를 골라 주세요."), field="score")
        )
    elif isinstance(score, bool) or not isinstance(score, int) or score not in SCORES:
        problems.append(InvalidSurveyAnswer(_("점수는 1부터 5까지입니다."), field="score"))
    if len(comment.strip()) > MAX_COMMENT:
        problems.append(
            InvalidSurveyAnswer(
                _("남기실 말은 %(max)d자까지 쓸 수 있습니다. 지금 %(now)d자입니다.")
                % {"max": MAX_COMMENT, "now": len(comment.strip())},
                field="comment",
            )
        )
    return problems


@transaction.atomic
def survey_answer(*, case: Case, score: int | None, comment: str) -> SatisfactionSurvey:
    """Save her answer. Refused while the case is open (``SurveyNotOpen``), when it was already
    answered (``SurveyAlreadyAnswered`` — the one-per-case constraint holds it under
    concurrency too), or with every problem of the input (``ValidationFailed``); a refusal
    writes nothing. The audit entry holds the score only: the comment is hers, sealed."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status != CaseStatus.CLOSED:
        raise SurveyNotOpen(_("만족도 조사는 지원이 끝난 뒤에 답할 수 있습니다."))
    if _answered(case):
        raise SurveyAlreadyAnswered(_("이미 답해 주셨습니다. 고맙습니다."))
    comment = comment or ""
    problems = survey_answer_problems(score=score, comment=comment)
    if problems or score is None:  # (a missing score is one of the problems)
        raise ValidationFailed(problems)
    try:
        with transaction.atomic():
            survey = SatisfactionSurvey.objects.create(
                case=case, score=score, comment=comment.strip(), answered_at=clock.now()
            )
    except IntegrityError:
        # another answer for the case committed first
        raise SurveyAlreadyAnswered(_("이미 답해 주셨습니다. 고맙습니다.")) from None
    audit_record(
        actor=None,
        actor_label=PORTAL_ACTOR_LABEL,
        action="portal.survey",
        target=case,
        data={"score": score},
    )
    return survey


# --- reading -----------------------------------------------------------------------------------


def survey_for_case(*, case: Case) -> SatisfactionSurvey | None:
    """The case's answer, if any. The caller holds the case: staff through
    ``case_get_for_user``, the victim through her signed-in access."""
    return SatisfactionSurvey.objects.filter(case=case).first()


def survey_state(*, case: Case) -> SurveyState:
    if case.status != CaseStatus.CLOSED:
        return SurveyState.NOT_OFFERED
    if _answered(case):
        return SurveyState.ANSWERED
    return SurveyState.OPEN


def can_read_survey_summary(user: Staff) -> bool:
    """The agency's supervisors: the summary spans every case of the agency."""
    return is_active_staff(user) and user.role == Role.SUPERVISOR


@dataclass(frozen=True)
class SurveySummary:
    since: dt.datetime
    until: dt.datetime
    count: int
    mean: Decimal | None  # two decimals; None when nobody answered
    distribution: dict[int, int]  # score → answers, every score from 1 to 5 present

    @property
    def rows(self) -> list[tuple[int, int]]:
        """(score, answers) from 5 down to 1, for display."""
        return sorted(self.distribution.items(), reverse=True)


def survey_summary(*, user: Staff, since: dt.datetime, until: dt.datetime) -> SurveySummary:
    """Answers given in ``[since, until)`` for cases of the user's agency: how many, the mean
    score and how many gave each score. Supervisors only (``SurveySummaryForbidden``)."""
    if not can_read_survey_summary(user):
        raise SurveySummaryForbidden(_("만족도 조사 결과를 볼 권한이 없습니다."))
    counted = (
        SatisfactionSurvey.objects.filter(
            case__agency_id=user.agency_id, answered_at__gte=since, answered_at__lt=until
        )
        .values_list("score")
        .annotate(answers=Count("id"))
        .order_by()
    )
    distribution = dict.fromkeys(SCORES, 0)
    for score, answers in counted:
        distribution[score] = answers
    count = sum(distribution.values())
    mean = None
    if count:
        total = sum(score * answers for score, answers in distribution.items())
        mean = (Decimal(total) / Decimal(count)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return SurveySummary(
        since=since, until=until, count=count, mean=mean, distribution=distribution
    )


def survey_summary_recent(*, user: Staff) -> SurveySummary:
    """The last ``SUMMARY_DAYS`` days, up to now."""
    until = clock.now()
    return survey_summary(user=user, since=until - dt.timedelta(days=SUMMARY_DAYS), until=until)
