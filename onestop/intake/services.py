"""Taking a contact: validate everything, look for the caller's existing case, then attach or
open — one transaction, audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from onestop.accounts.models import Agency, AgencyKind, ApiKey, ApiScope, Staff
from onestop.audit.services import audit_record
from onestop.cases.errors import CaseActionForbidden
from onestop.cases.models import (
    Case,
    CaseStatus,
    Channel,
    EventKind,
    Relationship,
    StalkingBehaviour,
)
from onestop.cases.permissions import can_open_cases, visible_cases_filter
from onestop.cases.services import (
    case_contact_log,
    case_open,
    case_open_from_referral,
    case_partner_report_record,
    case_referral_attach,
    case_referral_take,
    validate_case_input,
)
from onestop.consent.errors import DisclosureRefused
from onestop.consent.models import DisclosureVia, Purpose
from onestop.consent.services import (
    consent_record_from_application,
    consent_record_from_referral,
    disclosure_authorize,
)
from onestop.core import clock
from onestop.core.errors import DomainError, ServiceUnavailable, ValidationFailed
from onestop.intake.alerts import can_take_referrals, push_referral_alert, referral_alert_payload
from onestop.intake.errors import (
    DuplicateReport,
    IdempotencyConflict,
    InvalidIntake,
    PossibleDuplicate,
    ReferralAlreadyTaken,
    ReferralForbidden,
    ReferralNotFound,
)
from onestop.intake.models import (
    Frequency,
    Intake,
    IntakeOutcome,
    PoliceReferral,
    WebApplication,
)
from onestop.intake.referrals import PoliceReferralIn, SafeContactIn
from onestop.intake.selectors import intake_matches_for_user
from onestop.people.models import ContactMethod, Gender, LocationKind, Victim
from onestop.people.selectors import victim_find_matches
from onestop.people.services import (
    perpetrator_create,
    sealed_location_add,
    validate_victim_input,
    victim_create,
    victim_safe_contact_update,
)
from onestop.support.models import ServiceKind


@dataclass
class IntakeInput:
    channel: str
    name: str
    phone: str = ""
    birth_year: int | None = None
    gender: str = Gender.FEMALE
    safe_contact_method: str = ContactMethod.CALL
    safe_contact_times: str = ""
    perpetrator_name: str = ""
    perpetrator_gender: str = Gender.UNKNOWN
    relationship: str = Relationship.UNKNOWN
    stalking_behaviours: list[str] = field(default_factory=list)
    further_harms: list[str] = field(default_factory=list)
    summary: str = ""
    started_at: dt.datetime | None = None


@dataclass(frozen=True)
class IntakeResult:
    case: Case
    outcome: str
    intake: Intake


def validate_intake(data: IntakeInput) -> None:
    """Every field-level problem at once, before anything is looked up or written."""
    errors: list[DomainError] = []
    for check in (
        lambda: validate_victim_input(
            name=data.name,
            phone=data.phone,
            birth_year=data.birth_year,
            gender=data.gender,
            safe_contact_method=data.safe_contact_method,
        ),
        lambda: validate_case_input(
            channel=data.channel,
            relationship=data.relationship,
            stalking_behaviours=data.stalking_behaviours,
            further_harms=data.further_harms,
            summary=data.summary,
        ),
    ):
        try:
            check()
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    if data.perpetrator_gender not in Gender.values:
        errors.append(InvalidIntake(_("성별 값이 올바르지 않습니다."), field="perpetrator_gender"))
    if len(data.safe_contact_times) > 200:
        errors.append(InvalidIntake(_("연락 가능 시간이 너무 깁니다."), field="safe_contact_times"))
    if errors:
        raise ValidationFailed(errors)


def intake_submit(
    *,
    actor: Staff,
    data: IntakeInput,
    attach_to_case_id: UUID | None = None,
    existing_victim_id: UUID | None = None,
    confirmed_new_person: bool = False,
) -> IntakeResult:
    """Attach the contact to a matched open case, or open a case (for a matched victim or a new
    person). Refuses with ``PossibleDuplicate`` when matches exist and the counselor has not yet
    chosen among them: no case data is written then, but showing her the matches is a disclosure
    and is audited (``intake.matches_shown``) after the refused transaction has rolled back."""
    try:
        return _intake_submit(
            actor=actor,
            data=data,
            attach_to_case_id=attach_to_case_id,
            existing_victim_id=existing_victim_id,
            confirmed_new_person=confirmed_new_person,
        )
    except PossibleDuplicate as refused:
        intake_matches_shown_record(actor=actor, references=[m.reference for m in refused.matches])
        raise


@transaction.atomic
def intake_matches_shown_record(*, actor: Staff, references: list[str]) -> None:
    audit_record(actor=actor, action="intake.matches_shown", data={"cases": references})


@transaction.atomic
def _intake_submit(
    *,
    actor: Staff,
    data: IntakeInput,
    attach_to_case_id: UUID | None,
    existing_victim_id: UUID | None,
    confirmed_new_person: bool,
) -> IntakeResult:
    if not can_open_cases(actor) or actor.agency is None:
        raise CaseActionForbidden(_("상담을 접수할 권한이 없습니다."))
    validate_intake(data)
    matches = intake_matches_for_user(
        user=actor, phone=data.phone, name=data.name, birth_year=data.birth_year, audit=False
    )
    now = clock.now()
    started = data.started_at if data.started_at and data.started_at <= now else now
    if attach_to_case_id is not None:
        match = next((m for m in matches if m.case_id == attach_to_case_id and m.is_open), None)
        if match is None:
            raise InvalidIntake(
                _("연결할 수 있는 사례가 아닙니다. 일치하는 진행 중 사례만 고를 수 있습니다."),
                field="attach_to_case",
            )
        case_contact_log(
            case_id=match.case_id,
            actor=actor,
            channel=data.channel,
            summary=data.summary,
            via_intake=True,
        )
        case = Case.objects.get(pk=match.case_id)
        outcome = IntakeOutcome.ATTACHED
    else:
        if existing_victim_id is not None:
            if existing_victim_id not in {m.victim_id for m in matches}:
                raise InvalidIntake(
                    _("일치하는 피해자 기록만 고를 수 있습니다."), field="existing_victim"
                )
            victim = Victim.objects.get(pk=existing_victim_id)
            outcome = IntakeOutcome.NEW_CASE_KNOWN_VICTIM
        elif matches and not confirmed_new_person:
            raise PossibleDuplicate(
                _("같은 피해자의 사례가 이미 있을 수 있습니다. 먼저 확인하세요."), matches=matches
            )
        else:
            victim = victim_create(
                agency=actor.agency,
                name=data.name,
                phone=data.phone,
                birth_year=data.birth_year,
                gender=data.gender,
                safe_contact_method=data.safe_contact_method,
                safe_contact_times=data.safe_contact_times,
            )
            outcome = IntakeOutcome.NEW_CASE
        perpetrator = None
        if data.perpetrator_name.strip() or data.perpetrator_gender != Gender.UNKNOWN:
            perpetrator = perpetrator_create(
                agency=actor.agency, name=data.perpetrator_name, gender=data.perpetrator_gender
            )
        case = case_open(
            actor=actor,
            victim=victim,
            perpetrator=perpetrator,
            relationship=data.relationship,
            channel=data.channel,
            stalking_behaviours=data.stalking_behaviours,
            further_harms=data.further_harms,
            summary=data.summary,
        )
    intake = Intake.objects.create(
        agency_id=actor.agency_id,
        taken_by=actor,
        channel=data.channel,
        started_at=started,
        submitted_at=now,
        outcome=outcome,
        case=case,
    )
    audit_record(
        actor=actor,
        action="intake.submit",
        target=case,
        data={"outcome": outcome, "channel": data.channel, "seconds": (now - started).seconds},
    )
    return IntakeResult(case=case, outcome=outcome, intake=intake)


# --- police referrals ---------------------------------------------------------------------------
# shared/contracts/police-referral.md. The API router parses the body (``referrals``) and answers;
# these services decide where the referral goes and write it, in one transaction.


@dataclass(frozen=True)
class ReferralAnswer:
    """201 for a referral received now, 200 for a retried request answered as the first time."""

    status: int
    body: dict[str, Any]
    referral: PoliceReferral


def referral_status_of(case: Case) -> str:
    """The contract's three states: received, in support (anything the center is doing), closed."""
    if case.status == CaseStatus.RECEIVED:
        return "received"
    if case.status == CaseStatus.CLOSED:
        return "closed"
    return "in_support"


def request_digest(body: Any) -> str:
    """The same JSON body, however its keys are ordered or spaced, has the same digest."""
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _source_label(api_key: ApiKey) -> str:
    return f"{api_key.label} ({api_key.agency.code})"


def referral_sender_check(*, api_key: ApiKey) -> None:
    """Only a police agency's referral key may refer."""
    if api_key.scope != ApiScope.POLICE_REFERRAL or api_key.agency.kind != AgencyKind.POLICE:
        raise ReferralForbidden(_("이 키로는 경찰 연계를 보낼 수 없습니다."))


def police_referral_replay(
    *, api_key: ApiKey, idempotency_key: str, body_digest: str
) -> ReferralAnswer | None:
    """The first answer to a request sent again with the same key and body; ``None`` for a key
    not used before; ``IdempotencyConflict`` for the same key with another body."""
    referral = PoliceReferral.objects.filter(
        referring_agency_id=api_key.agency_id, idempotency_key=idempotency_key
    ).first()
    if referral is None:
        return None
    if referral.request_digest != body_digest:
        raise IdempotencyConflict(
            _("이 Idempotency-Key는 다른 내용의 요청에 이미 쓰였습니다."), field="Idempotency-Key"
        )
    return ReferralAnswer(status=200, body=referral.response_body, referral=referral)


def _report_received(*, referring_agency_id: UUID, police_report_id: str) -> bool:
    return PoliceReferral.objects.filter(
        referring_agency_id=referring_agency_id, police_report_id=police_report_id
    ).exists()


def _duplicate_report() -> DuplicateReport:
    return DuplicateReport(
        _("이 사건번호의 연계는 이미 다른 요청으로 받았습니다."), field="police_report_id"
    )


def police_referral_after_race(
    *,
    api_key: ApiKey,
    idempotency_key: str,
    body_digest: str,
    police_report_id: str,
    error: IntegrityError,
) -> ReferralAnswer:
    """A ``police_referral_receive`` that lost a race on a unique constraint (its transaction
    rolled back): the winner's answer for the same key, or the duplicate-report refusal. Any
    other constraint failure is not a race, and is raised as it came."""
    replay = police_referral_replay(
        api_key=api_key, idempotency_key=idempotency_key, body_digest=body_digest
    )
    if replay is not None:
        return replay
    if _report_received(referring_agency_id=api_key.agency_id, police_report_id=police_report_id):
        raise _duplicate_report() from error
    raise error


def receiving_center_for(*, referring: Agency) -> Agency:
    """The one-stop center of the referring agency's region, else the default center."""
    center = (
        Agency.objects.filter(kind=AgencyKind.ONESTOP_CENTER, region=referring.region)
        .order_by("-is_default_center", "code")
        .first()
    ) or Agency.objects.filter(is_default_center=True).first()
    if center is None:
        raise ServiceUnavailable(
            _("연계를 받을 원스톱 지원센터가 설정되어 있지 않습니다. 운영자에게 알려 주세요.")
        )
    return center


def _safe_contact_times(contact: SafeContactIn | None) -> str:
    if contact is None:
        return ""
    span = "~".join(t for t in (contact.from_ or "", contact.to or "") if t)
    return " · ".join(part for part in (span, contact.note or "") if part)


@transaction.atomic
def police_referral_receive(
    *, api_key: ApiKey, idempotency_key: str, body_digest: str, data: PoliceReferralIn
) -> ReferralAnswer:
    """Receive a referral the police sent with the victim's consent: find or create the victim
    at the receiving center (by her phone's blind index), attach the report to her open case or
    open one, write the consent to the ledger and the address to the sealed compartment, audit,
    and alert the center's on-duty staff — all or nothing.

    The caller answers a retried request first (``police_referral_replay``); a key or report that
    another request stores at the same moment ends this one in ``IntegrityError`` (both are
    unique in the database), and the caller answers from the winner's row."""
    referral_sender_check(api_key=api_key)
    referring = api_key.agency
    if _report_received(referring_agency_id=referring.pk, police_report_id=data.police_report_id):
        # The same request may have been stored by a parallel retry since the caller looked:
        # that is a replay (the first answer), not another request for the same report.
        replay = police_referral_replay(
            api_key=api_key, idempotency_key=idempotency_key, body_digest=body_digest
        )
        if replay is not None:
            return replay
        raise _duplicate_report()
    center = receiving_center_for(referring=referring)
    source = _source_label(api_key)
    now = clock.now()
    victim_in, perpetrator_in = data.victim, data.perpetrator
    referral_data: dict[str, Any] = {
        "station": data.station,
        "police_report_id": data.police_report_id,
        "risk_grade": data.police_risk_grade or "",
        "protection_recommended": bool(data.protection_recommended),
        "measures": [m.kind for m in data.protective_measures],
    }
    known = list(victim_find_matches(agency=center, phone=victim_in.phone).order_by("-created_at"))
    open_case = (
        Case.objects.filter(victim__in=known, agency=center)
        .exclude(status=CaseStatus.CLOSED)
        .select_related("victim")
        .order_by("-opened_at")
        .first()
        if known
        else None
    )
    safe_contact = victim_in.safe_contact
    perpetrator = None
    named = perpetrator_in.name or perpetrator_in.phone or perpetrator_in.address
    if named and (open_case is None or open_case.perpetrator_id is None):
        # (an open case that already names him keeps its record: no second, unlinked copy)
        perpetrator = perpetrator_create(
            agency=center,
            name=perpetrator_in.name or "",
            phone=perpetrator_in.phone or "",
            address=perpetrator_in.address or "",
        )
    # First what concerns only her (her record, how to reach her, where she lives); then the
    # case, which takes the agency-wide locks (reference counter, audit chain) until commit.
    if open_case is not None:
        victim, outcome = open_case.victim, IntakeOutcome.ATTACHED
    elif known:
        victim, outcome = known[0], IntakeOutcome.NEW_CASE_KNOWN_VICTIM
    else:
        victim = victim_create(
            agency=center,
            name=victim_in.name,
            phone=victim_in.phone,
            birth_year=victim_in.birth_year,
            gender=victim_in.gender,
            safe_contact_method=safe_contact.method if safe_contact else ContactMethod.CALL,
            safe_contact_times=_safe_contact_times(safe_contact),
        )
        safe_contact = None  # she was created with it
        outcome = IntakeOutcome.NEW_CASE
    if safe_contact is not None:  # what she told the police now is how to reach her
        victim_safe_contact_update(
            victim=victim, method=safe_contact.method, times=_safe_contact_times(safe_contact)
        )
    if victim_in.address:
        sealed_location_add(
            victim=victim,
            kind=LocationKind.HOME,
            address=victim_in.address,
            source="police_referral",
        )
    if open_case is not None:
        case = case_referral_attach(
            case_id=open_case.pk,
            source_label=source,
            stalking_behaviours=data.behaviours,
            summary=data.summary,
            perpetrator=perpetrator,
            referral_data=referral_data,
        )
    else:
        case = case_open_from_referral(
            agency=center,
            source_label=source,
            victim=victim,
            perpetrator=perpetrator,
            relationship=perpetrator_in.relationship,
            channel=Channel.POLICE,
            stalking_behaviours=data.behaviours,
            summary=data.summary,
            referral_data=referral_data,
        )
    case_partner_report_record(
        case=case,
        occurred_at=data.reported_at,
        behaviours=data.behaviours,
        measures=[(m.kind, m.from_, m.to) for m in data.protective_measures],
        issued_by=data.station,
        source_label=source,
    )
    consent_record_from_referral(
        case=case,
        receiving_agency=center,
        referring_agency=referring,
        purposes=data.consent.purposes,
        data_categories=list(data.consent.data_categories),
        method=data.consent.method,
        given_at=data.consent.given_at,
        witness=data.consent.officer_id or "",
        source_label=source,
    )
    body = {
        "case_reference": case.reference,
        "status": referral_status_of(case),
        "received_at": now.astimezone(clock.SEOUL).isoformat(),
    }
    referral = PoliceReferral.objects.create(
        referring_agency=referring,
        api_key=api_key,
        idempotency_key=idempotency_key,
        request_digest=body_digest,
        police_report_id=data.police_report_id,
        receiving_agency=center,
        case=case,
        outcome=outcome,
        received_at=now,
        reported_at=data.reported_at,
        station=data.station,
        officer_name=data.officer.name,
        officer_phone=data.officer.phone or "",
        risk_grade=data.police_risk_grade or "",
        protection_recommended=data.protection_recommended,
        protective_measures=[
            m.model_dump(mode="json", by_alias=True) for m in data.protective_measures
        ],
        response_body=body,
    )
    audit_record(
        actor=None,
        actor_label=source,
        action="referral.receive",
        target=case,
        data={
            "referral": str(referral.pk),
            "from": referring.code,
            "to": center.code,
            "outcome": outcome,
            "sealed_address": bool(victim_in.address),
        },
    )
    alert = referral_alert_payload(referral)
    transaction.on_commit(lambda: push_referral_alert(agency_id=center.pk, payload=alert))
    return ReferralAnswer(status=201, body=body, referral=referral)


# What the police may get back beyond the status, category by category, when the victim's
# consent to share with that police agency covers it.
def _shared_contact(case: Case) -> dict[str, Any]:
    victim = case.victim
    return {
        "phone": victim.phone,
        "safe_contact_method": victim.safe_contact_method,
        "safe_contact_times": victim.safe_contact_times,
    }


def _shared_incident(case: Case) -> dict[str, Any]:
    return {"behaviours": case.stalking_behaviours, "further_harms": case.further_harms}


SHARED_BACK = {"contact": _shared_contact, "incident": _shared_incident}


@transaction.atomic
def police_referral_status(*, api_key: ApiKey, police_report_id: str) -> dict[str, Any]:
    """The status of a referral, to the agency that sent it (404 to anyone else), and what else
    the victim agreed to share back with it, each part through the disclosure gate."""
    referral = (
        PoliceReferral.objects.select_related("case", "case__victim", "referring_agency")
        .filter(referring_agency_id=api_key.agency_id, police_report_id=police_report_id)
        .first()
    )
    if referral is None:
        raise ReferralNotFound(_("연계 기록을 찾을 수 없습니다."))
    case, source = referral.case, _source_label(api_key)
    answer: dict[str, Any] = {
        "case_reference": case.reference,
        "status": referral_status_of(case),
        "updated_at": case.updated_at.astimezone(clock.SEOUL).isoformat(),
    }
    shared: dict[str, Any] = {}
    for category, build in SHARED_BACK.items():
        content = build(case)
        try:
            disclosure_authorize(
                case=case,
                recipient=referral.referring_agency,
                purpose=Purpose.SHARE_WITH_POLICE,
                categories=[category],
                via=DisclosureVia.API,
                actor=None,
                actor_label=source,
                what=f"referral status: {category}",
                content_digest=request_digest(content),
            )
        except DisclosureRefused:
            continue
        shared[category] = content
    if shared:
        answer["shared"] = shared
    audit_record(
        actor=None,
        actor_label=source,
        action="referral.status_read",
        target=case,
        data={"referral": str(referral.pk), "shared": sorted(shared)},
    )
    return answer


@transaction.atomic
def police_referral_take(*, actor: Staff, referral_id: UUID) -> Case:
    """Open a referral's alert: the first on-duty staff member (or a supervisor) of the receiving
    agency takes it and joins the case's team. Opening it is when the victim's name is first
    shown, and it is audited."""
    referral = (
        PoliceReferral.objects.select_for_update()
        .filter(pk=referral_id, receiving_agency_id=actor.agency_id)
        .first()
    )
    if referral is None or not can_take_referrals(actor):
        raise ReferralNotFound(_("연계 기록을 찾을 수 없습니다."))
    first = _arrival_take(
        arrival=referral,
        actor=actor,
        refusal=_("다른 직원(%s)이 이미 이 연계를 맡았습니다."),
    )
    return case_referral_take(
        case_id=referral.case_id,
        actor=actor,
        referral_data={"referral": str(referral.pk), "first": first},
    )


def _arrival_take(*, arrival: PoliceReferral | WebApplication, actor: Staff, refusal: str) -> bool:
    """Mark a locked referral or application taken by ``actor`` unless someone took it before;
    → whether she is the first. Someone else's is refused (``refusal`` names the taker) unless
    she can already see its case."""
    taken_by_another = arrival.taken_by_id not in (None, actor.pk)
    if taken_by_another and not (
        Case.objects.filter(visible_cases_filter(actor), pk=arrival.case_id).exists()
    ):
        raise ReferralAlreadyTaken(refusal % (arrival.taken_by.label if arrival.taken_by else ""))
    first = arrival.taken_at is None
    if first:
        arrival.taken_at, arrival.taken_by = clock.now(), actor
        arrival.save(update_fields=["taken_at", "taken_by", "updated_at"])
    return first


# --- applications from the portal -----------------------------------------------------------------
# The victim applies herself. She is not authenticated when she first applies, so nothing she
# types is matched against existing records in front of her: a new application always opens a
# new case (with nobody on its team until a staff member takes it), and staff see how many of the
# center's victim records share her phone number or name and birth year. Only an application she
# sends while signed in joins a case — her own.

APPLICATION_SOURCE = "portal"
MAX_DESCRIPTION = 5000
MAX_TIMES = 200
EARLIEST_SINCE = dt.date(1990, 1, 1)
# What the form offers her to agree to; support from the center is the one she must agree to
# for the center to keep her application at all (the form says so, and says what else she can do).
APPLICATION_PURPOSES = (
    Purpose.SUPPORT_SERVICES,
    Purpose.SHARE_WITH_PROVIDERS,
    Purpose.SHARE_WITH_POLICE,
    Purpose.DELETION_SUPPORT,
    Purpose.STATISTICS,
)


@dataclass(frozen=True)
class ApplicationInput:
    submission_token: str
    behaviours: tuple[str, ...] = ()
    frequency: str = Frequency.UNKNOWN
    since: dt.date | None = None
    relationship: str = Relationship.UNKNOWN
    perpetrator_name: str = ""
    description: str = ""
    wanted_services: tuple[str, ...] = ()
    # Who she is and how to reach her, and what she agrees to: a first application only.
    name: str = ""
    phone: str = ""
    birth_year: int | None = None
    safe_contact_method: str = ContactMethod.CALL
    safe_contact_times: str = ""
    consents: tuple[str, ...] = ()


def submission_key_of(token: str) -> str:
    return hashlib.sha256(f"web-application:{token}".encode()).hexdigest()


def validate_application(data: ApplicationInput, *, joining: bool) -> list[DomainError]:
    """Every field-level problem at once (the caller adds its own and raises). ``joining``: she
    is signed in and adds to her own case, so who she is and what she agreed to are not asked."""
    errors: list[DomainError] = []
    if not 16 <= len(data.submission_token) <= 100:
        errors.append(
            InvalidIntake(
                _("신청서를 다시 열어 주세요 (양식이 오래되었습니다)."), field="submission_token"
            )
        )
    if not data.behaviours:
        errors.append(
            InvalidIntake(
                _("어떤 일이 있었는지 하나 이상 골라 주세요. 잘 모르겠으면 '기타'를 고르세요."),
                field="behaviours",
            )
        )
    else:
        try:
            _clean_codes_of(data.behaviours, allowed=StalkingBehaviour.values, field="behaviours")
        except DomainError as exc:
            errors.append(exc)
    if data.frequency not in Frequency.values:
        errors.append(InvalidIntake(_("얼마나 자주인지 골라 주세요."), field="frequency"))
    today = clock.today_in_seoul()
    if data.since is not None and not EARLIEST_SINCE <= data.since <= today:
        errors.append(
            InvalidIntake(_("언제부터인지는 1990년부터 오늘 사이로 적어 주세요."), field="since")
        )
    if data.relationship not in Relationship.values:
        errors.append(InvalidIntake(_("그 사람과의 관계를 골라 주세요."), field="relationship"))
    if len(data.perpetrator_name) > 100:
        errors.append(InvalidIntake(_("이름이 너무 깁니다."), field="perpetrator_name"))
    if len(data.description) > MAX_DESCRIPTION:
        errors.append(
            InvalidIntake(
                _("내용은 %s자 이하로 적어 주세요.") % f"{MAX_DESCRIPTION:,}", field="description"
            )
        )
    try:
        _clean_codes_of(data.wanted_services, allowed=ServiceKind.values, field="wanted_services")
    except DomainError as exc:
        errors.append(exc)
    if joining:
        return errors
    try:
        validate_victim_input(
            name=data.name,
            phone=data.phone,
            birth_year=data.birth_year,
            gender=Gender.UNKNOWN,
            safe_contact_method=data.safe_contact_method,
        )
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    if data.safe_contact_method in (ContactMethod.CALL, ContactMethod.SMS) and not (
        data.phone.strip()
    ):
        errors.append(
            InvalidIntake(
                _("전화나 문자로 연락받으려면 번호를 적어 주세요. 번호를 남기기 어렵다면 "
                  "'연락하지 않음'을 고르고 이 포털에서 메시지를 확인하세요."),
                field="phone",
                code="required",
            )
        )  # fmt: skip
    if len(data.safe_contact_times) > MAX_TIMES:
        errors.append(InvalidIntake(_("연락 가능 시간이 너무 깁니다."), field="safe_contact_times"))
    unknown = [p for p in data.consents if p not in APPLICATION_PURPOSES]
    if unknown:
        errors.append(InvalidIntake(_("알 수 없는 동의 항목입니다."), field="consents"))
    elif Purpose.SUPPORT_SERVICES not in data.consents:
        errors.append(
            InvalidIntake(
                _("센터가 신청 내용을 지원에 쓰는 데 동의해야 신청을 받을 수 있습니다. "
                  "동의하지 않으려면 이름 없이 1366에 전화해 상담받을 수 있습니다."),
                field="consents",
                code="required",
            )
        )  # fmt: skip
    return errors


def _clean_codes_of(values: tuple[str, ...], *, allowed: list[str], field: str) -> list[str]:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise InvalidIntake(_("알 수 없는 항목입니다: %s") % ", ".join(unknown), field=field)
    return list(dict.fromkeys(values))


def web_application_for_token(token: str) -> WebApplication | None:
    """The application a form with this token already sent (a retried submit), if any."""
    return WebApplication.objects.filter(submission_key=submission_key_of(token)).first()


def default_center() -> Agency:
    center = Agency.objects.filter(is_default_center=True).first()
    if center is None:
        raise ServiceUnavailable(
            _("지금은 신청을 받을 수 없습니다. 1366에 전화해 주세요. (센터 설정이 없습니다)")
        )
    return center


def _application_event_data(data: ApplicationInput) -> dict[str, Any]:
    return {
        "by": "portal",
        "wanted_services": list(dict.fromkeys(data.wanted_services)),
        "frequency": data.frequency,
        "since": data.since.isoformat() if data.since else "",
    }


@transaction.atomic(savepoint=False)  # inside the portal's transaction, with her access
def web_application_receive(*, data: ApplicationInput) -> WebApplication:
    """A first application: her victim record at the receiving center, the case (no team yet:
    the center's supervisors and on-duty staff are notified), the consents she gave, the
    application row, audit. The caller validated ``data`` (``validate_application``) and
    answers a retried token from ``web_application_for_token``; a token stored by a parallel
    request ends this one in ``IntegrityError``."""
    center = default_center()
    now = clock.now()
    matches = victim_find_matches(
        agency=center, phone=data.phone, name=data.name, birth_year=data.birth_year
    ).count()
    victim = victim_create(
        agency=center,
        name=data.name,
        phone=data.phone,
        birth_year=data.birth_year,
        gender=Gender.UNKNOWN,
        safe_contact_method=data.safe_contact_method,
        safe_contact_times=data.safe_contact_times.strip(),
    )
    perpetrator = None
    if data.perpetrator_name.strip():
        perpetrator = perpetrator_create(agency=center, name=data.perpetrator_name.strip())
    case = case_open_from_referral(
        agency=center,
        source_label=APPLICATION_SOURCE,
        victim=victim,
        perpetrator=perpetrator,
        relationship=data.relationship,
        channel=Channel.WEB,
        stalking_behaviours=list(dict.fromkeys(data.behaviours)),
        summary=data.description.strip(),
        referral_data=_application_event_data(data),
        arrival_kind=EventKind.WEB_APPLICATION,
    )
    consent_record_from_application(
        case=case, center=center, purposes=data.consents, source_label=APPLICATION_SOURCE
    )
    application = WebApplication.objects.create(
        receiving_agency=center,
        case=case,
        outcome=IntakeOutcome.NEW_CASE,
        submission_key=submission_key_of(data.submission_token),
        received_at=now,
        wanted_services=list(dict.fromkeys(data.wanted_services)),
        frequency=data.frequency,
        since=data.since,
        possible_matches=min(matches, 999),
    )
    audit_record(
        actor=None,
        actor_label=APPLICATION_SOURCE,
        action="intake.web_application",
        target=case,
        data={"application": str(application.pk), "to": center.code, "outcome": "new_case"},
    )
    return application


@transaction.atomic(savepoint=False)  # inside the portal's transaction
def web_application_join(*, case: Case, data: ApplicationInput) -> WebApplication:
    """A further application she sent while signed in: it joins her own case (which the caller
    found from her access) — its timeline, its behaviours — and her team is notified."""
    case = case_referral_attach(
        case_id=case.pk,
        source_label=APPLICATION_SOURCE,
        stalking_behaviours=list(dict.fromkeys(data.behaviours)),
        summary=data.description,
        perpetrator=None,
        referral_data=_application_event_data(data),
        arrival_kind=EventKind.WEB_APPLICATION,
    )
    application = WebApplication.objects.create(
        receiving_agency_id=case.agency_id,
        case=case,
        outcome=IntakeOutcome.ATTACHED,
        submission_key=submission_key_of(data.submission_token),
        received_at=clock.now(),
        wanted_services=list(dict.fromkeys(data.wanted_services)),
        frequency=data.frequency,
        since=data.since,
    )
    audit_record(
        actor=None,
        actor_label=APPLICATION_SOURCE,
        action="intake.web_application",
        target=case,
        data={"application": str(application.pk), "outcome": "attached"},
    )
    return application


@transaction.atomic
def web_application_take(*, actor: Staff, application_id: UUID) -> Case:
    """Open an application: the first staff member who takes applications (on duty, or a
    supervisor) takes it and joins the case's team; opening it is when her name is first shown,
    and it is audited."""
    application = (
        WebApplication.objects.select_for_update()
        .filter(pk=application_id, receiving_agency_id=actor.agency_id)
        .first()
    )
    if application is None or not can_take_referrals(actor):
        raise ReferralNotFound(_("신청 기록을 찾을 수 없습니다."))
    first = _arrival_take(
        arrival=application,
        actor=actor,
        refusal=_("다른 직원(%s)이 이미 이 신청을 맡았습니다."),
    )
    return case_referral_take(
        case_id=application.case_id,
        actor=actor,
        referral_data={"application": str(application.pk), "first": first},
        kind=EventKind.APPLICATION_TAKEN,
    )
