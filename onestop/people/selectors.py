"""Finding a victim again inside one agency, without decrypting anything."""

from __future__ import annotations

import contextlib

from django.db.models import Q, QuerySet

from onestop.accounts.models import Agency
from onestop.core.errors import DomainError
from onestop.core.phone import normalize_phone
from onestop.people.identity import name_birth_index, phone_index
from onestop.people.models import SealedLocation, Victim


def victim_find_matches(
    *, agency: Agency, phone: str = "", name: str = "", birth_year: int | None = None
) -> QuerySet[Victim]:
    """Victims of this agency with the same phone, or the same name and birth year."""
    condition = Q()
    if phone.strip():
        with contextlib.suppress(DomainError):  # an unreadable number matches nothing
            condition |= Q(phone_index=phone_index(normalize_phone(phone)))
    if index := name_birth_index(name, birth_year):
        condition |= Q(name_birth_index=index)
    if not condition:
        return Victim.objects.none()
    return Victim.objects.filter(condition, agency=agency)


def sealed_locations_of(*, victim: Victim) -> list[SealedLocation]:
    """The victim's sealed places, newest first. Callers decide who may read them, and audit."""
    return list(SealedLocation.objects.filter(victim=victim).order_by("-created_at"))


def sealed_location_count(*, victim: Victim) -> int:
    return SealedLocation.objects.filter(victim=victim).count()
