"""Reminders that fall due with time: a protective measure ending in 7 days, an action due, a
reassessment due, a conference to prepare.

Each app registers a *source* (in its ``AppConfig.ready``): a function of the current time that
lists what is due now. ``reminders_sweep`` (a task, enqueued by ``onestop scheduler`` every few
minutes) asks every source and sends each reminder it has not sent before. A reminder's ``key``
names the thing and its due date ("measure_ending:<id>:<end date>"): the ``Reminder`` row is
unique on it, so a sweep that runs twice, or two sweeps at once, send it once; a moved due date
is a new key, and is reminded again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class DueReminder:
    """One reminder to send. ``text`` names no victim (a case reference at most); ``recipients``
    are staff ids; ``team_of_case`` adds the case's team (and, with ``supervisors``, the case
    agency's supervisors)."""

    key: str
    kind: str
    due_at: dt.datetime
    text: str
    link: str = ""
    case_id: UUID | None = None
    recipients: tuple[UUID, ...] = ()
    team_of_case: bool = False
    supervisors: bool = False
    data: dict[str, Any] = field(default_factory=dict)


ReminderSource = Callable[[dt.datetime], Iterable[DueReminder]]

_sources: dict[str, ReminderSource] = {}
_kind_labels: dict[str, str] = {}


def register_reminder_source(
    name: str, source: ReminderSource, *, labels: Mapping[str, str] | None = None
) -> None:
    """Add (or replace, by name) a source of due reminders. ``labels``: the name of each kind
    of reminder it sends, as a msgid (``gettext_noop``), shown in the reader's language."""
    _sources[name] = source
    _kind_labels.update(labels or {})


def reminder_kind_label(kind: str) -> str:
    """A kind of reminder, named in the active language (its code when no source named it)."""
    from django.utils.translation import gettext

    return gettext(_kind_labels[kind]) if kind in _kind_labels else kind


def reminder_sources() -> list[tuple[str, ReminderSource]]:
    return sorted(_sources.items())
