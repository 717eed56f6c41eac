from onestop.core.errors import DomainError


class InvalidPerson(DomainError):
    code = "invalid"
