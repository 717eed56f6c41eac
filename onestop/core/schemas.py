"""What every app's JSON router shares: the one error shape of the API, the base of request
bodies (unknown fields are refused), and the translation of a service's field names into the
names the API's bodies use. Routers live in the apps; the API app assembles them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from ninja import Schema
from pydantic import ConfigDict

from onestop.core.errors import DomainError, ValidationFailed


class ErrorItem(Schema):
    field: str | None
    code: str
    message: str


class ErrorOut(Schema):
    """Every 4xx answer: ``{"errors": [{"field": …, "code": …, "message": …}]}``."""

    errors: list[ErrorItem]


class InputSchema(Schema):
    """A request body. A field the API does not know is an error, not silently dropped: a typo in
    a client must not pass unnoticed. Choices arrive at services as their plain values."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)


def error_responses(*statuses: int) -> dict[int, type[Schema]]:
    """The documented error answers of an operation, all in the one error shape."""
    return dict.fromkeys(statuses, ErrorOut)


@contextmanager
def fields_renamed(names: Mapping[str, str]) -> Iterator[None]:
    """Services name a field as forms do (``staff``); the API body calls it ``staff_id``. Errors
    must point at the field the client sent."""
    try:
        yield
    except DomainError as exc:
        errors = exc.errors if isinstance(exc, ValidationFailed) else [exc]
        for error in (exc, *errors):
            if error.field is not None and error.field in names:
                error.field = names[error.field]
        raise
