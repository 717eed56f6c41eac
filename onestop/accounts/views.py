"""Signing in and out of the staff pages. Failed logins are audited by a signal receiver in
``audit``; these views only render and redirect."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from onestop.accounts.forms import StaffLoginForm
from onestop.accounts.models import Staff


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
    """POST only (Django's LogoutView refuses GET): a link cannot sign anyone out."""
