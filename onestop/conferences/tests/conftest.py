"""Fixtures of the conference tests. The clock is frozen at 2026-11-20 09:00 in Seoul (a Friday);
``at(moment)`` moves it. Meetings are made through the services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from onestop.accounts.models import Agency, Role, Staff
from onestop.accounts.services import agency_add
from onestop.cases.models import Case
from onestop.conferences.models import AgendaItem, Conference
from onestop.conferences.services import (
    conference_schedule,
    referral_accept,
    referral_create,
)
from onestop.core import clock

T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=clock.SEOUL)
TODAY = dt.date(2026, 11, 20)


def day_at(days: int, hour: int = 14, minute: int = 0) -> dt.datetime:
    """``days`` after T0's day, at ``hour``:``minute`` in Seoul."""
    return dt.datetime.combine(
        TODAY + dt.timedelta(days=days), dt.time(hour, minute), tzinfo=clock.SEOUL
    )


@pytest.fixture(autouse=True)
def at(monkeypatch: pytest.MonkeyPatch) -> Callable[[dt.datetime], None]:
    moment = {"now": T0}
    monkeypatch.setattr(clock, "now", lambda: moment["now"])

    def move(when: dt.datetime) -> None:
        moment["now"] = when

    return move


@pytest.fixture
def expert(staff: dict[str, Staff]) -> Staff:
    return staff[Role.EXPERT]


@pytest.fixture
def police() -> Agency:
    return agency_add(
        actor=None, code="police-mapo", kind="police", name="마포경찰서", region="seoul"
    )


@pytest.fixture
def case(manager: Staff, open_case: Callable[..., Any]) -> Case:
    made: Case = open_case(manager)
    return made


@pytest.fixture
def schedule(manager: Staff) -> Callable[..., Conference]:
    def make(when: dt.datetime | None = None, *, actor: Staff | None = None) -> Conference:
        by = actor or manager
        return conference_schedule(actor=by, scheduled_at=when or day_at(7), chair_id=by.pk)

    return make


@pytest.fixture
def put_on_agenda(manager: Staff) -> Callable[..., AgendaItem]:
    """Refer a case (professional judgement) and accept it onto a meeting."""

    def make(case: Case, conference: Conference, *, actor: Staff | None = None) -> AgendaItem:
        by = actor or manager
        referral = referral_create(case_id=case.pk, actor=by, note="반복 연락이 심해짐")
        return referral_accept(referral_id=referral.pk, conference_id=conference.pk, actor=by)

    return make
