"""Domain errors: what a service refuses, with a stable code, a message for people, and the field
that caused it. The API turns them into its error shape; views turn them into form errors."""

from __future__ import annotations

from django.http import Http404
from django.utils.functional import Promise


class DomainError(Exception):
    """Base of every refusal a service can make."""

    status_code = 422
    code = "invalid"

    def __init__(
        self,
        message: str | Promise,
        *,
        field: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.field = field
        if code is not None:
            self.code = code

    def as_dict(self) -> dict[str, str | None]:
        return {"field": self.field, "code": self.code, "message": self.message}


class ValidationFailed(DomainError):
    """Input that breaks a rule; carries every field-level problem found."""

    code = "invalid"

    def __init__(self, errors: list[DomainError]) -> None:
        first = errors[0] if errors else DomainError("invalid input")
        super().__init__(first.message, field=first.field, code=first.code)
        self.errors = errors or [first]


class NotFound(DomainError, Http404):
    """The object does not exist, or the user may not know that it does. Pages answer 404."""

    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    """The request contradicts the current state (a transition that is not allowed, ...)."""

    status_code = 409
    code = "conflict"


class PermissionDenied(DomainError):
    """The user may see the object but not do this to it."""

    status_code = 403
    code = "forbidden"


class BadRequest(DomainError):
    """The request itself is malformed (a required header is missing or out of bounds)."""

    status_code = 400
    code = "bad_request"


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "payload_too_large"


class UnsupportedMediaType(DomainError):
    status_code = 415
    code = "unsupported_media_type"


class Throttled(DomainError):
    """Too many requests; ``retry_after`` seconds until the next one is accepted."""

    status_code = 429
    code = "throttled"

    def __init__(self, message: str | Promise, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServiceUnavailable(DomainError):
    status_code = 503
    code = "unavailable"
