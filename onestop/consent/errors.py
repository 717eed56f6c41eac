from onestop.core.errors import Conflict, DomainError, NotFound, PermissionDenied


class InvalidConsent(DomainError):
    code = "invalid"


class ConsentNotFound(NotFound):
    code = "not_found"


class ConsentAlreadyWithdrawn(Conflict):
    code = "already_withdrawn"


class DisclosureRefused(PermissionDenied):
    """No consent covers this disclosure and no legal basis was stated: nothing may be shared."""

    code = "consent_missing"
