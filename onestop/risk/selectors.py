"""Reads of the risk app. Callers pass a case they fetched through
``cases.selectors.case_get_for_user``: what the user may see was decided there.

Also what other apps ask of risk: ``current_risk`` (the latest assessed level),
``security_eligible`` (private security is offered from high up), and whether a reassessment is
due — after a new incident, or when ``ONESTOP_REASSESSMENT_WEEKS`` (default 8) have passed."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.models import Count, DateTimeField, OuterRef, Q, Subquery
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from onestop.cases.models import HIGH_RISK_LEVELS, Case, CaseStatus, Incident, RiskGrade
from onestop.core import clock
from onestop.risk.engine import level_rank
from onestop.risk.errors import InstrumentNotFound
from onestop.risk.models import (
    ASSESSED_LEVELS,
    Answer,
    AnswerSource,
    Assessment,
    Instrument,
    InstrumentMode,
    Rating,
)

DUE_REASONS = {
    "never_assessed": _("아직 평가하지 않았습니다"),
    "new_incident": _("마지막 평가 뒤 새 피해 사건이 기록되었습니다"),
    "timer": _("마지막 평가 뒤 재평가 기간이 지났습니다"),
}


def reassessment_weeks() -> int:
    return int(getattr(settings, "ONESTOP_REASSESSMENT_WEEKS", 8))


def localized(text: Mapping[str, str] | None, language: str | None = None) -> str:
    """An instrument's text in the active language (Korean when it has no English)."""
    if not text:
        return ""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    if language.startswith("en") and text.get("en"):
        return text["en"]
    return text.get("ko") or text.get("en") or ""


def level_label(level: str) -> str:
    return str(RiskGrade(level).label) if level in RiskGrade.values else level


def score_text(score: Decimal | None) -> str:
    """12.00 → "12", 2.50 → "2.5"; no score → ""."""
    if score is None:
        return ""
    if score == score.to_integral_value():
        return str(score.quantize(Decimal(1)))
    return str(score.normalize())


# --- instruments --------------------------------------------------------------------------------


def instrument_name(instrument: Instrument) -> str:
    return f"{localized(instrument.definition.get('name'))} v{instrument.version}"


def instruments_for_assessment() -> list[Instrument]:
    """The newest stored version of each instrument: the ones offered for a new assessment."""
    newest: dict[str, Instrument] = {}
    for instrument in Instrument.objects.order_by("code", "-created_at"):
        newest.setdefault(instrument.code, instrument)
    return sorted(newest.values(), key=lambda i: (i.code != "onestop-stalking-screen", i.code))


def instrument_get(*, instrument_id: UUID | str | None) -> Instrument:
    try:
        pk = instrument_id if isinstance(instrument_id, UUID) else UUID(str(instrument_id or ""))
    except ValueError:
        pk = None
    found = Instrument.objects.filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise InstrumentNotFound(_("평가 도구를 찾을 수 없습니다."))
    return found


@dataclass(frozen=True)
class InstrumentListing:
    instrument: Instrument
    items: int
    assessments: int


def instruments_all() -> list[InstrumentListing]:
    used = dict(
        Assessment.objects.values_list("instrument")
        .annotate(n=Count("id"))
        .values_list("instrument", "n")
    )
    return [
        InstrumentListing(i, len(i.definition.get("items", [])), used.get(i.pk, 0))
        for i in Instrument.objects.order_by("code", "created_at")
    ]


# --- the current level --------------------------------------------------------------------------


def latest_assessment(*, case: Case) -> Assessment | None:
    return (
        Assessment.objects.filter(case=case)
        .select_related("instrument")
        .order_by("-assessed_at", "-created_at")
        .first()
    )


@dataclass(frozen=True)
class CurrentRisk:
    level: str
    assessed_at: dt.datetime
    assessment: Assessment

    @property
    def flagged(self) -> bool:
        return self.level in HIGH_RISK_LEVELS

    @property
    def label(self) -> str:
        return level_label(self.level)


def current_risk(case: Case) -> CurrentRisk | None:
    """The level of the case's latest assessment; ``None`` when never assessed."""
    latest = latest_assessment(case=case)
    if latest is None:
        return None
    return CurrentRisk(level=latest.final_level, assessed_at=latest.assessed_at, assessment=latest)


def security_eligible(case: Case) -> bool:
    """Private security may be offered: the latest assessment ended at high or very high."""
    latest = latest_assessment(case=case)
    return latest is not None and latest.final_level in HIGH_RISK_LEVELS


# --- reassessment -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReassessmentDue:
    """Whether the case needs a (re)assessment now, why, and since (or from) when: when not due,
    ``due_at`` is when the timer will make it due."""

    due: bool
    reason: str  # never_assessed | new_incident | timer, or "" when not due
    due_at: dt.datetime | None
    last_assessed_at: dt.datetime | None

    @property
    def reason_label(self) -> str:
        return str(DUE_REASONS[self.reason]) if self.reason else ""


def reassessment_due(case: Case, *, now: dt.datetime | None = None) -> ReassessmentDue:
    """Due when never assessed, when an incident was recorded after the latest assessment, or
    when the reassessment period has passed since it. A closed case is never due."""
    now = now or clock.now()
    if case.status == CaseStatus.CLOSED:
        return ReassessmentDue(due=False, reason="", due_at=None, last_assessed_at=None)
    latest = latest_assessment(case=case)
    if latest is None:
        return ReassessmentDue(
            due=True, reason="never_assessed", due_at=case.opened_at, last_assessed_at=None
        )
    timer_due = latest.assessed_at + dt.timedelta(weeks=reassessment_weeks())
    first_new = (
        Incident.objects.filter(case=case, created_at__gt=latest.assessed_at)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return _due_state(last=latest.assessed_at, timer_due=timer_due, first_new=first_new, now=now)


def _due_state(
    *, last: dt.datetime, timer_due: dt.datetime, first_new: dt.datetime | None, now: dt.datetime
) -> ReassessmentDue:
    """One rule for the case page and the reminder sweep: a new incident is the reason when
    there is one; the due time is the earliest of the new incident and the timer."""
    if first_new is not None:
        due_at = min(first_new, timer_due) if timer_due <= now else first_new
        return ReassessmentDue(
            due=True, reason="new_incident", due_at=due_at, last_assessed_at=last
        )
    if timer_due <= now:
        return ReassessmentDue(due=True, reason="timer", due_at=timer_due, last_assessed_at=last)
    return ReassessmentDue(due=False, reason="", due_at=timer_due, last_assessed_at=last)


@dataclass(frozen=True)
class DueCase:
    case_id: UUID
    reference: str
    state: ReassessmentDue


def reassessments_due(*, now: dt.datetime) -> Iterator[DueCase]:
    """Open, assessed cases whose reassessment is due, in one query (the case row carries the
    time of its latest assessment, ``Case.risk_assessed_at``, which only ``risk`` writes)."""
    cutoff = now - dt.timedelta(weeks=reassessment_weeks())
    first_new = Subquery(
        Incident.objects.filter(case=OuterRef("pk"), created_at__gt=OuterRef("risk_assessed_at"))
        .order_by("created_at")
        .values("created_at")[:1],
        output_field=DateTimeField(),
    )
    rows = (
        Case.objects.exclude(status=CaseStatus.CLOSED)
        .filter(risk_assessed_at__isnull=False)
        .annotate(first_new_incident=first_new)
        .filter(Q(risk_assessed_at__lte=cutoff) | Q(first_new_incident__isnull=False))
        .order_by("risk_assessed_at")
        .values_list("pk", "reference", "risk_assessed_at", "first_new_incident")
    )
    for case_id, reference, assessed_at, first in rows.iterator(chunk_size=2000):
        if assessed_at is None:  # pragma: no cover  (filtered out above)
            continue
        timer_due = assessed_at + dt.timedelta(weeks=reassessment_weeks())
        state = _due_state(last=assessed_at, timer_due=timer_due, first_new=first, now=now)
        yield DueCase(case_id=case_id, reference=reference, state=state)


# --- history and its chart ----------------------------------------------------------------------


@dataclass(frozen=True)
class ItemRow:
    code: str
    text: str
    value_label: str  # the answer (scored) or the rating (SPJ)
    value: str
    source_label: str = ""
    rationale: str = ""
    red_flag: bool = False


@dataclass(frozen=True)
class AssessmentRow:
    assessment: Assessment
    instrument_name: str
    is_spj: bool
    items: list[ItemRow] = field(default_factory=list)

    @property
    def level_label(self) -> str:
        return level_label(self.assessment.final_level)

    @property
    def computed_label(self) -> str:
        return level_label(self.assessment.computed_level)

    @property
    def flagged(self) -> bool:
        return self.assessment.final_level in HIGH_RISK_LEVELS

    @property
    def score(self) -> str:
        return score_text(self.assessment.score)

    @property
    def unknown_count(self) -> int:
        """Items answered "unknown": each counted as not present, so the score may be low."""
        return sum(1 for item in self.items if item.value == Answer.UNKNOWN)


def _choice_label(choices: Any, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def _item_rows(assessment: Assessment) -> list[ItemRow]:
    definition = assessment.instrument.definition
    rationales: dict[str, str] = json.loads(assessment.rationales) if assessment.rationales else {}
    rows = []
    for item in definition["items"]:
        code = item["code"]
        given = assessment.answers.get(code, {})
        if definition["mode"] == InstrumentMode.SPJ:
            value = given.get("rating", "")
            rows.append(
                ItemRow(
                    code=code,
                    text=localized(item["text"]),
                    value=value,
                    value_label=_choice_label(Rating, value),
                    rationale=rationales.get(code, ""),
                )
            )
        else:
            value = given.get("answer", "")
            source = given.get("source", "")
            rows.append(
                ItemRow(
                    code=code,
                    text=localized(item["text"]),
                    value=value,
                    value_label=_choice_label(Answer, value),
                    source_label=_choice_label(AnswerSource, source) if source else "",
                    red_flag=code in assessment.red_flags,
                )
            )
    return rows


def assessments_for_case(*, case: Case, limit: int = 100) -> list[AssessmentRow]:
    """The case's assessments, newest first, with their answers in the active language."""
    found = (
        Assessment.objects.filter(case=case)
        .select_related("instrument", "assessed_by")
        .order_by("-assessed_at", "-created_at")[:limit]
    )
    return [
        AssessmentRow(
            assessment=a,
            instrument_name=instrument_name(a.instrument),
            is_spj=a.instrument.mode == InstrumentMode.SPJ,
            items=_item_rows(a),
        )
        for a in found
    ]


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    level: str
    label: str
    at: dt.datetime
    raised: bool


@dataclass(frozen=True)
class ChartLine:
    y: float
    level: str
    label: str


@dataclass(frozen=True)
class LevelChart:
    """An inline SVG of the level over time: one step line through the assessments."""

    width: int
    height: int
    plot_left: int
    plot_right: int
    lines: list[ChartLine]
    points: list[ChartPoint]
    path: str
    first_at: dt.datetime
    last_at: dt.datetime
    axis_y: float

    @property
    def description(self) -> str:
        return " → ".join(
            f"{point.at.astimezone(clock.SEOUL):%Y-%m-%d} {point.label}" for point in self.points
        )


CHART_WIDTH, CHART_HEIGHT = 360, 150
CHART_LEFT, CHART_RIGHT = 78, 348
CHART_TOP, CHART_STEP = 18, 30


def level_chart(assessments: Sequence[Assessment]) -> LevelChart | None:
    """The chart of these assessments (any order), or ``None`` when there are none."""
    ordered = sorted(assessments, key=lambda a: (a.assessed_at, a.created_at))
    if not ordered:
        return None

    def y_of(level: str) -> float:
        return CHART_TOP + (len(ASSESSED_LEVELS) - 1 - level_rank(level)) * CHART_STEP

    first, last = ordered[0].assessed_at, ordered[-1].assessed_at
    span = (last - first).total_seconds()

    def x_of(at: dt.datetime) -> float:
        if span <= 0:
            return (CHART_LEFT + CHART_RIGHT) / 2
        return CHART_LEFT + (at - first).total_seconds() / span * (CHART_RIGHT - CHART_LEFT)

    points = [
        ChartPoint(
            x=round(x_of(a.assessed_at), 1),
            y=y_of(a.final_level),
            level=a.final_level,
            label=level_label(a.final_level),
            at=a.assessed_at,
            raised=a.raised,
        )
        for a in ordered
    ]
    steps = [f"M{points[0].x},{points[0].y}"]
    for before, point in itertools.pairwise(points):
        steps.append(f"H{point.x}")
        if point.y != before.y:
            steps.append(f"V{point.y}")
    lines = [
        ChartLine(y=y_of(level), level=level, label=level_label(level))
        for level in reversed(ASSESSED_LEVELS)
    ]
    return LevelChart(
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        plot_left=CHART_LEFT,
        plot_right=CHART_RIGHT,
        lines=lines,
        points=points,
        path=" ".join(steps),
        first_at=first,
        last_at=last,
        axis_y=CHART_TOP + (len(ASSESSED_LEVELS) - 1) * CHART_STEP + 24,
    )
