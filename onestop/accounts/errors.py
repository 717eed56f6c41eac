from onestop.core.errors import Conflict, DomainError, NotFound, PermissionDenied


class InvalidAccount(DomainError):
    code = "invalid"


class AlreadyExists(Conflict):
    code = "already_exists"


class ApiKeyNotFound(NotFound):
    code = "not_found"


class AccountActionForbidden(PermissionDenied):
    code = "forbidden"
