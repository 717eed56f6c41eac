"""Who may do what to a case. Plain predicates, used by selectors (to filter) and services (to
refuse). Seeing a case is decided by ``visible_cases_filter``; nobody outside it learns the case
exists (404)."""

from __future__ import annotations

from django.db.models import Q

from onestop.accounts.models import Role, Staff
from onestop.cases.models import Case, CaseTeamMember, TeamRole

# Roles whose holders may carry a case through its workflow when they are on its team.
WORKFLOW_ROLES = frozenset({Role.CASE_MANAGER, Role.SUPERVISOR})
# Roles that may open a case from a contact.
INTAKE_ROLES = frozenset({Role.HOTLINE_COUNSELOR, Role.CASE_MANAGER, Role.SUPERVISOR})
# Which staff roles may hold which team role.
TEAM_ROLE_FOR_STAFF: dict[str, frozenset[str]] = {
    TeamRole.LEAD: frozenset({Role.CASE_MANAGER, Role.SUPERVISOR}),
    TeamRole.CASE_MANAGER: frozenset({Role.CASE_MANAGER, Role.SUPERVISOR}),
    TeamRole.COUNSELOR: frozenset({Role.HOTLINE_COUNSELOR, Role.CASE_MANAGER}),
    TeamRole.EXPERT: frozenset({Role.EXPERT}),
    TeamRole.DELETION: frozenset({Role.DELETION_STAFF}),
}


def is_active_staff(user: Staff) -> bool:
    return bool(user.is_authenticated and user.is_active and user.agency_id)


def visible_cases_filter(user: Staff) -> Q:
    """Cases of the user's agency where the user is on the team, or all of the agency's cases
    for its supervisors. Nothing for anyone else."""
    if not is_active_staff(user):
        return Q(pk__in=[])
    own_agency = Q(agency_id=user.agency_id)
    if user.role == Role.SUPERVISOR:
        return own_agency
    return own_agency & Q(team__staff=user)


def team_role_of(user: Staff, case: Case) -> str | None:
    member = CaseTeamMember.objects.filter(case=case, staff=user).only("role").first()
    return member.role if member else None


def is_agency_supervisor(user: Staff, case: Case) -> bool:
    return (
        is_active_staff(user)
        and user.agency_id == case.agency_id
        and (user.role == Role.SUPERVISOR)
    )


def can_move_workflow(user: Staff, case: Case) -> bool:
    if is_agency_supervisor(user, case):
        return True
    return (
        is_active_staff(user)
        and user.role in WORKFLOW_ROLES
        and team_role_of(user, case) in (TeamRole.LEAD, TeamRole.CASE_MANAGER)
    )


def can_manage_team(user: Staff, case: Case) -> bool:
    return is_agency_supervisor(user, case) or team_role_of(user, case) == TeamRole.LEAD


def can_add_to_timeline(user: Staff, case: Case) -> bool:
    return is_agency_supervisor(user, case) or team_role_of(user, case) is not None


def can_open_cases(user: Staff) -> bool:
    return is_active_staff(user) and user.role in INTAKE_ROLES


def can_read_sealed_locations(user: Staff, case: Case) -> bool:
    """Where the victim lives: her lead and case managers, and the agency's supervisors."""
    return can_move_workflow(user, case)
