"""How the safety plan's timeline entries read on the case page, in the reader's language: the
version, the sections that changed (never what they say), and whether she saved it herself."""

from __future__ import annotations

from django.utils.translation import gettext as _

from onestop.cases.models import CaseEvent, EventKind
from onestop.safety.guide import section_title

KINDS = (EventKind.SAFETY_PLAN_SAVED,)


def safety_event_detail(event: CaseEvent) -> str:
    data = event.data or {}
    sections = ", ".join(section_title(str(code)) for code in data.get("sections") or [])
    text = _("%(version)s번째 저장 · 바뀐 부분: %(sections)s") % {
        "version": data.get("version", "?"),
        "sections": sections or "-",
    }
    if data.get("by") == "portal":
        text += " · " + _("피해자가 포털에서 저장")
    return text
