"""Writers of the risk app: storing an instrument version, and recording an assessment.

There is no service to change or remove either: an instrument version is immutable (a changed
tool is a new version) and an assessment is a dated record (a new view of the risk is a new
assessment). ``assessment_record`` is one transaction: lock the case, check the assessor, check
every field at once, compute, write the assessment, set the case's level (which flags it at high
and above), write the timeline entry (which the conferences app listens to) and the audit entry.

Professional judgement may raise the computed level, never lower it, and a raise states why."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from onestop.accounts.models import Staff
from onestop.audit.services import audit_record
from onestop.cases.models import Case, EventKind
from onestop.cases.permissions import can_add_to_timeline
from onestop.cases.services import case_event_add, case_lock_visible, case_risk_level_set
from onestop.core import clock
from onestop.core.errors import DomainError, ValidationFailed
from onestop.risk.engine import Result, level_rank, score_answers
from onestop.risk.errors import (
    CaseClosedForAssessment,
    InstrumentVersionExists,
    InvalidAssessment,
    RiskActionForbidden,
)
from onestop.risk.models import (
    ASSESSED_LEVELS,
    Answer,
    AnswerSource,
    Assessment,
    Instrument,
    InstrumentMode,
    InstrumentOrigin,
    Rating,
)
from onestop.risk.packs import pack_check, pack_digest, pack_parse
from onestop.risk.selectors import level_label, score_text

BUNDLED_DIR = Path(__file__).resolve().parent / "instruments"
MAX_TEXT = 5000
MAX_RATIONALE = 2000


# --- instrument versions ------------------------------------------------------------------------


@transaction.atomic
def instrument_import(
    *,
    definition: Any,
    origin: str = InstrumentOrigin.IMPORTED,
    actor_label: str = "onestop risk import",
) -> tuple[Instrument, bool]:
    """Store one instrument version from its pack; ``(instrument, created)``. The same pack
    again is a no-op (``created`` is False); other content under a stored code and version is
    refused (``InstrumentVersionExists``); an invalid pack is refused with every problem
    (``PackInvalid``). Nothing is written on a refusal."""
    data = pack_check(definition)
    digest = pack_digest(data)
    existing = _same_version(data=data, digest=digest)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            instrument = Instrument.objects.create(
                code=data["code"],
                version=data["version"],
                mode=data["mode"],
                definition=data,
                digest=digest,
                origin=origin,
            )
    except IntegrityError:
        # the same version was stored by an import that committed first
        existing = _same_version(data=data, digest=digest)
        if existing is None:
            raise
        return existing, False
    audit_record(
        actor=None,
        actor_label=actor_label,
        action="risk.instrument.import",
        target=instrument,
        data={
            "code": instrument.code,
            "version": instrument.version,
            "mode": instrument.mode,
            "items": len(data["items"]),
            "digest": digest,
            "origin": origin,
        },
    )
    return instrument, True


def _same_version(*, data: Mapping[str, Any], digest: str) -> Instrument | None:
    existing = Instrument.objects.filter(code=data["code"], version=data["version"]).first()
    if existing is not None and existing.digest != digest:
        raise InstrumentVersionExists(
            f"{data['code']} version {data['version']} is already stored with other content; "
            "versions never change: give the changed instrument a new version",
            field="version",
        )
    return existing


def instrument_import_file(
    *, path: Path, origin: str = InstrumentOrigin.IMPORTED
) -> tuple[Instrument, bool]:
    return instrument_import(definition=pack_parse(path.read_text("utf-8")), origin=origin)


# --- assessments --------------------------------------------------------------------------------


def _check_scored(
    definition: Mapping[str, Any], answers: Mapping[str, Mapping[str, Any]]
) -> tuple[dict[str, dict[str, str]], list[DomainError]]:
    clean: dict[str, dict[str, str]] = {}
    errors: list[DomainError] = []
    for item in definition["items"]:
        code = item["code"]
        given = answers.get(code) or {}
        answer = str(given.get("answer") or "").strip()
        source = str(given.get("source") or "").strip()
        if answer not in Answer.values:
            errors.append(
                InvalidAssessment(
                    _("예, 아니오, 모름 가운데 하나를 고르세요."),
                    field=f"answers.{code}.answer",
                    code="required" if not answer else None,
                )
            )
        if (answer in (Answer.YES, Answer.NO) or source) and source not in AnswerSource.values:
            errors.append(
                InvalidAssessment(
                    _("누가 답했는지 고르세요."),
                    field=f"answers.{code}.source",
                    code="required" if not source else None,
                )
            )
        clean[code] = {"answer": answer, "source": source}
    return clean, errors


def _check_spj(
    definition: Mapping[str, Any], answers: Mapping[str, Mapping[str, Any]]
) -> tuple[dict[str, dict[str, str]], dict[str, str], list[DomainError]]:
    clean: dict[str, dict[str, str]] = {}
    rationales: dict[str, str] = {}
    errors: list[DomainError] = []
    for item in definition["items"]:
        code = item["code"]
        given = answers.get(code) or {}
        rating = str(given.get("rating") or "").strip()
        rationale = str(given.get("rationale") or "").strip()
        if rating not in Rating.values:
            errors.append(
                InvalidAssessment(
                    _("있음, 부분적으로 있음, 없음 가운데 하나를 고르세요."),
                    field=f"answers.{code}.rating",
                    code="required" if not rating else None,
                )
            )
        if rating in (Rating.PRESENT, Rating.PARTIAL) and not rationale:
            errors.append(
                InvalidAssessment(
                    _("있거나 부분적으로 있다고 본 근거를 적어 주세요."),
                    field=f"answers.{code}.rationale",
                    code="required",
                )
            )
        elif len(rationale) > MAX_RATIONALE:
            errors.append(
                InvalidAssessment(
                    _("근거는 %d자까지 적을 수 있습니다.") % MAX_RATIONALE,
                    field=f"answers.{code}.rationale",
                )
            )
        clean[code] = {"rating": rating}
        if rationale:
            rationales[code] = rationale
    return clean, rationales, errors


def _check_level_choice(
    *,
    mode: str,
    computed: str | None,
    judged_level: str,
    raise_to: str,
    raise_reason: str,
) -> list[DomainError]:
    errors: list[DomainError] = []
    if mode == InstrumentMode.SPJ:
        if judged_level not in ASSESSED_LEVELS:
            errors.append(
                InvalidAssessment(
                    _("판단한 위험 수준을 고르세요."),
                    field="judged_level",
                    code="required" if not judged_level else None,
                )
            )
        if raise_to:
            errors.append(
                InvalidAssessment(
                    _("전문가 판단 도구에서는 위험 수준을 직접 고릅니다."), field="raise_to"
                )
            )
        return errors
    if judged_level:
        errors.append(
            InvalidAssessment(
                _("점수형 도구의 수준은 계산됩니다. 더 높게 보면 '수준 올리기'를 쓰세요."),
                field="judged_level",
            )
        )
    if raise_to:
        if raise_to not in ASSESSED_LEVELS:
            errors.append(InvalidAssessment(_("올릴 수준을 목록에서 고르세요."), field="raise_to"))
        elif computed is not None and level_rank(raise_to) < level_rank(computed):
            errors.append(
                InvalidAssessment(
                    _(
                        "계산된 수준(%s)보다 낮출 수 없습니다. 전문가 판단은 수준을 올릴 때만 "
                        "씁니다."
                    )
                    % level_label(computed),
                    field="raise_to",
                    code="lower_than_computed",
                )
            )
        elif raise_to == computed:
            errors.append(
                InvalidAssessment(
                    _("계산된 수준과 같습니다. 올릴 때만 고르세요."), field="raise_to"
                )
            )
        if not raise_reason:
            errors.append(
                InvalidAssessment(
                    _("수준을 올리는 이유를 적어 주세요."), field="raise_reason", code="required"
                )
            )
    elif raise_reason:
        errors.append(
            InvalidAssessment(
                _("이유를 적었다면 올릴 수준도 고르세요."), field="raise_to", code="required"
            )
        )
    return errors


@transaction.atomic
def assessment_record(
    *,
    case_id: UUID,
    actor: Staff,
    instrument_id: UUID | str | None,
    answers: Mapping[str, Mapping[str, Any]],
    summary: str = "",
    raise_to: str = "",
    raise_reason: str = "",
    judged_level: str = "",
) -> Assessment:
    """Record an assessment of a case with one instrument version.

    ``answers``: per item code, ``{"answer": yes|no|unknown, "source": victim|police|staff}``
    (a source is required for yes and no) — or, for an SPJ instrument, ``{"rating":
    present|partial|absent, "rationale": text}`` (a rationale is required for present and
    partial), with ``judged_level`` and a ``summary`` judgement. ``raise_to``/``raise_reason``:
    the assessor's professional judgement raising a scored instrument's computed level."""
    case = case_lock_visible(actor=actor, case_id=case_id)
    if not can_add_to_timeline(actor, case):
        raise RiskActionForbidden(_("이 사례의 위험을 평가할 권한이 없습니다."))
    if not case.is_open:
        raise CaseClosedForAssessment(_("종결된 사례는 평가할 수 없습니다. 먼저 재개하세요."))
    instrument = _instrument(instrument_id)
    summary, raise_to = summary.strip(), raise_to.strip()
    raise_reason, judged_level = raise_reason.strip(), judged_level.strip()
    definition = instrument.definition
    rationales: dict[str, str] = {}
    if instrument.mode == InstrumentMode.SPJ:
        clean, rationales, errors = _check_spj(definition, answers)
        if not summary:
            errors.append(
                InvalidAssessment(_("종합 판단을 적어 주세요."), field="summary", code="required")
            )
    else:
        clean, errors = _check_scored(definition, answers)
    known = {item["code"] for item in definition["items"]}
    if unknown := sorted(set(answers) - known):
        errors.append(
            InvalidAssessment(
                _("이 도구에 없는 항목입니다: %s") % ", ".join(unknown), field="answers"
            )
        )
    # Invalid answers count as not present: the level computed from the valid ones is never
    # above the real one, so a raise it refuses as lower is lower still.
    result = score_answers(definition, clean)
    errors += _check_level_choice(
        mode=instrument.mode,
        computed=result.computed_level,
        judged_level=judged_level,
        raise_to=raise_to,
        raise_reason=raise_reason,
    )
    if len(summary) > MAX_TEXT:
        errors.append(InvalidAssessment(_("종합 판단이 너무 깁니다."), field="summary"))
    if len(raise_reason) > MAX_TEXT:
        errors.append(InvalidAssessment(_("이유가 너무 깁니다."), field="raise_reason"))
    if errors:
        raise ValidationFailed(errors)
    return _write(
        case=case,
        actor=actor,
        instrument=instrument,
        answers=clean,
        rationales=rationales,
        result=result,
        computed=result.computed_level or judged_level,
        final=raise_to or result.computed_level or judged_level,
        raise_reason=raise_reason,
        summary=summary,
    )


def _instrument(instrument_id: UUID | str | None) -> Instrument:
    try:
        pk = instrument_id if isinstance(instrument_id, UUID) else UUID(str(instrument_id or ""))
    except ValueError:
        pk = None
    found = Instrument.objects.filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise ValidationFailed(
            [InvalidAssessment(_("평가 도구를 고르세요."), field="instrument", code="required")]
        )
    return found


def _write(
    *,
    case: Case,
    actor: Staff,
    instrument: Instrument,
    answers: dict[str, dict[str, str]],
    rationales: dict[str, str],
    result: Result,
    computed: str,
    final: str,
    raise_reason: str,
    summary: str,
) -> Assessment:
    now = clock.now()
    raised = final != computed
    assessment = Assessment.objects.create(
        case=case,
        instrument=instrument,
        assessed_at=now,
        assessed_by=actor,
        answers=answers,
        rationales=json.dumps(rationales, ensure_ascii=False) if rationales else "",
        score=result.score,
        red_flags=list(result.red_flags),
        computed_level=computed,
        final_level=final,
        raised=raised,
        raise_reason=raise_reason if raised else "",
        summary=summary,
    )
    case_risk_level_set(case=case, level=final, assessed_at=now)
    score = None if result.score is None else score_text(result.score)
    case_event_add(
        case=case,
        actor=actor,
        kind=EventKind.RISK_ASSESSED,
        data={
            "assessment": str(assessment.pk),
            "level": final,
            "computed": computed,
            "instrument": instrument.code,
            "version": instrument.version,
            "raised": raised,
            "score": score,
        },
    )
    audit_record(
        actor=actor,
        action="risk.assess",
        target=case,
        data={
            "assessment": str(assessment.pk),
            "instrument": instrument.code,
            "version": instrument.version,
            "score": score,
            "computed": computed,
            "level": final,
            "raised": raised,
            "red_flags": list(result.red_flags),
        },
    )
    return assessment
