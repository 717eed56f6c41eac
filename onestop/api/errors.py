"""The one error shape of the API. Every refusal — a service's domain error, a body that does not
parse or validate, a missing session, an unknown path or method — is answered as
``{"errors": [{"field": …, "code": …, "message": …}]}``. A caller never sees a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from onestop.core.errors import DomainError, Throttled, ValidationFailed
from onestop.intake.api import match_out
from onestop.intake.errors import PossibleDuplicate

logger = logging.getLogger(__name__)

# Where ninja says a parameter came from; the client only knows the field's own name.
PARAM_SOURCES = frozenset({"body", "query", "path", "header", "cookie", "form", "file"})
# The name every operation gives its body parameter; ninja puts it in an error's location.
BODY_PARAM = "body"


def error_item(field: str | None, code: str, message: str) -> dict[str, str | None]:
    return {"field": field, "code": code, "message": message}


def error_body(*items: dict[str, str | None]) -> dict[str, Any]:
    return {"errors": list(items)}


def http_error_code(status: int) -> str:
    return {
        400: "bad_request",
        401: "not_authenticated",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        429: "throttled",
    }.get(status, "error")


def field_of(loc: Sequence[Any]) -> str | None:
    """``("body", "body", "victim", "phone")`` → ``"victim.phone"``; the whole body → None."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in PARAM_SOURCES:
        source, parts = parts[0], parts[1:]
        if source == "body" and parts and parts[0] == BODY_PARAM:
            parts = parts[1:]
    return ".".join(parts) or None


def validation_item(error: dict[str, Any]) -> dict[str, str | None]:
    kind = str(error.get("type", "invalid"))
    if kind == "missing":
        return error_item(field_of(error["loc"]), "required", _("필수 항목입니다."))
    if kind == "extra_forbidden":
        return error_item(field_of(error["loc"]), "unknown_field", _("알 수 없는 항목입니다."))
    return error_item(field_of(error["loc"]), kind, str(error.get("msg", "")))


def install_error_handlers(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, body: dict[str, Any], status: int) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(DomainError)
    def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        errors = exc.errors if isinstance(exc, ValidationFailed) else [exc]
        body = error_body(*(e.as_dict() for e in errors))
        if isinstance(exc, PossibleDuplicate):
            body["matches"] = [match_out(m) for m in exc.matches]
        response = respond(request, body, exc.status_code)
        if isinstance(exc, Throttled):
            response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(ValidationError)
    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return respond(request, error_body(*(validation_item(e) for e in exc.errors)), 422)

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(
            request, error_body(error_item(None, "not_found", _("찾을 수 없습니다."))), 404
        )

    @api.exception_handler(AuthenticationError)
    def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = _("로그인이 필요합니다.")
        return respond(request, error_body(error_item(None, "not_authenticated", message)), 401)

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = http_error_code(exc.status_code)
        message = (
            _("요청 본문을 JSON으로 읽을 수 없습니다.") if exc.status_code == 400 else exc.message
        )
        return respond(request, error_body(error_item(None, code, message)), exc.status_code)

    @api.exception_handler(SuspiciousOperation)
    def on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        message = _("요청을 처리할 수 없습니다.")
        return respond(request, error_body(error_item(None, "bad_request", message)), 400)

    @api.exception_handler(MultiPartParserError)
    def on_unreadable_form(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
        # A session's CSRF check reads a form body before the operation sees it: a multipart
        # body that does not parse (no boundary, cut short) is the client's error, not ours.
        message = _("요청 본문을 읽을 수 없습니다.")
        return respond(request, error_body(error_item(None, "bad_request", message)), 400)

    @api.exception_handler(Exception)
    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("unhandled error in %s %s", request.method, request.path)
        message = _("서버 오류가 발생했습니다. 잠시 후 다시 시도하세요.")
        return respond(request, error_body(error_item(None, "server_error", message)), 500)
