"""The intake part of the staff JSON API: the duplicate check and taking a contact. Thin: the
rules (who may take a contact, what counts as a match, when a duplicate must be confirmed) are in
``intake.services`` and ``intake.selectors``."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from ninja import Field, Router, Schema, Status
from pydantic import AwareDatetime

from onestop.accounts.api import StaffRequest
from onestop.cases.models import (
    CaseStatus,
    Channel,
    FurtherHarm,
    Relationship,
    StalkingBehaviour,
)
from onestop.core.schemas import ErrorOut, InputSchema, error_responses, fields_renamed
from onestop.intake.models import IntakeOutcome
from onestop.intake.selectors import IntakeMatch, intake_matches_for_user
from onestop.intake.services import IntakeInput, intake_submit
from onestop.people.models import ContactMethod, Gender

router = Router(tags=["intake"])


class IntakeMatchOut(Schema):
    """A possible earlier case of the caller: only what confirms it with her, nothing more."""

    case_id: UUID
    victim_id: UUID
    reference: str
    status: CaseStatus
    status_label: str
    opened_at: dt.datetime
    masked_name: str
    masked_phone: str
    birth_year: int | None
    matched_on: str = Field(description="phone, name_birth_year, or both joined by +")
    lead: str = Field(description="The label of the case's lead, or empty.")


class IntakeMatchesOut(Schema):
    matches: list[IntakeMatchOut]


class PossibleDuplicateOut(ErrorOut):
    """409 ``possible_duplicate``: the error, and the matches to choose from."""

    matches: list[IntakeMatchOut]


class IntakeResultOut(Schema):
    case_id: UUID
    reference: str
    outcome: IntakeOutcome


class IntakeMatchesIn(InputSchema):
    phone: str = Field("", max_length=40)
    name: str = Field("", max_length=100)
    birth_year: int | None = None


class IntakeIn(InputSchema):
    channel: Channel
    name: str
    phone: str = ""
    birth_year: int | None = None
    gender: Gender = Gender.FEMALE
    safe_contact_method: ContactMethod = ContactMethod.CALL
    safe_contact_times: str = ""
    perpetrator_name: str = ""
    perpetrator_gender: Gender = Gender.UNKNOWN
    relationship: Relationship = Relationship.UNKNOWN
    stalking_behaviours: list[StalkingBehaviour] = Field(default_factory=list)
    further_harms: list[FurtherHarm] = Field(default_factory=list)
    summary: str = ""
    started_at: AwareDatetime | None = None
    attach_to_case_id: UUID | None = Field(
        None, description="Log the contact on this matched open case instead of opening one."
    )
    existing_victim_id: UUID | None = Field(
        None, description="Open a new case for this matched victim."
    )
    confirmed_new_person: bool = Field(
        False, description="The caller is none of the matches: open a case for a new person."
    )


CHOICE_FIELDS = ("attach_to_case_id", "existing_victim_id", "confirmed_new_person")


def match_out(match: IntakeMatch) -> IntakeMatchOut:
    return IntakeMatchOut(
        case_id=match.case_id,
        victim_id=match.victim_id,
        reference=match.reference,
        status=CaseStatus(match.status),
        status_label=match.status_label,
        opened_at=match.opened_at,
        masked_name=match.masked_name,
        masked_phone=match.masked_phone,
        birth_year=match.birth_year,
        matched_on=match.matched_on,
        lead=match.lead,
    )


@router.post("/matches", response={200: IntakeMatchesOut} | error_responses(400, 401, 403, 422))
def find_matches(request: StaffRequest, body: IntakeMatchesIn) -> IntakeMatchesOut:
    """Cases of the caller's agency that may be this caller's (masked). Showing them is audited."""
    matches = intake_matches_for_user(
        user=request.auth, phone=body.phone, name=body.name, birth_year=body.birth_year
    )
    return IntakeMatchesOut(matches=[match_out(m) for m in matches])


@router.post(
    "",
    response={201: IntakeResultOut, 409: PossibleDuplicateOut}
    | error_responses(400, 401, 403, 422),
)
def submit_intake(request: StaffRequest, body: IntakeIn) -> Status[IntakeResultOut]:
    """Take a contact: attach it to a matched open case, or open a case. When the caller may
    already be known and no choice was made, answers 409 with the matches."""
    data = IntakeInput(**body.model_dump(exclude=set(CHOICE_FIELDS)))
    with fields_renamed(
        {"attach_to_case": "attach_to_case_id", "existing_victim": "existing_victim_id"}
    ):
        result = intake_submit(
            actor=request.auth,
            data=data,
            attach_to_case_id=body.attach_to_case_id,
            existing_victim_id=body.existing_victim_id,
            confirmed_new_person=body.confirmed_new_person,
        )
    return Status(
        201,
        IntakeResultOut(
            case_id=result.case.pk,
            reference=result.case.reference,
            outcome=IntakeOutcome(result.outcome),
        ),
    )
