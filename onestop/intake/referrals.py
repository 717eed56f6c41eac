"""The police referral contract's request body (``shared/contracts/police-referral.md``): its
shape, and one parser that reports every broken field at once.

Shape and format (types, required fields, choices, lengths, unknown fields, a Korean phone, a
time with a UTC offset, nothing in the future, no resident registration number) are checked here;
what follows from the referral (which center, which victim, which case) is
``services.police_referral_receive``'s to decide."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from onestop.core import clock
from onestop.core.errors import DomainError, ValidationFailed
from onestop.core.phone import normalize_phone
from onestop.core.rrn import looks_like_rrn
from onestop.core.schemas import (
    dotted,
    has_unpaired_surrogate,
    in_utc,
    pydantic_error_item,
    unpaired_surrogate_message,
)

MAX_SUMMARY = 10_000
MAX_REPORT_ID = 64
HHMM = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

Gender = Literal["female", "male", "other", "unknown"]
ContactMethod = Literal["call", "sms", "none"]
Relationship = Literal[
    "former_partner",
    "current_partner",
    "family",
    "acquaintance",
    "colleague",
    "stranger",
    "online_only",
    "unknown",
]
Behaviour = Literal[
    "communication",
    "watching_waiting",
    "approaching_following",
    "visiting_home_work",
    "damaging_property",
    "online_exposure",
    "threats",
    "third_party_contact",
    "other",
]
RiskGrade = Literal["very_high", "high", "medium", "low", "unknown"]
MeasureKind = Literal[
    "emergency",
    "urgent_emergency",
    "provisional_warning",
    "provisional_100m",
    "provisional_telecom",
    "provisional_monitoring",
    "provisional_detention",
]
ConsentMethod = Literal["signed_form", "electronic", "verbal_recorded"]
Purpose = Literal[
    "support_services",
    "share_with_police",
    "share_with_providers",
    "statistics",
    "deletion_support",
]
PoliceCategory = Literal["identity", "contact", "incident", "risk", "address"]


def _phone(value: str) -> str:
    try:
        return normalize_phone(value)
    except DomainError as exc:
        raise PydanticCustomError("invalid", exc.message) from exc


def _not_in_future(value: dt.datetime) -> dt.datetime:
    if value > clock.now():
        raise PydanticCustomError("invalid", _("미래의 시각일 수 없습니다."))
    return value


def _hhmm(value: str) -> str:
    if not HHMM.match(value):
        raise PydanticCustomError("invalid", _("HH:MM 형식이어야 합니다 (예: 18:00)."))
    return value


def _birth_year(value: int) -> int:
    if not 1900 <= value <= clock.today_in_seoul().year:
        raise PydanticCustomError("invalid", _("출생연도는 1900년부터 올해 사이여야 합니다."))
    return value


def _given(value: bool) -> bool:
    if value is not True:
        raise PydanticCustomError(
            "consent_required", _("피해자의 동의가 있어야 연계할 수 있습니다.")
        )
    return value


def _with_support_services(value: list[str]) -> list[str]:
    if "support_services" not in value:
        raise PydanticCustomError(
            "invalid", _("목적에 지원 서비스(support_services)가 있어야 합니다.")
        )
    return list(dict.fromkeys(value))


def _unique(value: list[str]) -> list[str]:
    return list(dict.fromkeys(value))


Phone = Annotated[StrictStr, Field(max_length=40), AfterValidator(_phone)]
PastMoment = Annotated[AwareDatetime, AfterValidator(in_utc), AfterValidator(_not_in_future)]
Text = Annotated[StrictStr, Field(min_length=1)]


class ContractModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OfficerIn(ContractModel):
    name: Annotated[Text, Field(max_length=100)]
    phone: Phone | None = None


class SafeContactIn(ContractModel):
    method: ContactMethod
    from_: Annotated[StrictStr, AfterValidator(_hhmm)] | None = Field(None, alias="from")
    to: Annotated[StrictStr, AfterValidator(_hhmm)] | None = None
    note: Annotated[StrictStr, Field(max_length=200)] | None = None


class VictimIn(ContractModel):
    name: Annotated[Text, Field(max_length=50)]
    phone: Phone
    birth_year: Annotated[StrictInt, AfterValidator(_birth_year)] | None = None
    gender: Gender
    address: Annotated[StrictStr, Field(max_length=500)] | None = None
    safe_contact: SafeContactIn | None = None


class PerpetratorIn(ContractModel):
    name: Annotated[StrictStr, Field(max_length=50)] | None = None
    relationship: Relationship
    phone: Phone | None = None
    address: Annotated[StrictStr, Field(max_length=500)] | None = None


class ProtectiveMeasureIn(ContractModel):
    kind: MeasureKind
    from_: dt.date = Field(alias="from")
    to: dt.date | None = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> ProtectiveMeasureIn:
        if self.to is not None and self.to < self.from_:
            raise ValueError("'to' must not be before 'from'")
        return self


class ConsentIn(ContractModel):
    given: Annotated[StrictBool, AfterValidator(_given)]
    given_at: PastMoment
    method: ConsentMethod
    purposes: Annotated[list[Purpose], Field(min_length=1), AfterValidator(_with_support_services)]
    data_categories: Annotated[list[PoliceCategory], Field(min_length=1), AfterValidator(_unique)]
    officer_id: Annotated[StrictStr, Field(max_length=64)] | None = None


class PoliceReferralIn(ContractModel):
    """A police referral, as the police system sends it."""

    police_report_id: Annotated[Text, Field(max_length=MAX_REPORT_ID)]
    reported_at: PastMoment
    station: Annotated[Text, Field(max_length=200)]
    officer: OfficerIn
    victim: VictimIn
    perpetrator: PerpetratorIn
    behaviours: Annotated[list[Behaviour], Field(min_length=1), AfterValidator(_unique)]
    summary: Annotated[Text, Field(max_length=MAX_SUMMARY)]
    police_risk_grade: RiskGrade | None = None
    protection_recommended: StrictBool | None = None
    protective_measures: Annotated[list[ProtectiveMeasureIn], Field(max_length=20)] = Field(
        default_factory=list
    )
    consent: ConsentIn


def could_be_police_report_id(value: str) -> bool:
    """Whether a referral could have been received under this ``police_report_id``: the body's
    rules allow 1 to 64 characters and no control character (PostgreSQL cannot even compare text
    with a NUL in it)."""
    return 1 <= len(value) <= MAX_REPORT_ID and CONTROL.search(value) is None


# --- parsing ------------------------------------------------------------------------------------


def _strings(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if not has_unpaired_surrogate(key):  # reported on its object instead
                yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


def _unpaired_surrogates(raw: Any) -> dict[str | None, DomainError]:
    """Strings, or names of fields, holding half of a UTF-16 surrogate pair (JSON lets a client
    write ``"\\ud800"``): not text, and nothing can encode, hash or store them."""
    found: dict[str | None, DomainError] = {}
    message = unpaired_surrogate_message()

    def walk(value: Any, path: tuple[Any, ...]) -> None:
        if isinstance(value, str):
            if has_unpaired_surrogate(value):
                field = dotted(path)
                found[field] = DomainError(message, field=field, code="invalid")
        elif isinstance(value, dict):
            for key, item in value.items():
                if has_unpaired_surrogate(key):
                    # The name itself cannot be echoed back as a field: blame its object.
                    field = dotted(path)
                    found.setdefault(field, DomainError(message, field=field, code="invalid"))
                else:
                    walk(item, (*path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*path, index))

    walk(raw, ())
    return found


def refuse_unpaired_surrogates(raw: Any) -> None:
    """``ValidationFailed`` for a body that holds half a surrogate pair anywhere, before anything
    (the idempotency digest included) tries to encode it."""
    found = _unpaired_surrogates(raw)
    if found:
        raise ValidationFailed(list(found.values()))


def _text_problems(raw: Any) -> dict[str | None, DomainError]:
    """Values that must not be stored whatever field they are in: a resident registration
    number, control characters (which no field of the contract can hold), and half of a
    surrogate pair."""
    found = _unpaired_surrogates(raw)
    for path, text in _strings(raw):
        field = dotted(path)
        if field in found:
            continue
        if looks_like_rrn(text):
            found[field] = DomainError(
                _("주민등록번호는 받지 않습니다. 출생연도(birth_year)만 보내 주세요."),
                field=field,
                code="resident_registration_number",
            )
        elif CONTROL.search(text):
            found[field] = DomainError(
                _("제어 문자는 쓸 수 없습니다."), field=field, code="invalid"
            )
    return found


CONSENT_PATHS = {("consent",), ("consent", "given")}


def _consent_required() -> DomainError:
    return DomainError(
        _("피해자의 동의가 있어야 연계할 수 있습니다."),
        field="consent.given",
        code="consent_required",
    )


def parse_police_referral(raw: Any) -> PoliceReferralIn:
    """The body as a ``PoliceReferralIn``, or ``ValidationFailed`` listing every broken field
    (one error per field)."""
    problems = _text_problems(raw)
    parsed: PoliceReferralIn | None = None
    try:
        parsed = PoliceReferralIn.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            field = dotted(loc)
            if field in problems or (field is not None and has_unpaired_surrogate(field)):
                continue
            consent_missing = loc in CONSENT_PATHS and error["type"] in (
                "missing",
                "model_type",
                "bool_type",
            )
            item = _consent_required() if consent_missing else pydantic_error_item(error, field)
            problems.setdefault(item.field, item)
    if problems:
        raise ValidationFailed(list(problems.values()))
    if parsed is None:  # every pydantic error names a field, so problems was not empty
        raise ValidationFailed([DomainError(_("요청 본문을 읽을 수 없습니다."))])
    return parsed
