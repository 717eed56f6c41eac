"""The victim records her own incidents in the portal (``incident_record_by_victim``, and
``incidents_import_by_victim`` for a file she imports): the rules are ``incident_record``'s own
(one check function), the source is ``self_reported`` (which staff may not choose), nobody is in
``recorded_by``, the timeline says it was her, the place is sealed and in no entry, a closed
case takes nothing; the finer behaviour kinds she can name count as the contracts' kinds on the
case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from onestop.accounts.models import Staff
from onestop.audit.models import AuditEntry
from onestop.cases.errors import CaseActionForbidden
from onestop.cases.models import (
    CONTRACT_BEHAVIOUR,
    Case,
    CaseEvent,
    Incident,
    StalkingBehaviour,
    contract_behaviours,
)
from onestop.cases.services import (
    MAX_PLACE,
    ImportedIncident,
    case_transition,
    incident_record,
    incident_record_by_victim,
    incidents_import_by_victim,
    validate_case_input,
)
from onestop.cases.templatetags.case_display import event_detail
from onestop.core import clock
from onestop.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=clock.SEOUL)
PLACE = "서울시 마포구 성미산로 17길 23 현관 앞"
NOTE = "퇴근길에 골목에서 기다리고 있었음"
POLICE_CONTRACT_KINDS = {
    "communication", "watching_waiting", "approaching_following", "visiting_home_work",
    "damaging_property", "online_exposure", "threats", "third_party_contact", "other",
}  # fmt: skip


@pytest.fixture(autouse=True)
def _frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: T0)


@pytest.fixture
def case(open_case: Callable[..., Case], manager: Staff) -> Case:
    return open_case(manager)


def by_her(case: Case, **overrides: Any) -> Incident:
    fields: dict[str, Any] = {
        "occurred_at": T0 - dt.timedelta(hours=2),
        "behaviours": ["watching_waiting", "gifts"],
        "count": 1,
        "place": PLACE,
        "note": NOTE,
    }
    fields.update(overrides)
    return incident_record_by_victim(case=case, **fields)


def written() -> tuple[int, int, int]:
    return Incident.objects.count(), CaseEvent.objects.count(), AuditEntry.objects.count()


def raw_dump() -> str:
    lines: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            lines.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(lines)


def test_her_incident_is_self_reported_and_the_timeline_says_it_was_her(case: Case) -> None:
    incident = by_her(case)
    assert (incident.source, incident.recorded_by_id) == ("self_reported", None)
    assert incident.behaviours == ["watching_waiting", "gifts"]  # the finer kind is kept
    assert (incident.place, incident.note) == (PLACE, NOTE)
    event = CaseEvent.objects.get(case=case, kind="incident_recorded")
    assert event.actor_id is None
    assert event.data["by"] == "portal"
    assert event.data["source"] == "self_reported"
    assert "피해자가 포털에서 직접 기록" in event_detail(event)
    assert "물건·선물을 보내거나 두고 감" in event_detail(event)
    entry = AuditEntry.objects.get(action="case.incident_record")
    assert (entry.actor_id, entry.actor_label) == (None, "portal")
    # the place and the note are sealed at rest and in no entry
    dump = raw_dump()
    assert PLACE not in dump
    assert "성미산로" not in dump
    assert NOTE not in dump


def test_she_is_held_to_the_staff_rules_all_at_once_and_nothing_is_written(
    case: Case, manager: Any
) -> None:
    bad: dict[str, Any] = {
        "occurred_at": T0 + dt.timedelta(days=1),
        "behaviours": ["telepathy"],
        "count": 0,
        "place": "가" * (MAX_PLACE + 1),
        "note": "",
    }
    before = written()
    with pytest.raises(ValidationFailed) as hers:
        incident_record_by_victim(case=case, **bad)
    with pytest.raises(ValidationFailed) as staffs:
        incident_record(case_id=case.pk, actor=manager, source="victim", **bad)
    assert [e.field for e in hers.value.errors] == [
        "occurred_at", "behaviours", "count", "place",
    ]  # fmt: skip
    # one set of rules: the same problems, in the same words
    assert [(e.field, e.message) for e in hers.value.errors] == [
        (e.field, e.message) for e in staffs.value.errors
    ]
    assert written() == before
    with pytest.raises(ValidationFailed) as none_chosen:
        by_her(case, behaviours=[])
    assert [e.field for e in none_chosen.value.errors] == ["behaviours"]
    assert written() == before


def test_staff_may_not_say_an_incident_was_self_reported(case: Case, manager: Any) -> None:
    before = written()
    with pytest.raises(ValidationFailed) as caught:
        incident_record(
            case_id=case.pk,
            actor=manager,
            occurred_at=T0 - dt.timedelta(hours=1),
            behaviours=["communication"],
            source="self_reported",
        )
    assert [e.field for e in caught.value.errors] == ["source"]
    assert written() == before
    # staff record a place too, sealed the same way
    made = incident_record(
        case_id=case.pk,
        actor=manager,
        occurred_at=T0 - dt.timedelta(hours=1),
        behaviours=["visiting_home_work"],
        source="victim",
        place=PLACE,
    )
    assert Incident.objects.get(pk=made.pk).place == PLACE


def test_a_closed_case_takes_nothing_from_her(case: Case, manager: Any) -> None:
    case_transition(
        case_id=case.pk, actor=manager, to_status="closed", close_reason="victim_request"
    )
    before = written()
    with pytest.raises(CaseActionForbidden):
        by_her(case)
    with pytest.raises(CaseActionForbidden):
        incidents_import_by_victim(
            case=case,
            rows=[ImportedIncident(T0 - dt.timedelta(days=1), ("communication",), 3)],
            origin="kakaotalk",
        )
    assert written() == before


def test_her_import_is_one_timeline_entry_of_self_reported_incidents(case: Case) -> None:
    rows = [
        ImportedIncident(T0 - dt.timedelta(days=2), ("communication",), 52, "52건"),
        ImportedIncident(T0 - dt.timedelta(days=1), ("communication",), 7, "7건"),
    ]
    made = incidents_import_by_victim(case=case, rows=rows, origin="kakaotalk")
    assert [(i.source, i.recorded_by_id, i.count) for i in made] == [
        ("self_reported", None, 52),
        ("self_reported", None, 7),
    ]
    event = CaseEvent.objects.get(case=case, kind="incident_recorded")
    assert (event.data["imported"], event.data["count"], event.data["by"]) == (2, 59, "portal")
    assert "피해자가 포털에서 직접 기록" in event_detail(event)
    entry = AuditEntry.objects.get(action="case.incidents_import")
    assert (entry.actor_id, entry.actor_label) == (None, "portal")


def test_the_finer_kinds_count_as_the_contracts_kinds_on_a_case() -> None:
    finer = set(StalkingBehaviour.values) - POLICE_CONTRACT_KINDS
    assert finer == {"gifts", "bank_transfer_memo", "secondhand_app"}
    assert set(CONTRACT_BEHAVIOUR) == finer
    assert set(CONTRACT_BEHAVIOUR.values()) <= POLICE_CONTRACT_KINDS
    assert contract_behaviours(["gifts", "other", "bank_transfer_memo", "secondhand_app"]) == [
        "other",
        "communication",
    ]
    behaviours, _harms = validate_case_input(
        channel="web",
        relationship="former_partner",
        stalking_behaviours=["secondhand_app", "threats", "gifts"],
        further_harms=[],
        summary="",
    )
    assert behaviours == ["communication", "threats", "other"]


def test_a_case_opened_with_finer_kinds_holds_only_contract_kinds(
    open_case: Any, manager: Any
) -> None:
    case = open_case(manager, stalking_behaviours=["bank_transfer_memo", "watching_waiting"])
    assert case.stalking_behaviours == ["communication", "watching_waiting"]
