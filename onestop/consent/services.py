"""Writers of the consent ledger, and the disclosure gate.

``disclosure_authorize`` is the one function that lets case data leave its agency. It passes only
when a consent covers the purpose, the recipient and every category asked for, is in force (given,
not withdrawn, not expired) — or when a legal basis is stated with its justification — and it
records the disclosure (ledger row, timeline entry, audit entry) in the caller's transaction. The
consent it relies on is locked until that transaction ends, so a withdrawal is ordered strictly
before or after it: a disclosure never happens on a consent withdrawn before it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from onestop.accounts.models import Agency, AgencyKind, Staff
from onestop.audit.services import audit_record
from onestop.cases.errors import CaseActionForbidden
from onestop.cases.models import Case, EventKind
from onestop.cases.permissions import can_add_to_timeline
from onestop.cases.services import case_event_add, case_lock_visible
from onestop.consent.errors import (
    ConsentAlreadyWithdrawn,
    ConsentNotFound,
    DisclosureRefused,
    InvalidConsent,
)
from onestop.consent.models import (
    ConsentGrant,
    ConsentMethod,
    ConsentSource,
    DataCategory,
    Disclosure,
    DisclosureBasis,
    DisclosureVia,
    GivenBy,
    Purpose,
)
from onestop.core import clock
from onestop.core.errors import DomainError, ValidationFailed

MAX_NOTE = 2000
MIN_JUSTIFICATION = 10

# Where a purpose's data may go when the consent names no agency (a police referral's consent).
DEFAULT_RECIPIENT_KINDS: dict[str, list[str]] = {
    Purpose.SHARE_WITH_PROVIDERS: [
        AgencyKind.COUNSELING,
        AgencyKind.LEGAL,
        AgencyKind.MEDICAL,
        AgencyKind.SECURITY,
        AgencyKind.RELOCATION,
        AgencyKind.SHELTER,
    ],
    Purpose.STATISTICS: [AgencyKind.CITY_OFFICE],
    Purpose.DELETION_SUPPORT: [AgencyKind.DELETION_CENTER],
    Purpose.SHARE_WITH_POLICE: [AgencyKind.POLICE],
}


def purpose_label(code: str) -> str:
    return str(Purpose(code).label) if code in Purpose.values else code


def category_labels(codes: Iterable[str]) -> str:
    return ", ".join(str(DataCategory(c).label) if c in DataCategory.values else c for c in codes)


def _clean_list(values: Iterable[str], *, allowed: Sequence[str]) -> tuple[list[str], list[str]]:
    """(known codes in order, without repeats; unknown codes)."""
    codes = list(dict.fromkeys(str(v) for v in values))
    return [c for c in codes if c in allowed], [c for c in codes if c not in allowed]


def _lock_case_for(*, actor: Staff, case_id: UUID) -> Case:
    case = case_lock_visible(actor=actor, case_id=case_id)
    if not can_add_to_timeline(actor, case):
        raise CaseActionForbidden(_("이 사례의 동의와 정보 제공을 기록할 권한이 없습니다."))
    return case


# --- recording and withdrawing consent ----------------------------------------------------------


@dataclass(frozen=True)
class ConsentInput:
    purpose: str
    data_categories: list[str]
    method: str
    given_at: dt.datetime | None
    recipient_agency_id: UUID | None = None
    recipient_kinds: tuple[str, ...] = ()
    given_by: str = GivenBy.VICTIM
    expires_at: dt.datetime | None = None
    note: str = ""
    witness: str = ""


def validate_consent(
    data: ConsentInput, *, now: dt.datetime
) -> tuple[list[str], list[str], dt.datetime]:
    """Every problem at once; returns the clean (categories, recipient kinds, given at)."""
    errors: list[DomainError] = []
    if data.purpose not in Purpose.values:
        errors.append(InvalidConsent(_("목적을 고르세요."), field="purpose"))
    categories, unknown = _clean_list(data.data_categories, allowed=DataCategory.values)
    if unknown:
        errors.append(
            InvalidConsent(
                _("알 수 없는 항목입니다: %s") % ", ".join(unknown), field="data_categories"
            )
        )
    elif not categories:
        errors.append(
            InvalidConsent(_("동의한 정보 항목을 하나 이상 고르세요."), field="data_categories")
        )
    kinds, unknown_kinds = _clean_list(data.recipient_kinds, allowed=AgencyKind.values)
    if unknown_kinds:
        errors.append(
            InvalidConsent(
                _("알 수 없는 기관 종류입니다: %s") % ", ".join(unknown_kinds),
                field="recipient_kinds",
            )
        )
    elif bool(data.recipient_agency_id) == bool(kinds):
        errors.append(
            InvalidConsent(
                _("받는 곳을 한 기관 또는 기관 종류로 정하세요 (둘 중 하나만)."),
                field="recipient_agency",
            )
        )
    if data.method not in ConsentMethod.values:
        errors.append(InvalidConsent(_("동의 방법을 고르세요."), field="method"))
    if data.given_by not in GivenBy.values:
        errors.append(InvalidConsent(_("동의한 사람을 고르세요."), field="given_by"))
    if data.given_at is None:
        errors.append(InvalidConsent(_("동의한 때를 적으세요."), field="given_at", code="required"))
    elif data.given_at > now:
        errors.append(InvalidConsent(_("동의한 때가 미래일 수 없습니다."), field="given_at"))
    if data.expires_at is not None and data.expires_at <= max(now, data.given_at or now):
        errors.append(InvalidConsent(_("만료일은 지금보다 뒤여야 합니다."), field="expires_at"))
    if len(data.note) > MAX_NOTE:
        errors.append(InvalidConsent(_("메모가 너무 깁니다."), field="note"))
    if len(data.witness) > 100:
        errors.append(InvalidConsent(_("확인자가 너무 깁니다."), field="witness"))
    if errors or data.given_at is None:
        raise ValidationFailed(errors)
    return categories, kinds, data.given_at


def _grant_create(
    *,
    case: Case,
    data: ConsentInput,
    source: str,
    recorded_by: Staff | None,
    recorded_by_label: str,
    recipient: Agency | None = None,
) -> ConsentGrant:
    """``recipient``: the agency named by ``data.recipient_agency_id``, when the caller has it."""
    now = clock.now()
    categories, kinds, given_at = validate_consent(data, now=now)
    if data.recipient_agency_id is not None and (
        recipient is None or recipient.pk != data.recipient_agency_id
    ):
        recipient = Agency.objects.filter(pk=data.recipient_agency_id).first()
        if recipient is None:
            raise ValidationFailed(
                [InvalidConsent(_("받는 기관이 없습니다."), field="recipient_agency")]
            )
    grant = ConsentGrant.objects.create(
        case=case,
        purpose=data.purpose,
        recipient_agency=recipient,
        recipient_kinds=kinds,
        data_categories=categories,
        method=data.method,
        given_by=data.given_by,
        given_at=given_at,
        expires_at=data.expires_at,
        source=source,
        recorded_by=recorded_by,
        recorded_by_label=recorded_by_label,
        witness=data.witness.strip(),
        note=data.note.strip(),
    )
    event_data = {
        "consent": str(grant.pk),
        "purpose": grant.purpose,
        "purpose_label": purpose_label(grant.purpose),
        "categories": categories,
    }
    case_event_add(case=case, actor=recorded_by, kind=EventKind.CONSENT_RECORDED, data=event_data)
    audit_record(
        actor=recorded_by,
        actor_label=recorded_by_label or None,
        action="consent.record",
        target=case,
        data={
            "consent": str(grant.pk),
            "purpose": grant.purpose,
            "recipient_agency": recipient.code if recipient else "",
            "recipient_kinds": kinds,
            "categories": categories,
            "method": grant.method,
            "source": source,
        },
    )
    return grant


@transaction.atomic
def consent_record(*, case_id: UUID, actor: Staff, data: ConsentInput) -> ConsentGrant:
    """Staff record a consent the victim (or her agent) gave."""
    case = _lock_case_for(actor=actor, case_id=case_id)
    return _grant_create(
        case=case, data=data, source=ConsentSource.STAFF, recorded_by=actor, recorded_by_label=""
    )


@transaction.atomic(savepoint=False)  # inside the referral's transaction only
def consent_record_from_referral(
    *,
    case: Case,
    receiving_agency: Agency,
    referring_agency: Agency,
    purposes: Iterable[str],
    data_categories: list[str],
    method: str,
    given_at: dt.datetime,
    witness: str,
    source_label: str,
) -> list[ConsentGrant]:
    """The consent a police officer took with the report, one grant per purpose: support from
    the receiving center, sharing back with the referring police agency, and the default
    recipients of any other purpose. The caller (intake) authenticated the partner."""
    grants = []
    for purpose in dict.fromkeys(purposes):
        agency: Agency | None = None
        if purpose == Purpose.SUPPORT_SERVICES:
            agency = receiving_agency
        elif purpose == Purpose.SHARE_WITH_POLICE:
            agency = referring_agency
        recipient: dict[str, Any] = (
            {"recipient_agency_id": agency.pk}
            if agency is not None
            else {"recipient_kinds": tuple(DEFAULT_RECIPIENT_KINDS.get(purpose, ()))}
        )
        grants.append(
            _grant_create(
                case=case,
                data=ConsentInput(
                    purpose=purpose,
                    data_categories=data_categories,
                    method=method,
                    given_at=given_at,
                    witness=witness,
                    **recipient,
                ),
                source=ConsentSource.POLICE_REFERRAL,
                recorded_by=None,
                recorded_by_label=source_label,
                recipient=agency,
            )
        )
    return grants


# What each purpose covers when she consents in the portal's application form: the form shows
# these items beside each choice, and the grant records exactly them.
APPLICATION_CONSENT_ITEMS: dict[str, list[str]] = {
    Purpose.SUPPORT_SERVICES: [
        DataCategory.IDENTITY,
        DataCategory.CONTACT,
        DataCategory.ADDRESS,
        DataCategory.INCIDENT,
        DataCategory.RISK,
        DataCategory.COUNSELING_NOTES,
        DataCategory.EVIDENCE,
    ],
    Purpose.SHARE_WITH_PROVIDERS: [DataCategory.IDENTITY, DataCategory.CONTACT],
    Purpose.SHARE_WITH_POLICE: [
        DataCategory.IDENTITY,
        DataCategory.CONTACT,
        DataCategory.INCIDENT,
        DataCategory.EVIDENCE,
    ],
    Purpose.DELETION_SUPPORT: [DataCategory.IDENTITY, DataCategory.CONTACT, DataCategory.EVIDENCE],
    Purpose.STATISTICS: [DataCategory.INCIDENT],
}


@transaction.atomic(savepoint=False)  # inside the application's transaction only
def consent_record_from_application(
    *, case: Case, center: Agency, purposes: Iterable[str], source_label: str
) -> list[ConsentGrant]:
    """The consents she gave in the portal's application form, one grant per purpose, each
    covering that purpose's ``APPLICATION_CONSENT_ITEMS``: support from the receiving center,
    and the default recipients of any other purpose. The caller (intake) validated the form."""
    grants = []
    for purpose in dict.fromkeys(purposes):
        agency = center if purpose == Purpose.SUPPORT_SERVICES else None
        recipient: dict[str, Any] = (
            {"recipient_agency_id": center.pk}
            if agency is not None
            else {"recipient_kinds": tuple(DEFAULT_RECIPIENT_KINDS.get(purpose, ()))}
        )
        grants.append(
            _grant_create(
                case=case,
                data=ConsentInput(
                    purpose=purpose,
                    data_categories=list(APPLICATION_CONSENT_ITEMS.get(purpose, [])),
                    method=ConsentMethod.ELECTRONIC,
                    given_at=clock.now(),
                    **recipient,
                ),
                source=ConsentSource.PORTAL,
                recorded_by=None,
                recorded_by_label=source_label,
                recipient=agency,
            )
        )
    return grants


def _withdraw(
    *, case: Case, grant_id: UUID, actor: Staff | None, actor_label: str | None, note: str
) -> ConsentGrant:
    grant = ConsentGrant.objects.select_for_update().filter(pk=grant_id, case=case).first()
    if grant is None:
        raise ConsentNotFound(_("동의 기록을 찾을 수 없습니다."))
    if grant.withdrawn_at is not None:
        raise ConsentAlreadyWithdrawn(_("이미 철회된 동의입니다."))
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed([InvalidConsent(_("메모가 너무 깁니다."), field="note")])
    grant.withdrawn_at = max(clock.now(), grant.given_at)
    grant.withdrawn_by = actor
    grant.withdrawal_note = note
    grant.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_note", "updated_at"])
    event_data = {
        "consent": str(grant.pk),
        "purpose": grant.purpose,
        "purpose_label": purpose_label(grant.purpose),
    }
    if actor is None:
        event_data["by"] = "portal"
    case_event_add(case=case, actor=actor, kind=EventKind.CONSENT_WITHDRAWN, data=event_data)
    audit_record(
        actor=actor,
        actor_label=actor_label,
        action="consent.withdraw",
        target=case,
        data={"consent": str(grant.pk), "purpose": grant.purpose},
    )
    return grant


@transaction.atomic
def consent_withdraw_by_victim(*, case: Case, grant_id: UUID, actor_label: str) -> ConsentGrant:
    """She withdrew this consent herself, in the portal (the caller found her case from her
    signed-in access): from now on nothing is disclosed on it."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    return _withdraw(
        case=case,
        grant_id=grant_id,
        actor=None,
        actor_label=actor_label,
        note=_("피해자가 포털에서 철회함"),
    )


@transaction.atomic
def consent_withdraw(*, case_id: UUID, grant_id: UUID, actor: Staff, note: str) -> ConsentGrant:
    """The victim withdrew this consent (staff record it): from now on nothing is disclosed on
    it."""
    case = _lock_case_for(actor=actor, case_id=case_id)
    return _withdraw(case=case, grant_id=grant_id, actor=actor, actor_label=None, note=note)


# --- the disclosure gate ------------------------------------------------------------------------


def grant_covers(grant: ConsentGrant, *, recipient: Agency, categories: Iterable[str]) -> bool:
    to_recipient = (
        grant.recipient_agency_id == recipient.pk
        if grant.recipient_agency_id
        else recipient.kind in grant.recipient_kinds
    )
    return to_recipient and set(categories) <= set(grant.data_categories)


def _covering_grant(
    *, case: Case, recipient: Agency, purpose: str, categories: list[str], at: dt.datetime
) -> ConsentGrant | None:
    in_force = (
        ConsentGrant.objects.select_for_update(of=("self",))
        .filter(case=case, purpose=purpose, withdrawn_at__isnull=True, given_at__lte=at)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=at))
        .select_related("recipient_agency")
        .order_by("-given_at")
    )
    covering = [g for g in in_force if grant_covers(g, recipient=recipient, categories=categories)]
    # A consent naming this very agency is the most specific basis there is.
    covering.sort(key=lambda g: g.recipient_agency_id != recipient.pk)
    return covering[0] if covering else None


def _refusal(
    *, case: Case, recipient: Agency, purpose: str, categories: list[str], at: dt.datetime
) -> DisclosureRefused:
    """Why no consent covers it, in words a caseworker can act on."""
    for_recipient = [
        g
        for g in ConsentGrant.objects.filter(case=case, purpose=purpose)
        if grant_covers(g, recipient=recipient, categories=[])
    ]
    values = {"purpose": purpose_label(purpose), "recipient": recipient.name}
    if not for_recipient:
        return DisclosureRefused(
            _("'%(recipient)s'에 '%(purpose)s' 목적으로 정보를 주는 데 동의한 기록이 없습니다.")
            % values
        )
    if all(g.withdrawn_at is not None and g.withdrawn_at <= at for g in for_recipient):
        return DisclosureRefused(_("피해자가 이 동의를 철회했습니다."), code="consent_withdrawn")
    live = [g for g in for_recipient if g.withdrawn_at is None]
    if live and all(g.expires_at is not None and g.expires_at <= at for g in live):
        return DisclosureRefused(_("이 동의는 기간이 끝났습니다."), code="consent_expired")
    allowed = set().union(*(set(g.data_categories) for g in live)) if live else set()
    missing = [c for c in categories if c not in allowed]
    return DisclosureRefused(
        _("동의 범위에 없는 정보입니다: %s") % category_labels(missing or categories),
        field="data_categories",
        code="category_not_consented",
    )


@transaction.atomic
def disclosure_authorize(
    *,
    case: Case,
    recipient: Agency,
    purpose: str,
    categories: Sequence[str],
    via: str,
    actor: Staff | None,
    actor_label: str = "",
    what: str = "",
    legal_basis: str = "",
    justification: str = "",
    content_digest: str = "",
) -> Disclosure:
    """Let these categories of this case's data go to ``recipient`` for ``purpose`` — or raise
    ``DisclosureRefused`` and write nothing. The caller has checked that the actor may act on
    the case, and shares nothing unless this returns. Records the disclosure.

    A system that gives the same data again (a status the police poll) passes a digest of it:
    when this recipient already got exactly that on the same basis, the gate still decides, but
    the earlier disclosure is returned instead of a new one (the caller's audit entry records
    the reading itself)."""
    errors: list[DomainError] = []
    if recipient.pk == case.agency_id:
        errors.append(
            InvalidConsent(
                _("같은 기관 안에서는 정보 제공을 기록하지 않습니다."), field="recipient_agency"
            )
        )
    if purpose not in Purpose.values:
        errors.append(InvalidConsent(_("목적을 고르세요."), field="purpose"))
    clean, unknown = _clean_list(categories, allowed=DataCategory.values)
    if unknown or not clean:
        errors.append(InvalidConsent(_("제공할 정보 항목을 고르세요."), field="data_categories"))
    if via not in DisclosureVia.values:
        errors.append(InvalidConsent(_("제공 방법을 고르세요."), field="via"))
    if legal_basis and legal_basis != DisclosureBasis.URGENT_DANGER_TO_LIFE:
        errors.append(InvalidConsent(_("법적 근거가 올바르지 않습니다."), field="legal_basis"))
    justification = justification.strip()
    if legal_basis and len(justification) < MIN_JUSTIFICATION:
        errors.append(
            InvalidConsent(
                _("급박한 위험을 근거로 할 때는 그 사정을 %d자 이상 적어 주세요.")
                % MIN_JUSTIFICATION,
                field="justification",
            )
        )
    if len(justification) > MAX_NOTE or len(what) > MAX_NOTE:
        errors.append(InvalidConsent(_("내용이 너무 깁니다."), field="what"))
    if errors:
        raise ValidationFailed(errors)
    Case.objects.select_for_update().filter(pk=case.pk).first()  # the case before its consents
    now = clock.now()
    grant = _covering_grant(
        case=case, recipient=recipient, purpose=purpose, categories=clean, at=now
    )
    if grant is None and not legal_basis:
        raise _refusal(case=case, recipient=recipient, purpose=purpose, categories=clean, at=now)
    basis = DisclosureBasis.CONSENT if grant is not None else DisclosureBasis.URGENT_DANGER_TO_LIFE
    if content_digest and grant is not None:
        earlier = Disclosure.objects.filter(
            case=case,
            recipient_agency=recipient,
            purpose=purpose,
            data_categories=clean,
            consent=grant,
            content_digest=content_digest,
        ).first()
        if earlier is not None:
            return earlier
    disclosure = Disclosure.objects.create(
        case=case,
        recipient_agency=recipient,
        purpose=purpose,
        data_categories=clean,
        basis=basis,
        consent=grant,
        justification=justification if grant is None else "",
        via=via,
        what=what.strip(),
        content_digest=content_digest,
        disclosed_at=now,
        disclosed_by=actor,
        disclosed_by_label=actor_label,
    )
    case_event_add(
        case=case,
        actor=actor,
        kind=EventKind.DISCLOSED,
        data={
            "disclosure": str(disclosure.pk),
            "recipient_label": recipient.name,
            "purpose": purpose,
            "purpose_label": purpose_label(purpose),
            "categories": clean,
            "basis": basis,
        },
    )
    audit_record(
        actor=actor,
        actor_label=actor_label or None,
        action="consent.disclose",
        target=case,
        data={
            "disclosure": str(disclosure.pk),
            "recipient": recipient.code,
            "purpose": purpose,
            "categories": clean,
            "basis": basis,
            "consent": str(grant.pk) if grant else "",
            "via": via,
        },
    )
    return disclosure


@transaction.atomic
def disclosure_record(
    *,
    case_id: UUID,
    actor: Staff,
    recipient_agency_id: UUID | None,
    purpose: str,
    categories: Sequence[str],
    via: str,
    what: str,
    legal_basis: str = "",
    justification: str = "",
) -> Disclosure:
    """A staff member is about to share case data outside the agency (by phone, in a letter, in
    person): the gate decides, and the disclosure is recorded before she does."""
    case = _lock_case_for(actor=actor, case_id=case_id)
    recipient = (
        Agency.objects.filter(pk=recipient_agency_id).first() if recipient_agency_id else None
    )
    if recipient is None:
        raise ValidationFailed(
            [InvalidConsent(_("받는 기관을 고르세요."), field="recipient_agency", code="required")]
        )
    return disclosure_authorize(
        case=case,
        recipient=recipient,
        purpose=purpose,
        categories=categories,
        via=via,
        actor=actor,
        what=what,
        legal_basis=legal_basis,
        justification=justification,
    )
