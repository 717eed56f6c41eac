"""The deletion desk's monitoring pages: the sources (list with their last runs, new, edit, run
now) and the review queue (what monitoring was not sure of, and banked items of low quality).

Thin: ``monitoring`` and ``selectors`` decide what is seen and written. Only the desk
(``permissions.is_desk``) opens them; anyone else gets 403 (sources are sites and folders, not
case data; the queue is the agency's and is empty for anyone else). The queue shows bank item
ids, distances, URLs and — only to those who may see that case — a case reference, never who
the victim is. Forms work without JavaScript (POST, then redirect); a refusal shows the page
again with the error beside its field and writes nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onestop.accounts.models import Staff
from onestop.cases.views import form_perform, form_submit, no_store
from onestop.core import clock
from onestop.core.errors import PermissionDenied, ValidationFailed
from onestop.takedown.forms import short_id
from onestop.takedown.models import MonitoringSource, SourceKind
from onestop.takedown.monitoring import (
    SourceInput,
    candidate_decide,
    monitoring_run_enqueue,
    monitoring_source_save,
    runs_recent,
    source_get_for_desk,
    sources_overview,
)
from onestop.takedown.monitoring_forms import DecideForm, ItemReviewForm, RunForm, SourceForm
from onestop.takedown.selectors import platforms_all, review_queue_for_user
from onestop.takedown.tracking import bank_item_review
from onestop.takedown.views import desk_user

# --- sources ------------------------------------------------------------------------------------


def _sources_page(request: HttpRequest, user: Staff, *, status: int = 200) -> HttpResponse:
    context = {
        "rows": sources_overview(user=user),
        "runs": runs_recent(user=user),
        "run_form": RunForm(),
        "now": clock.now(),
    }
    return no_store(render(request, "takedown/monitoring_sources.html", context, status=status))


@login_required
@require_GET
def sources(request: HttpRequest) -> HttpResponse:
    return _sources_page(request, desk_user(request))


def _source_input(data: dict[str, Any]) -> SourceInput:
    return SourceInput(
        name=data.get("name") or "",
        kind=data.get("kind") or "",
        urls=data.get("urls") or "",
        folder=data.get("folder") or "",
        every_hours=data.get("every_hours"),
        active=bool(data.get("active")),
    )


def _source_form_page(
    request: HttpRequest,
    *,
    form: forms.Form,
    source: MonitoringSource | None,
    status: int = 200,
) -> HttpResponse:
    response = render(
        request,
        "takedown/monitoring_source_form.html",
        {"form": form, "source": source},
        status=status,
    )
    return no_store(response)


@login_required
@require_http_methods(["GET", "POST"])
def source_new(request: HttpRequest) -> HttpResponse:
    desk_user(request)
    if request.method == "GET":
        form = SourceForm(initial={"kind": SourceKind.URLS, "every_hours": 24, "active": True})
        return _source_form_page(request, form=form, source=None)
    form = SourceForm(request.POST)

    def perform(actor: Staff, data: dict[str, Any]) -> str:
        made = monitoring_source_save(actor=actor, data=_source_input(data))
        return _("'%s' 모니터링 대상을 등록했습니다.") % made.name

    return form_submit(
        request,
        form=form,
        perform=perform,
        success=lambda: redirect("takedown_monitoring:sources"),
        refused=lambda status: _source_form_page(request, form=form, source=None, status=status),
    )


@login_required
@require_http_methods(["GET", "POST"])
def source_edit(request: HttpRequest, source_id: UUID) -> HttpResponse:
    user = desk_user(request)
    source = source_get_for_desk(user=user, source_id=source_id)
    if request.method == "GET":
        form = SourceForm(
            initial={
                "name": source.name,
                "kind": source.kind,
                "urls": source.urls,
                "folder": source.folder,
                "every_hours": source.every_hours,
                "active": source.active,
            }
        )
        return _source_form_page(request, form=form, source=source)
    form = SourceForm(request.POST)

    def perform(actor: Staff, data: dict[str, Any]) -> str:
        saved = monitoring_source_save(actor=actor, data=_source_input(data), source_id=source.pk)
        return _("'%s' 모니터링 대상을 바꿨습니다.") % saved.name

    return form_submit(
        request,
        form=form,
        perform=perform,
        success=lambda: redirect("takedown_monitoring:sources"),
        refused=lambda status: _source_form_page(request, form=form, source=source, status=status),
    )


@login_required
@require_POST
def source_run(request: HttpRequest, source_id: UUID) -> HttpResponse:
    user = desk_user(request)
    source = source_get_for_desk(user=user, source_id=source_id)

    def perform(data: dict[str, Any]) -> str:
        monitoring_run_enqueue(actor=user, source_id=source.pk)
        return _("'%s' 살펴보기를 시작했습니다. 끝나면 아래 실행 기록에 나옵니다.") % source.name

    status = form_perform(
        request,
        RunForm(request.POST),
        perform,
        said_above=(PermissionDenied, ValidationFailed),
    )
    if status is None:
        return redirect("takedown_monitoring:sources")
    return _sources_page(request, user, status=status)


# --- the review queue ---------------------------------------------------------------------------


def _review_page(
    request: HttpRequest,
    user: Staff,
    *,
    bound: Mapping[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    bound = bound or {}
    platforms = list(platforms_all(active_only=True))
    rows = []
    for row in review_queue_for_user(user=user):
        if row.kind == "candidate":
            key = str(row.candidate_id)
            form: forms.Form = bound.get(f"decide-{key}") or DecideForm(
                platforms=platforms, key=key
            )
        else:
            key = str(row.item_id)
            form = bound.get(f"item-{key}") or ItemReviewForm(key=key)
        rows.append({"row": row, "form": form, "item_short": short_id(row.item_id)})
    context = {"rows": rows, "platform_count": len(platforms)}
    return no_store(render(request, "takedown/review_queue.html", context, status=status))


@login_required
@require_GET
def review(request: HttpRequest) -> HttpResponse:
    return _review_page(request, desk_user(request))


@login_required
@require_POST
def candidate_decide_view(request: HttpRequest, candidate_id: UUID) -> HttpResponse:
    user = desk_user(request)
    key = str(candidate_id)
    form = DecideForm(request.POST, platforms=list(platforms_all(active_only=True)), key=key)

    def perform(data: dict[str, Any]) -> str:
        decided = candidate_decide(
            actor=user,
            candidate_id=candidate_id,
            is_match=data["decision"] == "match",
            platform_id=UUID(data["platform"]) if data.get("platform") else None,
            note=data.get("note") or "",
            url=data.get("url") or "",
        )
        if decided.request_id:
            return _("삭제 요청 대상으로 기록했습니다.")
        return _("피해 촬영물이 아닌 것으로 기록했습니다.")

    status = form_perform(request, form, perform)
    if status is None:
        return redirect("takedown_monitoring:review")
    return _review_page(request, user, bound={f"decide-{key}": form}, status=status)


@login_required
@require_POST
def item_review_view(request: HttpRequest, item_id: UUID) -> HttpResponse:
    user = desk_user(request)
    key = str(item_id)
    form = ItemReviewForm(request.POST, key=key)

    def perform(data: dict[str, Any]) -> str:
        keep = data["keep"] == "keep"
        bank_item_review(actor=user, item_id=item_id, keep=keep, note=data.get("note") or "")
        if keep:
            return _("항목을 유지합니다. 이 항목과 일치하는 것은 늘 사람이 확인합니다.")
        return _("항목을 해시 목록에서 뺐습니다.")

    status = form_perform(request, form, perform)
    if status is None:
        return redirect("takedown_monitoring:review")
    return _review_page(request, user, bound={f"item-{key}": form}, status=status)
