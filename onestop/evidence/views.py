"""Staff pages of the evidence log: the case page's evidence panel (upload, files, imports with
their per-day chart), downloading an original (audited), and importing a chat or call log."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onestop.accounts.models import Staff
from onestop.accounts.views import current_staff
from onestop.cases.forms import add_domain_errors
from onestop.cases.models import Case
from onestop.cases.panels import CasePanel
from onestop.cases.permissions import can_add_to_timeline
from onestop.cases.selectors import case_get_for_user
from onestop.cases.views import form_perform, no_store, render_case_page
from onestop.core.errors import DomainError, NotFound
from onestop.evidence.charts import daily_chart_svg
from onestop.evidence.forms import EvidenceImportForm, EvidencePacketForm, EvidenceUploadForm
from onestop.evidence.models import EvidenceKind
from onestop.evidence.selectors import evidence_file_for_user, evidence_for_case
from onestop.evidence.services import (
    evidence_file_add,
    evidence_file_open,
    evidence_import,
    evidence_import_preview,
    evidence_packet_record,
    validate_packet_purpose,
)
from onestop.evidence.sniff import EXTENSIONS


def evidence_case_panel(
    case: Case, user: Staff, bound: Mapping[str, forms.Form]
) -> CasePanel | None:
    found = evidence_for_case(case=case)
    charts = [
        (imported, mark_safe(daily_chart_svg(imported.daily, label=_("하루 연락 횟수"))))  # noqa: S308  (built from numbers and dates only)
        for imported in found.imports
    ]
    upload = None
    if case.is_open and can_add_to_timeline(user, case):
        upload = bound.get("evidence_upload") or EvidenceUploadForm()
    return CasePanel(
        "evidence/panel.html",
        {
            "files": found.files,
            "charts": charts,
            "upload_form": upload,
            "packet_form": bound.get("evidence_packet") or EvidencePacketForm(),
        },
    )


@login_required
@require_POST
def packet_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """The evidence packet PDF, for a stated purpose: rendered first, handed out only once its
    making is recorded (one custody entry per file)."""
    from onestop.evidence.packet import packet_data, packet_filename, packet_pdf

    user = current_staff(request)
    case = case_get_for_user(user=user, case_id=case_id)
    form = EvidencePacketForm(request.POST)
    status = 422
    if form.is_valid():
        purpose, note = form.cleaned_data["purpose"], form.cleaned_data["note"]
        try:
            validate_packet_purpose(purpose=purpose, note=note)
            pdf = packet_pdf(data=packet_data(case=case, prepared_by=user.label))
            evidence_packet_record(actor=user, case_id=case.pk, purpose=purpose, note=note)
        except NotFound:
            raise
        except DomainError as refused:
            add_domain_errors(form, refused)
            status = refused.status_code
        else:
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="{packet_filename(case)}"'
            return no_store(response)
    return render_case_page(
        request, user=user, case=case, bound={"evidence_packet": form}, status=status
    )


@login_required
@require_POST
def upload_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = current_staff(request)
    case = case_get_for_user(user=user, case_id=case_id)
    form = EvidenceUploadForm(request.POST, request.FILES)

    def perform(data: dict[str, Any]) -> str:
        uploaded = data["file"]
        evidence_file_add(
            actor=user,
            case_id=case.pk,
            name=uploaded.name if uploaded else "",
            data=uploaded.read() if uploaded else b"",
            description=data["description"],
        )
        return _("증거 자료를 원본 그대로 보관했습니다.")

    status = form_perform(request, form, perform)
    if status is None:
        return redirect("cases:detail", case_id=case.pk)
    return render_case_page(
        request, user=user, case=case, bound={"evidence_upload": form}, status=status
    )


@login_required
@require_GET
def download_view(request: HttpRequest, file_id: UUID) -> HttpResponse:
    """The original bytes, as they came (audited as a download)."""
    user = current_staff(request)
    record, data = evidence_file_open(actor=user, file_id=file_id, purpose="download")
    response = HttpResponse(data, content_type=record.content_type)
    extension = EXTENSIONS.get(record.content_type, "bin")
    response["Content-Disposition"] = (
        f'attachment; filename="evidence-{record.sha256[:12]}.{extension}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return no_store(response)


@login_required
@require_http_methods(["GET", "POST"])
def import_view(request: HttpRequest, file_id: UUID) -> HttpResponse:
    """Read a chat export or call log into the incident log: who is in it, then the choice."""
    user = current_staff(request)
    record = evidence_file_for_user(user=user, file_id=file_id)
    if record.kind != EvidenceKind.TEXT:
        raise NotFound(_("증거 자료를 찾을 수 없습니다."))
    try:
        preview = evidence_import_preview(actor=user, file_id=file_id)
    except DomainError as refused:
        messages.error(request, refused.message)
        return redirect("cases:detail", case_id=record.case_id)
    form = EvidenceImportForm(request.POST or None, subjects=preview.subjects)
    status = 200
    if request.method == "POST":

        def perform(data: dict[str, Any]) -> str:
            evidence_import(actor=user, file_id=file_id, subject=data["subject"])
            return _("피해 사건 기록에 날짜별로 더했습니다.")

        refusal_status = form_perform(request, form, perform)
        if refusal_status is None:
            return redirect("cases:detail", case_id=record.case_id)
        status = refusal_status
    response = render(
        request,
        "evidence/import.html",
        {"record": record, "preview": preview, "form": form},
        status=status,
    )
    return no_store(response)
