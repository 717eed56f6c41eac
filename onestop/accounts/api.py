"""Who is calling the JSON API: a staff member signed in with Django's session, or a partner
system with a bearer key. Anonymous callers and unknown, revoked or expired keys get 401; a
signed-in caller's unsafe request without a valid CSRF token gets 403. Which cases the caller may
see or change is not decided here (see ``cases.permissions``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from onestop.accounts.models import ApiKey, Staff
from onestop.accounts.services import apikey_authenticate
from onestop.core.errors import PermissionDenied


class CsrfRejected(PermissionDenied):
    code = "csrf_failed"


class StaffRequest(HttpRequest):
    """For typing only: a request that passed ``StaffSessionAuth`` carries its Staff in ``auth``."""

    auth: Staff


class StaffSessionAuth(APIKeyCookie):
    """Django's session, as ninja's ``SessionAuth``, but authentication is decided before CSRF:
    an anonymous caller learns only that it must sign in (401), whatever it sent."""

    param_name: str = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if not isinstance(user, Staff) or not user.is_active:
            return None
        exempt = getattr(request, "_ninja_csrf_exempt", False)
        if self.csrf and not exempt and check_csrf(request) is not None:
            raise CsrfRejected(_("CSRF 토큰이 없거나 올바르지 않습니다."))
        return user


class PartnerRequest(HttpRequest):
    """For typing only: a request that passed ``ApiKeyAuth`` carries its key in ``auth``."""

    auth: ApiKey


class ApiKeyAuth(HttpBearer):
    """``Authorization: Bearer <key>``. Which scope and agency kind an operation needs is the
    operation's to check (a known key of the wrong kind gets 403 or 404, not 401)."""

    openapi_description = "A partner API key issued with `onestop apikey issue`."

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        return apikey_authenticate(raw_key=token)
