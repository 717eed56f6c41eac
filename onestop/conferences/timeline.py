"""How the conference app's timeline entries read on the case page (``cases.panels``
``register_event_detail``): labels from the codes, in the reader's language."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _

from onestop.cases.models import CaseEvent, EventKind
from onestop.conferences.models import ActionStatus, ConferenceKind, ReferralReason, ReferralStatus

KINDS = (
    EventKind.CONFERENCE_REFERRED,
    EventKind.CONFERENCE_DISCUSSED,
    EventKind.CONFERENCE_ACTION,
)


def _label(choices: type[models.TextChoices], code: object) -> str:
    return str(choices(str(code)).label) if str(code) in choices.values else str(code)


def conference_event_detail(event: CaseEvent) -> str:
    data = event.data or {}
    if event.kind == EventKind.CONFERENCE_REFERRED:
        parts = [", ".join(_label(ReferralReason, r) for r in data.get("reasons", []))]
        if data.get("automatic"):
            parts.append(_("자동 제안"))
        if data.get("cancelled"):
            parts.append(_("회의 취소"))
        if data.get("status"):
            parts.append(_label(ReferralStatus, data["status"]))
        return " · ".join(p for p in parts if p)
    if event.kind == EventKind.CONFERENCE_ACTION:
        text = _("조치") + ": " + _label(ActionStatus, data.get("status", ""))
        if data.get("due_on"):
            text += " · " + _("기한 %s") % data["due_on"]
        return text
    return _label(ConferenceKind, data.get("kind", ""))
