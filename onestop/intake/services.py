"""Taking a contact: validate everything, look for the caller's existing case, then attach or
open — one transaction, audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from uuid import UUID

from django.db import transaction
from django.utils.translation import gettext as _

from onestop.accounts.models import Staff
from onestop.audit.services import audit_record
from onestop.cases.errors import CaseActionForbidden
from onestop.cases.models import Case, Relationship
from onestop.cases.permissions import can_open_cases
from onestop.cases.services import case_contact_log, case_open, validate_case_input
from onestop.core import clock
from onestop.core.errors import DomainError, ValidationFailed
from onestop.intake.errors import InvalidIntake, PossibleDuplicate
from onestop.intake.models import Intake, IntakeOutcome
from onestop.intake.selectors import intake_matches_for_user
from onestop.people.models import ContactMethod, Gender, Victim
from onestop.people.services import perpetrator_create, validate_victim_input, victim_create


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
