from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from onestop.audit.context import current_ip


def client_ip(request: HttpRequest) -> str | None:
    # The proxy in front (see docs/deploy) sets REMOTE_ADDR through the ASGI server's
    # --proxy-headers; X-Forwarded-For is never trusted here, as a client can forge it.
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
