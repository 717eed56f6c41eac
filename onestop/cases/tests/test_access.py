"""Who sees a case, and who may change it: every role, own and other agency, in and out of the
team. Outsiders get not-found, never a hint that the case exists."""

import pytest

from onestop.accounts.models import Role
from onestop.audit.models import AuditEntry
from onestop.cases.errors import CaseActionForbidden, CaseNotFound
from onestop.cases.models import CaseEvent
from onestop.cases.selectors import case_get_for_user, case_list_for_user, case_search_for_user
from onestop.cases.services import case_note_add, case_team_assign, case_transition

TEAM_ROLE_OF = {
    Role.CASE_MANAGER: "case_manager",
    Role.SUPERVISOR: "case_manager",
    Role.HOTLINE_COUNSELOR: "counselor",
    Role.EXPERT: "expert",
}
# Roles that a case team can hold; the others can never be on one.
TEAMABLE = set(TEAM_ROLE_OF)


@pytest.fixture
def world(agency, other_agency, make_staff, open_case):
    lead = make_staff(agency, Role.CASE_MANAGER, "lead-manager")
    case = open_case(lead)
    return {"case": case, "lead": lead}


def expected_visibility(role: str, *, own_agency: bool, in_team: bool) -> bool:
    if not own_agency:
        return False
    return role == Role.SUPERVISOR or in_team


MATRIX = [
    (role, own, team)
    for role in Role.values
    for own in (True, False)
    for team in (True, False)
    if not (team and (not own or role not in TEAMABLE))
]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "own_agency", "in_team"), MATRIX)
def test_visibility_matrix(world, agency, other_agency, make_staff, role, own_agency, in_team):
    case, lead = world["case"], world["lead"]
    user = make_staff(agency if own_agency else other_agency, role, f"u-{role}".replace("_", "-"))
    if in_team:
        case_team_assign(case_id=case.pk, actor=lead, staff_id=user.pk, role=TEAM_ROLE_OF[role])
    visible = expected_visibility(role, own_agency=own_agency, in_team=in_team)
    assert (case in case_list_for_user(user=user)) is visible
    assert (case in case_search_for_user(user=user, query=case.reference)) is visible
    if visible:
        assert case_get_for_user(user=user, case_id=case.pk) == case
    else:
        with pytest.raises(CaseNotFound):
            case_get_for_user(user=user, case_id=case.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "own_agency", "in_team"), MATRIX)
def test_write_matrix(world, agency, other_agency, make_staff, role, own_agency, in_team):
    """Workflow moves: team case managers and agency supervisors. Notes: any team member and
    agency supervisors. Everyone else is refused — not-found when they cannot see the case —
    and nothing is written."""
    case, lead = world["case"], world["lead"]
    user = make_staff(agency if own_agency else other_agency, role, f"w-{role}".replace("_", "-"))
    if in_team:
        case_team_assign(case_id=case.pk, actor=lead, staff_id=user.pk, role=TEAM_ROLE_OF[role])
    visible = expected_visibility(role, own_agency=own_agency, in_team=in_team)
    may_move = visible and (role == Role.SUPERVISOR or (in_team and role == Role.CASE_MANAGER))
    may_note = visible

    before = (CaseEvent.objects.count(), AuditEntry.objects.count())
    if may_move:
        case_transition(case_id=case.pk, actor=user, to_status="assessing")
    else:
        with pytest.raises(CaseNotFound if not visible else CaseActionForbidden):
            case_transition(case_id=case.pk, actor=user, to_status="assessing")
        assert (CaseEvent.objects.count(), AuditEntry.objects.count()) == before
    before = (CaseEvent.objects.count(), AuditEntry.objects.count())
    if may_note:
        case_note_add(case_id=case.pk, actor=user, note="확인")
    else:
        with pytest.raises(CaseNotFound):
            case_note_add(case_id=case.pk, actor=user, note="확인")
        assert (CaseEvent.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.django_db
def test_search_finds_a_case_by_reference_number_or_any_phone_notation(open_case, manager):
    case = open_case(manager, phone="010-2222-3333")
    number = case.reference.rsplit("-", 1)[1]
    for query in (case.reference, case.reference.lower(), number.lstrip("0"), "01022223333",
                  "+82 10 2222 3333", "010.2222.3333"):  # fmt: skip
        assert list(case_search_for_user(user=manager, query=query)) == [case], query
    assert list(case_search_for_user(user=manager, query="010-2222-3334")) == []
    assert list(case_search_for_user(user=manager, query="김지영")) == []


@pytest.mark.django_db
def test_team_assignment_refuses_staff_of_another_agency_or_a_wrong_role(
    open_case, manager, other_agency, make_staff, staff
):
    case = open_case(manager)
    outsider = make_staff(other_agency, Role.CASE_MANAGER, "outsider")
    before = (CaseEvent.objects.count(), AuditEntry.objects.count())
    from onestop.cases.errors import InvalidCaseInput

    with pytest.raises(InvalidCaseInput) as caught:
        case_team_assign(case_id=case.pk, actor=manager, staff_id=outsider.pk, role="case_manager")
    assert caught.value.field == "staff"
    with pytest.raises(InvalidCaseInput) as caught:
        case_team_assign(
            case_id=case.pk, actor=manager, staff_id=staff[Role.STATISTICIAN].pk, role="expert"
        )
    assert caught.value.field == "role"
    assert (CaseEvent.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.django_db
def test_a_new_lead_replaces_the_old_one_who_stays_on_the_team(open_case, manager, make_staff):
    from onestop.cases.selectors import case_team

    case = open_case(manager)
    second = make_staff(manager.agency, Role.CASE_MANAGER, "second-manager")
    case_team_assign(case_id=case.pk, actor=manager, staff_id=second.pk, role="lead")
    roles = {m.staff.username: m.role for m in case_team(case=case)}
    assert roles == {manager.username: "case_manager", "second-manager": "lead"}
