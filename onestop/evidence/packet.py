"""The evidence packet: one PDF for the police or a court with the incident log, the per-day
charts of imported chats and call logs, the list of evidence files with their SHA-256, and the
chain of custody (who added, opened, imported or packed each file, and when — from the
hash-chained audit log). The case appears by its reference; the text makes no promise that any
of it will be admitted."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from onestop.audit.models import AuditEntry
from onestop.cases.models import Case, Incident
from onestop.core import clock
from onestop.core.actors import PORTAL_ACTOR_LABEL
from onestop.core.pdf import font_faces, html_to_pdf
from onestop.evidence.charts import daily_chart_svg
from onestop.evidence.models import EvidenceFile, EvidenceImport

CUSTODY_ACTIONS = ("evidence.add", "evidence.view", "evidence.import", "evidence.packet")


@dataclass(frozen=True)
class PacketData:
    case: Case
    incidents: list[Incident]
    files: list[EvidenceFile]
    charts: list[tuple[EvidenceImport, SafeString]]
    custody: list[AuditEntry]
    generated_at: dt.datetime
    prepared_by: str


def packet_data(*, case: Case, prepared_by: str) -> PacketData:
    """Everything the packet shows. The caller has the case through ``case_get_for_user``."""
    files = list(EvidenceFile.objects.filter(case=case).order_by("uploaded_at"))
    imports = list(EvidenceImport.objects.filter(case=case).order_by("imported_at"))
    charts = [
        (imported, mark_safe(daily_chart_svg(imported.daily, label=_("하루 연락 횟수"))))  # noqa: S308  (numbers and dates only)
        for imported in imports
    ]
    custody = list(
        AuditEntry.objects.filter(
            target_type=EvidenceFile._meta.label_lower,
            target_id__in=[str(f.pk) for f in files],
            action__in=CUSTODY_ACTIONS,
        )
        .select_related("actor")
        .order_by("seq")
    )
    return PacketData(
        case=case,
        incidents=list(Incident.objects.filter(case=case).order_by("occurred_at")),
        files=files,
        charts=charts,
        custody=custody,
        generated_at=clock.now(),
        prepared_by=prepared_by,
    )


def packet_html(*, data: PacketData, font_faces: str = "") -> str:
    context: dict[str, Any] = {
        "data": data,
        "case": data.case,
        "font_faces": font_faces,
        "portal_label": PORTAL_ACTOR_LABEL,
    }
    return render_to_string("evidence/packet.html", context)


def packet_pdf(*, data: PacketData) -> bytes:
    faces, allowed = font_faces()
    return html_to_pdf(packet_html(data=data, font_faces=faces), allowed=allowed)


def packet_filename(case: Case) -> str:
    return f"evidence-packet-{case.reference}.pdf"


def victim_packet_filename() -> str:
    """Her copy's name says nothing (a phone's download list is easy to read over her
    shoulder): ``document-YYYYMMDD.pdf``, the day in Seoul."""
    return f"document-{clock.today_in_seoul():%Y%m%d}.pdf"
