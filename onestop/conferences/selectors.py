"""Every read of conferences. A conference is seen by its host agency's conference roles (see
``permissions``); anyone else gets ``ConferenceNotFound`` (404). Case data shown beside it is the
case's reference and risk level only; a link to the case is given to those who may open it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from uuid import UUID

from django.db.models import Max, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from onestop.accounts.models import Agency, Role, Staff
from onestop.cases.models import Case, CaseStatus, Incident
from onestop.cases.permissions import visible_cases_filter
from onestop.conferences.criteria import CaseFacts
from onestop.conferences.errors import ConferenceNotFound
from onestop.conferences.models import (
    Action,
    ActionStatus,
    AgendaItem,
    Conference,
    ConferenceAttendee,
    ConferenceKind,
    ConferenceReferral,
    ConferenceStatus,
    ReferralReason,
    ReferralStatus,
)
from onestop.conferences.permissions import (
    CONFERENCE_ROLES,
    MANAGING_ROLES,
    can_view_conferences,
    visible_conferences_filter,
)
from onestop.core import clock

# Staff of the host agency who may own an action (beside attending staff of other agencies).
ACTION_OWNER_ROLES = CONFERENCE_ROLES | {Role.HOTLINE_COUNSELOR}


def reason_labels(codes: list[str]) -> list[str]:
    return [
        str(ReferralReason(code).label) if code in ReferralReason.values else code for code in codes
    ]


# --- the criteria's facts -----------------------------------------------------------------------


def case_facts(*, case: Case) -> CaseFacts:
    """What ``criteria.referral_reasons`` looks at, read for one case."""
    referrals = ConferenceReferral.objects.filter(case=case).aggregate(
        discussed=Max("discussed_at"),
        declined=Max("decided_at", filter=Q(status=ReferralStatus.DECLINED)),
    )
    return CaseFacts(
        risk_level=case.risk_level,
        risk_assessed_at=case.risk_assessed_at,
        incidents=tuple(Incident.objects.filter(case=case).values_list("occurred_at", flat=True)),
        last_discussed_at=referrals["discussed"],
        last_declined_at=referrals["declined"],
        is_open=case.is_open,
    )


def open_referral_of(*, case: Case) -> ConferenceReferral | None:
    return ConferenceReferral.objects.filter(
        case=case, status__in=[ReferralStatus.PROPOSED, ReferralStatus.ACCEPTED]
    ).first()


# --- conferences --------------------------------------------------------------------------------


def conference_list_for_user(*, user: Staff) -> QuerySet[Conference]:
    return (
        Conference.objects.filter(visible_conferences_filter(user))
        .select_related("agency", "chair")
        .order_by("scheduled_at", "created_at")
    )


def conference_get_for_user(*, user: Staff, conference_id: UUID | str) -> Conference:
    try:
        key = conference_id if isinstance(conference_id, UUID) else UUID(str(conference_id))
        return conference_list_for_user(user=user).get(pk=key)
    except (Conference.DoesNotExist, ValueError) as exc:
        raise ConferenceNotFound(_("사례회의를 찾을 수 없습니다.")) from exc


def planned_conferences_of(*, agency_id: UUID) -> QuerySet[Conference]:
    return Conference.objects.filter(agency_id=agency_id, status=ConferenceStatus.PLANNED).order_by(
        "scheduled_at", "created_at"
    )


def next_planned_conference(*, agency_id: UUID) -> Conference | None:
    """Where open actions roll: the host agency's earliest planned regular meeting."""
    return (
        Conference.objects.filter(
            agency_id=agency_id, status=ConferenceStatus.PLANNED, kind=ConferenceKind.REGULAR
        )
        .order_by("scheduled_at", "created_at", "pk")
        .first()
    )


@dataclass(frozen=True)
class ConferenceOverview:
    upcoming: list[Conference]
    past: list[Conference]
    proposed: list[ConferenceReferral]


def conference_overview(*, user: Staff, past_limit: int = 50) -> ConferenceOverview:
    if not can_view_conferences(user):
        return ConferenceOverview([], [], [])
    conferences = conference_list_for_user(user=user)
    upcoming = list(conferences.filter(status=ConferenceStatus.PLANNED))
    past = list(
        conferences.exclude(status=ConferenceStatus.PLANNED).order_by("-scheduled_at")[:past_limit]
    )
    proposed = list(
        ConferenceReferral.objects.filter(
            status=ReferralStatus.PROPOSED, case__agency_id=user.agency_id
        )
        .select_related("case", "proposed_by")
        .order_by("proposed_at")
    )
    return ConferenceOverview(upcoming, past, proposed)


def chair_choices(*, agency_id: UUID) -> QuerySet[Staff]:
    return Staff.objects.filter(
        agency_id=agency_id, is_active=True, role__in=sorted(MANAGING_ROLES)
    ).order_by("role", "username")


def all_agencies() -> QuerySet[Agency]:
    return Agency.objects.order_by("kind", "name")


@dataclass
class AgendaRow:
    item: AgendaItem
    case_visible: bool
    reason_labels: list[str]
    # left out of minutes handed to an agency the victim did not agree to share with
    withheld: bool = False


@dataclass
class ConferencePage:
    conference: Conference
    attendees: list[ConferenceAttendee]
    agenda: list[AgendaRow]
    carried: list[Action]
    owner_choices: list[Staff] = field(default_factory=list)


def _agenda_items(conference: Conference) -> QuerySet[AgendaItem]:
    return (
        AgendaItem.objects.filter(conference=conference)
        .select_related("case", "referral")
        .prefetch_related(
            "pre_meeting_info__agency",
            "pre_meeting_info__recorded_by",
            "decisions__recorded_by",
            Prefetch(
                "actions",
                queryset=Action.objects.select_related("agency", "owner", "carried_to").order_by(
                    "due_on", "created_at"
                ),
            ),
        )
        .order_by("order")
    )


def agenda_item_of(*, conference: Conference, item_id: UUID) -> AgendaItem:
    """An item of this meeting's agenda (the caller fetched the meeting for the user)."""
    item = AgendaItem.objects.filter(conference=conference, pk=item_id).first()
    if item is None:
        raise ConferenceNotFound(_("안건을 찾을 수 없습니다."))
    return item


def action_shown_at(*, conference: Conference, action_id: UUID) -> bool:
    """Whether the meeting's page shows this action (decided there, or carried to it)."""
    return Action.objects.filter(
        Q(agenda_item__conference=conference) | Q(carried_to=conference), pk=action_id
    ).exists()


def carried_actions_of(*, conference: Conference) -> list[Action]:
    return list(
        Action.objects.filter(carried_to=conference)
        .select_related("case", "agency", "owner", "agenda_item__conference")
        .order_by("due_on", "created_at")
    )


def conference_page(*, user: Staff, conference: Conference) -> ConferencePage:
    items = list(_agenda_items(conference))
    case_ids = [item.case_id for item in items]
    visible = set(
        Case.objects.filter(visible_cases_filter(user), pk__in=case_ids)
        .values_list("pk", flat=True)
        .distinct()
    )
    attendees = list(
        ConferenceAttendee.objects.filter(conference=conference).select_related("agency", "staff")
    )
    attending_staff = [a.staff_id for a in attendees if a.staff_id]
    owners = list(
        Staff.objects.filter(is_active=True)
        .filter(
            Q(
                agency_id=conference.agency_id,
                role__in=sorted(CONFERENCE_ROLES | {Role.HOTLINE_COUNSELOR}),
            )
            | Q(pk__in=attending_staff)
        )
        .select_related("agency")
        .order_by("agency__name", "username")
    )
    return ConferencePage(
        conference=conference,
        attendees=attendees,
        agenda=[
            AgendaRow(
                item=item,
                case_visible=item.case_id in visible,
                reason_labels=reason_labels(item.referral.reasons),
            )
            for item in items
        ],
        carried=carried_actions_of(conference=conference),
        owner_choices=owners,
    )


# --- minutes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MinutesData:
    conference: Conference
    attendees: list[ConferenceAttendee]
    agenda: list[AgendaRow]
    carried: list[Action]
    generated_at: dt.datetime
    recipient: Agency | None = None
    carried_withheld: int = 0


def minutes_case_ids(*, conference: Conference) -> list[UUID]:
    """Every case the minutes speak of: on the agenda, or in an action carried to the meeting."""
    on_agenda = AgendaItem.objects.filter(conference=conference).values_list("case_id", flat=True)
    carried = Action.objects.filter(carried_to=conference).values_list("case_id", flat=True)
    return sorted(set(on_agenda) | set(carried))


def minutes_data(
    *,
    conference: Conference,
    recipient: Agency | None = None,
    withheld: frozenset[UUID] = frozenset(),
) -> MinutesData:
    """Everything the minutes show. A multi-agency document: cases appear by reference and risk
    level only, never by the victim's name, address or phone. Minutes handed to ``recipient``
    leave out what they say of the ``withheld`` cases (no consent to share with it)."""
    items = list(_agenda_items(conference))
    carried = carried_actions_of(conference=conference)
    shown_carried = [a for a in carried if a.case_id not in withheld]
    return MinutesData(
        recipient=recipient,
        carried_withheld=len(carried) - len(shown_carried),
        conference=conference,
        attendees=list(
            ConferenceAttendee.objects.filter(conference=conference).select_related(
                "agency", "staff"
            )
        ),
        agenda=[
            AgendaRow(
                item=item,
                case_visible=False,
                reason_labels=reason_labels(item.referral.reasons),
                withheld=item.case_id in withheld,
            )
            for item in items
        ],
        carried=shown_carried,
        generated_at=clock.now(),
    )


# --- the case panel and the dashboard -----------------------------------------------------------


@dataclass(frozen=True)
class CaseConferences:
    referrals: list[ConferenceReferral]
    discussed_at: list[AgendaItem]
    actions: list[Action]
    open_referral: ConferenceReferral | None


def conferences_for_case(*, case: Case) -> CaseConferences:
    """The case's referrals, the meetings that had it on their agenda, and its actions. The
    caller fetched the case through ``cases.selectors.case_get_for_user``."""
    referrals = list(
        ConferenceReferral.objects.filter(case=case)
        .select_related("proposed_by", "decided_by")
        .order_by("-proposed_at")
    )
    items = list(
        AgendaItem.objects.filter(case=case)
        .select_related("conference", "conference__agency")
        .order_by("-conference__scheduled_at")
    )
    actions = list(
        Action.objects.filter(case=case)
        .select_related("agency", "owner", "agenda_item__conference", "carried_to")
        .order_by("status", "due_on")
    )
    open_referral = next((r for r in referrals if r.is_open), None)
    return CaseConferences(referrals, items, actions, open_referral)


@dataclass(frozen=True)
class MyConferenceWork:
    actions: list[Action]
    upcoming: list[Conference]


def conference_work_for_user(*, user: Staff, limit: int = 20) -> MyConferenceWork:
    actions = list(
        Action.objects.filter(owner=user, status=ActionStatus.OPEN)
        .select_related("case", "agency", "agenda_item__conference", "carried_to")
        .order_by("due_on", "created_at")[:limit]
    )
    upcoming: list[Conference] = []
    if can_view_conferences(user):
        upcoming = list(
            conference_list_for_user(user=user).filter(status=ConferenceStatus.PLANNED)[:limit]
        )
    return MyConferenceWork(actions, upcoming)


# --- reminders ----------------------------------------------------------------------------------


def actions_due_by(*, day: dt.date) -> QuerySet[Action]:
    """Open actions due on or before ``day`` (overdue ones included)."""
    return (
        Action.objects.filter(status=ActionStatus.OPEN, due_on__lte=day)
        .exclude(case__status=CaseStatus.CLOSED)
        .select_related("case", "agenda_item")
        .order_by("due_on")
    )


def conferences_between(*, start: dt.datetime, end: dt.datetime) -> QuerySet[Conference]:
    """Planned meetings from ``start`` up to ``end``, with their attendees."""
    return (
        Conference.objects.filter(
            status=ConferenceStatus.PLANNED, scheduled_at__gte=start, scheduled_at__lte=end
        )
        .prefetch_related("attendees")
        .order_by("scheduled_at")
    )
