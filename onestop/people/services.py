"""Writers of person records. Each checks its input, then writes one row: it needs no
transaction (or savepoint) of its own, and runs inside the transaction of the case service that
calls it, which locks, audits and decides. Callers audit in the context of the case they
serve."""

from __future__ import annotations

from django.utils.translation import gettext as _

from onestop.accounts.models import Agency, Staff
from onestop.core import clock
from onestop.core.errors import DomainError, ValidationFailed
from onestop.core.phone import normalize_phone
from onestop.people.errors import InvalidPerson
from onestop.people.identity import name_birth_index, phone_index
from onestop.people.models import (
    ContactMethod,
    Gender,
    LocationKind,
    Perpetrator,
    SealedLocation,
    Victim,
)

MAX_NAME = 50


def validate_victim_input(
    *, name: str, phone: str, birth_year: int | None, gender: str, safe_contact_method: str
) -> tuple[str, str]:
    """Return the cleaned (name, E.164 phone); raise ``ValidationFailed`` with every problem."""
    errors: list[DomainError] = []
    clean_name = " ".join(name.split())
    if not clean_name:
        errors.append(InvalidPerson(_("이름을 입력하세요."), field="name", code="required"))
    elif len(clean_name) > MAX_NAME:
        errors.append(InvalidPerson(_("이름이 너무 깁니다."), field="name"))
    clean_phone = ""
    if phone.strip():
        try:
            clean_phone = normalize_phone(phone)
        except DomainError as exc:
            errors.append(exc)
    if birth_year is not None and not 1900 <= birth_year <= clock.today_in_seoul().year:
        errors.append(
            InvalidPerson(_("출생연도는 1900년부터 올해 사이여야 합니다."), field="birth_year")
        )
    if gender not in Gender.values:
        errors.append(InvalidPerson(_("성별 값이 올바르지 않습니다."), field="gender"))
    if safe_contact_method not in ContactMethod.values:
        errors.append(
            InvalidPerson(
                _("안전한 연락 방법 값이 올바르지 않습니다."), field="safe_contact_method"
            )
        )
    if errors:
        raise ValidationFailed(errors)
    return clean_name, clean_phone


def victim_create(
    *,
    agency: Agency,
    name: str,
    phone: str = "",
    birth_year: int | None = None,
    gender: str = Gender.UNKNOWN,
    safe_contact_method: str = ContactMethod.CALL,
    safe_contact_times: str = "",
) -> Victim:
    clean_name, clean_phone = validate_victim_input(
        name=name,
        phone=phone,
        birth_year=birth_year,
        gender=gender,
        safe_contact_method=safe_contact_method,
    )
    return Victim.objects.create(
        agency=agency,
        name=clean_name,
        phone=clean_phone,
        birth_year=birth_year,
        gender=gender,
        safe_contact_method=safe_contact_method,
        safe_contact_times=safe_contact_times.strip(),
        phone_index=phone_index(clean_phone),
        name_birth_index=name_birth_index(clean_name, birth_year),
    )


def perpetrator_create(
    *,
    agency: Agency,
    name: str = "",
    phone: str = "",
    address: str = "",
    gender: str = Gender.UNKNOWN,
    description: str = "",
) -> Perpetrator:
    errors: list[DomainError] = []
    clean_phone = ""
    if phone.strip():
        try:
            clean_phone = normalize_phone(phone)
        except DomainError as exc:
            errors.append(DomainError(exc.message, field="perpetrator_phone", code=exc.code))
    if gender not in Gender.values:
        errors.append(InvalidPerson(_("성별 값이 올바르지 않습니다."), field="perpetrator_gender"))
    if len(name) > MAX_NAME:
        errors.append(InvalidPerson(_("이름이 너무 깁니다."), field="perpetrator_name"))
    if errors:
        raise ValidationFailed(errors)
    return Perpetrator.objects.create(
        agency=agency,
        name=" ".join(name.split()),
        phone=clean_phone,
        address=address.strip(),
        gender=gender,
        description=description.strip(),
        phone_index=phone_index(clean_phone),
    )


MAX_ADDRESS = 500


def sealed_location_add(
    *,
    victim: Victim,
    kind: str,
    address: str,
    source: str,
    recorded_by: Staff | None = None,
) -> SealedLocation:
    """Seal a place where the victim can be found. Callers audit it in the case they serve."""
    clean = " ".join(address.split())
    errors: list[DomainError] = []
    if kind not in LocationKind.values:
        errors.append(InvalidPerson(_("장소 종류가 올바르지 않습니다."), field="kind"))
    if not clean:
        errors.append(InvalidPerson(_("주소를 입력하세요."), field="address", code="required"))
    elif len(clean) > MAX_ADDRESS:
        errors.append(InvalidPerson(_("주소가 너무 깁니다."), field="address"))
    if errors:
        raise ValidationFailed(errors)
    # The same place told again (a second police report) is the place already sealed.
    for place in SealedLocation.objects.filter(victim=victim, kind=kind):
        if place.address == clean:
            return place
    return SealedLocation.objects.create(
        victim=victim, kind=kind, address=clean, source=source, recorded_by=recorded_by
    )


def victim_safe_contact_update(*, victim: Victim, method: str, times: str) -> Victim:
    """How and when she may be contacted, as she last said. Callers audit it."""
    if method not in ContactMethod.values:
        raise ValidationFailed(
            [
                InvalidPerson(
                    _("안전한 연락 방법 값이 올바르지 않습니다."), field="safe_contact_method"
                )
            ]
        )
    victim.safe_contact_method = method
    victim.safe_contact_times = times.strip()[:200]
    victim.save(update_fields=["safe_contact_method", "safe_contact_times", "updated_at"])
    return victim
