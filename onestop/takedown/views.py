"""Deletion support's staff pages: the desk (open takedown requests on the cases the user may see,
overdue first), a case's deletion support (who asked, the hash bank, one request per URL found
with its evidence and dated steps), the platforms, and the case page's and dashboard's panels.

Thin: ``cases.selectors.case_get_for_user`` decides who sees a case (404 for anyone else),
``permissions`` which forms are shown, ``tracking`` decides and writes. The forms work without
JavaScript (POST, then redirect); a refusal shows the page again with the error beside its field
and the input kept, and writes nothing; a POST by someone who may only read is a 403. These
pages name a case by its reference, a banked item by its id and found content by its URL —
never who the victim is."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onestop.accounts.models import Staff
from onestop.accounts.views import current_staff
from onestop.cases.models import Case
from onestop.cases.panels import CasePanel
from onestop.cases.selectors import case_get_for_user
from onestop.cases.services import case_view_record
from onestop.cases.views import form_perform, form_submit, no_store
from onestop.core import clock
from onestop.takedown.forms import (
    BankUploadForm,
    BankWithdrawForm,
    EvidenceForm,
    MandateForm,
    MandateRevokeForm,
    PlatformForm,
    RequestOpenForm,
    StepForm,
    short_id,
)
from onestop.takedown.models import (
    BankItem,
    DeletionMandate,
    Platform,
    Relation,
    TakedownRequest,
    TakedownStatus,
)
from onestop.takedown.permissions import can_work_deletion, is_desk
from onestop.takedown.selectors import (
    RequestRow,
    case_deletion,
    deletion_cases_for_user,
    overdue_count_for_user,
    platform_get,
    platforms_all,
    request_get_for_case,
    requests_for_user,
)
from onestop.takedown.tracking import (
    NEXT,
    FoundInput,
    MandateInput,
    PlatformInput,
    StepInput,
    bank_item_add_by_staff,
    bank_item_withdraw,
    is_overdue,
    mandate_record,
    mandate_revoke,
    platform_save,
    takedown_evidence_preserve,
    takedown_request_open,
    takedown_request_step,
)

# A platform abroad that refuses, or does not answer, is out of reach of Korean law: the
# regulator (방송통신심의위원회) can still have access to the page blocked in Korea.
REGULATOR_ADVISED = frozenset({TakedownStatus.REFUSED, TakedownStatus.NO_RESPONSE})


def regulator_advised(request: TakedownRequest) -> bool:
    return request.platform.is_foreign and request.status in REGULATOR_ADVISED


# --- the desk -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeskRow:
    request: TakedownRequest
    overdue: bool
    regulator: bool


@dataclass(frozen=True)
class DeskCase:
    case: Case
    open_count: int
    overdue_count: int


@login_required
@require_GET
def desk(request: HttpRequest) -> HttpResponse:
    """Open requests on the cases the user may see, overdue first, and those cases by reference."""
    user = current_staff(request)
    now = clock.now()
    overdue_only = request.GET.get("overdue") == "1"
    rows = [
        DeskRow(request=r, overdue=is_overdue(r, now=now), regulator=regulator_advised(r))
        for r in requests_for_user(user=user, now=now)
    ]
    rows.sort(
        key=lambda row: (
            not row.overdue,
            row.request.due_at is None,
            row.request.due_at or row.request.found_at,
        )
    )
    open_by_case = Counter(row.request.case_id for row in rows)
    overdue_by_case = Counter(row.request.case_id for row in rows if row.overdue)
    cases = [
        DeskCase(
            case=case, open_count=open_by_case[case.pk], overdue_count=overdue_by_case[case.pk]
        )
        for case in deletion_cases_for_user(user=user)
    ]
    desk_user = is_desk(user)
    context = {
        "rows": [row for row in rows if row.overdue] if overdue_only else rows,
        "overdue_total": sum(overdue_by_case.values()),
        "open_total": len(rows),
        "overdue_only": overdue_only,
        "cases": cases,
        "now": now,
        "is_desk": desk_user,
        "sources_url": reverse("takedown_monitoring:sources") if desk_user else "",
        "review_url": reverse("takedown_monitoring:review") if desk_user else "",
        "export_url": reverse("takedown_export:download") if desk_user else "",
    }
    return no_store(render(request, "takedown/desk.html", context))


# --- a case's deletion support ------------------------------------------------------------------


@dataclass(frozen=True)
class MandateView:
    mandate: DeletionMandate
    requester_name: str
    revoke_form: forms.Form | None


@dataclass(frozen=True)
class ItemView:
    item: BankItem
    withdraw_form: forms.Form | None


@dataclass(frozen=True)
class RequestView:
    row: RequestRow
    regulator: bool
    preserve_form: forms.Form | None
    step_form: forms.Form | None


def _mandate_views(
    mandates: list[DeletionMandate], *, may_work: bool, bound: Mapping[str, forms.Form]
) -> list[MandateView]:
    views = []
    for mandate in mandates:
        active = mandate.revoked_at is None
        # A name is shown only to those who work the case, and never for the victim herself.
        name = mandate.requester_name if may_work and mandate.relation != Relation.VICTIM else ""
        form = None
        if may_work and active:
            form = bound.get(f"revoke_{mandate.pk}") or MandateRevokeForm(
                auto_id=f"mandate-revoke-{mandate.pk}-%s"
            )
        views.append(MandateView(mandate=mandate, requester_name=name, revoke_form=form))
    return views


def _request_views(
    rows: list[RequestRow], *, may_work: bool, now: dt.datetime, bound: Mapping[str, forms.Form]
) -> list[RequestView]:
    views = []
    for row in rows:
        request = row.request
        key = request.pk
        preserve = step = None
        if may_work:
            if not request.evidence_preserved or request.status == TakedownStatus.REUPLOADED:
                preserve = bound.get(f"preserve_{key}") or EvidenceForm(
                    auto_id=f"preserve-{key}-%s"
                )
            if row.next_statuses:
                step = bound.get(f"step_{key}") or StepForm(
                    next_statuses=row.next_statuses, now=now, auto_id=f"step-{key}-%s"
                )
        views.append(
            RequestView(
                row=row,
                regulator=regulator_advised(request),
                preserve_form=preserve,
                step_form=step,
            )
        )
    return views


def _open_form(items: list[BankItem], data: Any = None) -> RequestOpenForm:
    """The form to write a found URL: the active platforms, the case's items still in use."""
    return RequestOpenForm(
        data,
        platforms=list(platforms_all(active_only=True)),
        items=[item for item in items if item.withdrawn_at is None],
    )


def _render_case(
    request: HttpRequest,
    *,
    user: Staff,
    case: Case,
    bound: Mapping[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    bound = bound or {}
    now = clock.now()
    case_view_record(case=case, actor=user, what="deletion")
    deletion = case_deletion(case=case, now=now)
    may_work = can_work_deletion(user, case)
    items = list(deletion.items)
    context: dict[str, Any] = {
        "case": case,
        "deletion": deletion,
        "may_work": may_work,
        "now": now,
        "mandates": _mandate_views(deletion.mandates, may_work=may_work, bound=bound),
        "items": [
            ItemView(
                item=item,
                withdraw_form=(
                    bound.get(f"withdraw_{item.pk}")
                    or BankWithdrawForm(auto_id=f"bank-withdraw-{item.pk}-%s")
                )
                if may_work and item.withdrawn_at is None
                else None,
            )
            for item in items
        ],
        "requests": _request_views(deletion.requests, may_work=may_work, now=now, bound=bound),
        "mandate_form": None,
        "bank_form": None,
        "open_form": None,
    }
    if may_work:
        context["mandate_form"] = bound.get("mandate") or MandateForm()
        context["bank_form"] = bound.get("bank") or BankUploadForm()
        context["open_form"] = bound.get("open") or _open_form(items)
    response = render(request, "takedown/case.html", context, status=status)
    return no_store(response)


@login_required
@require_GET
def case_page(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = current_staff(request)
    case = case_get_for_user(user=user, case_id=case_id)
    return _render_case(request, user=user, case=case)


# (case, user, the submitted form, validated) → the message to show.
CasePerform = Callable[[Case, Staff, forms.Form], str]


def _case_action(
    request: HttpRequest,
    case_id: UUID,
    *,
    name: str,
    make_form: Callable[[Case], forms.Form],
    perform: CasePerform,
    anchor: str,
) -> HttpResponse:
    """POST a form of a case's deletion support: 404 for a case the user cannot see, 403 for one
    she may only read; done → back to the page with a message; refused → the page again, the
    error beside its field."""
    user = current_staff(request)
    case = case_get_for_user(user=user, case_id=case_id)
    if not can_work_deletion(user, case):
        raise Forbidden  # (a page answer of 403; the services refuse the same)
    form = make_form(case)
    status = form_perform(request, form, lambda _data: perform(case, user, form))
    if status is None:
        return redirect(reverse("takedown:case", args=[case.pk]) + anchor)
    return _render_case(request, user=user, case=case, bound={name: form}, status=status)


@login_required
@require_POST
def mandate_record_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, form: forms.Form) -> str:
        data = form.cleaned_data
        mandate_record(
            actor=user,
            case_id=case.pk,
            data=MandateInput(
                relation=data["relation"],
                requester_name=data["requester_name"],
                proof_kind=data["proof_kind"],
                proof_note=data["proof_note"],
            ),
        )
        return _("삭제 지원 요청을 기록했습니다.")

    return _case_action(
        request,
        case_id,
        name="mandate",
        make_form=lambda _case: MandateForm(request.POST),
        perform=perform,
        anchor="#mandates",
    )


@login_required
@require_POST
def mandate_revoke_view(request: HttpRequest, case_id: UUID, mandate_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, form: forms.Form) -> str:
        mandate_revoke(
            actor=user, case_id=case.pk, mandate_id=mandate_id, note=form.cleaned_data["note"]
        )
        return _("삭제 지원 요청을 철회로 기록했습니다.")

    return _case_action(
        request,
        case_id,
        name=f"revoke_{mandate_id}",
        make_form=lambda _case: MandateRevokeForm(
            request.POST, auto_id=f"mandate-revoke-{mandate_id}-%s"
        ),
        perform=perform,
        anchor="#mandates",
    )


@login_required
@require_POST
def bank_add_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, form: forms.Form) -> str:
        data = form.cleaned_data
        uploaded = data["file"]
        item = bank_item_add_by_staff(
            actor=user,
            case_id=case.pk,
            name=uploaded.name if uploaded else "",
            data=uploaded.read() if uploaded else b"",
            label=data["label"],
            keep_as_evidence=bool(data["keep_as_evidence"]),
        )
        if item.evidence_file_id is not None:
            return _("해시를 등록하고 원본을 증거로 보관했습니다 (항목 %s).") % short_id(item.pk)
        return _("해시를 등록했습니다. 원본은 저장하지 않았습니다 (항목 %s).") % short_id(item.pk)

    return _case_action(
        request,
        case_id,
        name="bank",
        make_form=lambda _case: BankUploadForm(request.POST, request.FILES),
        perform=perform,
        anchor="#bank",
    )


@login_required
@require_POST
def bank_withdraw_view(request: HttpRequest, case_id: UUID, item_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, form: forms.Form) -> str:
        bank_item_withdraw(
            actor=user, case_id=case.pk, item_id=item_id, note=form.cleaned_data["note"]
        )
        return _("해시 목록에서 뺐습니다. 더 이상 재유포 검색과 공유 목록에 쓰이지 않습니다.")

    return _case_action(
        request,
        case_id,
        name=f"withdraw_{item_id}",
        make_form=lambda _case: BankWithdrawForm(
            request.POST, auto_id=f"bank-withdraw-{item_id}-%s"
        ),
        perform=perform,
        anchor="#bank",
    )


@login_required
@require_POST
def request_open_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, form: forms.Form) -> str:
        data = form.cleaned_data
        takedown_request_open(
            actor=user,
            case_id=case.pk,
            data=FoundInput(
                url=data["url"],
                platform_id=data["platform"],
                bank_item_id=data["bank_item"],
                note=data["note"],
            ),
        )
        return _("발견한 주소를 기록했습니다. 삭제를 요청하기 전에 증거를 보전해 주세요.")

    def make_form(case: Case) -> forms.Form:
        return _open_form(list(case_deletion(case=case, now=clock.now()).items), request.POST)

    return _case_action(
        request,
        case_id,
        name="open",
        make_form=make_form,
        perform=perform,
        anchor="#requests",
    )


@login_required
@require_POST
def evidence_preserve_view(request: HttpRequest, case_id: UUID, request_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, form: forms.Form) -> str:
        data = form.cleaned_data
        uploaded = data["file"]
        takedown_evidence_preserve(
            actor=user,
            case_id=case.pk,
            request_id=request_id,
            name=uploaded.name if uploaded else "",
            data=uploaded.read() if uploaded else b"",
            captured_at=data["captured_at"],
            keep_file=bool(data["keep"]),
        )
        return _("증거를 보전했습니다 (캡처 시각과 해시).")

    return _case_action(
        request,
        case_id,
        name=f"preserve_{request_id}",
        make_form=lambda _case: EvidenceForm(
            request.POST, request.FILES, auto_id=f"preserve-{request_id}-%s"
        ),
        perform=perform,
        anchor=f"#request-{request_id}",
    )


@login_required
@require_POST
def request_step_view(request: HttpRequest, case_id: UUID, request_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, form: forms.Form) -> str:
        assert isinstance(form, StepForm)  # noqa: S101 — made just below
        data = form.cleaned_data
        done = takedown_request_step(
            actor=user,
            case_id=case.pk,
            request_id=request_id,
            data=StepInput(
                to_status=data["to_status"],
                at=data["at"] if form.at_given else None,
                note=data["note"],
            ),
        )
        return _("'%s' 단계를 기록했습니다.") % TakedownStatus(done.status).label

    def make_form(case: Case) -> forms.Form:
        found = request_get_for_case(case=case, request_id=request_id)
        return StepForm(
            request.POST,
            next_statuses=sorted(NEXT.get(found.status, frozenset())),
            auto_id=f"step-{request_id}-%s",
        )

    return _case_action(
        request,
        case_id,
        name=f"step_{request_id}",
        make_form=make_form,
        perform=perform,
        anchor=f"#request-{request_id}",
    )


# --- platforms ----------------------------------------------------------------------------------


def desk_user(request: HttpRequest) -> Staff:
    """The signed-in staff member, if she is of the deletion desk; else 403 (for every desk page:
    platforms, monitoring, review, export). Platforms and sources are reference data, not case
    data: nothing here is hidden by 404."""
    user = current_staff(request)
    if not is_desk(user):
        raise Forbidden
    return user


@login_required
@require_GET
def platform_list(request: HttpRequest) -> HttpResponse:
    desk_user(request)
    return no_store(
        render(request, "takedown/platforms.html", {"platforms": list(platforms_all())})
    )


def _platform_input(data: dict[str, Any]) -> PlatformInput:
    return PlatformInput(
        name=data["name"],
        kind=data["kind"],
        country=data["country"],
        domains=data["domains"],
        report_channel=data["report_channel"],
        response_hours=data["response_hours"],
        active=bool(data["active"]),
    )


def _platform_form_page(
    request: HttpRequest, *, form: forms.Form, platform: Platform | None, status: int = 200
) -> HttpResponse:
    response = render(
        request, "takedown/platform_form.html", {"form": form, "platform": platform}, status=status
    )
    return no_store(response)


@login_required
@require_http_methods(["GET", "POST"])
def platform_new(request: HttpRequest) -> HttpResponse:
    desk_user(request)
    if request.method == "GET":
        return _platform_form_page(request, form=PlatformForm(), platform=None)
    form = PlatformForm(request.POST)

    def perform(actor: Staff, data: dict[str, Any]) -> str:
        made = platform_save(actor=actor, data=_platform_input(data))
        return _("'%s' 플랫폼을 등록했습니다.") % made.name

    return form_submit(
        request,
        form=form,
        perform=perform,
        success=lambda: redirect("takedown:platforms"),
        refused=lambda status: _platform_form_page(
            request, form=form, platform=None, status=status
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def platform_edit(request: HttpRequest, platform_id: UUID) -> HttpResponse:
    desk_user(request)
    platform = platform_get(platform_id=platform_id)
    if request.method == "GET":
        form = PlatformForm(
            initial={
                "name": platform.name,
                "kind": platform.kind,
                "country": platform.country,
                "domains": platform.domains,
                "report_channel": platform.report_channel,
                "response_hours": platform.response_hours,
                "active": platform.active,
            }
        )
        return _platform_form_page(request, form=form, platform=platform)
    form = PlatformForm(request.POST)

    def perform(actor: Staff, data: dict[str, Any]) -> str:
        saved = platform_save(actor=actor, data=_platform_input(data), platform_id=platform.pk)
        return _("'%s' 플랫폼 정보를 바꿨습니다.") % saved.name

    return form_submit(
        request,
        form=form,
        perform=perform,
        success=lambda: redirect("takedown:platforms"),
        refused=lambda status: _platform_form_page(
            request, form=form, platform=platform, status=status
        ),
    )


# --- panels -------------------------------------------------------------------------------------


def takedown_case_panel(
    case: Case, user: Staff, bound: Mapping[str, forms.Form]
) -> CasePanel | None:
    """The case page's summary, for anyone who sees the case once it has deletion work, and for
    those who may start it."""
    deletion = case_deletion(case=case, now=clock.now())
    may_work = can_work_deletion(user, case)
    if not (deletion.mandates or deletion.items or deletion.requests or may_work):
        return None
    context = {
        "deletion": deletion,
        "may_work": may_work,
        "banked": sum(1 for item in deletion.items if item.withdrawn_at is None),
    }
    return CasePanel("takedown/panel.html", context, column="side")


def takedown_dashboard_panel(user: Staff) -> CasePanel | None:
    overdue = overdue_count_for_user(user=user, now=clock.now())
    if not overdue:
        return None
    return CasePanel("takedown/dashboard_panel.html", {"overdue": overdue})
