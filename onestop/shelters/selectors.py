"""Every read of facilities, placements and the waitlist. The board shows an agency's own
facilities to its shelter staff and supervisors (anyone else: 404); a case's placements are read
for a case already fetched through ``cases.selectors.case_get_for_user``. No reader here ever
touches a facility's sealed address: only ``services.facility_address_reveal`` does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from uuid import UUID

from django.db.models import Count, Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from onestop.accounts.models import Staff
from onestop.cases.models import Case, CaseStatus
from onestop.cases.reminders import DueReminder
from onestop.core import clock
from onestop.shelters.errors import FacilityNotFound, PlacementNotFound
from onestop.shelters.models import (
    ExtensionStatus,
    Facility,
    Placement,
    PlacementExtension,
    PlacementStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from onestop.shelters.permissions import board_facilities_filter
from onestop.shelters.rules import FACILITY_KIND_OF, gender_fits, pets_fit
from onestop.support.models import SHELTER_KINDS, RequestStatus, ServiceRequest

# A departure this close is "due" on the board, and its case team is reminded.
DEPARTURE_DUE_DAYS = 7


def occupied_beds(facility_id: UUID) -> int:
    """Beds taken in the facility: its active placements (arrivals to come included)."""
    return Placement.objects.filter(facility_id=facility_id, status=PlacementStatus.ACTIVE).count()


def occupancy_of(facility_ids: Iterable[UUID]) -> dict[UUID, int]:
    """Beds taken, by facility (one query)."""
    counts = (
        Placement.objects.filter(facility_id__in=list(facility_ids), status=PlacementStatus.ACTIVE)
        .values("facility_id")
        .annotate(taken=Count("pk"))
        .order_by()
    )
    return {row["facility_id"]: row["taken"] for row in counts}


# --- facilities ---------------------------------------------------------------------------------


def facility_get_for_board(*, user: Staff, facility_id: UUID | str) -> Facility:
    """A facility of the user's own agency, for its shelter staff and supervisors; else 404."""
    try:
        key = facility_id if isinstance(facility_id, UUID) else UUID(str(facility_id))
        return Facility.objects.filter(board_facilities_filter(user)).get(pk=key)
    except (Facility.DoesNotExist, ValueError) as exc:
        raise FacilityNotFound(_("보호시설을 찾을 수 없습니다.")) from exc


@dataclass(frozen=True)
class FacilityFit:
    facility: Facility
    occupied: int

    @property
    def free(self) -> int:
        return max(self.facility.capacity - self.occupied, 0)


def shelter_requests_open(*, case: Case) -> list[ServiceRequest]:
    """The case's approved shelter requests that no placement delivers now."""
    busy = Placement.objects.filter(case=case, status=PlacementStatus.ACTIVE).values(
        "service_request_id"
    )
    return list(
        ServiceRequest.objects.filter(
            case=case, service_kind__in=SHELTER_KINDS, status=RequestStatus.APPROVED
        )
        .exclude(pk__in=busy)
        .select_related("policy", "policy__program")
        .order_by("-requested_at")
    )


def facilities_fitting(
    *, case: Case, request: ServiceRequest, region: str = ""
) -> list[FacilityFit]:
    """Active facilities of the request's kind that take the victim (gender), her pets (when the
    program and the facility allow them) and have a free bed; her agency's region first."""
    kind = FACILITY_KIND_OF.get(request.service_kind)
    if kind is None or request.policy is None:
        return []
    query = Facility.objects.filter(active=True, kind=kind).select_related("agency")
    if region:
        query = query.filter(region=region)
    policy_pets = bool(request.policy.pets_allowed)
    facilities = [
        facility
        for facility in query
        if gender_fits(case.victim.gender, facility.gender_served)
        and pets_fit(
            pets=request.pets, policy_allows=policy_pets, facility_allows=facility.pets_allowed
        )
    ]
    taken = occupancy_of(f.pk for f in facilities)
    fits = [
        FacilityFit(facility, taken.get(facility.pk, 0))
        for facility in facilities
        if taken.get(facility.pk, 0) < facility.capacity
    ]
    home = case.agency.region
    fits.sort(key=lambda fit: (fit.facility.region != home, -fit.free, fit.facility.name))
    return fits


def move_targets(*, placement: Placement) -> list[FacilityFit]:
    """Where this placement's resident could move: facilities that fit her request, but this."""
    return [
        fit
        for fit in facilities_fitting(case=placement.case, request=placement.service_request)
        if fit.facility.pk != placement.facility_id
    ]


# --- a case's placements ------------------------------------------------------------------------


@dataclass(frozen=True)
class CasePlacements:
    placements: list[Placement]
    waitlist: list[WaitlistEntry]
    open_requests: list[ServiceRequest]

    @property
    def active(self) -> Placement | None:
        return next((p for p in self.placements if p.status == PlacementStatus.ACTIVE), None)


def placements_for_case(*, case: Case) -> CasePlacements:
    placements = list(
        Placement.objects.filter(case=case)
        .select_related("facility", "service_request", "service_request__policy")
        .prefetch_related(
            Prefetch(
                "extensions",
                queryset=PlacementExtension.objects.select_related(
                    "requested_by", "decided_by"
                ).order_by("-requested_at"),
            )
        )
        .order_by("-starts_on", "-placed_at")
    )
    waitlist = list(
        WaitlistEntry.objects.filter(case=case)
        .select_related("service_request")
        .order_by("-requested_at")
    )
    return CasePlacements(placements, waitlist, shelter_requests_open(case=case))


def placement_of_case(*, case: Case, placement_id: UUID | str) -> Placement:
    """A placement of this (visible) case; else 404."""
    try:
        key = placement_id if isinstance(placement_id, UUID) else UUID(str(placement_id))
        return Placement.objects.select_related(
            "facility", "case", "case__victim", "case__agency", "service_request__policy"
        ).get(case=case, pk=key)
    except (Placement.DoesNotExist, ValueError) as exc:
        raise PlacementNotFound(_("입소 기록을 찾을 수 없습니다.")) from exc


# --- the occupancy board ------------------------------------------------------------------------


@dataclass
class WaitingRow:
    entry: WaitlistEntry
    # names of the user's facilities that fit her and have a bed free now
    free_fits: list[str]
    fits: list[str]


@dataclass
class FacilityRow:
    facility: Facility
    occupied: int
    residents: list[Placement] = field(default_factory=list)
    arrivals: list[Placement] = field(default_factory=list)
    departures_due: list[Placement] = field(default_factory=list)
    pending_extensions: list[PlacementExtension] = field(default_factory=list)

    @property
    def free(self) -> int:
        return max(self.facility.capacity - self.occupied, 0)


@dataclass
class Board:
    facilities: list[FacilityRow]
    waitlist: list[WaitingRow]
    today: dt.date

    @property
    def placements(self) -> Iterator[Placement]:
        for row in self.facilities:
            yield from row.residents
            yield from row.arrivals


def entry_fits(entry: WaitlistEntry, facility: Facility) -> bool:
    return (
        facility.active
        and entry.kind == facility.kind
        and gender_fits(entry.gender, facility.gender_served)
        and (not entry.pets or facility.pets_allowed)
    )


def occupancy_board(*, user: Staff, today: dt.date) -> Board:
    """The user's agency's facilities: beds, occupied, free; who stays and who arrives;
    departures due within 7 days; extensions waiting for a decision; the waitlist — cases that
    fit a facility with a free bed first. A fixed number of queries, whatever the numbers."""
    facilities = list(
        Facility.objects.filter(board_facilities_filter(user)).order_by("-active", "name")
    )
    taken = occupancy_of(f.pk for f in facilities)
    rows = {f.pk: FacilityRow(f, taken.get(f.pk, 0)) for f in facilities}
    active = (
        Placement.objects.filter(facility_id__in=rows, status=PlacementStatus.ACTIVE)
        .select_related("facility__agency", "case__victim", "case__agency")
        .order_by("starts_on", "placed_at")
    )
    due_by = today + dt.timedelta(days=DEPARTURE_DUE_DAYS)
    for placement in active:
        row = rows[placement.facility_id]
        if placement.starts_on > today:
            row.arrivals.append(placement)
        else:
            row.residents.append(placement)
            if placement.planned_end_on <= due_by:
                row.departures_due.append(placement)
    pending = (
        PlacementExtension.objects.filter(
            placement__facility_id__in=rows, status=ExtensionStatus.REQUESTED
        )
        .select_related("placement", "placement__case")
        .order_by("requested_at")
    )
    for extension in pending:
        rows[extension.placement.facility_id].pending_extensions.append(extension)
    waiting: list[WaitingRow] = []
    if facilities:
        kinds = {f.kind for f in facilities if f.active}
        entries = (
            WaitlistEntry.objects.filter(status=WaitlistStatus.WAITING, kind__in=kinds)
            .select_related("case")
            .order_by("requested_at")
        )
        for entry in entries:
            fitting = [f for f in facilities if entry_fits(entry, f)]
            if fitting:
                free = [f.name for f in fitting if rows[f.pk].free > 0]
                waiting.append(WaitingRow(entry, free, [f.name for f in fitting]))
        # a bed that fits her is free: she comes first (then the longest waiting)
        waiting.sort(key=lambda w: (not w.free_fits, w.entry.requested_at))
    return Board(list(rows.values()), waiting, today)


def waiting_entries_fitting(*, facility: Facility) -> list[WaitlistEntry]:
    """Waiting cases that fit this facility, the longest waiting first."""
    entries = (
        WaitlistEntry.objects.filter(status=WaitlistStatus.WAITING, kind=facility.kind)
        .exclude(case__status=CaseStatus.CLOSED)
        .select_related("case")
        .order_by("requested_at")
    )
    return [entry for entry in entries if entry_fits(entry, facility)]


# --- reminders ----------------------------------------------------------------------------------


def departures_due(now: dt.datetime) -> Iterator[DueReminder]:
    """Stays of open cases whose departure day is within 7 days: the case team hears once per
    departure day (an extension moves it, and brings a new reminder). Names the case reference,
    never the facility or its address."""
    today = now.astimezone(clock.SEOUL).date()
    due = (
        Placement.objects.filter(
            status=PlacementStatus.ACTIVE,
            planned_end_on__gte=today,
            planned_end_on__lte=today + dt.timedelta(days=DEPARTURE_DUE_DAYS),
        )
        .exclude(case__status=CaseStatus.CLOSED)
        .select_related("case")
        .order_by("planned_end_on")
    )
    for placement in due:
        warn_on = placement.planned_end_on - dt.timedelta(days=DEPARTURE_DUE_DAYS)
        yield DueReminder(
            key=f"placement_departure:{placement.pk}:{placement.planned_end_on.isoformat()}",
            kind="placement_departure",
            due_at=dt.datetime.combine(warn_on, dt.time(9), tzinfo=clock.SEOUL),
            text=gettext_noop("%(reference)s: 보호시설 퇴소 예정일은 %(ends_on)s입니다."),
            link=reverse("cases:detail", args=[placement.case_id]) + "#shelters",
            case_id=placement.case_id,
            team_of_case=True,
            data={
                "reference": placement.case.reference,
                "ends_on": placement.planned_end_on.isoformat(),
            },
        )
