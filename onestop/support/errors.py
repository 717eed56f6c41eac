from onestop.core.errors import Conflict, DomainError, NotFound, PermissionDenied


class InvalidServiceInput(DomainError):
    code = "invalid"


class PolicyLimitExceeded(DomainError):
    """A program's rule refuses it; the message names the rule and its limit."""

    code = "policy_limit"


class NotEligible(DomainError):
    code = "not_eligible"


class ServiceNotFound(NotFound):
    code = "not_found"


class ServiceActionForbidden(PermissionDenied):
    code = "forbidden"


class ServiceStateConflict(Conflict):
    code = "conflict"
