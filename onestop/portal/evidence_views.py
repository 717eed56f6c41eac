"""Her evidence log in the portal: what he did, day by day (newest first), the per-day chart of
the chats and call logs she imported, the files she kept (her own originals back, each download
on the chain of custody), a form to record an incident with a photo or file of it, the import of
a KakaoTalk export or call log (she says which sender is him), and her copy of the evidence
packet. Forms work without JavaScript; file ids travel in POST bodies, never in addresses; every
page is no-store with a neutral title."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onestop.cases.forms import add_domain_errors
from onestop.cases.models import Case, IncidentSource
from onestop.cases.selectors import incidents_for_case
from onestop.core.errors import DomainError, NotFound, ValidationFailed
from onestop.evidence.charts import daily_chart_svg
from onestop.evidence.selectors import evidence_for_victim
from onestop.evidence.services import (
    ImportPreview,
    evidence_file_add_by_victim,
    evidence_file_open_by_victim,
    evidence_import_by_victim,
    evidence_import_preview_by_victim,
    evidence_incident_add_by_victim,
    evidence_packet_for_victim,
    validate_victim_packet_purpose,
)
from onestop.evidence.sniff import EXTENSIONS
from onestop.portal.evidence_forms import (
    FileChoiceForm,
    ImportChooseForm,
    ImportUploadForm,
    IncidentAddForm,
    PacketForm,
)
from onestop.portal.views import portal_access_of, portal_page

# A service names the moment ``occurred_at``; her form asks for it as a date and a time.
FIELD_OF = {"occurred_at": "occurred_on"}


def _signed_out(request: HttpRequest) -> HttpResponse:
    messages.info(request, _("다시 로그인해 주세요."))
    return redirect("portal:sign_in")


def _missing(request: HttpRequest) -> HttpResponse:
    """A file id that is not one of hers: not found, on a portal page (neutral title)."""
    return render(request, "portal/evidence_missing.html", status=404)


def _show_refusal(form: forms.Form, refused: DomainError) -> None:
    if isinstance(refused, ValidationFailed):
        for error in refused.errors:
            error.field = FIELD_OF.get(error.field or "", error.field)
    add_domain_errors(form, refused)


def _evidence_page(
    request: HttpRequest, case: Case, *, packet_form: PacketForm | None = None, status: int = 200
) -> HttpResponse:
    found = evidence_for_victim(case=case)
    charts = [
        (imported, mark_safe(daily_chart_svg(imported.daily, label=_("하루 연락 횟수"))))  # noqa: S308  (built from numbers and dates only)
        for imported in found.imports
    ]
    return render(
        request,
        "portal/evidence.html",
        {
            "incidents": incidents_for_case(case=case),
            "files": found.files,
            "charts": charts,
            "packet_form": packet_form or PacketForm(),
            "own_source": IncidentSource.SELF_REPORTED,
            "can_add": case.is_open,
        },
        status=status,
    )


@portal_page
@require_GET
def evidence_view(request: HttpRequest) -> HttpResponse:
    access = portal_access_of(request)
    if access is None:
        return _signed_out(request)
    return _evidence_page(request, access.case)


@portal_page
@require_http_methods(["GET", "POST"])
def incident_add_view(request: HttpRequest) -> HttpResponse:
    """Record what he did, with a photo or file of it if she has one: one POST, one
    transaction — a refused file records no incident either. On a refusal everything she typed
    is shown again; only the file must be chosen again (a browser cannot keep it)."""
    access = portal_access_of(request)
    if access is None:
        return _signed_out(request)
    case = access.case
    form = IncidentAddForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            uploaded = form.cleaned_data["file"]
            count = form.cleaned_data["count"]
            try:
                evidence_incident_add_by_victim(
                    case=case,
                    occurred_at=form.occurred_at(),
                    behaviours=form.cleaned_data["behaviours"],
                    count=1 if count is None else count,  # left empty: once; 0 is refused
                    place=form.cleaned_data["place"],
                    note=form.cleaned_data["note"],
                    file_name=uploaded.name if uploaded else "",
                    file_data=uploaded.read() if uploaded else None,
                )
            except NotFound:
                raise
            except DomainError as refused:
                _show_refusal(form, refused)
                status = refused.status_code
            else:
                messages.success(
                    request,
                    _("기록했습니다. 담당자도 볼 수 있습니다.")
                    if not uploaded
                    else _("기록하고 파일을 원본 그대로 보관했습니다. 담당자도 볼 수 있습니다."),
                )
                return redirect("portal:evidence")
    return render(
        request,
        "portal/evidence_incident_add.html",
        {"form": form, "file_dropped": bool(request.FILES.get("file")), "can_add": case.is_open},
        status=status,
    )


def _chooser(
    request: HttpRequest,
    *,
    preview: ImportPreview,
    form: ImportChooseForm,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "portal/evidence_import.html",
        {"preview": preview, "choose_form": form, "upload_form": None},
        status=status,
    )


@portal_page
@require_http_methods(["GET", "POST"])
def evidence_import_view(request: HttpRequest) -> HttpResponse:
    """A KakaoTalk export or a call log, in three steps on one address: upload (kept as
    evidence only if it reads as one), the senders (or numbers) with how many each, and her
    choice of the one who is him — which adds one incident per day of his contacts. The file
    travels as its id in the POST body."""
    access = portal_access_of(request)
    if access is None:
        return _signed_out(request)
    case = access.case
    step = request.POST.get("step", "")
    if request.method == "POST" and step == "upload":
        upload = ImportUploadForm(request.POST, request.FILES)
        status = 422
        if upload.is_valid():
            uploaded = upload.cleaned_data["file"]
            try:
                record = evidence_file_add_by_victim(
                    case=case, name=uploaded.name, data=uploaded.read(), for_import=True
                )
                preview = evidence_import_preview_by_victim(case=case, file_id=record.pk)
            except NotFound:
                raise
            except DomainError as refused:
                _show_refusal(upload, refused)
                status = refused.status_code
            else:
                chooser = ImportChooseForm(
                    initial={"file_id": record.pk}, subjects=preview.subjects
                )
                return _chooser(request, preview=preview, form=chooser)
        return render(
            request,
            "portal/evidence_import.html",
            {"upload_form": upload, "choose_form": None},
            status=status,
        )
    if request.method == "POST" and step in ("preview", "choose"):
        picked = FileChoiceForm(request.POST)
        if not picked.is_valid():
            return _missing(request)
        file_id = picked.cleaned_data["file_id"]
        try:
            preview = evidence_import_preview_by_victim(case=case, file_id=file_id)
        except NotFound:
            return _missing(request)
        except DomainError as refused:
            messages.error(request, refused.message)
            return redirect("portal:evidence")
        if step == "preview":
            chooser = ImportChooseForm(initial={"file_id": file_id}, subjects=preview.subjects)
            return _chooser(request, preview=preview, form=chooser)
        chooser = ImportChooseForm(request.POST, subjects=preview.subjects)
        if not chooser.is_valid():
            return _chooser(request, preview=preview, form=chooser, status=422)
        try:
            imported = evidence_import_by_victim(
                case=case, file_id=file_id, subject=chooser.cleaned_data["subject"]
            )
        except NotFound:
            return _missing(request)
        except DomainError as refused:
            _show_refusal(chooser, refused)
            return _chooser(request, preview=preview, form=chooser, status=refused.status_code)
        messages.success(
            request,
            _("%(days)s일 동안 %(total)s건을 날짜별로 기록했습니다.")
            % {"days": len(imported.daily), "total": f"{imported.total:,}"},
        )
        return redirect("portal:evidence")
    return render(
        request,
        "portal/evidence_import.html",
        {"upload_form": ImportUploadForm(), "choose_form": None},
    )


@portal_page
@require_POST
def evidence_download_view(request: HttpRequest) -> HttpResponse:
    """One of her own originals, as it came (checked against its SHA-256; the download is on
    the chain of custody). The file id comes in the POST body; another case's is not found."""
    access = portal_access_of(request)
    if access is None:
        return _signed_out(request)
    picked = FileChoiceForm(request.POST)
    if not picked.is_valid():
        return _missing(request)
    try:
        record, data = evidence_file_open_by_victim(
            case=access.case, file_id=picked.cleaned_data["file_id"], purpose="download"
        )
    except NotFound:
        return _missing(request)
    response = HttpResponse(data, content_type=record.content_type)
    extension = EXTENSIONS.get(record.content_type, "bin")
    response["Content-Disposition"] = (
        f'attachment; filename="file-{record.uploaded_at:%Y%m%d}-{record.sha256[:8]}.{extension}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@portal_page
@require_POST
def evidence_packet_view(request: HttpRequest) -> HttpResponse:
    """Her copy of the evidence packet PDF (the same packet staff make): rendered first, handed
    to her only once its making is recorded on the chain of custody, under a file name that
    says nothing."""
    from onestop.evidence.packet import packet_data, packet_pdf, victim_packet_filename

    access = portal_access_of(request)
    if access is None:
        return _signed_out(request)
    case = access.case
    form = PacketForm(request.POST)
    status = 422
    if form.is_valid():
        purpose = str(form.cleaned_data["purpose"])
        try:
            validate_victim_packet_purpose(purpose=purpose)
            pdf = packet_pdf(data=packet_data(case=case, prepared_by=_("피해자 본인 (포털)")))
            evidence_packet_for_victim(case=case, purpose=purpose)
        except NotFound:
            raise
        except DomainError as refused:
            add_domain_errors(form, refused)
            status = refused.status_code
        else:
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="{victim_packet_filename()}"'
            return response
    return _evidence_page(request, case, packet_form=form, status=status)
