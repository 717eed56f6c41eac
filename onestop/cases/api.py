"""The cases part of the staff JSON API: list, read, timeline and the workflow writes of a case.
Thin: every operation parses its input, calls one selector or service, and shapes the answer.
Who may see or change a case is decided by the selectors and services, never here."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from ninja import Field, Query, Router, Schema, Status

from onestop.accounts.api import StaffRequest
from onestop.cases.models import (
    Case,
    CaseEvent,
    CaseStatus,
    CaseTeamMember,
    Channel,
    CloseReason,
    EventKind,
    Relationship,
    TeamRole,
)
from onestop.cases.selectors import (
    case_get_for_user,
    case_list_for_user,
    case_search_for_user,
    case_team,
    case_timeline,
)
from onestop.cases.services import (
    case_complaint_withdrawn_record,
    case_note_add,
    case_team_assign,
    case_team_remove,
    case_transition,
    case_view_record,
)
from onestop.core.phone import format_phone
from onestop.core.schemas import InputSchema, error_responses, fields_renamed

router = Router(tags=["cases"])

MAX_PAGE = 100
# Far beyond any agency's case count, and small enough that offset + limit stays a 64-bit
# integer in every database (a larger one was a 500).
MAX_OFFSET = 1_000_000


# --- answers -------------------------------------------------------------------------------------


class CaseListItemOut(Schema):
    """A line of a case list. Names no victim: lists are seen over shoulders and logged."""

    id: UUID
    reference: str
    status: CaseStatus
    channel: Channel
    opened_at: dt.datetime
    agency: str = Field(description="The owning agency's code.")


class CaseListOut(Schema):
    count: int
    items: list[CaseListItemOut]


class VictimOut(Schema):
    name: str
    phone: str = Field(description="National notation (010-1234-5678), or empty.")
    birth_year: int | None


class TeamMemberOut(Schema):
    staff_id: UUID
    label: str
    role: TeamRole


class CaseOut(Schema):
    id: UUID
    reference: str
    status: CaseStatus
    channel: Channel
    relationship: Relationship
    agency: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    close_reason: CloseReason | None
    stalking_behaviours: list[str]
    further_harms: list[str]
    summary: str
    victim: VictimOut
    team: list[TeamMemberOut]


class EventOut(Schema):
    id: UUID
    kind: EventKind
    at: dt.datetime
    actor: str | None = Field(description="The staff member's label; null for the system.")
    data: dict[str, Any]
    note: str


class TimelineOut(Schema):
    events: list[EventOut]


# --- requests ------------------------------------------------------------------------------------


class CaseListQuery(Schema):
    q: str = Field("", max_length=100, description="A case reference or the victim's phone.")
    limit: int = Field(20, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class TransitionIn(InputSchema):
    to_status: CaseStatus
    close_reason: CloseReason | None = None
    note: str = ""


class TeamAssignIn(InputSchema):
    staff_id: UUID
    role: TeamRole


class NoteIn(InputSchema):
    note: str


class ComplaintWithdrawnIn(InputSchema):
    note: str = ""


# --- shaping -------------------------------------------------------------------------------------


def _member_out(member: CaseTeamMember) -> TeamMemberOut:
    return TeamMemberOut(
        staff_id=member.staff_id, label=member.staff.label, role=TeamRole(member.role)
    )


def _case_out(case: Case) -> CaseOut:
    victim = case.victim
    return CaseOut(
        id=case.pk,
        reference=case.reference,
        status=CaseStatus(case.status),
        channel=Channel(case.channel),
        relationship=Relationship(case.relationship),
        agency=case.agency.code,
        opened_at=case.opened_at,
        closed_at=case.closed_at,
        close_reason=CloseReason(case.close_reason) if case.close_reason else None,
        stalking_behaviours=case.stalking_behaviours,
        further_harms=case.further_harms,
        summary=case.summary,
        victim=VictimOut(
            name=victim.name,
            phone=format_phone(victim.phone) if victim.phone else "",
            birth_year=victim.birth_year,
        ),
        team=[_member_out(m) for m in case_team(case=case)],
    )


def _event_out(event: CaseEvent) -> EventOut:
    return EventOut(
        id=event.pk,
        kind=EventKind(event.kind),
        at=event.at,
        actor=event.actor.label if event.actor else None,
        data=event.data,
        note=event.note,
    )


# --- operations ----------------------------------------------------------------------------------


@router.get("", response={200: CaseListOut} | error_responses(401, 422))
def list_cases(request: StaffRequest, query: Query[CaseListQuery]) -> CaseListOut:
    """The cases the caller may see, newest first; with ``q``, those matching it."""
    if query.q.strip():
        cases = case_search_for_user(user=request.auth, query=query.q)
    else:
        cases = case_list_for_user(user=request.auth)
    page = cases[query.offset : query.offset + query.limit]
    return CaseListOut(
        count=cases.count(),
        items=[
            CaseListItemOut(
                id=case.pk,
                reference=case.reference,
                status=CaseStatus(case.status),
                channel=Channel(case.channel),
                opened_at=case.opened_at,
                agency=case.agency.code,
            )
            for case in page
        ],
    )


@router.get("/{case_id}", response={200: CaseOut} | error_responses(401, 404, 422))
def get_case(request: StaffRequest, case_id: UUID) -> CaseOut:
    """One case with its victim's identity. Reading it is audited."""
    case = case_get_for_user(user=request.auth, case_id=case_id)
    case_view_record(case=case, actor=request.auth)
    return _case_out(case)


@router.get("/{case_id}/timeline", response={200: TimelineOut} | error_responses(401, 404, 422))
def get_timeline(request: StaffRequest, case_id: UUID) -> TimelineOut:
    """The case's events, newest first. Reading it is audited."""
    case = case_get_for_user(user=request.auth, case_id=case_id)
    case_view_record(case=case, actor=request.auth, what="timeline")
    return TimelineOut(events=[_event_out(e) for e in case_timeline(case=case)])


@router.post(
    "/{case_id}/transitions",
    response={200: CaseOut} | error_responses(400, 401, 403, 404, 409, 422),
)
def transition(request: StaffRequest, case_id: UUID, body: TransitionIn) -> CaseOut:
    """Move the case to another step of its workflow (closing needs a reason)."""
    case = case_transition(
        case_id=case_id,
        actor=request.auth,
        to_status=body.to_status,
        close_reason=body.close_reason or "",
        note=body.note,
    )
    return _case_out(case)


@router.post(
    "/{case_id}/team",
    response={200: TeamMemberOut} | error_responses(400, 401, 403, 404, 409, 422),
)
def assign_team_member(request: StaffRequest, case_id: UUID, body: TeamAssignIn) -> TeamMemberOut:
    """Put a staff member of the case's agency on its team, or change her role there."""
    with fields_renamed({"staff": "staff_id"}):
        member = case_team_assign(
            case_id=case_id, actor=request.auth, staff_id=body.staff_id, role=body.role
        )
    return _member_out(member)


@router.delete(
    "/{case_id}/team/{staff_id}",
    response={204: None} | error_responses(401, 403, 404, 422),
)
def remove_team_member(request: StaffRequest, case_id: UUID, staff_id: UUID) -> Status[None]:
    """Take a staff member off the case's team."""
    with fields_renamed({"staff": "staff_id"}):
        case_team_remove(case_id=case_id, actor=request.auth, staff_id=staff_id)
    return Status(204, None)


@router.post(
    "/{case_id}/notes",
    response={201: EventOut} | error_responses(400, 401, 403, 404, 422),
)
def add_note(request: StaffRequest, case_id: UUID, body: NoteIn) -> Status[EventOut]:
    """Add a note to the case's timeline."""
    event = case_note_add(case_id=case_id, actor=request.auth, note=body.note)
    return Status(201, _event_out(event))


@router.post(
    "/{case_id}/complaint-withdrawn",
    response={201: EventOut} | error_responses(400, 401, 403, 404, 422),
)
def record_complaint_withdrawn(
    request: StaffRequest, case_id: UUID, body: ComplaintWithdrawnIn
) -> Status[EventOut]:
    """Record that the victim withdrew her police complaint; the case itself does not change."""
    event = case_complaint_withdrawn_record(case_id=case_id, actor=request.auth, note=body.note)
    return Status(201, _event_out(event))
