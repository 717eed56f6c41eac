"""How the evidence app's timeline entries read on the case page, in the reader's language."""

from __future__ import annotations

from django.utils.translation import gettext as _

from onestop.cases.models import CaseEvent, EventKind
from onestop.evidence.models import EvidenceKind

KINDS = (EventKind.EVIDENCE_ADDED,)


def evidence_event_detail(event: CaseEvent) -> str:
    data = event.data or {}
    kind = str(data.get("kind", ""))
    label = str(EvidenceKind(kind).label) if kind in EvidenceKind.values else kind
    size = int(data.get("size") or 0)
    shown = f"{size / (1 << 20):.1f} MB" if size >= 1 << 20 else f"{size / 1024:.0f} KB"
    text = f"{label} · {shown} · SHA-256 {str(data.get('sha256', ''))[:12]}… " + (
        _("(피해 사건에 첨부)") if data.get("incident") else ""
    )
    if data.get("by") == "portal":
        text = f"{text.rstrip()} · {_('피해자가 포털에서 올림')}"
    return text
