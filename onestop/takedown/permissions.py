"""Who may do what in deletion support. Plain predicates over the case team.

- **Working a case's deletion support** (banking, recording who asked, URLs, takedown steps):
  the agency's supervisors, and the case's lead, case managers and deletion-support members.
- **Reading it**: anyone who may see the case.
- **The desk** (platforms, monitoring sources, the review queue, the hash export): the agency's
  deletion-support staff and supervisors. The desk never shows who a victim is; a case reference
  is shown only to those who may see that case."""

from __future__ import annotations

from onestop.accounts.models import Role, Staff
from onestop.cases.models import Case, TeamRole
from onestop.cases.permissions import is_active_staff, is_agency_supervisor, team_role_of

WORKING_TEAM_ROLES = frozenset({TeamRole.LEAD, TeamRole.CASE_MANAGER, TeamRole.DELETION})
DESK_ROLES = frozenset({Role.DELETION_STAFF, Role.SUPERVISOR})


def can_work_deletion(user: Staff, case: Case) -> bool:
    if is_agency_supervisor(user, case):
        return True
    return is_active_staff(user) and team_role_of(user, case) in WORKING_TEAM_ROLES


def is_desk(user: Staff) -> bool:
    return is_active_staff(user) and user.role in DESK_ROLES


def is_desk_for(user: Staff, case: Case) -> bool:
    return is_desk(user) and user.agency_id == case.agency_id
