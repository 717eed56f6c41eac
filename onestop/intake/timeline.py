"""How an application from the portal reads on the case timeline, in the reader's language."""

from __future__ import annotations

from django.utils.translation import gettext as _

from onestop.cases.models import CaseEvent, EventKind
from onestop.intake.models import Frequency
from onestop.support.models import ServiceKind


def _labels(choices: type[ServiceKind], codes: list[str]) -> str:
    return ", ".join(str(choices(c).label) for c in codes if c in choices.values)


def application_event_detail(event: CaseEvent) -> str:
    data = event.data or {}
    if event.kind == EventKind.APPLICATION_TAKEN:
        return _("처음 맡음") if data.get("first") else _("다시 열어 봄")
    parts = [_("피해자가 포털에서 신청함")]
    wanted = _labels(ServiceKind, list(data.get("wanted_services", [])))
    if wanted:
        parts.append(_("원하는 도움: %s") % wanted)
    frequency = str(data.get("frequency", ""))
    if frequency in Frequency.values and frequency != Frequency.UNKNOWN:
        parts.append(str(Frequency(frequency).label))
    if data.get("since"):
        parts.append(_("%s부터") % data["since"])
    return " · ".join(parts)
