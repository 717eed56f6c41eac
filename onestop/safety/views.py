"""Staff pages of the safety plan: the case page's panel (when it was last saved and by whom — no
contents), the plan page (reading it is audited; her team fills it in with her), and the printable
sheet (audited as a print)."""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from onestop.accounts.models import Staff
from onestop.accounts.views import current_staff
from onestop.cases.forms import add_domain_errors
from onestop.cases.models import Case
from onestop.cases.panels import CasePanel
from onestop.cases.permissions import can_add_to_timeline
from onestop.cases.selectors import case_get_for_user
from onestop.cases.views import no_store
from onestop.core.actors import PORTAL_ACTOR_LABEL
from onestop.core.errors import DomainError, NotFound
from onestop.safety.errors import SafetyPlanChanged
from onestop.safety.forms import PrintChoiceForm, SafetyPlanForm
from onestop.safety.guide import section_title
from onestop.safety.models import SafetyPlan
from onestop.safety.selectors import safety_plan_for_case, safety_plan_history
from onestop.safety.services import safety_plan_open, safety_plan_save
from onestop.safety.sheet import plan_sheet


def saved_by_text(plan: SafetyPlan) -> str:
    if plan.saved_by_id is None and plan.saved_by_label == PORTAL_ACTOR_LABEL:
        return _("피해자 (포털)")
    if plan.saved_by is not None:
        return str(plan.saved_by.label)
    return plan.saved_by_label


def safety_case_panel(case: Case, user: Staff, bound: Mapping[str, forms.Form]) -> CasePanel | None:
    history = safety_plan_history(case=case)
    latest = history[0] if history else None
    return CasePanel(
        "safety/panel.html",
        {
            "latest": latest,
            "saved_by": saved_by_text(latest) if latest else "",
            "sections": [
                section_title(code) for code in (latest.sections_changed if latest else [])
            ],
            "versions": len(history),
            "can_write": can_add_to_timeline(user, case),
        },
        column="side",
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """The plan, filled in with her: every section on one page, the form kept as typed when a
    save is refused. Showing it is an audited reading; a submit shows only what was typed."""
    user = current_staff(request)
    status = 200
    if request.method == "POST":
        case = case_get_for_user(user=user, case_id=case_id)
        if not can_add_to_timeline(user, case):
            raise Forbidden  # (a page answer of 403; the service refuses the same)
        form = SafetyPlanForm(request.POST)
        status = 422
        if form.is_valid():
            try:
                saved = safety_plan_save(
                    actor=user, case_id=case.pk, data=form.plan_data(), based_on=form.based_on()
                )
            except NotFound:
                raise
            except SafetyPlanChanged as refused:
                form.add_error(None, refused.message)
                current = safety_plan_for_case(case=case)
                form.set_version(current.version if current else 0)
                status = refused.status_code
            except DomainError as refused:
                add_domain_errors(form, refused)
                status = refused.status_code
            else:
                messages.success(
                    request,
                    _("안전 계획을 저장했습니다.")
                    if saved
                    else _("바뀐 내용이 없어 저장하지 않았습니다."),
                )
                return redirect("safety:plan", case_id=case.pk)
    else:
        case, plan = safety_plan_open(actor=user, case_id=case_id, purpose="view")
        form = SafetyPlanForm(plan=plan.data if plan else None, version=plan.version if plan else 0)
    history = [
        (row, saved_by_text(row), [section_title(code) for code in row.sections_changed])
        for row in safety_plan_history(case=case)
    ]
    return no_store(
        render(
            request,
            "safety/plan.html",
            {
                "case": case,
                "form": form,
                "sections": form.sections(),
                "can_write": can_add_to_timeline(user, case),
                "history": history,
            },
            status=status,
        )
    )


@login_required
@require_http_methods(["GET", "POST"])
def print_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """The printable sheet; names, numbers and code words only when chosen (POST)."""
    user = current_staff(request)
    case, plan = safety_plan_open(actor=user, case_id=case_id, purpose="print")
    choice = PrintChoiceForm(request.POST if request.method == "POST" else None)
    included = choice.included()
    sheet = (
        plan_sheet(plan.data, names="names" in included, code_words="code_words" in included)
        if plan
        else []
    )
    return no_store(
        render(
            request,
            "safety/print.html",
            {"case": case, "plan": plan, "sheet": sheet, "choice": choice},
        )
    )
