"""Labels for what a case stores as codes: statuses, behaviours, timeline events, phones."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.translation import gettext as _

from onestop.cases import reminders
from onestop.cases.models import (
    CaseEvent,
    CaseStatus,
    Channel,
    CloseReason,
    EventKind,
    FurtherHarm,
    ProtectiveMeasureKind,
    Reminder,
    RiskGrade,
    StalkingBehaviour,
    TeamRole,
)
from onestop.cases.panels import registered_event_detail
from onestop.core.phone import format_phone
from onestop.people.models import LocationKind

register = template.Library()


@register.filter
def risk_grade_label(code: str) -> str:
    return _label(RiskGrade, code)


def _label(
    choices: type[
        CaseStatus
        | Channel
        | CloseReason
        | TeamRole
        | LocationKind
        | RiskGrade
        | ProtectiveMeasureKind
    ],
    code: object,
) -> str:
    try:
        return str(choices(str(code)).label)
    except ValueError:
        return str(code)


@register.filter
def phone(e164: str) -> str:
    """``+821012345678`` → ``010-1234-5678``; empty stays empty."""
    return format_phone(e164) if e164 else ""


@register.filter
def behaviour_labels(codes: Iterable[str]) -> list[str]:
    return [_label_of(StalkingBehaviour, code) for code in codes or []]


@register.filter
def harm_labels(codes: Iterable[str]) -> list[str]:
    return [_label_of(FurtherHarm, code) for code in codes or []]


def _label_of(choices: type[StalkingBehaviour | FurtherHarm], code: str) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return code


@register.filter
def status_label(code: str) -> str:
    return _label(CaseStatus, code)


@register.filter
def event_kind_label(code: str) -> str:
    try:
        return str(EventKind(code).label)
    except ValueError:
        return code


@register.filter
def event_detail(event: CaseEvent) -> str:
    """One line saying what an event changed; never a name of the victim (``data`` has none)."""
    registered = registered_event_detail(event)
    if registered is not None:
        return registered
    data = event.data or {}
    if event.kind in (EventKind.STATUS_CHANGED, EventKind.REOPENED):
        text = _("%(from)s → %(to)s") % {
            "from": _label(CaseStatus, data.get("from", "")),
            "to": _label(CaseStatus, data.get("to", "")),
        }
        if data.get("close_reason"):
            text += " · " + _("종결 사유: %s") % _label(CloseReason, data["close_reason"])
        return text
    if event.kind in (EventKind.TEAM_ASSIGNED, EventKind.TEAM_REMOVED):
        return f"{data.get('staff_label', '')} · {_label(TeamRole, data.get('role', ''))}"
    if event.kind in (EventKind.OPENED, EventKind.CONTACT) and data.get("channel"):
        return _label(Channel, data["channel"])
    if event.kind == EventKind.POLICE_REFERRAL:
        parts = [str(data.get("station", ""))]
        if data.get("risk_grade"):
            parts.append(_("경찰 위험도: %s") % risk_grade_label(data["risk_grade"]))
        if data.get("protection_recommended"):
            parts.append(_("신변보호 권고"))
        return " · ".join(p for p in parts if p)
    if event.kind == EventKind.SEALED_LOCATION_ADDED:
        return _label(LocationKind, data.get("kind", ""))
    if event.kind == EventKind.COMPLAINT_WITHDRAWN:
        return _("사례 단계는 바뀌지 않았습니다 (%s).") % _label(
            CaseStatus, data.get("status_unchanged", "")
        )
    if event.kind == EventKind.INCIDENT_RECORDED:
        text = ", ".join(behaviour_labels(data.get("behaviours", [])))
        if int(data.get("count", 1) or 1) > 1:
            text += " · " + _("%s회") % data["count"]
        if data.get("imported"):
            text += " · " + _("파일에서 %(days)s일치 가져옴 (%(start)s ~ %(end)s)") % {
                "days": data["imported"],
                "start": str(data.get("from", ""))[:10],
                "end": str(data.get("to", ""))[:10],
            }
        if data.get("by") == "portal":
            text += " · " + _("피해자가 포털에서 직접 기록")
        return text
    if event.kind in (
        EventKind.MEASURE_RECORDED,
        EventKind.MEASURE_EXTENDED,
        EventKind.MEASURE_ENDED,
        EventKind.MEASURE_BREACHED,
    ):
        text = _label(ProtectiveMeasureKind, data.get("measure_kind", ""))
        if event.kind != EventKind.MEASURE_BREACHED and data.get("ends_on"):
            text += " · " + _("%s까지") % data["ends_on"]
        return text
    if event.kind == EventKind.RISK_ASSESSED:
        text = risk_grade_label(data.get("level", ""))
        if data.get("raised"):
            text += " · " + _("전문가 판단으로 상향 (산출: %s)") % risk_grade_label(
                data.get("computed", "")
            )
        return text
    if event.kind == EventKind.REMINDER:
        return reminder_kind_label(str(data.get("reminder", "")))
    return ""


@register.filter
def reminder_kind_label(code: str) -> str:
    return reminders.reminder_kind_label(code)


@register.filter
def reminder_text(reminder: Reminder) -> str:
    """A reminder's text in the reader's language: its msgid (marked with ``gettext_noop`` where
    the reminder was made), filled from its data; a measure's kind shown by its label."""
    values = dict(reminder.data or {})
    if "measure_kind" in values:
        values["measure"] = _label(ProtectiveMeasureKind, values["measure_kind"])
    try:
        return _(reminder.text) % values
    except (KeyError, TypeError, ValueError):
        return _(reminder.text)
