"""Writers of the safety plan, and the audited staff reading of it.

Saving: lock the case (staff: a case they see; the victim: the case of her signed-in access),
check who may write, refuse a form opened on an older version than the current one (someone
saved in between: saving it would silently undo their changes), validate every field against the
guide (unknown questions or checklist codes, lengths, people without a name) and refuse with all
problems at once, nothing written. A save that changes nothing writes nothing. Otherwise a new
version row (sealed contents), a timeline entry and an audit entry naming the sections that
changed — never what they say."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from onestop.accounts.models import Staff
from onestop.audit.services import audit_record
from onestop.cases.models import Case, EventKind
from onestop.cases.permissions import can_add_to_timeline
from onestop.cases.selectors import case_get_for_user
from onestop.cases.services import case_event_add, case_lock_visible
from onestop.core import clock
from onestop.core.actors import PORTAL_ACTOR_LABEL
from onestop.core.errors import DomainError, ValidationFailed
from onestop.safety.errors import InvalidSafetyPlan, SafetyPlanChanged, SafetyPlanForbidden
from onestop.safety.guide import (
    CHECK_ITEMS,
    CHECKS_FIELD,
    MAX_PEOPLE,
    PEOPLE_FIELD,
    PERSON_ATTRIBUTE_BY_CODE,
    PERSON_ATTRIBUTES,
    QUESTIONS,
    SECTIONS,
    person_field,
)
from onestop.safety.models import PlanContent, SafetyPlan, empty_content

VIEW_PURPOSES = ("view", "print")


def _text(value: object) -> str | None:
    """Her words, trimmed, with one kind of line break; None when it is not text at all."""
    if not isinstance(value, str):
        return None
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _too_long(limit: int, length: int, field: str) -> DomainError:
    return InvalidSafetyPlan(
        _("%(limit)d자 이내로 적어 주세요 (지금 %(length)d자).")
        % {"limit": limit, "length": length},
        field=field,
        code="too_long",
    )


def validate_plan(data: Mapping[str, Any]) -> PlanContent:
    """The plan as it will be stored (answers and checks in the guide's order, empty answers and
    empty people left out), or ``ValidationFailed`` with every problem found."""
    errors: list[DomainError] = []
    answers_in = data.get("answers") or {}
    checks_in = data.get("checks") or []
    people_in = data.get("people") or []
    if not isinstance(answers_in, Mapping):
        errors.append(InvalidSafetyPlan(_("답변 형식이 올바르지 않습니다."), field="answers"))
        answers_in = {}
    if not isinstance(checks_in, list | tuple):
        errors.append(
            InvalidSafetyPlan(_("점검 항목 형식이 올바르지 않습니다."), field=CHECKS_FIELD)
        )
        checks_in = []
    if not isinstance(people_in, list | tuple):
        errors.append(
            InvalidSafetyPlan(_("사람 목록 형식이 올바르지 않습니다."), field=PEOPLE_FIELD)
        )
        people_in = []

    answers: dict[str, str] = {}
    unknown_questions = sorted(str(code) for code in answers_in if code not in QUESTIONS)
    if unknown_questions:
        errors.append(
            InvalidSafetyPlan(
                _("알 수 없는 질문입니다: %s") % ", ".join(unknown_questions[:5]),
                field="answers",
                code="unknown_question",
            )
        )
    for code, question in QUESTIONS.items():
        if code not in answers_in:
            continue
        text = _text(answers_in[code])
        if text is None:
            errors.append(InvalidSafetyPlan(_("글로 적어 주세요."), field=question.field))
        elif len(text) > question.max_length:
            errors.append(_too_long(question.max_length, len(text), question.field))
        elif text:
            answers[code] = text

    given = {str(code) for code in checks_in}
    unknown_checks = sorted(given - CHECK_ITEMS.keys())
    if unknown_checks:
        errors.append(
            InvalidSafetyPlan(
                _("알 수 없는 점검 항목입니다: %s") % ", ".join(unknown_checks[:5]),
                field=CHECKS_FIELD,
                code="unknown_check",
            )
        )
    checks = [code for code in CHECK_ITEMS if code in given]

    people: list[dict[str, str]] = []
    if len(people_in) > MAX_PEOPLE:
        errors.append(
            InvalidSafetyPlan(
                _("믿을 수 있는 사람은 %d명까지 적을 수 있습니다.") % MAX_PEOPLE,
                field=PEOPLE_FIELD,
                code="too_many",
            )
        )
    for index, person_in in enumerate(people_in[:MAX_PEOPLE]):
        if not isinstance(person_in, Mapping):
            errors.append(
                InvalidSafetyPlan(_("사람 정보 형식이 올바르지 않습니다."), field=PEOPLE_FIELD)
            )
            continue
        unknown = sorted(str(key) for key in person_in if key not in PERSON_ATTRIBUTE_BY_CODE)
        if unknown:
            errors.append(
                InvalidSafetyPlan(
                    _("알 수 없는 항목입니다: %s") % ", ".join(unknown[:5]), field=PEOPLE_FIELD
                )
            )
        person: dict[str, str] = {}
        for attribute in PERSON_ATTRIBUTES:
            field = person_field(index, attribute.code)
            text = _text(person_in.get(attribute.code, ""))
            if text is None:
                errors.append(InvalidSafetyPlan(_("글로 적어 주세요."), field=field))
                text = ""
            elif len(text) > attribute.max_length:
                errors.append(_too_long(attribute.max_length, len(text), field))
            person[attribute.code] = text
        if not any(person.values()):
            continue
        if not person["name"]:
            errors.append(
                InvalidSafetyPlan(
                    _("이름이나 부르는 이름을 적어 주세요."),
                    field=person_field(index, "name"),
                    code="required",
                )
            )
        people.append(person)
    if errors:
        raise ValidationFailed(errors)
    return {"answers": answers, "checks": checks, "people": people}


def sections_changed(before: PlanContent, after: PlanContent) -> list[str]:
    """Codes of the sections whose answers, ticks or people differ, in the guide's order."""
    changed = []
    for section in SECTIONS:
        codes = [q.code for q in section.questions]
        items = {i.code for i in section.checklist}
        if (
            any(before["answers"].get(c, "") != after["answers"].get(c, "") for c in codes)
            or {c for c in before["checks"] if c in items}
            != {c for c in after["checks"] if c in items}
            or (section.has_people and before["people"] != after["people"])
        ):
            changed.append(section.code)
    return changed


def _current(case: Case) -> SafetyPlan | None:
    return SafetyPlan.objects.filter(case=case).order_by("-version").first()


def _save(
    *,
    case: Case,
    actor: Staff | None,
    data: Mapping[str, Any],
    based_on: int | None,
) -> SafetyPlan | None:
    """The shared part of both saves; the caller holds the case lock and has checked who."""
    current = _current(case)
    current_version = current.version if current else 0
    if based_on is not None and based_on != current_version:
        raise SafetyPlanChanged(
            _(
                "이 계획은 방금 다른 곳에서 저장되었습니다. 지금 화면의 내용으로 저장하면 그 "
                "변경이 사라집니다. 확인한 뒤 다시 저장하세요."
            ),
            field="version",
        )
    content = validate_plan(data)
    changed = sections_changed(current.data if current else empty_content(), content)
    if not changed:
        return None
    version = (
        int(SafetyPlan.objects.filter(case=case).aggregate(last=Max("version"))["last"] or 0) + 1
    )
    by_portal = actor is None
    plan = SafetyPlan.objects.create(
        case=case,
        version=version,
        content=json.dumps(content, ensure_ascii=False, sort_keys=True),
        sections_changed=changed,
        saved_at=clock.now(),
        saved_by=actor,
        saved_by_label=PORTAL_ACTOR_LABEL if by_portal else (actor.get_username() if actor else ""),
    )
    facts: dict[str, Any] = {"plan": str(plan.pk), "version": version, "sections": changed}
    if by_portal:
        facts["by"] = "portal"
    case_event_add(case=case, actor=actor, kind=EventKind.SAFETY_PLAN_SAVED, data=facts)
    audit_record(
        actor=actor,
        actor_label=PORTAL_ACTOR_LABEL if by_portal else None,
        action="safety.save",
        target=case,
        data=facts,
    )
    return plan


@transaction.atomic
def safety_plan_save_by_victim(
    *, case: Case, data: Mapping[str, Any], based_on: int | None = None
) -> SafetyPlan | None:
    """She saves her plan in the portal (the view found ``case`` from her signed-in access).
    Returns the new version, or None when nothing changed (nothing written). ``based_on``: the
    version her form was opened on (0 for none); a different current version is refused."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    return _save(case=locked, actor=None, data=data, based_on=based_on)


@transaction.atomic
def safety_plan_save(
    *, actor: Staff, case_id: UUID, data: Mapping[str, Any], based_on: int | None = None
) -> SafetyPlan | None:
    """A member of her case team (or an agency supervisor) saves the plan with her, on the phone
    or in person. Same rules and result as ``safety_plan_save_by_victim``."""
    case = case_lock_visible(actor=actor, case_id=case_id)
    if not can_add_to_timeline(actor, case):
        raise SafetyPlanForbidden(_("이 사례의 안전 계획을 저장할 권한이 없습니다."))
    return _save(case=case, actor=actor, data=data, based_on=based_on)


@transaction.atomic
def safety_plan_open(
    *, actor: Staff, case_id: UUID, purpose: str = "view"
) -> tuple[Case, SafetyPlan | None]:
    """The case and its current plan, for staff who see the case; reading its sealed contents
    is audited (``safety.view``, with the version and the purpose: view or print)."""
    case = case_get_for_user(user=actor, case_id=case_id)
    plan = _current(case)
    if plan is not None:
        audit_record(
            actor=actor,
            action="safety.view",
            target=case,
            data={
                "plan": str(plan.pk),
                "version": plan.version,
                "purpose": purpose if purpose in VIEW_PURPOSES else "view",
            },
        )
    return case, plan
