"""The intake part of the JSON API: for staff, the duplicate check and taking a contact; for
police systems, the referral endpoint and its status. Thin: the rules (who may take a contact,
what counts as a match, where a referral goes) are in ``intake.services`` and
``intake.selectors``; the referral body's contract is in ``intake.referrals``."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal
from uuid import UUID

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema, Status
from pydantic import AfterValidator, AwareDatetime

from onestop.accounts.api import ApiKeyAuth, PartnerRequest, StaffRequest
from onestop.accounts.models import ApiKey
from onestop.cases.models import (
    CaseStatus,
    Channel,
    FurtherHarm,
    Relationship,
    StalkingBehaviour,
)
from onestop.core.errors import BadRequest, PayloadTooLarge, Throttled, UnsupportedMediaType
from onestop.core.ratelimit import Rate, rate_limit_hit
from onestop.core.schemas import (
    ErrorOut,
    InputSchema,
    error_responses,
    fields_renamed,
    in_utc,
)
from onestop.intake.errors import ReferralNotFound
from onestop.intake.models import IntakeOutcome
from onestop.intake.referrals import (
    PoliceReferralIn,
    could_be_police_report_id,
    parse_police_referral,
    refuse_unpaired_surrogates,
)
from onestop.intake.selectors import IntakeMatch, intake_matches_for_user
from onestop.intake.services import (
    IntakeInput,
    intake_submit,
    police_referral_after_race,
    police_referral_receive,
    police_referral_replay,
    police_referral_status,
    referral_sender_check,
    request_digest,
)
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
    started_at: Annotated[AwareDatetime, AfterValidator(in_utc)] | None = None
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


# --- police referrals (shared/contracts/police-referral.md) -------------------------------------

referrals_router = Router(tags=["police referrals"], auth=ApiKeyAuth())

IDEMPOTENCY_HEADER = "Idempotency-Key"
REFERRAL_STATUS_DESCRIPTION = (
    "`received`: not yet worked on; `in_support`: the center is assessing, planning or "
    "supporting; `closed`."
)


class ReferralOut(Schema):
    case_reference: str = Field(examples=["OS-2026-000123"])
    status: Literal["received", "in_support", "closed"] = Field(
        description=REFERRAL_STATUS_DESCRIPTION
    )
    received_at: str = Field(
        description="ISO 8601 with a UTC offset.", json_schema_extra={"format": "date-time"}
    )


class SharedContactOut(Schema):
    phone: str = Field(description="E.164")
    safe_contact_method: Literal["call", "sms", "none"]
    safe_contact_times: str


class SharedIncidentOut(Schema):
    behaviours: list[str]
    further_harms: list[str]


class SharedOut(Schema):
    """Present only for what the victim agreed to share with the referring police agency."""

    contact: SharedContactOut | None = None
    incident: SharedIncidentOut | None = None


class ReferralStatusOut(Schema):
    case_reference: str
    status: Literal["received", "in_support", "closed"] = Field(
        description=REFERRAL_STATUS_DESCRIPTION
    )
    updated_at: str = Field(
        description="ISO 8601 with a UTC offset.", json_schema_extra={"format": "date-time"}
    )
    shared: SharedOut | None = Field(
        None,
        description="Beyond the status, only what the victim's consent to share with this "
        "police agency covers (an extension of the contract; absent otherwise).",
    )


def _throttle(key: ApiKey, bucket: str) -> None:
    rate = Rate.parse(settings.ONESTOP_REFERRAL_RATE_LIMIT)
    wait = rate_limit_hit(bucket=f"{bucket}:{key.agency_id}", rate=rate)
    if wait is not None:
        raise Throttled(
            _("요청이 너무 많습니다. %d초 뒤에 다시 보내 주세요.") % wait, retry_after=wait
        )


def _idempotency_key(request: HttpRequest) -> str:
    value = request.headers.get(IDEMPOTENCY_HEADER)
    if value is None or not 8 <= len(value) <= 128 or not value.isprintable():
        raise BadRequest(
            _("Idempotency-Key 헤더에 8~128자의 값을 보내 주세요."), field=IDEMPOTENCY_HEADER
        )
    return value


def _json_body(request: HttpRequest) -> Any:
    if request.content_type != "application/json":
        raise UnsupportedMediaType(_("본문은 application/json이어야 합니다."))
    limit = settings.ONESTOP_REFERRAL_MAX_BYTES
    declared = request.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(_("본문은 1 MiB 이하여야 합니다."))
    try:
        raw = request.body
    except RequestDataTooBig as exc:
        raise PayloadTooLarge(_("본문은 1 MiB 이하여야 합니다.")) from exc
    if len(raw) > limit:
        raise PayloadTooLarge(_("본문은 1 MiB 이하여야 합니다."))
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnsupportedMediaType(_("본문을 JSON으로 읽을 수 없습니다."), code="not_json") from exc


REFERRAL_OPENAPI: dict[str, Any] = {
    "parameters": [
        {
            "in": "header",
            "name": IDEMPOTENCY_HEADER,
            "required": True,
            "description": "Chosen by the caller; the same key with the same body is answered "
            "as the first time (200), with another body refused (409).",
            "schema": {"type": "string", "minLength": 8, "maxLength": 128},
        }
    ],
    "requestBody": {
        "required": True,
        "description": "At most 1 MiB. Unknown fields are rejected.",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/PoliceReferralIn"}}
        },
    },
}
# Schemas the OpenAPI document must carry although no operation parses them through ninja.
OPENAPI_MODELS = [PoliceReferralIn]


@referrals_router.post(
    "/police",
    response={201: ReferralOut, 200: ReferralOut}
    | error_responses(400, 401, 403, 409, 413, 415, 422, 429, 503),
    openapi_extra=REFERRAL_OPENAPI,
    summary="Refer a reported stalking victim, with her consent",
)
def receive_police_referral(request: PartnerRequest) -> Status[dict[str, Any]]:
    """Opens a case at the one-stop center of the police agency's region (or the default
    center), or attaches the report to the victim's open case. 201 for a new referral; 200
    with the first answer when the same `Idempotency-Key` and body are sent again."""
    key = request.auth
    referral_sender_check(api_key=key)
    _throttle(key, "referral")
    idempotency_key = _idempotency_key(request)
    raw = _json_body(request)
    refuse_unpaired_surrogates(raw)  # the digest below encodes every string
    digest = request_digest(raw)
    answer = police_referral_replay(
        api_key=key, idempotency_key=idempotency_key, body_digest=digest
    )
    if answer is None:
        data = parse_police_referral(raw)
        try:
            answer = police_referral_receive(
                api_key=key, idempotency_key=idempotency_key, body_digest=digest, data=data
            )
        except IntegrityError as lost:
            answer = police_referral_after_race(
                api_key=key,
                idempotency_key=idempotency_key,
                body_digest=digest,
                police_report_id=data.police_report_id,
                error=lost,
            )
    return Status(answer.status, answer.body)


@referrals_router.get(
    "/police/{police_report_id}",
    response={200: ReferralStatusOut} | error_responses(401, 404, 429),
    exclude_none=True,
    summary="The status of a referral, to the agency that sent it",
)
def police_referral_status_view(
    request: PartnerRequest,
    police_report_id: Annotated[
        str,
        Path(
            description="As sent in the referral (1 to 64 characters, no control character); "
            "an id no referral can have is answered 404 like any unknown one."
        ),
    ],
) -> dict[str, Any]:
    """404 to any agency but the one that sent the referral, and for an id no referral can have
    (empty, over 64 characters, or with a control character)."""
    key = request.auth
    _throttle(key, "referral-status")
    if not could_be_police_report_id(police_report_id):
        raise ReferralNotFound(
            _("이 사건번호의 연계 기록은 없습니다 (사건번호는 제어 문자 없이 1~64자)."),
            field="police_report_id",
        )
    return police_referral_status(api_key=key, police_report_id=police_report_id)
