from onestop.core.errors import DomainError, NotFound, PermissionDenied, Throttled


class InvalidMessage(DomainError):
    code = "invalid"


class MessageNotFound(NotFound):
    code = "not_found"


class MessageActionForbidden(PermissionDenied):
    code = "forbidden"


class MessagesTooFast(Throttled):
    code = "throttled"
