"""Saving and reading the safety plan: each save a sealed version with a timeline entry and an
audit entry that name the sections changed (never their contents); every refusal writes nothing;
staff write only on cases they see (team and supervisors), the victim only on her own case."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from onestop.accounts.models import Role, Staff
from onestop.audit.models import AuditEntry
from onestop.cases.errors import CaseNotFound
from onestop.cases.models import Case, CaseEvent, EventKind
from onestop.cases.services import case_team_assign
from onestop.core.errors import ValidationFailed
from onestop.safety.errors import SafetyPlanChanged
from onestop.safety.models import SafetyPlan
from onestop.safety.selectors import safety_plan_for_case, safety_plan_history
from onestop.safety.services import (
    safety_plan_open,
    safety_plan_save,
    safety_plan_save_by_victim,
)

from .conftest import CODE_WORD, FRIEND, FRIEND_PHONE, a_plan

pytestmark = pytest.mark.django_db


def written() -> tuple[int, int, int]:
    return (SafetyPlan.objects.count(), CaseEvent.objects.count(), AuditEntry.objects.count())


def test_her_save_is_a_sealed_version_with_a_timeline_entry_and_an_audit_entry(
    case: Case,
) -> None:
    plan = safety_plan_save_by_victim(case=case, data=a_plan(), based_on=0)
    assert plan is not None
    assert plan.version == 1
    assert plan.saved_by is None
    assert plan.saved_by_label == "portal"
    assert plan.sections_changed == ["signals", "people", "routes", "phone"]
    assert plan.data == {
        "answers": {
            "signals_call_112": "집 앞에서 기다리면 바로 112",
            "routes_home": "버스 대신 큰길로, 7시 전에",
        },
        "checks": ["sos_setting", "location_sharing_off", "two_step"],
        "people": [
            {"name": FRIEND, "contact": FRIEND_PHONE, "knows": "지금 상황", "signal": CODE_WORD}
        ],
    }
    event = CaseEvent.objects.get(case=case, kind=EventKind.SAFETY_PLAN_SAVED)
    assert event.actor is None
    assert event.data == {
        "plan": str(plan.pk),
        "version": 1,
        "sections": ["signals", "people", "routes", "phone"],
        "by": "portal",
    }
    entry = AuditEntry.objects.get(action="safety.save")
    assert entry.actor_id is None
    assert entry.actor_label == "portal"
    assert entry.target_id == str(case.pk)
    assert entry.data == event.data
    # nothing she wrote is in the clear: not in the table, the timeline or the audit log
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM safety_safetyplan")
        raw = cursor.fetchone()[0]
    for secret in (FRIEND, FRIEND_PHONE, CODE_WORD, "큰길"):
        assert secret not in raw
        assert secret not in str(event.data)
        assert secret not in str(entry.data)


def test_a_save_writes_a_new_version_naming_only_what_changed(case: Case) -> None:
    first = safety_plan_save_by_victim(case=case, data=a_plan())
    assert first is not None
    changed = a_plan()
    changed["checks"].append("id_card")
    changed["people"][0]["signal"] = "오늘 비 온대?"
    second = safety_plan_save_by_victim(case=case, data=changed, based_on=1)
    assert second is not None
    assert second.version == 2
    assert second.sections_changed == ["people", "ready"]
    assert safety_plan_for_case(case=case) == second
    assert [p.version for p in safety_plan_history(case=case)] == [2, 1]
    assert SafetyPlan.objects.get(pk=first.pk).data["people"][0]["signal"] == CODE_WORD


def test_a_save_that_changes_nothing_writes_nothing(case: Case) -> None:
    safety_plan_save_by_victim(case=case, data=a_plan())
    before = written()
    # the same plan again, with spaces around and Windows line breaks
    again = a_plan(routes_home="  버스 대신 큰길로, 7시 전에\r\n")
    assert safety_plan_save_by_victim(case=case, data=again) is None
    assert safety_plan_save_by_victim(case=case, data={}) is not None  # emptying it is a change
    assert written() == (before[0] + 1, before[1] + 1, before[2] + 1)
    current = safety_plan_for_case(case=case)
    assert current is not None
    assert current.data == {"answers": {}, "checks": [], "people": []}


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"checks": ["sos_setting", "install_spyware"]}, ["checks"]),
        ({"answers": {"routes_home": "가" * 1001}}, ["q_routes_home"]),
        ({"answers": {"signals_cannot_speak": "가" * 501}}, ["q_signals_cannot_speak"]),
        ({"answers": {"bank_password": "1234"}}, ["answers"]),
        ({"answers": {"routes_home": 12}}, ["q_routes_home"]),
        ({"people": [{"contact": FRIEND_PHONE}]}, ["person0_name"]),
        (
            {"people": [{"name": "가" * 51, "signal": "가" * 101}]},
            ["person0_name", "person0_signal"],
        ),
        ({"people": [{"name": FRIEND, "address": "서울"}]}, ["people"]),
        ({"people": [{"name": f"친구{n}"} for n in range(7)]}, ["people"]),
        (
            {
                "checks": ["nope"],
                "answers": {"ready_other": "가" * 501},
                "people": [{"knows": "x"}],
            },
            ["q_ready_other", "checks", "person0_name"],
        ),
    ],
)
def test_a_refused_plan_names_every_problem_and_writes_nothing(
    case: Case, manager: Staff, data: dict[str, Any], fields: list[str]
) -> None:
    safety_plan_save_by_victim(case=case, data=a_plan())
    before = written()
    with pytest.raises(ValidationFailed) as refused:
        safety_plan_save_by_victim(case=case, data=data)
    assert sorted(str(e.field) for e in refused.value.errors) == sorted(fields)
    with pytest.raises(ValidationFailed) as refused:
        safety_plan_save(actor=manager, case_id=case.pk, data=data)
    assert sorted(str(e.field) for e in refused.value.errors) == sorted(fields)
    assert written() == before


def test_a_form_opened_before_someone_else_saved_is_refused(case: Case, manager: Staff) -> None:
    safety_plan_save_by_victim(case=case, data=a_plan(), based_on=0)
    before = written()
    # her counselor had the page open on no plan at all
    with pytest.raises(SafetyPlanChanged):
        safety_plan_save(
            actor=manager, case_id=case.pk, data=a_plan(ready_where="언니 집"), based_on=0
        )
    assert written() == before
    saved = safety_plan_save(
        actor=manager, case_id=case.pk, data=a_plan(ready_where="언니 집"), based_on=1
    )
    assert saved is not None
    assert saved.version == 2
    assert saved.saved_by == manager


def test_her_plan_is_her_case_only(
    case: Case, open_case: Callable[..., Case], manager: Staff
) -> None:
    other = open_case(manager, name="이민아", phone="010-2222-3333")
    safety_plan_save_by_victim(case=case, data=a_plan())
    assert safety_plan_for_case(case=other) is None
    safety_plan_save_by_victim(case=other, data={"checks": ["id_card"]})
    hers, theirs = safety_plan_for_case(case=case), safety_plan_for_case(case=other)
    assert hers is not None
    assert theirs is not None
    assert hers.data["checks"] == ["sos_setting", "location_sharing_off", "two_step"]
    assert theirs.data["checks"] == ["id_card"]


@pytest.fixture
def other_agency_staff(other_agency: Any, make_staff: Callable[..., Staff]) -> dict[str, Staff]:
    return {role: make_staff(other_agency, role) for role in (Role.SUPERVISOR, Role.CASE_MANAGER)}


def test_staff_permission_matrix(
    case: Case,
    manager: Staff,
    supervisor: Staff,
    staff: dict[str, Staff],
    other_agency_staff: dict[str, Staff],
) -> None:
    counselor = staff[Role.HOTLINE_COUNSELOR]
    expert = staff[Role.EXPERT]
    # on the team: yes; the agency's supervisor: yes
    assert safety_plan_save(actor=manager, case_id=case.pk, data=a_plan()) is not None
    assert safety_plan_save(actor=supervisor, case_id=case.pk, data={"checks": ["cash_cards"]})
    # same agency, not on the team; and another agency's staff, supervisor included: 404
    before = written()
    for outsider in (counselor, expert, *other_agency_staff.values()):
        with pytest.raises(CaseNotFound):
            safety_plan_save(actor=outsider, case_id=case.pk, data=a_plan())
        with pytest.raises(CaseNotFound):
            safety_plan_open(actor=outsider, case_id=case.pk)
    assert written() == before
    # once on the team (any team role), the counselor may write
    case_team_assign(case_id=case.pk, actor=supervisor, staff_id=counselor.pk, role="counselor")
    saved = safety_plan_save(actor=counselor, case_id=case.pk, data={"checks": ["medicine"]})
    assert saved is not None
    assert saved.version == 3


def test_reading_it_as_staff_is_audited_with_the_purpose(case: Case, manager: Staff) -> None:
    assert safety_plan_open(actor=manager, case_id=case.pk) == (case, None)
    assert not AuditEntry.objects.filter(action="safety.view").exists()  # nothing sealed to read
    plan = safety_plan_save_by_victim(case=case, data=a_plan())
    assert plan is not None
    found, opened = safety_plan_open(actor=manager, case_id=case.pk, purpose="print")
    assert (found, opened) == (case, plan)
    entry = AuditEntry.objects.get(action="safety.view")
    assert entry.actor_id == manager.pk
    assert entry.target_id == str(case.pk)
    assert entry.data == {"plan": str(plan.pk), "version": 1, "purpose": "print"}
