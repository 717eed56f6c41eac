"""The intake page: a counselor takes a contact and, in one submit, opens a case or attaches the
contact to the caller's existing case. Possible duplicates are shown while she types (htmx) and
again, with her input kept, if she submits without choosing. Views parse and render; the
``intake_submit`` service validates, decides and writes.

Police referrals: the dashboard panel of referrals nobody has taken (with the duty switch and the
live alerts), opening one, and the case page's panel of the reports behind a case."""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onestop.accounts.models import Staff
from onestop.accounts.views import current_staff
from onestop.cases.errors import CaseNotFound
from onestop.cases.forms import add_domain_errors
from onestop.cases.models import Case
from onestop.cases.panels import CasePanel
from onestop.cases.permissions import can_open_cases
from onestop.cases.selectors import case_get_for_user
from onestop.core.errors import DomainError, NotFound, ValidationFailed
from onestop.intake.alerts import (
    can_take_referrals,
    pending_referrals_for,
    receives_live_alerts,
    referral_alert_payload,
)
from onestop.intake.errors import PossibleDuplicate, ReferralAlreadyTaken
from onestop.intake.forms import IntakeChoiceForm, IntakeForm, MatchLookupForm
from onestop.intake.selectors import (
    IntakeMatch,
    applications_for_case,
    intake_matches_for_user,
    pending_applications_for,
    referrals_for_case,
)
from onestop.intake.services import (
    intake_submit,
    police_referral_take,
    validate_intake,
    web_application_take,
)


def _intake_staff(request: HttpRequest) -> Staff:
    user = current_staff(request)
    if not can_open_cases(user):
        raise PermissionDenied
    return user


def _render(
    request: HttpRequest,
    form: IntakeForm,
    *,
    matches: list[IntakeMatch] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "intake/new.html",
        {"form": form, "matches": matches or [], "must_choose": bool(matches)},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def intake_new(request: HttpRequest) -> HttpResponse:
    user = _intake_staff(request)
    if request.method != "POST":
        return _render(request, IntakeForm())
    form = IntakeForm(request.POST)
    parsed = form.is_valid()
    data = form.intake_input()
    if not parsed:
        # Show the service's verdict on the rest of the input too, all at once.
        try:
            validate_intake(data)
        except ValidationFailed as refused:
            add_domain_errors(form, refused)
        return _render(request, form, status=422)
    try:
        result = intake_submit(actor=user, data=data, **IntakeChoiceForm(request.POST).choice())
    except PossibleDuplicate as duplicate:
        return _render(request, form, matches=duplicate.matches, status=409)
    except NotFound:
        raise
    except DomainError as refused:
        add_domain_errors(form, refused)
        matches: list[IntakeMatch] = []
        if refused.field in ("attach_to_case", "existing_victim"):
            matches = intake_matches_for_user(
                user=user, phone=data.phone, name=data.name, birth_year=data.birth_year
            )
        return _render(request, form, matches=matches, status=refused.status_code)
    try:
        case = case_get_for_user(user=user, case_id=result.case.pk)
    except CaseNotFound:
        messages.success(request, _("상담을 사례 %s에 연결했습니다.") % result.case.reference)
        return redirect("cases:dashboard")
    messages.success(request, _("사례 %s에 접수했습니다.") % case.reference)
    return redirect("cases:detail", case_id=case.pk)


@login_required
@require_GET
def intake_matches(request: HttpRequest) -> HttpResponse:
    """The possible matches for what has been typed so far (an htmx fragment)."""
    user = _intake_staff(request)
    matches = intake_matches_for_user(user=user, **MatchLookupForm(request.GET).lookup())
    return render(request, "intake/new.html#matches", {"matches": matches, "must_choose": False})


@login_required
@require_POST
def referral_take(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    """Open a police referral's alert: take it (audited) and go to its case."""
    user = current_staff(request)
    try:
        case = police_referral_take(actor=user, referral_id=referral_id)
    except ReferralAlreadyTaken as taken:
        messages.error(request, taken.message)
        return redirect("cases:dashboard")
    messages.success(request, _("경찰 연계 %s을(를) 맡았습니다.") % case.reference)
    return redirect("cases:detail", case_id=case.pk)


@login_required
@require_POST
def application_take(request: HttpRequest, application_id: UUID) -> HttpResponse:
    """Open an application from the portal: take it (audited) and go to its case."""
    user = current_staff(request)
    try:
        case = web_application_take(actor=user, application_id=application_id)
    except ReferralAlreadyTaken as taken:
        messages.error(request, taken.message)
        return redirect("cases:dashboard")
    messages.success(request, _("홈페이지 신청 %s을(를) 맡았습니다.") % case.reference)
    return redirect("cases:detail", case_id=case.pk)


def applications_panel(user: Staff) -> CasePanel | None:
    """The dashboard's list of applications from the portal that nobody has taken."""
    if not can_take_referrals(user):
        return None
    return CasePanel(
        "intake/application_panel.html", {"pending": pending_applications_for(user=user)}
    )


def case_applications_panel(
    case: Case, user: Staff, bound: Mapping[str, forms.Form]
) -> CasePanel | None:
    """What she asked for in her applications from the portal."""
    applications = applications_for_case(case=case)
    if not applications:
        return None
    return CasePanel("intake/case_applications.html", {"applications": applications})


def referral_panel(user: Staff) -> CasePanel | None:
    """The dashboard's referral panel: the duty switch, and the referrals nobody has taken."""
    if not can_open_cases(user):
        return None
    return CasePanel(
        "intake/referral_panel.html",
        {
            "pending": [referral_alert_payload(r) for r in pending_referrals_for(user=user)],
            "can_take": can_take_referrals(user),
            "live": receives_live_alerts(user),
            "on_duty": user.on_duty,
        },
    )


def case_referrals_panel(
    case: Case, user: Staff, bound: Mapping[str, forms.Form]
) -> CasePanel | None:
    """The police reports behind a case: station, officer, police risk grade, measures."""
    referrals = referrals_for_case(case=case)
    if not referrals:
        return None
    return CasePanel("intake/case_referrals.html", {"referrals": referrals})
