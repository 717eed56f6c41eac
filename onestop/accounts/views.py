"""Signing in and out of the staff pages. Failed logins are audited by a signal receiver in
``audit``; these views only render and redirect."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onestop.accounts.forms import StaffLoginForm
from onestop.accounts.models import Staff
from onestop.accounts.services import staff_set_on_duty
from onestop.core.errors import DomainError


def current_staff(request: HttpRequest) -> Staff:
    """The signed-in staff member of a request that passed ``login_required``."""
    user = request.user
    if not isinstance(user, Staff) or not user.is_active:
        raise PermissionDenied
    return user


class StaffLoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = True


class StaffLogoutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET): a link cannot sign anyone out. Signing out
    ends the shift: nobody stays on duty, receiving alerts, without a session."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if isinstance(user, Staff) and user.on_duty:
            staff_set_on_duty(actor=user, on_duty=False)
        return super().post(request, *args, **kwargs)


@login_required
@require_POST
def duty_view(request: HttpRequest) -> HttpResponse:
    """Start (``on_duty=1``) or end (``on_duty=0``) a shift."""
    user = current_staff(request)
    on_duty = request.POST.get("on_duty") == "1"
    try:
        staff_set_on_duty(actor=user, on_duty=on_duty)
    except DomainError as refused:
        messages.error(request, refused.message)
        return redirect("cases:dashboard")
    messages.success(
        request,
        _("근무를 시작했습니다. 새 경찰 연계가 오면 바로 알려 드립니다.")
        if on_duty
        else _("근무를 마쳤습니다. 실시간 알림을 받지 않습니다."),
    )
    return redirect("cases:dashboard")
