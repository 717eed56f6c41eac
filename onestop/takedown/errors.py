"""Refusals of deletion support."""

from onestop.core.errors import DomainError, NotFound, PermissionDenied


class InvalidTakedownInput(DomainError):
    code = "invalid"


class TakedownNotFound(NotFound):
    code = "not_found"


class TakedownActionForbidden(PermissionDenied):
    code = "forbidden"
