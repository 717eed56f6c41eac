"""The minutes of a meeting as a PDF (see ``core.pdf``: WeasyPrint, the bundled Korean font,
nothing else fetched).

The minutes are a multi-agency document: every case appears by its reference and risk level
only — never the victim's name, address or phone — and every page carries a confidentiality
notice in its header and footer."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from onestop.conferences.models import Conference
from onestop.conferences.selectors import MinutesData
from onestop.core.clock import SEOUL
from onestop.core.pdf import font_faces, html_to_pdf


def minutes_filename(conference: Conference) -> str:
    return f"conference-minutes-{conference.scheduled_at.astimezone(SEOUL):%Y%m%d-%H%M}.pdf"


def minutes_html(*, data: MinutesData, font_faces: str = "") -> str:
    context: dict[str, Any] = {
        "data": data,
        "conference": data.conference,
        "font_faces": font_faces,
        "draft": data.conference.status not in ("closed", "cancelled"),
    }
    return render_to_string("conferences/minutes.html", context)


def minutes_pdf(*, data: MinutesData) -> bytes:
    faces, allowed = font_faces()
    return html_to_pdf(minutes_html(data=data, font_faces=faces), allowed=allowed)
