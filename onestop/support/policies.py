"""Which program and which policy apply, and what a policy's limits mean on the calendar. Reads
only (no case data): used by the support services, the shelters app and the pages that show the
rules."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from onestop.accounts.models import Agency
from onestop.cases.protection import add_months
from onestop.support.models import Program, ServicePolicy


def program_in_force(*, region: str, on: dt.date) -> Program | None:
    """The program that runs in ``region`` on ``on``: a program of that very region before a
    national one (empty region), the latest started first."""
    candidates = (
        Program.objects.filter(starts_on__lte=on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .filter(Q(region=region) | Q(region=""))
    )
    ranked = sorted(candidates, key=lambda p: (p.region == region, p.starts_on), reverse=True)
    return ranked[0] if ranked else None


def policy_of_program(*, program: Program, service_kind: str, on: dt.date) -> ServicePolicy | None:
    """The program's rule for the service on ``on``: its latest policy effective by then."""
    return (
        ServicePolicy.objects.filter(
            program=program, service_kind=service_kind, effective_from__lte=on
        )
        .order_by("-effective_from")
        .first()
    )


def policy_in_force(*, agency: Agency, service_kind: str, on: dt.date) -> ServicePolicy | None:
    """The policy for this service at this agency on ``on``, or None when no program in force
    offers it."""
    program = program_in_force(region=agency.region, on=on)
    if program is None:
        return None
    policy = policy_of_program(program=program, service_kind=service_kind, on=on)
    return policy if policy is not None and policy.offered else None


def stay_end_limit(policy: ServicePolicy, starts_on: dt.date) -> dt.date | None:
    """The latest day a stay (or a guard schedule) that starts on ``starts_on`` may end under
    ``policy``, as the departure day: 30 days from 1 March is 31 March; 6 months from 31 August
    is 28 (or 29) February. None when the policy sets no length."""
    if policy.max_days is not None:
        return starts_on + dt.timedelta(days=policy.max_days)
    if policy.max_months is not None:
        return add_months(starts_on, policy.max_months)
    return None


def policy_programs() -> list[Program]:
    """Every program with its policies, for the page that shows the rules."""
    return list(Program.objects.prefetch_related("policies"))
