"""Who may do what with facilities and placements. Plain predicates, used by selectors (to
filter) and services (to refuse).

- The occupancy board and the facilities of an agency: its shelter staff and supervisors, when
  the agency is a shelter or runs a facility; its supervisors add and change facilities.
- A placement belongs to its case: whoever sees the case sees its placements (never the
  address); its lead, case managers and the agency's supervisors place, move, end, ask for an
  extension and put the case on the waitlist; a supervisor of the case's agency who did not ask
  decides an extension.
- A facility's sealed address: the operating agency's shelter staff and supervisors; and the
  lead, case managers and supervisors of a case with a current or upcoming placement there
  (``cases.permissions.can_read_sealed_locations``), for as long as it lasts. Each reading is
  its own audited act."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from onestop.accounts.models import Agency, AgencyKind, Role, Staff
from onestop.cases.models import Case
from onestop.cases.permissions import (
    can_move_workflow,
    can_read_sealed_locations,
    is_active_staff,
    is_agency_supervisor,
)
from onestop.shelters.models import Facility, Placement, PlacementStatus

# Staff of an operating agency who see its board and its facilities' addresses.
SHELTER_ROLES = frozenset({Role.SHELTER_STAFF, Role.SUPERVISOR})


def runs_shelters(user: Staff) -> bool:
    """The user's agency is a shelter, or runs at least one facility (one query)."""
    if not is_active_staff(user):
        return False
    runs = Exists(Facility.objects.filter(agency_id=OuterRef("pk")))
    return (
        Agency.objects.filter(pk=user.agency_id)
        .filter(Q(kind=AgencyKind.SHELTER) | Q(runs))
        .exists()
    )


def can_view_board(user: Staff) -> bool:
    return is_active_staff(user) and user.role in SHELTER_ROLES and runs_shelters(user)


def can_manage_facilities(user: Staff) -> bool:
    return can_view_board(user) and user.role == Role.SUPERVISOR


def board_facilities_filter(user: Staff) -> Q:
    """The facilities on the user's board: those her agency runs."""
    if not (is_active_staff(user) and user.role in SHELTER_ROLES):
        return Q(pk__in=[])
    return Q(agency_id=user.agency_id)


def is_facility_staff(user: Staff, facility: Facility) -> bool:
    return (
        is_active_staff(user)
        and user.role in SHELTER_ROLES
        and user.agency_id == facility.agency_id
    )


def can_place(user: Staff, case: Case) -> bool:
    return can_move_workflow(user, case)


def can_decide_extension(user: Staff, case: Case) -> bool:
    """A supervisor of the case's agency (never for her own request: the service checks that
    against the extension)."""
    return is_agency_supervisor(user, case)


def can_reveal_address_for_case(user: Staff, case: Case, facility: Facility) -> bool:
    """The case team's reading: she may read the case's sealed places, and the case holds a bed
    in this facility (now, or from a day to come)."""
    return (
        can_read_sealed_locations(user, case)
        and Placement.objects.filter(
            case=case, facility=facility, status=PlacementStatus.ACTIVE
        ).exists()
    )
