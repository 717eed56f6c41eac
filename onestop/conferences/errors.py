from onestop.core.errors import Conflict, DomainError, NotFound, PermissionDenied


class InvalidConferenceInput(DomainError):
    code = "invalid"


class ConferenceNotFound(NotFound):
    code = "conference_not_found"


class ConferenceActionForbidden(PermissionDenied):
    code = "forbidden"


class ConferenceStateConflict(Conflict):
    """The meeting (or referral, or action) is not in a state that allows this."""

    code = "conflict"


class ReferralAlreadyOpen(Conflict):
    code = "referral_already_open"
