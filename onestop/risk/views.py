"""The risk panel of the case page and its assessment form. Thin: ``risk.selectors`` read,
``risk.services.assessment_record`` decides and writes. The form works without JavaScript
(POST, then redirect to the case page; a refusal shows the page again with the errors)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onestop.accounts.models import Staff
from onestop.cases.models import Case
from onestop.cases.panels import CasePanel
from onestop.cases.permissions import can_add_to_timeline
from onestop.cases.views import case_form_action
from onestop.risk.forms import AssessmentForm, answers_from
from onestop.risk.models import Assessment
from onestop.risk.selectors import (
    assessments_for_case,
    instrument_get,
    instrument_name,
    instruments_for_assessment,
    level_chart,
    level_label,
    localized,
    reassessment_due,
    reassessment_weeks,
)
from onestop.risk.services import assessment_record


def risk_panel(case: Case, user: Staff, bound: Mapping[str, forms.Form]) -> CasePanel:
    history = assessments_for_case(case=case)
    latest = history[0] if history else None
    can_write = case.is_open and can_add_to_timeline(user, case)
    assess_forms = []
    if can_write:
        for instrument in instruments_for_assessment():
            form = bound.get(f"risk-{instrument.pk}")
            if not isinstance(form, AssessmentForm):
                form = AssessmentForm(instrument=instrument)
            assess_forms.append(
                {
                    "form": form,
                    "name": instrument_name(instrument),
                    "description": localized(instrument.definition.get("description")),
                }
            )
    # a refused submit of an instrument no longer offered still shows its errors
    for name, form in bound.items():
        if (
            name.startswith("risk-")
            and isinstance(form, AssessmentForm)
            and all(entry["form"] is not form for entry in assess_forms)
        ):
            assess_forms.append(
                {
                    "form": form,
                    "name": instrument_name(form.for_instrument),
                    "description": localized(form.for_instrument.definition.get("description")),
                }
            )
    assessments: list[Assessment] = [row.assessment for row in history]
    return CasePanel(
        "risk/panel.html",
        {
            "latest": latest,
            "history": history,
            "chart": level_chart(assessments),
            "due": reassessment_due(case),
            "weeks": reassessment_weeks(),
            "can_write": can_write,
            "assess_forms": assess_forms,
        },
    )


@login_required
@require_POST
def assessment_record_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    instrument = instrument_get(instrument_id=request.POST.get("instrument"))

    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        assessment = assessment_record(
            case_id=case.pk,
            actor=user,
            instrument_id=instrument.pk,
            answers=answers_from(instrument, data),
            summary=data.get("summary") or "",
            raise_to=data.get("raise_to") or "",
            raise_reason=data.get("raise_reason") or "",
            judged_level=data.get("judged_level") or "",
        )
        return _("위험 평가를 기록했습니다: %s") % level_label(assessment.final_level)

    return case_form_action(
        request,
        case_id,
        name=f"risk-{instrument.pk}",
        make_form=lambda _case, _user, data: AssessmentForm(data, instrument=instrument),
        perform=perform,
    )
