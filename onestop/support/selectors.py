"""Reads of the support app, each filtered by who asks: a case's support plan (for those who see
the case), the approvals waiting for a supervisor, the partners a service can go to, and what a
partner sees of the referrals sent to it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from onestop.accounts.models import Agency, Role, Staff
from onestop.cases.models import Case
from onestop.cases.permissions import visible_cases_filter
from onestop.support.models import (
    OPEN_REFERRAL_STATUSES,
    UNIT_OF,
    Delivery,
    DeliveryKind,
    ProviderReferral,
    RequestStatus,
    ServiceKind,
    ServicePolicy,
    ServiceRequest,
    Unit,
)
from onestop.support.permissions import PROVIDER_KINDS
from onestop.support.policies import policy_in_force
from onestop.support.services import Partner, hours_by_day


@dataclass
class Usage:
    """What was delivered on a request, against what was approved."""

    sessions: int = 0
    paid_won: int = 0
    accompaniments: int = 0
    shift_hours: float = 0.0
    busiest_day_hours: float = 0.0
    days_with_shifts: int = 0

    def used(self, unit: str) -> float:
        by_unit: dict[str, float] = {
            Unit.SESSIONS: self.sessions,
            Unit.WON: self.paid_won,
            Unit.TIMES: self.accompaniments,
            Unit.DAYS: self.days_with_shifts,
        }
        return by_unit.get(unit, 0.0)


def usage_of(deliveries: list[Delivery]) -> Usage:
    usage = Usage()
    per_day: dict[dt.date, float] = defaultdict(float)
    for delivery in deliveries:
        if delivery.cancelled_at is not None:
            continue
        if delivery.kind == DeliveryKind.SESSION:
            usage.sessions += 1
        elif delivery.kind == DeliveryKind.PAYMENT:
            usage.paid_won += delivery.amount_won or 0
        elif delivery.kind == DeliveryKind.ACCOMPANIMENT:
            usage.accompaniments += 1
        elif delivery.kind == DeliveryKind.GUARD_SHIFT and delivery.starts_at and delivery.ends_at:
            for day, hours in hours_by_day(delivery.starts_at, delivery.ends_at).items():
                per_day[day] += hours
    usage.shift_hours = round(sum(per_day.values()), 2)
    usage.busiest_day_hours = round(max(per_day.values(), default=0.0), 2)
    usage.days_with_shifts = len(per_day)
    return usage


@dataclass
class ServiceRow:
    request: ServiceRequest
    referrals: list[ProviderReferral]
    deliveries: list[Delivery]
    usage: Usage
    open_referral: ProviderReferral | None = None
    unit: str = ""
    used: float = 0
    extra: dict[str, object] = field(default_factory=dict)


def _rows(requests: QuerySet[ServiceRequest]) -> list[ServiceRow]:
    rows = []
    for request in requests:
        referrals = list(request.referrals.all())
        deliveries = list(request.deliveries.all())
        usage = usage_of(deliveries)
        unit = UNIT_OF.get(request.service_kind, "")
        rows.append(
            ServiceRow(
                request=request,
                referrals=referrals,
                deliveries=deliveries,
                usage=usage,
                open_referral=next(
                    (r for r in referrals if r.status in OPEN_REFERRAL_STATUSES), None
                ),
                unit=unit,
                used=usage.used(unit),
            )
        )
    return rows


def support_plan_for_case(*, case: Case) -> list[ServiceRow]:
    """The case's services, newest first, with their referrals and deliveries. The caller has
    the case through ``case_get_for_user``."""
    requests = (
        ServiceRequest.objects.filter(case=case)
        .select_related("requested_by", "decided_by", "program", "policy")
        .prefetch_related(
            Prefetch(
                "referrals",
                queryset=ProviderReferral.objects.select_related("provider", "provider_staff"),
            ),
            "deliveries",
        )
        .order_by("-requested_at")
    )
    return _rows(requests)


def approvals_waiting(*, user: Staff) -> list[ServiceRequest]:
    """Requests waiting for a decision that this supervisor may take: cases of her agency, not
    asked for by herself."""
    if user.role != Role.SUPERVISOR:
        return []
    return list(
        ServiceRequest.objects.filter(
            status=RequestStatus.REQUESTED,
            case__in=Case.objects.filter(visible_cases_filter(user)),
        )
        .exclude(requested_by=user)
        .select_related("case", "requested_by")
        .order_by("requested_at")[:100]
    )


def providers_for(service_kind: str) -> list[Agency]:
    kinds = PROVIDER_KINDS.get(service_kind, frozenset())
    return list(Agency.objects.filter(kind__in=kinds).order_by("name"))


def provider_people(service_kind: str) -> list[Staff]:
    """The named people a referral may go to (the expert network's counselors, the lawyers)."""
    kinds = PROVIDER_KINDS.get(service_kind, frozenset())
    return list(
        Staff.objects.filter(agency__kind__in=kinds, role=Role.PROVIDER, is_active=True)
        .select_related("agency")
        .order_by("agency__name", "display_name", "username")
    )


def policy_for_case(*, case: Case, service_kind: str, on: dt.date) -> ServicePolicy | None:
    return policy_in_force(agency=case.agency, service_kind=service_kind, on=on)


def offered_services(*, case: Case, on: dt.date) -> list[tuple[str, ServicePolicy]]:
    """The services the program in force for the case's agency offers, in catalog order."""
    found = []
    for kind in ServiceKind.values:
        policy = policy_in_force(agency=case.agency, service_kind=kind, on=on)
        if policy is not None:
            found.append((kind, policy))
    return found


# --- reads (what a partner sees besides the projection) -----------------------------------------


def partner_referrals(*, partner: Partner) -> QuerySet[ProviderReferral]:
    """The referrals sent to the partner, newest first, with what a list shows (the case only
    by its reference)."""
    return (
        ProviderReferral.objects.filter(partner.referrals())
        .select_related("request", "case", "provider_staff")
        .order_by("-sent_at", "-pk")
    )


def referral_deliveries(*, referral: ProviderReferral) -> list[Delivery]:
    """What the partner recorded on this referral (cancelled entries too, marked)."""
    return list(Delivery.objects.filter(referral=referral).order_by("occurred_on", "recorded_at"))


@dataclass(frozen=True)
class DeliveryTotals:
    """What was delivered on the service so far against what was approved. ``unit`` is the
    request's (``sessions``, ``won``, ``days``, ``times``) or empty for a service granted as a
    whole; ``used`` counts live (not cancelled) deliveries of the whole request, whichever
    referral recorded them, because that is what the approved quantity limits."""

    unit: str
    approved: int | None
    used: int
    left: int | None
    hours_per_day_limit: int | None = None
    hours_by_day: list[tuple[dt.date, float]] = field(default_factory=list)
    first_day: dt.date | None = None
    last_day: dt.date | None = None


def delivery_totals(*, request: ServiceRequest) -> DeliveryTotals:
    live = list(
        Delivery.objects.filter(request_id=request.pk, cancelled_at__isnull=True).only(
            "kind", "amount_won", "starts_at", "ends_at"
        )
    )
    unit = request.unit
    approved = int(request.quantity_approved) if request.quantity_approved is not None else None
    if unit == Unit.SESSIONS:
        used = sum(1 for d in live if d.kind == DeliveryKind.SESSION)
    elif unit == Unit.WON:
        used = sum(int(d.amount_won or 0) for d in live if d.kind == DeliveryKind.PAYMENT)
    elif unit == Unit.TIMES:
        used = sum(1 for d in live if d.kind == DeliveryKind.ACCOMPANIMENT)
    else:
        used = len(live)
    hours: dict[dt.date, float] = defaultdict(float)
    for shift in live:
        if shift.kind == DeliveryKind.GUARD_SHIFT and shift.starts_at and shift.ends_at:
            for day, span in hours_by_day(shift.starts_at, shift.ends_at).items():
                hours[day] += span
    if unit == Unit.DAYS:
        used = len(hours)
    policy = request.policy
    limits = [x for x in (request.hours_per_day, policy and policy.max_hours_per_day) if x]
    first = request.starts_on if unit == Unit.DAYS else None
    last = first + dt.timedelta(days=approved - 1) if first is not None and approved else None
    return DeliveryTotals(
        unit=unit,
        approved=approved,
        used=used,
        left=max(approved - used, 0) if approved is not None and unit else None,
        hours_per_day_limit=min(limits)
        if request.service_kind == ServiceKind.SECURITY and limits
        else None,
        hours_by_day=sorted((day, round(span, 2)) for day, span in hours.items()),
        first_day=first,
        last_day=last,
    )
