"""The victim portal's pages. Nothing is cached (``no-store``), no referrer leaves the site,
titles are neutral, and every page has the quick-exit control. Her session holds only the access
id and when she was last active: 15 minutes idle ends it."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from onestop.cases.forms import add_domain_errors
from onestop.cases.models import CaseStatus
from onestop.cases.views import no_store
from onestop.consent.selectors import consents_for_case, disclosures_for_case
from onestop.consent.services import consent_withdraw_by_victim, purpose_label
from onestop.core.actors import PORTAL_ACTOR_LABEL
from onestop.core.errors import DomainError
from onestop.portal.forms import (
    CONSENT_NOTICES,
    RETENTION,
    ApplicationForm,
    ApplyMoreForm,
    SignInForm,
    new_submission_token,
)
from onestop.portal.models import PortalAccess
from onestop.portal.selectors import access_log_for_case, case_overview
from onestop.portal.services import display_code, portal_apply, portal_apply_more, portal_sign_in
from onestop.portal.survey import SurveyState, survey_state

SESSION_KEY = "portal_access"
SEEN_KEY = "portal_seen"
NEW_CODE_KEY = "portal_new_code"  # her case code, shown once on the page after applying
IDLE_SECONDS = 15 * 60

STATUS_TEXT: dict[str, tuple[Promise, Promise]] = {
    CaseStatus.RECEIVED: (
        gettext_lazy("접수되었습니다."),
        gettext_lazy("담당자가 곧 안전한 방법으로 연락합니다."),
    ),
    CaseStatus.ASSESSING: (
        gettext_lazy("지금 상황과 위험을 함께 살피고 있습니다."),
        gettext_lazy("담당자와 이야기하며 필요한 지원을 정합니다."),
    ),
    CaseStatus.PLANNING: (
        gettext_lazy("지원 계획을 세우고 있습니다."),
        gettext_lazy("신청한 지원이 정해지면 여기에 보입니다."),
    ),
    CaseStatus.IN_SUPPORT: (
        gettext_lazy("지원을 받고 있습니다."),
        gettext_lazy("궁금한 점은 담당자에게 물어보세요."),
    ),
    CaseStatus.MONITORING: (
        gettext_lazy("지원을 마치고 안부를 살피고 있습니다."),
        gettext_lazy("다시 불안해지면 언제든 연락하세요."),
    ),
    CaseStatus.CLOSED: (
        gettext_lazy("지원이 끝났습니다."),
        gettext_lazy("다시 도움이 필요하면 언제든 연락하세요."),
    ),
}


def _private(response: HttpResponse) -> HttpResponse:
    # No address of hers goes to another site; same-origin (not no-referrer) because with
    # no-referrer browsers send "Origin: null" on her own form posts, which the CSRF check
    # rightly refuses.
    response["Referrer-Policy"] = "same-origin"
    return no_store(response)


def _client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def portal_access_of(request: HttpRequest) -> PortalAccess | None:
    access_id = request.session.get(SESSION_KEY)
    seen = float(request.session.get(SEEN_KEY, 0))
    if not access_id:
        return None
    if time.time() - seen > IDLE_SECONDS:
        request.session.flush()
        return None
    request.session[SEEN_KEY] = time.time()
    return PortalAccess.objects.select_related("case").filter(pk=access_id).first()


def portal_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return _private(view(request, *args, **kwargs))

    return wrapped


@portal_page
def home_view(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


@portal_page
@require_http_methods(["GET", "POST"])
def sign_in_view(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            access = portal_sign_in(
                code=form.cleaned_data["code"],
                passphrase=form.cleaned_data["passphrase"],
                address=_client_address(request),
            )
        except DomainError as refused:
            form.add_error(None, refused.message)
            status = refused.status_code
        else:
            _sign_in_session(request, access)
            return redirect("portal:case")
    return render(request, "portal/sign_in.html", {"form": form}, status=status)


@portal_page
def case_view(request: HttpRequest) -> HttpResponse:
    access = portal_access_of(request)
    if access is None:
        messages.info(request, _("다시 로그인해 주세요."))
        return redirect("portal:sign_in")
    case = access.case
    status_text, next_step = STATUS_TEXT[case.status]
    overview = case_overview(case=case)
    return render(
        request,
        "portal/case.html",
        {
            "status_text": status_text,
            "next_step": next_step,
            "services": overview.services,
            "team": overview.team,
            "upcoming": overview.upcoming,
            "measures": overview.measures,
            "deletion": overview.deletion,
            "survey_open": survey_state(case=case) == SurveyState.OPEN,
        },
    )


def _sign_in_session(request: HttpRequest, access: PortalAccess) -> None:
    request.session.cycle_key()
    request.session[SESSION_KEY] = str(access.pk)
    request.session[SEEN_KEY] = time.time()


@portal_page
@require_http_methods(["GET", "POST"])
def apply_view(request: HttpRequest) -> HttpResponse:
    """The application form: every service, one form. Signed in, it is the shorter form that
    adds to her own case."""
    access = portal_access_of(request)
    if access is not None:
        return _apply_more(request, access)
    initial = {"submission_token": new_submission_token()}
    form = ApplicationForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                applied = portal_apply(
                    data=form.application_input(
                        name=data["name"],
                        phone=data["phone"],
                        birth_year=data["birth_year"],
                        safe_contact_method=data["safe_contact_method"],
                        safe_contact_times=data["safe_contact_times"],
                        consents=tuple(data["consents"]),
                    ),
                    passphrase=data["passphrase"],
                    passphrase_again=data["passphrase_again"],
                    code_word=data["code_word"],
                    address=_client_address(request),
                )
            except DomainError as refused:
                add_domain_errors(form, refused)
                status = refused.status_code
            else:
                _sign_in_session(request, applied.access)
                request.session[NEW_CODE_KEY] = applied.code
                return redirect("portal:applied")
    context = {"form": form, "notices": CONSENT_NOTICES, "retention": RETENTION}
    return render(request, "portal/apply.html", context, status=status)


def _apply_more(request: HttpRequest, access: PortalAccess) -> HttpResponse:
    form = ApplyMoreForm(request.POST or None, initial={"submission_token": new_submission_token()})
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                portal_apply_more(access_id=access.pk, data=form.application_input())
            except DomainError as refused:
                add_domain_errors(form, refused)
                status = refused.status_code
            else:
                messages.success(request, _("접수되었습니다. 담당자가 확인하고 연락합니다."))
                return redirect("portal:case")
    return render(request, "portal/apply_more.html", {"form": form}, status=status)


@portal_page
def applied_view(request: HttpRequest) -> HttpResponse:
    """Right after applying: her case code, once (a reload no longer shows it)."""
    access = portal_access_of(request)
    if access is None:
        return redirect("portal:sign_in")
    code = request.session.pop(NEW_CODE_KEY, None)
    if code is None:
        return redirect("portal:case")
    return render(request, "portal/applied.html", {"code": display_code(code)})


@portal_page
def access_view(request: HttpRequest) -> HttpResponse:
    """Who has accessed her case, what was shared with whom, and the consents she can withdraw."""
    access = portal_access_of(request)
    if access is None:
        return redirect("portal:sign_in")
    case = access.case
    context = {
        "consents": consents_for_case(case=case),
        "disclosures": disclosures_for_case(case=case),
        "log": access_log_for_case(case=case),
    }
    return render(request, "portal/access.html", context)


@portal_page
@require_POST
def consent_withdraw_view(request: HttpRequest) -> HttpResponse:
    access = portal_access_of(request)
    if access is None:
        return redirect("portal:sign_in")
    try:
        grant_id = UUID(request.POST.get("consent", ""))
        grant = consent_withdraw_by_victim(
            case=access.case, grant_id=grant_id, actor_label=PORTAL_ACTOR_LABEL
        )
    except ValueError:
        messages.error(request, _("철회할 동의를 고르세요."))
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("'%s' 동의를 철회했습니다. 이제 이 목적으로는 정보를 제공하지 않습니다.")
            % purpose_label(grant.purpose),
        )
    return redirect("portal:access")


@portal_page
@require_POST
def sign_out_view(request: HttpRequest) -> HttpResponse:
    request.session.flush()
    return redirect("portal:home")
