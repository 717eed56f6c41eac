"""Display of support quantities: won with thousands separators, a quantity in its unit, a
subtype's label, a policy's limits in one line (in the reader's language)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from onestop.support.models import SUBTYPES, ServicePolicy, Unit

register = template.Library()


@register.filter
def won(amount: int | None) -> str:
    if amount is None:
        return ""
    return _("%s원") % f"{int(amount):,}"


@register.filter
def quantity(value: float | int | None, unit: str) -> str:
    if value is None:
        return ""
    number = int(value) if float(value).is_integer() else value
    if unit == Unit.WON:
        return won(int(value))
    if unit == Unit.SESSIONS:
        return _("%s회") % number
    if unit == Unit.DAYS:
        return _("%s일") % number
    if unit == Unit.TIMES:
        return _("%s건") % number
    return str(number)


@register.filter
def service_subtype(code: str) -> str:
    for choices in SUBTYPES.values():
        if code in choices.values:
            return str(choices(code).label)
    return code


@register.filter
def policy_limits(policy: ServicePolicy) -> str:
    parts = []
    if policy.max_sessions is not None:
        parts.append(_("사례당 %d회") % policy.max_sessions)
    if policy.max_amount_won is not None:
        parts.append(_("사례당 %s") % won(policy.max_amount_won))
    if policy.max_days is not None:
        parts.append(_("최대 %d일") % policy.max_days)
    if policy.max_months is not None:
        parts.append(_("최대 %d개월") % policy.max_months)
    if policy.max_hours_per_day is not None:
        parts.append(_("하루 %d시간") % policy.max_hours_per_day)
    if policy.max_guards_per_shift is not None:
        parts.append(_("근무당 경호원 %d명") % policy.max_guards_per_shift)
    if policy.budget_sessions is not None:
        parts.append(_("사업 전체 %d회") % policy.budget_sessions)
    if policy.budget_amount_won is not None:
        parts.append(_("사업 예산 %s") % won(policy.budget_amount_won))
    if policy.pets_allowed:
        parts.append(_("반려동물 동반 가능"))
    return " · ".join(parts) if parts else _("제한 없음")
