"""The staff JSON API, ``/api/v1``: the apps' routers under one session authentication and one
error shape, its OpenAPI 3.1 description at ``/api/v1/openapi.json``, and a health check. No
interactive docs page: it would load assets from a CDN, and deployments may be offline."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver, re_path
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Schema, Status
from ninja.openapi.schema import OpenAPISchema
from pydantic import BaseModel

from onestop.accounts.api import StaffSessionAuth
from onestop.api.errors import error_body, error_item, install_error_handlers
from onestop.cases.api import router as cases_router
from onestop.intake.api import OPENAPI_MODELS, referrals_router
from onestop.intake.api import router as intake_router
from onestop.support.api import router as partner_router

View = Callable[..., HttpResponseBase]


class OneStopAPI(NinjaAPI):
    """Ninja answers a wrong method, an unknown path and the bare root itself, outside the
    exception handlers, in plain text or HTML; here they get the error shape too."""

    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                if pattern.name == "api-root":
                    pattern.callback = self._not_found
                else:
                    pattern.callback = self._json_not_allowed(pattern.callback)
        patterns.append(re_path(r"^", self._not_found))
        return patterns, app_name, namespace

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        """Ninja's document, with the schemas of bodies that operations parse themselves (the
        police referral reads its body after checking headers, size and idempotency)."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in OPENAPI_MODELS:
            components.update(component_schemas(model))
        return schema

    def _not_found(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        message = _("찾을 수 없습니다.")
        return self.create_response(
            request, error_body(error_item(None, "not_found", message)), status=404
        )

    def _json_not_allowed(self, view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            response = view(request, *args, **kwargs)
            if not isinstance(response, HttpResponseNotAllowed):
                return response
            message = _("이 주소는 %(method)s 요청을 받지 않습니다.") % {"method": request.method}
            answer = self.create_response(
                request, error_body(error_item(None, "method_not_allowed", message)), status=405
            )
            answer["Allow"] = response["Allow"]
            return answer

        return wrapped


def component_schemas(model: type[BaseModel]) -> dict[str, Any]:
    """A pydantic model's JSON schema as OpenAPI components: the model and every model it uses,
    each under its own name."""
    document = model.model_json_schema(ref_template="#/components/schemas/{model}")
    nested: dict[str, Any] = document.pop("$defs", {})
    return {**nested, model.__name__: document}


api = OneStopAPI(
    title="OneStop API",
    version="1",
    description="JSON API of the OneStop case system: for staff (signed-in session) and for "
    "partner systems (bearer keys issued with `onestop apikey issue`). Every 4xx answer has the "
    'shape `{"errors": [{"field": …, "code": …, "message": …}]}`.',
    urls_namespace="api",
    docs_url=None,
    auth=StaffSessionAuth(),
)
install_error_handlers(api)


class HealthOut(Schema):
    status: str


health_router = Router(tags=["health"])


@health_router.get("", auth=None, response={200: HealthOut, 503: HealthOut})
def health(request: HttpRequest) -> Status[HealthOut]:
    """Up, and the database answers. Needs no session."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return Status(503, HealthOut(status="unavailable"))
    return Status(200, HealthOut(status="ok"))


api.add_router("/health", health_router)
api.add_router("/cases", cases_router)
api.add_router("/intake", intake_router)
api.add_router("/referrals", referrals_router)
api.add_router("/partner", partner_router)
