"""The victim portal's pages. Nothing is cached (``no-store``), no referrer is sent, titles are
neutral, and every page has the quick-exit control. Her session holds only the access id and when
she was last active: 15 minutes idle ends it."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from onestop.cases.models import CaseStatus
from onestop.cases.views import no_store
from onestop.core.errors import DomainError
from onestop.portal.forms import SignInForm
from onestop.portal.models import PortalAccess
from onestop.portal.services import portal_sign_in
from onestop.support.selectors import support_plan_for_case

SESSION_KEY = "portal_access"
SEEN_KEY = "portal_seen"
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
    response["Referrer-Policy"] = "no-referrer"
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
            request.session.cycle_key()
            request.session[SESSION_KEY] = str(access.pk)
            request.session[SEEN_KEY] = time.time()
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
    # her own case: the access she signed in with is the filter
    services = [row.request for row in support_plan_for_case(case=case)]
    return render(
        request,
        "portal/case.html",
        {"status_text": status_text, "next_step": next_step, "services": services},
    )


@portal_page
@require_POST
def sign_out_view(request: HttpRequest) -> HttpResponse:
    request.session.flush()
    return redirect("portal:home")
