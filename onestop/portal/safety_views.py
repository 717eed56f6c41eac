"""Her safety plan in the portal: one page of guided sections (a form that works without
JavaScript; a refusal shows each problem beside its field with everything she typed kept, and a
"save so far" button in every section, since 15 idle minutes end her session), and a printable
sheet under neutral headings, without names, numbers or code words unless she asks for them."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from onestop.cases.forms import add_domain_errors
from onestop.core.errors import DomainError
from onestop.portal.views import portal_access_of, portal_page
from onestop.safety.errors import SafetyPlanChanged
from onestop.safety.forms import PrintChoiceForm, SafetyPlanForm
from onestop.safety.guide import SECTION_BY_CODE
from onestop.safety.selectors import safety_plan_for_case
from onestop.safety.services import safety_plan_save_by_victim
from onestop.safety.sheet import plan_sheet


def _signed_out(request: HttpRequest) -> HttpResponse:
    messages.info(request, _("다시 로그인해 주세요."))
    return redirect("portal:sign_in")


@portal_page
@require_http_methods(["GET", "POST"])
def safety_view(request: HttpRequest) -> HttpResponse:
    access = portal_access_of(request)
    if access is None:
        return _signed_out(request)
    case = access.case
    status = 200
    if request.method == "POST":
        form = SafetyPlanForm(request.POST)
        status = 422
        if form.is_valid():
            try:
                saved = safety_plan_save_by_victim(
                    case=case, data=form.plan_data(), based_on=form.based_on()
                )
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
                    _("저장했습니다.") if saved else _("바뀐 내용이 없어 저장하지 않았습니다."),
                )
                after = request.POST.get("after", "")
                anchor = f"#section-{after}" if after in SECTION_BY_CODE else ""
                return redirect(reverse("portal:safety") + anchor)
    else:
        plan = safety_plan_for_case(case=case)
        form = SafetyPlanForm(plan=plan.data if plan else None, version=plan.version if plan else 0)
    return render(
        request,
        "portal/safety.html",
        {"form": form, "sections": form.sections()},
        status=status,
    )


@portal_page
@require_http_methods(["GET", "POST"])
def safety_print_view(request: HttpRequest) -> HttpResponse:
    access = portal_access_of(request)
    if access is None:
        return _signed_out(request)
    plan = safety_plan_for_case(case=access.case)
    choice = PrintChoiceForm(request.POST if request.method == "POST" else None)
    included = choice.included()
    sheet = (
        plan_sheet(plan.data, names="names" in included, code_words="code_words" in included)
        if plan
        else []
    )
    return render(request, "portal/safety_print.html", {"sheet": sheet, "choice": choice})
