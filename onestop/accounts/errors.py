from onestop.core.errors import Conflict, DomainError


class InvalidAccount(DomainError):
    code = "invalid"


class AlreadyExists(Conflict):
    code = "already_exists"
