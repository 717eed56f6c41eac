"""Who may do what with a case's support services, and what a partner may see. Plain predicates.

Inside the case's agency: anyone on the case's team asks for a service; a supervisor of the
agency who did not ask for it decides; the lead, case managers and supervisors send it to a
partner, record payments and close it. A partner (staff of the provider agency, or its API key
with the ``provider`` scope) sees only the referrals sent to it, and answers and records delivery
on them; when a referral names a person, only that person (or the agency's supervisor)."""

from __future__ import annotations

from django.db.models import Q

from onestop.accounts.models import AgencyKind, ApiKey, ApiScope, Role, Staff
from onestop.cases.models import Case
from onestop.cases.permissions import (
    can_add_to_timeline,
    can_move_workflow,
    is_active_staff,
    is_agency_supervisor,
)
from onestop.support.models import ProviderReferral, ServiceKind

# Partner staff who work referrals sent to their agency.
PARTNER_ROLES = frozenset({Role.PROVIDER, Role.SUPERVISOR})

# The kinds of agency that deliver each service (shelter services go to a facility instead).
PROVIDER_KINDS: dict[str, frozenset[str]] = {
    ServiceKind.COUNSELING: frozenset({AgencyKind.COUNSELING}),
    ServiceKind.HOME_THERAPY: frozenset({AgencyKind.COUNSELING}),
    ServiceKind.LEGAL: frozenset({AgencyKind.LEGAL}),
    ServiceKind.MEDICAL: frozenset({AgencyKind.MEDICAL}),
    ServiceKind.ACCOMPANIMENT: frozenset({AgencyKind.COUNSELING, AgencyKind.LEGAL}),
    ServiceKind.SECURITY: frozenset({AgencyKind.SECURITY}),
    ServiceKind.RELOCATION: frozenset({AgencyKind.RELOCATION}),
    ServiceKind.DELETION: frozenset({AgencyKind.DELETION_CENTER}),
}


def can_request_service(user: Staff, case: Case) -> bool:
    return can_add_to_timeline(user, case)


def can_decide_service(user: Staff, case: Case) -> bool:
    """Approving or refusing: a supervisor of the case's agency (never for her own request: the
    services check that against the request)."""
    return is_agency_supervisor(user, case)


def can_manage_services(user: Staff, case: Case) -> bool:
    return can_move_workflow(user, case)


def is_partner_staff(user: Staff) -> bool:
    return (
        is_active_staff(user)
        and user.role in PARTNER_ROLES
        and user.agency.kind not in (AgencyKind.ONESTOP_CENTER, AgencyKind.HOTLINE_1366)
    )


def partner_referrals_filter(user: Staff) -> Q:
    """The referrals a partner's staff member sees: those sent to her agency (naming nobody or
    her; her agency's supervisor sees all of them)."""
    if not is_partner_staff(user):
        return Q(pk__in=[])
    mine = Q(provider_id=user.agency_id)
    if user.role == Role.SUPERVISOR:
        return mine
    return mine & (Q(provider_staff__isnull=True) | Q(provider_staff_id=user.pk))


def key_referrals_filter(key: ApiKey) -> Q:
    if key.scope != ApiScope.PROVIDER:
        return Q(pk__in=[])
    return Q(provider_id=key.agency_id)


def can_work_referral(user: Staff, referral: ProviderReferral) -> bool:
    return ProviderReferral.objects.filter(partner_referrals_filter(user), pk=referral.pk).exists()
