"""Protective measures through the services: each kind is recorded within its term, every problem
is reported at once and a refusal writes nothing; the 9-month rule end to end (3 months, two
extensions of at most 3 months, no third); ending a measure; a breach alerts the case team and
the agency's supervisors; only the case team and the agency's supervisors may touch a case's
measures, and nobody else learns that the case exists.

The clock is frozen at 2026-11-20 09:00 in Seoul and moved on where a test needs time to pass."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from onestop.accounts.models import Role
from onestop.audit.models import AuditEntry
from onestop.cases.errors import CaseNotFound, InvalidCaseInput
from onestop.cases.models import (
    Case,
    CaseEvent,
    Incident,
    Notification,
    ProtectiveMeasure,
    ProtectiveMeasureExtension,
)
from onestop.cases.services import (
    MeasureInput,
    case_partner_report_record,
    case_team_assign,
    incident_record,
    protective_measure_end,
    protective_measure_extend,
    protective_measure_record,
)
from onestop.conftest import run_pending_tasks
from onestop.core import clock
from onestop.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db

D = dt.date
T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=clock.SEOUL)
START = D(2026, 11, 20)
THREE_MONTHS = D(2027, 2, 19)  # latest_end(2026-11-20, 3)
SIX_MONTHS = D(2027, 5, 19)
NINE_MONTHS = D(2027, 8, 19)
ONE_MONTH = D(2026, 12, 19)


def seoul(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=clock.SEOUL)


@pytest.fixture(autouse=True)
def at(monkeypatch) -> Callable[[dt.datetime], None]:
    """The clock starts at T0; ``at(moment)`` moves it."""
    moment = {"now": T0}
    monkeypatch.setattr(clock, "now", lambda: moment["now"])

    def move(when: dt.datetime) -> None:
        moment["now"] = when

    return move


@pytest.fixture
def case(open_case, manager) -> Case:
    """A case whose lead is ``manager``."""
    case: Case = open_case(manager)
    return case


@pytest.fixture
def team_counselor(case, manager, counselor):
    case_team_assign(case_id=case.pk, actor=manager, staff_id=counselor.pk, role="counselor")
    return counselor


def ban(**overrides: Any) -> MeasureInput:
    """A court's 100 m ban for the longest first term, unless overridden."""
    fields: dict[str, Any] = {
        "kind": "provisional_100m",
        "issued_by": "서울중앙지방법원",
        "starts_on": START,
        "ends_on": THREE_MONTHS,
        "decision_ref": "2026초기1234",
        "covers": "피해자 본인과 자녀",
        "note": "결정문 사본 보관",
    }
    fields.update(overrides)
    return MeasureInput(**fields)


def record(case: Case, actor, **overrides: Any) -> ProtectiveMeasure:
    return protective_measure_record(case_id=case.pk, actor=actor, data=ban(**overrides))


def extend(measure: ProtectiveMeasure, actor, ends_on, decided_on, **kw: Any):
    return protective_measure_extend(
        case_id=measure.case_id,
        actor=actor,
        measure_id=measure.pk,
        ends_on=ends_on,
        decided_on=decided_on,
        **kw,
    )


def end(case: Case, measure: ProtectiveMeasure, actor, ended_on, reason: str):
    return protective_measure_end(
        case_id=case.pk, actor=actor, measure_id=measure.pk, ended_on=ended_on, reason=reason
    )


def written() -> tuple[int, ...]:
    return (
        ProtectiveMeasure.objects.count(),
        ProtectiveMeasureExtension.objects.count(),
        Incident.objects.count(),
        CaseEvent.objects.count(),
        AuditEntry.objects.count(),
    )


def refused(call: Callable[[], object]) -> ValidationFailed:
    """``call`` is refused with field errors and writes nothing."""
    before = written()
    with pytest.raises(ValidationFailed) as caught:
        call()
    assert written() == before, "a refused call wrote something"
    return caught.value


def problems(exc: ValidationFailed) -> dict[str | None, str]:
    """field → code of every problem reported."""
    found = {e.field: e.code for e in exc.errors}
    assert len(found) == len(exc.errors), "two problems on one field"
    return found


def message_of(exc: ValidationFailed, field: str) -> str:
    return next(e.message for e in exc.errors if e.field == field)


# --- recording ---------------------------------------------------------------------------------

VALID = [
    ("emergency", None),
    ("urgent_emergency", ONE_MONTH),
    ("provisional_warning", THREE_MONTHS),
    ("provisional_100m", THREE_MONTHS),
    ("provisional_telecom", THREE_MONTHS),
    ("provisional_monitoring", THREE_MONTHS),
    ("provisional_detention", ONE_MONTH),
]


@pytest.mark.parametrize(("kind", "ends_on"), VALID)
def test_each_kind_is_recorded_for_its_longest_term(case, manager, kind, ends_on):
    before = written()
    measure = record(case, manager, kind=kind, ends_on=ends_on, issued_by="  마포경찰서 ")
    measure = ProtectiveMeasure.objects.get(pk=measure.pk)
    assert (measure.case_id, measure.kind, measure.issued_by) == (case.pk, kind, "마포경찰서")
    assert (measure.starts_on, measure.ends_on, measure.original_ends_on) == (
        START,
        ends_on,
        ends_on,
    )
    assert (measure.ended_on, measure.recorded_by_id) == (None, manager.pk)
    assert (measure.covers, measure.note) == ("피해자 본인과 자녀", "결정문 사본 보관")
    assert written() == (before[0] + 1, before[1], before[2], before[3] + 1, before[4] + 1)
    event = CaseEvent.objects.get(case=case, kind="measure_recorded")
    expected = {
        "measure": str(measure.pk),
        "measure_kind": kind,
        "starts_on": "2026-11-20",
        "ends_on": ends_on.isoformat() if ends_on else "",
    }
    assert (event.data, event.note, event.actor_id) == (expected, "", manager.pk)
    audit = AuditEntry.objects.filter(action="case.measure_record").get()
    assert (audit.actor_id, audit.target_id, audit.data) == (manager.pk, str(case.pk), expected)


def test_a_shorter_term_and_a_start_within_a_month_are_accepted(case, manager):
    soon = START + dt.timedelta(days=31)
    measure = record(case, manager, starts_on=soon, ends_on=soon)
    assert (measure.starts_on, measure.ends_on) == (soon, soon)


def test_an_emergency_measure_may_state_an_end_or_none(case, manager):
    with_end = record(case, manager, kind="emergency", ends_on=D(2027, 6, 1))
    without = record(case, manager, kind="emergency", ends_on=None)
    assert (with_end.ends_on, without.ends_on) == (D(2027, 6, 1), None)


TOO_LONG = "가" * 5001


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param(
            {
                "kind": "curfew",
                "issued_by": "   ",
                "starts_on": None,
                "decision_ref": "x" * 101,
                "covers": TOO_LONG,
                "note": TOO_LONG,
            },
            {
                "kind": "invalid",
                "issued_by": "invalid",
                "starts_on": "invalid",
                "decision_ref": "invalid",
                "covers": "invalid",
                "note": "invalid",
            },
            id="everything-wrong",
        ),
        pytest.param(
            {"issued_by": "법" * 201, "starts_on": D(2021, 10, 20), "ends_on": None},
            {"issued_by": "invalid", "starts_on": "invalid", "ends_on": "invalid"},
            id="before-the-act-and-no-end",
        ),
        pytest.param(
            {"starts_on": START + dt.timedelta(days=32), "ends_on": START},
            {"starts_on": "invalid", "ends_on": "invalid"},
            id="more-than-a-month-ahead-and-ends-before-it-starts",
        ),
        pytest.param(
            {"ends_on": THREE_MONTHS + dt.timedelta(days=1)},
            {"ends_on": "term_exceeded"},
            id="provisional-one-day-too-long",
        ),
        pytest.param(
            {"kind": "urgent_emergency", "ends_on": ONE_MONTH + dt.timedelta(days=1)},
            {"ends_on": "term_exceeded"},
            id="urgent-emergency-one-day-too-long",
        ),
        pytest.param(
            {"kind": "provisional_detention", "ends_on": THREE_MONTHS},
            {"ends_on": "term_exceeded"},
            id="detention-for-three-months",
        ),
        pytest.param(
            {"kind": "emergency", "ends_on": START - dt.timedelta(days=1)},
            {"ends_on": "invalid"},
            id="emergency-ending-before-it-starts",
        ),
    ],
)
def test_every_problem_is_reported_at_once_and_nothing_is_written(
    case, manager, overrides, expected
):
    exc = refused(lambda: record(case, manager, **overrides))
    assert problems(exc) == expected


@pytest.mark.parametrize(
    ("kind", "limit"),
    [("provisional_100m", "2027-02-19"), ("urgent_emergency", "2026-12-19")],
)
def test_a_term_too_long_names_the_latest_end(case, manager, kind, limit):
    exc = refused(lambda: record(case, manager, kind=kind, ends_on=D(2027, 3, 1)))
    assert problems(exc) == {"ends_on": "term_exceeded"}
    assert limit in message_of(exc, "ends_on")


# --- the 9-month rule, end to end --------------------------------------------------------------


def test_a_100m_ban_is_extended_twice_by_three_months_and_a_third_time_refused(case, manager, at):
    measure = record(case, manager)
    at(seoul(D(2027, 2, 10)))
    first = extend(
        measure, manager, ends_on=SIX_MONTHS, decided_on=D(2027, 2, 10), decision_ref="A"
    )
    at(seoul(D(2027, 5, 10)))
    second = extend(measure, manager, ends_on=NINE_MONTHS, decided_on=D(2027, 5, 10))
    assert [(e.number, e.previous_ends_on, e.ends_on, e.decided_on) for e in (first, second)] == [
        (1, THREE_MONTHS, SIX_MONTHS, D(2027, 2, 10)),
        (2, SIX_MONTHS, NINE_MONTHS, D(2027, 5, 10)),
    ]
    assert (first.decision_ref, first.recorded_by_id) == ("A", manager.pk)
    measure.refresh_from_db()
    assert (measure.ends_on, measure.original_ends_on) == (NINE_MONTHS, THREE_MONTHS)
    events = CaseEvent.objects.filter(case=case, kind="measure_extended").order_by("at")
    assert [(e.data["extension"], e.data["ends_on"]) for e in events] == [
        (1, "2027-05-19"),
        (2, "2027-08-19"),
    ]
    assert AuditEntry.objects.filter(action="case.measure_extend").count() == 2

    at(seoul(D(2027, 8, 10)))
    exc = refused(
        lambda: extend(measure, manager, ends_on=D(2027, 9, 19), decided_on=D(2027, 8, 10))
    )
    assert problems(exc) == {"measure": "term_exceeded"}
    measure.refresh_from_db()
    assert measure.ends_on == NINE_MONTHS


def test_the_third_extension_refusal_names_the_nine_month_limit(case, manager, at):
    measure = record(case, manager)
    at(seoul(D(2027, 2, 10)))
    extend(measure, manager, ends_on=SIX_MONTHS, decided_on=D(2027, 2, 10))
    at(seoul(D(2027, 5, 10)))
    extend(measure, manager, ends_on=NINE_MONTHS, decided_on=D(2027, 5, 10))
    at(seoul(D(2027, 8, 10)))
    exc = refused(
        lambda: extend(measure, manager, ends_on=D(2027, 9, 19), decided_on=D(2027, 8, 10))
    )
    assert any(e.code == "term_exceeded" and "2027-08-19" in e.message for e in exc.errors)


def test_an_extension_longer_than_three_months_is_refused(case, manager, at):
    measure = record(case, manager)
    at(seoul(D(2027, 2, 10)))
    exc = refused(
        lambda: extend(
            measure, manager, ends_on=SIX_MONTHS + dt.timedelta(days=1), decided_on=D(2027, 2, 10)
        )
    )
    assert problems(exc) == {"ends_on": "term_exceeded"}
    assert "2027-05-19" in message_of(exc, "ends_on")
    assert extend(measure, manager, ends_on=SIX_MONTHS, decided_on=D(2027, 2, 10)).number == 1


def test_extensions_never_take_a_measure_past_nine_months_from_its_start(case, manager, at):
    """The police reported a 5-month first term (recorded as reported, without the term check):
    each extension may add 3 months, but the second one still ends 9 months after the start."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        case_partner_report_record(
            case=locked,
            occurred_at=T0 - dt.timedelta(days=1),
            behaviours=["communication"],
            measures=[("provisional_100m", START, D(2027, 4, 19))],
            issued_by="서울중앙지방법원",
            source_label="police-mapo",
        )
    measure = ProtectiveMeasure.objects.get(case=case)
    at(seoul(D(2027, 4, 10)))
    extend(measure, manager, ends_on=D(2027, 7, 19), decided_on=D(2027, 4, 10))
    at(seoul(D(2027, 7, 10)))
    exc = refused(
        lambda: extend(measure, manager, ends_on=D(2027, 10, 19), decided_on=D(2027, 7, 10))
    )
    assert problems(exc) == {"ends_on": "term_exceeded"}
    assert "2027-08-19" in message_of(exc, "ends_on")
    assert extend(measure, manager, ends_on=NINE_MONTHS, decided_on=D(2027, 7, 10)).number == 2


def test_an_extension_decided_after_the_measure_ended_is_a_new_measure(case, manager, at):
    measure = record(case, manager)
    at(seoul(D(2027, 3, 1)))
    exc = refused(lambda: extend(measure, manager, ends_on=SIX_MONTHS, decided_on=D(2027, 2, 20)))
    assert problems(exc) == {"decided_on": "conflict"}
    assert "2027-02-19" in message_of(exc, "decided_on")
    # decided on the last day of the term, recorded later: still an extension
    assert extend(measure, manager, ends_on=SIX_MONTHS, decided_on=THREE_MONTHS).number == 1


def test_an_extension_needs_a_past_decision_date_and_a_later_end(case, manager):
    measure = record(case, manager)
    exc = refused(lambda: extend(measure, manager, ends_on=THREE_MONTHS, decided_on=None))
    assert problems(exc) == {"decided_on": "invalid", "ends_on": "invalid"}
    exc = refused(
        lambda: extend(
            measure,
            manager,
            ends_on=None,
            decided_on=START + dt.timedelta(days=1),
            decision_ref="x" * 101,
        )
    )
    assert problems(exc) == {
        "decided_on": "invalid",
        "ends_on": "invalid",
        "decision_ref": "invalid",
    }


def test_an_ended_measure_cannot_be_extended(case, manager, at):
    measure = record(case, manager)
    at(seoul(D(2026, 12, 5)))
    end(case, measure, manager, D(2026, 12, 1), "잠정조치 취소 결정")
    exc = refused(lambda: extend(measure, manager, ends_on=SIX_MONTHS, decided_on=D(2026, 12, 5)))
    assert problems(exc) == {"measure": "conflict"}


@pytest.mark.parametrize(
    ("kind", "ends_on"),
    [("emergency", None), ("urgent_emergency", ONE_MONTH), ("provisional_detention", ONE_MONTH)],
)
def test_measures_that_are_not_extendable_are_refused(case, manager, kind, ends_on):
    measure = record(case, manager, kind=kind, ends_on=ends_on)
    exc = refused(lambda: extend(measure, manager, ends_on=D(2026, 12, 30), decided_on=START))
    assert problems(exc) == {"measure": "term_exceeded"}


def test_a_measure_of_another_case_cannot_be_extended_or_ended(case, manager, open_case):
    other = record(open_case(manager, name="이수민", phone="010-2222-3333"), manager)
    before = written()
    with pytest.raises(InvalidCaseInput) as caught:
        protective_measure_extend(
            case_id=case.pk,
            actor=manager,
            measure_id=other.pk,
            ends_on=SIX_MONTHS,
            decided_on=START,
        )
    assert caught.value.field == "measure"
    with pytest.raises(InvalidCaseInput) as caught:
        end(case, other, manager, START, "취소")
    assert caught.value.field == "measure"
    assert written() == before


# --- ending ------------------------------------------------------------------------------------


def test_ending_a_measure_before_its_term(case, manager, at):
    measure = record(case, manager)
    at(seoul(D(2026, 12, 5)))
    before = written()
    ended = end(case, measure, manager, D(2026, 12, 1), "  가해자 구속으로 취소 ")
    ended = ProtectiveMeasure.objects.get(pk=ended.pk)
    assert (ended.ended_on, ended.end_reason, ended.ends_on) == (
        D(2026, 12, 1),
        "가해자 구속으로 취소",
        THREE_MONTHS,
    )
    assert written() == (*before[:3], before[3] + 1, before[4] + 1)
    event = CaseEvent.objects.get(case=case, kind="measure_ended")
    assert event.data["ended_on"] == "2026-12-01"
    assert AuditEntry.objects.filter(action="case.measure_end").count() == 1
    exc = refused(lambda: end(case, measure, manager, D(2026, 12, 2), "다시"))
    assert problems(exc) == {"measure": "conflict"}


@pytest.mark.parametrize(
    ("ended_on", "reason", "expected"),
    [
        (None, "", {"ended_on": "invalid", "reason": "invalid"}),
        (START - dt.timedelta(days=1), "취소", {"ended_on": "invalid"}),
        (START + dt.timedelta(days=1), "   ", {"ended_on": "invalid", "reason": "invalid"}),
        (START, "사" * 201, {"reason": "invalid"}),
    ],
)
def test_ending_refusals_report_every_problem_and_write_nothing(
    case, manager, ended_on, reason, expected
):
    measure = record(case, manager)  # the clock is at START: START + 1 day is in the future
    exc = refused(lambda: end(case, measure, manager, ended_on, reason))
    assert problems(exc) == expected


def test_a_measure_cannot_be_ended_after_its_term(case, manager, at):
    measure = record(case, manager)
    at(seoul(D(2027, 3, 10)))
    exc = refused(lambda: end(case, measure, manager, D(2027, 3, 1), "기간 만료"))
    assert problems(exc) == {"ended_on": "invalid"}


# --- breaches ----------------------------------------------------------------------------------


def breach(case, actor, measure, occurred_at, **kw: Any) -> Incident:
    return incident_record(
        case_id=case.pk,
        actor=actor,
        occurred_at=occurred_at,
        behaviours=kw.pop("behaviours", ["approaching_following"]),
        source=kw.pop("source", "victim"),
        measure_id=measure.pk,
        **kw,
    )


def test_a_breach_alerts_the_case_team_and_the_agency_supervisors(
    case, manager, team_counselor, supervisor, staff, other_agency, make_staff, at
):
    make_staff(other_agency, Role.SUPERVISOR, "busan-supervisor")
    off_team = staff[Role.EXPERT]
    measure = record(case, manager)
    run_pending_tasks()
    Notification.objects.all().delete()
    at(seoul(D(2026, 12, 3), 22))
    incident = breach(case, manager, measure, seoul(D(2026, 12, 3), 21), note="집 앞 대기")
    incident = Incident.objects.get(pk=incident.pk)
    assert (incident.measure_id, incident.case_id, incident.source) == (
        measure.pk,
        case.pk,
        "victim",
    )
    assert (incident.behaviours, incident.recorded_by_id) == (["approaching_following"], manager.pk)
    event = CaseEvent.objects.get(case=case, kind="measure_breached")
    assert event.data == {
        "incident": str(incident.pk),
        "behaviours": ["approaching_following"],
        "count": 1,
        "source": "victim",
        "occurred_at": seoul(D(2026, 12, 3), 21).isoformat(),
        "measure": str(measure.pk),
        "measure_kind": "provisional_100m",
    }
    assert not CaseEvent.objects.filter(case=case, kind="incident_recorded").exists()
    assert AuditEntry.objects.filter(action="case.measure_breach").get().data == event.data
    assert Notification.objects.count() == 0  # after commit, in the worker
    run_pending_tasks()
    notified = set(
        Notification.objects.filter(kind="measure_breached").values_list("recipient", flat=True)
    )
    # the team (but not the one who recorded it) and the agency's supervisors; nobody else
    assert notified == {team_counselor.pk, supervisor.pk}
    assert off_team.pk not in notified
    assert not Notification.objects.exclude(recipient__in=notified).exists()


def test_a_breach_needs_no_behaviour(case, manager):
    measure = record(case, manager)
    incident = breach(case, manager, measure, T0 - dt.timedelta(hours=1), behaviours=[])
    assert incident.behaviours == []


@pytest.mark.parametrize(
    ("occurred_on", "moved_to"),
    [
        (START - dt.timedelta(days=1), None),  # before it started
        (THREE_MONTHS + dt.timedelta(days=1), D(2027, 3, 1)),  # after its term
    ],
)
def test_a_breach_outside_the_measure_term_is_refused(case, manager, at, occurred_on, moved_to):
    measure = record(case, manager)
    if moved_to:
        at(seoul(moved_to))
    exc = refused(lambda: breach(case, manager, measure, seoul(occurred_on)))
    assert problems(exc) == {"occurred_at": "invalid"}
    assert "2026-11-20" in message_of(exc, "occurred_at")


def test_a_breach_on_the_first_and_last_day_in_seoul_is_accepted(case, manager, at):
    measure = record(case, manager)
    # 2026-11-20 00:30 in Seoul is still 19 November in UTC
    first = breach(case, manager, measure, seoul(START, 0) + dt.timedelta(minutes=30))
    at(seoul(D(2027, 3, 1)))
    last = breach(case, manager, measure, seoul(THREE_MONTHS, 23))
    assert first.measure_id == last.measure_id == measure.pk


def test_a_breach_after_the_measure_was_ended_early_is_refused(case, manager, at):
    measure = record(case, manager)
    at(seoul(D(2026, 12, 10)))
    end(case, measure, manager, D(2026, 12, 1), "취소 결정")
    exc = refused(lambda: breach(case, manager, measure, seoul(D(2026, 12, 2))))
    assert problems(exc) == {"occurred_at": "invalid"}
    assert "2026-12-01" in message_of(exc, "occurred_at")


def test_a_breach_of_an_emergency_measure_is_refused(case, manager):
    measure = record(case, manager, kind="emergency", ends_on=None)
    exc = refused(lambda: breach(case, manager, measure, T0 - dt.timedelta(hours=1)))
    assert problems(exc) == {"measure": "invalid"}


def test_a_breach_of_another_case_measure_is_refused(case, manager, open_case):
    other = record(open_case(manager, name="이수민", phone="010-2222-3333"), manager)
    exc = refused(lambda: breach(case, manager, other, T0 - dt.timedelta(hours=1)))
    assert problems(exc) == {"measure": "invalid"}


# --- who may ------------------------------------------------------------------------------------


@pytest.fixture
def people(case, manager, counselor, supervisor, staff, other_agency, make_staff):
    """Everyone who might try, by how they stand to the case."""
    case_team_assign(case_id=case.pk, actor=manager, staff_id=counselor.pk, role="counselor")
    return {
        "lead": manager,
        "team_counselor": counselor,
        "agency_supervisor": supervisor,
        "off_team_expert": staff[Role.EXPERT],
        "off_team_manager": make_staff(case.agency, Role.CASE_MANAGER, "off-team-manager"),
        "statistician": staff[Role.STATISTICIAN],
        "other_agency_supervisor": make_staff(other_agency, Role.SUPERVISOR, "busan-sup"),
        "other_agency_manager": make_staff(other_agency, Role.CASE_MANAGER, "busan-manager"),
    }


MAY = ["lead", "team_counselor", "agency_supervisor"]
MAY_NOT = [
    "off_team_expert",
    "off_team_manager",
    "statistician",
    "other_agency_supervisor",
    "other_agency_manager",
]


@pytest.mark.parametrize("who", MAY)
def test_the_team_and_the_agency_supervisors_may_record_extend_end_and_report_breaches(
    case, people, at, who
):
    actor = people[who]
    measure = record(case, actor)
    incident = breach(case, actor, measure, T0 - dt.timedelta(hours=1))
    at(seoul(D(2027, 2, 10)))
    extension = extend(measure, actor, ends_on=SIX_MONTHS, decided_on=D(2027, 2, 10))
    ended = end(case, measure, actor, D(2027, 2, 10), "취소")
    assert (incident.recorded_by_id, extension.recorded_by_id) == (actor.pk, actor.pk)
    assert ended.ended_on == D(2027, 2, 10)


@pytest.mark.parametrize("who", MAY_NOT)
def test_anyone_else_gets_not_found_and_nothing_is_written(case, people, who):
    measure = record(case, people["lead"])
    actor = people[who]
    before = written()
    calls: list[Callable[[], object]] = [
        lambda: record(case, actor),
        lambda: extend(measure, actor, ends_on=SIX_MONTHS, decided_on=START),
        lambda: end(case, measure, actor, START, "취소"),
        lambda: breach(case, actor, measure, T0 - dt.timedelta(hours=1)),
    ]
    for call in calls:
        with pytest.raises(CaseNotFound) as caught:
            call()
        assert caught.value.status_code == 404
    assert written() == before


def test_inactive_team_members_get_not_found(case, people):
    member = people["team_counselor"]
    type(member).objects.filter(pk=member.pk).update(is_active=False)
    member.refresh_from_db()
    with pytest.raises(CaseNotFound):
        record(case, member)
