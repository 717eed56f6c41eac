"""How the consent app's timeline entries read on the case page (``cases.panels``
``register_event_detail``): labels from the codes, in the reader's language."""

from __future__ import annotations

from onestop.cases.models import CaseEvent, EventKind
from onestop.consent.services import purpose_label

KINDS = (EventKind.CONSENT_RECORDED, EventKind.CONSENT_WITHDRAWN, EventKind.DISCLOSED)


def consent_event_detail(event: CaseEvent) -> str:
    data = event.data or {}
    purpose = purpose_label(str(data.get("purpose", "")))
    if event.kind == EventKind.DISCLOSED:
        return f"{data.get('recipient_label', '')} · {purpose}"
    return purpose
