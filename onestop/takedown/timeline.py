"""How deletion support's timeline entries read on the case page (``cases.panels``
``register_event_detail``): from the codes in the entry, in the reader's language. Entries hold
a relation, a platform's name and status codes — never a URL, a requester's name or a hash."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.cases.models import CaseEvent, EventKind
from onestop.takedown.models import FoundBy, ProofKind, Relation, TakedownStatus

KINDS = (EventKind.DELETION_MANDATE, EventKind.TAKEDOWN_FOUND, EventKind.TAKEDOWN_STEP)


def _label(choices: type[Relation | ProofKind | FoundBy | TakedownStatus], code: object) -> str:
    text = str(code or "")
    return str(choices(text).label) if text in choices.values else text


def _when(value: object) -> str:
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return ""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%d %H:%M")


def _mandate(data: dict[str, object]) -> list[str]:
    if data.get("revoked"):
        return [_("삭제 지원 요청 철회")]
    return [
        _("삭제 지원 요청 기록"),
        _label(Relation, data.get("relation")),
        _label(ProofKind, data.get("proof")),
    ]


def _found(data: dict[str, object]) -> list[str]:
    parts = [
        _("유포물 발견"),
        str(data.get("platform") or ""),
        _label(FoundBy, data.get("found_by")),
    ]
    if data.get("reupload"):
        parts.append(_("재유포"))
    return parts


def _step(data: dict[str, object]) -> list[str]:
    before = _label(TakedownStatus, data.get("from"))
    after = _label(TakedownStatus, data.get("to"))
    return [
        str(data.get("platform") or ""),
        f"{before} → {after}" if before else after,
        _when(data.get("at")),
    ]


def takedown_event_detail(event: CaseEvent) -> str:
    data = event.data or {}
    if event.kind == EventKind.DELETION_MANDATE:
        parts = _mandate(data)
    elif event.kind == EventKind.TAKEDOWN_FOUND:
        parts = _found(data)
    else:
        parts = _step(data)
    return " · ".join(p for p in parts if p)
