"""Recording what the perpetrator did (``incident_record`` without a measure): every problem is
reported at once and a refusal writes nothing; the timeline entry and the audit entry carry
codes, never the free text; the note is sealed at rest."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from onestop.audit.models import AuditEntry
from onestop.cases.errors import CaseNotFound
from onestop.cases.models import CaseEvent, Incident, Notification
from onestop.cases.services import MAX_NOTE, case_team_assign, incident_record
from onestop.conftest import run_pending_tasks
from onestop.core import clock
from onestop.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=clock.SEOUL)
NOTE = "가해자가 회사 로비에서 두 시간 기다림, 동료 박서연이 목격"


@pytest.fixture(autouse=True)
def _frozen(monkeypatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: T0)


@pytest.fixture
def case(open_case, manager):
    return open_case(manager)


def report(case, actor, **overrides: Any) -> Incident:
    fields: dict[str, Any] = {
        "occurred_at": T0 - dt.timedelta(hours=3),
        "behaviours": ["watching_waiting", "visiting_home_work"],
        "source": "victim",
        "count": 2,
        "note": NOTE,
    }
    fields.update(overrides)
    return incident_record(case_id=case.pk, actor=actor, **fields)


def written() -> tuple[int, int, int, int]:
    return (
        Incident.objects.count(),
        CaseEvent.objects.count(),
        AuditEntry.objects.count(),
        DBTaskResult.objects.count(),
    )


def raw_dump() -> str:
    """Every row of every table, as the database returns it (no model decryption)."""
    lines: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            lines.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(lines)


def test_an_incident_is_recorded_on_the_timeline_without_its_free_text(
    case, manager, counselor, supervisor
):
    case_team_assign(case_id=case.pk, actor=manager, staff_id=counselor.pk, role="counselor")
    run_pending_tasks()
    Notification.objects.all().delete()
    before = written()
    incident = report(case, manager, note=f"  {NOTE}\n")
    incident = Incident.objects.get(pk=incident.pk)
    assert (incident.case_id, incident.source, incident.count, incident.measure_id) == (
        case.pk,
        "victim",
        2,
        None,
    )
    assert incident.behaviours == ["watching_waiting", "visiting_home_work"]
    assert (incident.occurred_at, incident.recorded_by_id) == (
        T0 - dt.timedelta(hours=3),
        manager.pk,
    )
    assert incident.note == NOTE  # stripped, and read back through the model
    assert written()[:3] == (before[0] + 1, before[1] + 1, before[2] + 1)

    event = CaseEvent.objects.get(case=case, kind="incident_recorded")
    expected = {
        "incident": str(incident.pk),
        "behaviours": ["watching_waiting", "visiting_home_work"],
        "count": 2,
        "source": "victim",
        "occurred_at": (T0 - dt.timedelta(hours=3)).isoformat(),
    }
    assert (event.data, event.note, event.actor_id) == (expected, "", manager.pk)
    audit = AuditEntry.objects.get(action="case.incident_record")
    assert (audit.actor_id, audit.target_id, audit.data) == (manager.pk, str(case.pk), expected)
    assert NOTE not in repr(event.data)
    assert NOTE not in repr(audit.data)

    run_pending_tasks()
    notified = set(
        Notification.objects.filter(kind="incident_recorded").values_list("recipient", flat=True)
    )
    assert notified == {counselor.pk}  # the team, not the author; supervisors only for breaches


def test_the_note_is_sealed_at_rest(case, manager):
    incident = report(case, manager)
    dump = raw_dump()
    for secret in (NOTE, "박서연", "회사 로비"):
        assert secret not in dump, secret
    assert Incident.objects.get(pk=incident.pk).note == NOTE


def test_repeated_behaviours_are_kept_once_in_order(case, manager):
    incident = report(case, manager, behaviours=["threats", "communication", "threats"])
    assert incident.behaviours == ["threats", "communication"]


def test_a_moment_within_the_clock_skew_is_not_the_future(case, manager):
    incident = report(case, manager, occurred_at=T0 + dt.timedelta(minutes=4))
    assert incident.occurred_at == T0 + dt.timedelta(minutes=4)


def test_the_bounds_of_count_and_note_are_accepted(case, manager):
    incident = report(case, manager, count=1_000_000, note="가" * MAX_NOTE)
    assert (incident.count, len(incident.note)) == (1_000_000, MAX_NOTE)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param(
            {
                "occurred_at": T0 + dt.timedelta(minutes=6),
                "behaviours": ["communication", "teleporting"],
                "count": 0,
                "note": "가" * (MAX_NOTE + 1),
                "source": "rumour",
            },
            {"occurred_at", "behaviours", "count", "note", "source"},
            id="everything-wrong",
        ),
        pytest.param(
            {"occurred_at": dt.datetime(2026, 11, 20, 6, 0)},  # noqa: DTZ001  (the point)
            {"occurred_at"},
            id="naive-datetime",
        ),
        pytest.param(
            {"occurred_at": dt.datetime(1989, 12, 31, tzinfo=dt.UTC)},
            {"occurred_at"},
            id="before-1990",
        ),
        pytest.param({"behaviours": []}, {"behaviours"}, id="no-behaviour"),
        pytest.param({"count": 1_000_001}, {"count"}, id="count-too-large"),
        pytest.param({"count": -3}, {"count"}, id="count-negative"),
    ],
)
def test_every_problem_is_reported_at_once_and_nothing_is_written(
    case, manager, overrides, expected
):
    before = written()
    with pytest.raises(ValidationFailed) as caught:
        report(case, manager, **overrides)
    fields = [str(e.field) for e in caught.value.errors]
    assert sorted(fields) == sorted(expected)  # one problem per field, all of them
    assert written() == before


def test_an_unknown_behaviour_is_named(case, manager):
    with pytest.raises(ValidationFailed) as caught:
        report(case, manager, behaviours=["teleporting"])
    assert [e.field for e in caught.value.errors] == ["behaviours"]
    assert "teleporting" in caught.value.errors[0].message


def test_outsiders_get_not_found_and_nothing_is_written(case, staff, other_agency, make_staff):
    outsiders = (
        staff["expert"],
        staff["statistician"],
        make_staff(other_agency, "supervisor", "busan-supervisor"),
    )
    before = written()
    for outsider in outsiders:
        with pytest.raises(CaseNotFound):
            report(case, outsider)
    assert written() == before


def test_the_agency_supervisor_may_record(case, supervisor):
    assert report(case, supervisor).recorded_by_id == supervisor.pk


def test_an_import_of_many_incidents_is_all_or_nothing(case, manager):
    from onestop.cases.services import ImportedIncident, incidents_import

    good = ImportedIncident(clock.now() - dt.timedelta(days=2), ("communication",), 52, "52건")
    before = Incident.objects.count(), CaseEvent.objects.count(), AuditEntry.objects.count()
    bad_rows = [
        good,
        ImportedIncident(clock.now() + dt.timedelta(days=2), ("communication",), 1),
        ImportedIncident(clock.now(), ("flying",), 1),
        ImportedIncident(clock.now(), ("communication",), 0),
    ]
    with pytest.raises(ValidationFailed) as caught:
        incidents_import(
            case_id=case.pk, actor=manager, rows=bad_rows, source="victim", origin="kakaotalk"
        )
    assert [e.field for e in caught.value.errors] == ["rows[1]", "rows[2]", "rows[3]"]
    assert (Incident.objects.count(), CaseEvent.objects.count(), AuditEntry.objects.count()) == (
        before
    )
    made = incidents_import(
        case_id=case.pk, actor=manager, rows=[good, good], source="victim", origin="kakaotalk"
    )
    assert len(made) == 2
    event = CaseEvent.objects.filter(case=case, kind="incident_recorded").get()
    assert (event.data["imported"], event.data["count"]) == (2, 104)
