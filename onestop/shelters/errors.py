from onestop.core.errors import Conflict, DomainError, NotFound, PermissionDenied


class InvalidShelterInput(DomainError):
    code = "invalid"


class FacilityNotFound(NotFound):
    code = "facility_not_found"


class PlacementNotFound(NotFound):
    code = "placement_not_found"


class ShelterActionForbidden(PermissionDenied):
    code = "forbidden"


class FacilityFull(Conflict):
    """Every bed of the facility is taken (placements to come included)."""

    code = "facility_full"


class PlacementStateConflict(Conflict):
    """The placement (or extension, or waitlist entry) is not in a state that allows this."""

    code = "conflict"
