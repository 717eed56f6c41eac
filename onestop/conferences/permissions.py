"""Who may do what at a host agency's conferences. Plain predicates; a conference belongs to its
host agency, not to a case team: its supervisors, case managers and experts take part (others,
and other agencies, get 404). An agenda item links to its case only for those who may see the
case (``cases.permissions.visible_cases_filter``)."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Q

from onestop.accounts.models import Role, Staff
from onestop.cases.models import Case
from onestop.cases.permissions import can_add_to_timeline, is_active_staff

# Who sees the host agency's conferences and records pre-meeting information, decisions, actions.
CONFERENCE_ROLES = frozenset({Role.SUPERVISOR, Role.CASE_MANAGER, Role.EXPERT})
# Who schedules, chairs, accepts or declines referrals, closes minutes, calls an emergency.
MANAGING_ROLES = frozenset({Role.SUPERVISOR, Role.CASE_MANAGER})


def can_view_conferences(user: Staff, agency_id: UUID | None = None) -> bool:
    """The user takes part in conferences (of ``agency_id``, when given: her own agency's)."""
    return (
        is_active_staff(user)
        and user.role in CONFERENCE_ROLES
        and (agency_id is None or user.agency_id == agency_id)
    )


def can_manage_conferences(user: Staff, agency_id: UUID | None = None) -> bool:
    return can_view_conferences(user, agency_id) and user.role in MANAGING_ROLES


def visible_conferences_filter(user: Staff) -> Q:
    if not can_view_conferences(user):
        return Q(pk__in=[])
    return Q(agency_id=user.agency_id)


def can_chair(staff: Staff, agency_id: UUID) -> bool:
    return can_manage_conferences(staff, agency_id)


def can_refer_case(user: Staff, case: Case) -> bool:
    """A professional's judgement: anyone who writes on the case's timeline may refer it."""
    return can_add_to_timeline(user, case)


def can_call_emergency(user: Staff, case: Case) -> bool:
    return can_manage_conferences(user, case.agency_id)
