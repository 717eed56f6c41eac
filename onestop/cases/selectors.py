"""Every read of case data. Each function filters by what the user may see; anything outside
answers ``CaseNotFound`` (404), so a case's existence does not leak."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from onestop.accounts.models import Role, Staff
from onestop.cases.errors import CaseNotFound
from onestop.cases.models import (
    Case,
    CaseEvent,
    CaseStatus,
    CaseTeamMember,
    Incident,
    Notification,
    ProtectiveMeasure,
    ProtectiveMeasureExtension,
    TeamRole,
)
from onestop.cases.permissions import is_active_staff, visible_cases_filter
from onestop.cases.protection import TERM_RULES
from onestop.cases.reminders import DueReminder
from onestop.core import clock
from onestop.core.errors import DomainError
from onestop.core.phone import normalize_phone
from onestop.people.identity import phone_index

REFERENCE_RE = re.compile(r"^[A-Z]{1,5}-\d{4}-\d{1,6}$")


def case_list_for_user(*, user: Staff) -> QuerySet[Case]:
    return (
        Case.objects.filter(visible_cases_filter(user))
        .distinct()
        .select_related("victim", "agency")
        .order_by("-opened_at")
    )


def case_get_for_user(*, user: Staff, case_id: UUID | str) -> Case:
    try:
        key = case_id if isinstance(case_id, UUID) else UUID(str(case_id))
        return case_list_for_user(user=user).get(pk=key)
    except (Case.DoesNotExist, ValueError) as exc:
        raise CaseNotFound(_("사례를 찾을 수 없습니다.")) from exc


def case_search_for_user(*, user: Staff, query: str) -> QuerySet[Case]:
    """By case reference (whole or the number part) or by the victim's phone, any notation."""
    cases = case_list_for_user(user=user)
    text = query.strip()
    if not text:
        return cases.none()
    if REFERENCE_RE.match(text.upper()):
        return cases.filter(reference=text.upper())
    if text.isdigit() and len(text) <= 6:
        return cases.filter(reference__endswith="-" + text.zfill(6))
    try:
        e164 = normalize_phone(text)
    except DomainError:
        return cases.none()
    return cases.filter(victim__phone_index=phone_index(e164))


def case_team(*, case: Case) -> list[CaseTeamMember]:
    return list(case.team.select_related("staff").order_by("role", "created_at"))


def case_timeline(*, case: Case, limit: int = 500) -> list[CaseEvent]:
    return list(case.events.select_related("actor").order_by("-at", "-created_at")[:limit])


@dataclass(frozen=True)
class Dashboard:
    my_cases: list[Case]
    new_intakes: list[Case]
    unassigned: list[Case]
    notifications: list[Notification]


def dashboard_for_user(*, user: Staff, limit: int = 50) -> Dashboard:
    if not is_active_staff(user):
        return Dashboard([], [], [], [])
    mine = (
        Case.objects.filter(team__staff=user, agency_id=user.agency_id)
        .exclude(status=CaseStatus.CLOSED)
        .select_related("victim")
        .order_by("-opened_at")
    )
    my_cases = list(mine.exclude(status=CaseStatus.RECEIVED)[:limit])
    new_intakes = list(mine.filter(status=CaseStatus.RECEIVED)[:limit])
    unassigned: list[Case] = []
    if user.role == Role.SUPERVISOR:
        has_lead = CaseTeamMember.objects.filter(case=OuterRef("pk"), role=TeamRole.LEAD)
        unassigned = list(
            Case.objects.filter(agency_id=user.agency_id)
            .exclude(status=CaseStatus.CLOSED)
            .filter(~Exists(has_lead))
            .select_related("victim")
            .order_by("opened_at")[:limit]
        )
    notifications = list(
        Notification.objects.filter(recipient=user, read_at__isnull=True)
        .select_related("case", "reminder")
        .order_by("-created_at")[:20]
    )
    return Dashboard(my_cases, new_intakes, unassigned, notifications)


def assignable_staff_for_case(*, case: Case) -> QuerySet[Staff]:
    """Active staff of the case's agency who could join its team."""
    return Staff.objects.filter(
        agency_id=case.agency_id,
        is_active=True,
        role__in=[Role.CASE_MANAGER, Role.SUPERVISOR, Role.HOTLINE_COUNSELOR, Role.EXPERT],
    ).order_by("role", "username")


# --- incidents and protective measures (the case was read through case_get_for_user) ----------

# A measure this close to its end is shown as ending soon, and its team is reminded.
ENDING_SOON_DAYS = 7


@dataclass(frozen=True)
class MeasureRow:
    measure: ProtectiveMeasure
    state: str  # upcoming, active, ending_soon, ended, expired
    days_left: int | None
    extensions: list[ProtectiveMeasureExtension]
    breaches: int
    can_extend: bool


def _measure_state(measure: ProtectiveMeasure, today: dt.date) -> tuple[str, int | None]:
    if measure.ended_on is not None:
        return "ended", None
    if measure.starts_on > today:
        return "upcoming", None
    if measure.ends_on is None:
        return "active", None
    left = (measure.ends_on - today).days
    if left < 0:
        return "expired", None
    return ("ending_soon" if left <= ENDING_SOON_DAYS else "active"), left


def protective_measures_for_case(*, case: Case, today: dt.date) -> list[MeasureRow]:
    measures = (
        ProtectiveMeasure.objects.filter(case=case)
        .prefetch_related("extensions", "breaches")
        .order_by("-starts_on", "-created_at")
    )
    rows = []
    for measure in measures:
        state, left = _measure_state(measure, today)
        extensions = list(measure.extensions.all())
        rows.append(
            MeasureRow(
                measure=measure,
                state=state,
                days_left=left,
                extensions=extensions,
                breaches=len(measure.breaches.all()),
                can_extend=state in ("active", "ending_soon", "upcoming")
                and len(extensions) < TERM_RULES[measure.kind].extensions,
            )
        )
    return rows


def incidents_for_case(*, case: Case, limit: int = 100) -> list[Incident]:
    return list(
        Incident.objects.filter(case=case)
        .select_related("measure", "recorded_by")
        .order_by("-occurred_at")[:limit]
    )


def incident_count_since(*, case: Case, since: dt.datetime) -> int:
    return Incident.objects.filter(case=case, occurred_at__gte=since).count()


def measures_ending_soon(now: dt.datetime) -> Iterator[DueReminder]:
    """Measures of open cases that end within 7 days (the team hears once per end date; an
    extension moves the end and brings a new reminder)."""
    today = now.astimezone(clock.SEOUL).date()
    ending = (
        ProtectiveMeasure.objects.filter(
            ended_on__isnull=True,
            ends_on__gte=today,
            ends_on__lte=today + dt.timedelta(days=ENDING_SOON_DAYS),
        )
        .exclude(case__status=CaseStatus.CLOSED)
        .select_related("case")
        .order_by("ends_on")
    )
    for measure in ending:
        if measure.ends_on is None:  # (excluded by the query; for the type checker)
            continue
        warn_on = measure.ends_on - dt.timedelta(days=ENDING_SOON_DAYS)
        yield DueReminder(
            key=f"measure_ending:{measure.pk}:{measure.ends_on.isoformat()}",
            kind="measure_ending",
            due_at=dt.datetime.combine(warn_on, dt.time(9), tzinfo=clock.SEOUL),
            text=gettext_noop("%(reference)s: %(measure)s이(가) %(ends_on)s에 끝납니다."),
            link=reverse("cases:detail", args=[measure.case_id]),
            case_id=measure.case_id,
            team_of_case=True,
            data={
                "reference": measure.case.reference,
                "measure_kind": measure.kind,
                "ends_on": measure.ends_on.isoformat(),
            },
        )
