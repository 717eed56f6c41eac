"""How the shelters app's timeline entries read on the case page (``cases.panels``
``register_event_detail``): from the codes and dates in the entry, in the reader's language.
Entries never hold an address or a name."""

from __future__ import annotations

from django.utils.translation import gettext as _

from onestop.cases.models import CaseEvent, EventKind
from onestop.shelters.models import EndReason, ExtensionStatus, FacilityKind

KINDS = (EventKind.PLACEMENT,)


def _kind(code: object) -> str:
    return str(FacilityKind(str(code)).label) if str(code) in FacilityKind.values else ""


def _span(data: dict[str, object]) -> str:
    return f"{data.get('starts_on', '')} ~ {data.get('planned_end_on', '')}"


def placement_event_detail(event: CaseEvent) -> str:
    data = event.data or {}
    action = data.get("action")
    kind = _kind(data.get("facility_kind"))
    if action == "placed":
        parts = [_("입소"), kind, _span(data)]
        if data.get("pets"):
            parts.append(_("반려동물 동반"))
    elif action == "moved":
        parts = [_("시설 이동"), kind, _span(data)]
    elif action == "ended":
        reason = str(data.get("end_reason", ""))
        label = str(EndReason(reason).label) if reason in EndReason.values else reason
        parts = [_("퇴소"), kind, str(data.get("ended_on", "")), label]
    elif action == "extension_requested":
        parts = [_("연장 요청"), kind, _("%s까지") % data.get("requested_end_on", "")]
    elif action == "extension_decided":
        status = str(data.get("status", ""))
        label = str(ExtensionStatus(status).label) if status in ExtensionStatus.values else status
        parts = [_("연장 결정"), label, _("퇴소 예정 %s") % data.get("planned_end_on", "")]
    elif action == "waitlisted":
        parts = [_("대기자 등록"), kind]
        if data.get("pets"):
            parts.append(_("반려동물 동반"))
    elif action == "waitlist_cancelled":
        parts = [_("대기 취소"), kind]
    else:
        parts = [str(action or "")]
    return " · ".join(p for p in parts if p)
