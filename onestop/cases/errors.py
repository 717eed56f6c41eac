from onestop.core.errors import Conflict, DomainError, NotFound, PermissionDenied


class CaseNotFound(NotFound):
    code = "case_not_found"


class TransitionNotAllowed(Conflict):
    code = "transition_not_allowed"


class CaseActionForbidden(PermissionDenied):
    code = "forbidden"


class InvalidCaseInput(DomainError):
    code = "invalid"


class MeasureTermExceeded(DomainError):
    """A protective measure (or its extension) longer than the law allows."""

    code = "term_exceeded"
