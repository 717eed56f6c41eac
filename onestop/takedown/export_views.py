"""The hash export page of the deletion desk: what an export holds (GET), and the export itself
as a CSV download (POST), streamed row by row and recorded before its first row leaves. The
desk only (deletion staff and supervisors), its own agency's items only; anyone else gets 403.
No case reference and no name is shown here or exported."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from itertools import islice
from typing import Any

from asgiref.sync import sync_to_async
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from onestop.accounts.models import Staff
from onestop.cases.forms import LocalDateTimeField, add_domain_errors
from onestop.cases.views import no_store
from onestop.core import clock
from onestop.core.errors import DomainError
from onestop.takedown.export import (
    COLUMNS,
    bank_export_open,
    export_overview,
    export_scope,
)
from onestop.takedown.hashing import MATCH_DISTANCE, MIN_QUALITY, REVIEW_DISTANCE
from onestop.takedown.views import desk_user

LINES_PER_HOP = 2000  # rows read per trip to the database thread when served over ASGI


class ExportForm(forms.Form):
    since = LocalDateTimeField(
        label=_("이 시각 이후 등록된 항목만 (선택)"),
        help_text=_(
            "비워 두면 전체를 내보냅니다. 지난번 내보낸 시각을 적으면 그 뒤 것만 나옵니다."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "export-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def _served(request: HttpRequest, lines: Iterator[str]) -> Iterator[str] | AsyncIterator[str]:
    """The rows as the server can stream them. Under ASGI (``onestop serve``) a synchronous
    iterator would be read whole into memory before the first byte is sent, so the lines are
    pulled a few thousand at a time from the request's database thread instead."""
    if not isinstance(request, ASGIRequest):
        return lines

    def take() -> str:
        return "".join(islice(lines, LINES_PER_HOP))

    async def pulled() -> AsyncIterator[str]:
        while chunk := await sync_to_async(take, thread_sensitive=True)():
            yield chunk

    return pulled()


def _page(request: HttpRequest, user: Staff, form: ExportForm, status: int = 200) -> HttpResponse:
    overview = export_overview(scope=export_scope(actor=user))
    context = {
        "form": form,
        "overview": overview,
        "columns": COLUMNS,
        "match_distance": MATCH_DISTANCE,
        "review_distance": REVIEW_DISTANCE,
        "min_quality": MIN_QUALITY,
    }
    return no_store(render(request, "takedown/export_page.html", context, status=status))


@login_required
@require_http_methods(["GET", "POST"])
def download_view(request: HttpRequest) -> HttpResponseBase:
    user = desk_user(request)
    if request.method == "GET":
        return _page(request, user, ExportForm())
    form = ExportForm(request.POST)
    if not form.is_valid():
        return _page(request, user, form, status=422)
    try:
        export = bank_export_open(actor=user, since=form.cleaned_data["since"])
    except DomainError as refused:
        if refused.status_code == 403:
            raise PermissionDenied from refused
        add_domain_errors(form, refused)
        return _page(request, user, form, status=refused.status_code)
    day = export.scope.as_of.astimezone(clock.SEOUL)
    response = StreamingHttpResponse(
        _served(request, export.lines()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="onestop-hashes-{day:%Y%m%d}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    response["X-OneStop-Export-As-Of"] = export.scope.as_of.isoformat()
    response["Cache-Control"] = "no-store"
    return response
