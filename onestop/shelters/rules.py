"""The rules of a stay, as pure functions (property-tested alone): which facility fits whom, which
service kind a facility delivers, and the longest stay a program's policy allows."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from onestop.people.models import Gender
from onestop.shelters.models import FacilityKind, GenderServed
from onestop.support.models import ServiceKind, ServicePolicy
from onestop.support.policies import stay_end_limit

# The support service each kind of facility delivers, and back.
SERVICE_KIND_OF: dict[str, str] = {
    FacilityKind.EMERGENCY: ServiceKind.SHELTER_EMERGENCY,
    FacilityKind.LONG_TERM: ServiceKind.SHELTER_LONG_TERM,
}
FACILITY_KIND_OF: dict[str, str] = {service: kind for kind, service in SERVICE_KIND_OF.items()}


def gender_fits(victim_gender: str, served: str) -> bool:
    """A facility for women takes women, one for men takes men; one for anyone takes anyone. A
    victim whose gender is other or not recorded fits only a facility for anyone."""
    if served == GenderServed.ANY:
        return True
    if served == GenderServed.FEMALE:
        return victim_gender == Gender.FEMALE
    if served == GenderServed.MALE:
        return victim_gender == Gender.MALE
    return False


def pets_fit(*, pets: bool, policy_allows: bool, facility_allows: bool) -> bool:
    """Pets come along only when the program's scheme and the facility both allow them."""
    return not pets or (policy_allows and facility_allows)


def stay_length_label(policy: ServicePolicy) -> str:
    if policy.max_days is not None:
        return _("%d일") % policy.max_days
    if policy.max_months is not None:
        return _("%d개월") % policy.max_months
    return ""


def stay_limit_exceeded(
    policy: ServicePolicy, stay_starts_on: dt.date, end_on: dt.date
) -> dt.date | None:
    """The latest departure day the policy allows, when ``end_on`` is later; else None."""
    limit = stay_end_limit(policy, stay_starts_on)
    if limit is not None and end_on > limit:
        return limit
    return None


def stay_limit_message(policy: ServicePolicy, limit: dt.date) -> str:
    """Names the rule and its limit, e.g. "이 사업의 긴급 주거 지원은 입소일로부터 최대
    30일(2026-12-24 퇴소)까지입니다." """
    service = (
        _("긴급 주거 지원")
        if policy.service_kind == ServiceKind.SHELTER_EMERGENCY
        else _("장기 주거 지원")
    )
    return _("이 사업의 %(service)s은 입소일로부터 최대 %(length)s(%(limit)s 퇴소)까지입니다.") % {
        "service": service,
        "length": stay_length_label(policy),
        "limit": limit.isoformat(),
    }
