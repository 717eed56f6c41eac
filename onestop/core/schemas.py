"""What every app's JSON router shares: the one error shape of the API, the base of request
bodies (unknown fields are refused), and the translation of a service's field names into the
names the API's bodies use. Routers live in the apps; the API app assembles them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import ConfigDict, field_validator
from pydantic_core import PydanticCustomError

from onestop.core.errors import DomainError, ValidationFailed

# A code point of a UTF-16 surrogate pair on its own. JSON may carry one as an escape
# (``"\ud800"``) and Python decodes it, but it is no character: it cannot be encoded as UTF-8,
# so it cannot be sealed, hashed or stored.
UNPAIRED_SURROGATE = re.compile(r"[\ud800-\udfff]")


def has_unpaired_surrogate(text: str) -> bool:
    return UNPAIRED_SURROGATE.search(text) is not None


def unpaired_surrogate_message() -> str:
    return _("유니코드 문자가 아닌 값(짝 없는 서로게이트)이 들어 있습니다.")


def _has_unpaired_surrogate_in(value: Any) -> bool:
    if isinstance(value, str):
        return has_unpaired_surrogate(value)
    if isinstance(value, list | tuple | set | frozenset):
        return any(_has_unpaired_surrogate_in(item) for item in value)
    return False


def in_utc(value: dt.datetime) -> dt.datetime:
    """An aware moment, in UTC: the sender's offset says nothing the system keeps (times are
    shown in Asia/Seoul). Python reads offsets up to ±23:59 and years 1 to 9999 in any offset;
    PostgreSQL refuses offsets beyond ±15:59, and ``0001-01-01T00:00+14:00`` falls before year 1
    in UTC, where every database keeps it. Both failed when stored; here the first is normalised
    and the second refused."""
    try:
        return value.astimezone(dt.UTC)
    except OverflowError as exc:
        raise PydanticCustomError(
            "out_of_range", _("UTC로 1년 1월 1일부터 9999년 12월 31일 사이의 시각이어야 합니다.")
        ) from exc


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

    @field_validator("*", mode="after")
    @classmethod
    def _no_unpaired_surrogates(cls, value: Any) -> Any:
        if _has_unpaired_surrogate_in(value):
            raise PydanticCustomError("invalid", unpaired_surrogate_message())
        return value


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


def dotted(loc: Sequence[Any]) -> str | None:
    """``("victim", "phone")`` → ``"victim.phone"``; the whole body → ``None``."""
    return ".".join(str(part) for part in loc) or None


def pydantic_error_item(error: Mapping[str, Any], field: str | None) -> DomainError:
    """One of pydantic's errors as a domain error with a stable code and a Korean message.
    Errors our own validators raise (``PydanticCustomError``) keep their code and message."""
    kind = str(error.get("type", "invalid"))
    ctx = error.get("ctx") or {}
    messages: dict[str, tuple[str, str]] = {
        "missing": ("required", _("필수 항목입니다.")),
        "extra_forbidden": ("unknown_field", _("알 수 없는 항목입니다.")),
        "string_type": ("invalid", _("문자열이어야 합니다.")),
        "int_type": ("invalid", _("정수여야 합니다.")),
        "int_parsing": ("invalid", _("정수여야 합니다.")),
        "int_from_float": ("invalid", _("정수여야 합니다.")),
        "bool_type": ("invalid", _("true 또는 false여야 합니다.")),
        "bool_parsing": ("invalid", _("true 또는 false여야 합니다.")),
        "list_type": ("invalid", _("목록(배열)이어야 합니다.")),
        "model_type": ("invalid", _("객체여야 합니다.")),
        "dict_type": ("invalid", _("객체여야 합니다.")),
        "model_attributes_type": ("invalid", _("객체여야 합니다.")),
        "datetime_type": ("invalid", _("ISO 8601 날짜·시각이어야 합니다.")),
        "datetime_parsing": ("invalid", _("ISO 8601 날짜·시각이어야 합니다.")),
        "datetime_from_date_parsing": ("invalid", _("ISO 8601 날짜·시각이어야 합니다.")),
        "timezone_aware": ("invalid", _("UTC 오프셋(예: +09:00)이 있는 날짜·시각이어야 합니다.")),
        "date_type": ("invalid", _("날짜(YYYY-MM-DD)여야 합니다.")),
        "date_parsing": ("invalid", _("날짜(YYYY-MM-DD)여야 합니다.")),
        "date_from_datetime_parsing": ("invalid", _("날짜(YYYY-MM-DD)여야 합니다.")),
        "date_from_datetime_inexact": ("invalid", _("날짜(YYYY-MM-DD)여야 합니다.")),
    }
    if kind in messages:
        code, message = messages[kind]
    elif kind in ("enum", "literal_error"):
        expected = ctx.get("expected", "")
        code, message = "invalid_choice", _("다음 중 하나여야 합니다: %s") % expected
    elif kind == "string_too_short":
        code, message = "required", _("비어 있을 수 없습니다.")
    elif kind == "string_too_long":
        code, message = "too_long", _("%s자 이하여야 합니다.") % ctx.get("max_length", "")
    elif kind == "too_short":
        code, message = "invalid", _("하나 이상 있어야 합니다.")
    elif kind == "too_long":
        code, message = "too_long", _("항목이 너무 많습니다.")
    elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        code, message = "out_of_range", str(error.get("msg", _("범위를 벗어났습니다.")))
    elif kind.startswith(("value_error", "assertion_error")) or kind.endswith("_type"):
        code, message = "invalid", str(error.get("msg", _("올바르지 않은 값입니다.")))
    else:  # one of our own validators' codes
        code, message = kind, str(error.get("msg", _("올바르지 않은 값입니다.")))
    return DomainError(message, field=field, code=code)
