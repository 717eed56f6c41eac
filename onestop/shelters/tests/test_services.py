"""The shelter services through their real code paths: placing, extending, moving, ending, the
waitlist, facilities and the sealed address. Every refusal writes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from onestop.accounts.models import Role, Staff
from onestop.audit.models import AuditEntry
from onestop.cases.errors import CaseNotFound
from onestop.cases.models import Case, CaseEvent, CaseStatus, CloseReason, EventKind, Notification
from onestop.cases.services import case_team_assign, case_transition
from onestop.conftest import run_pending_tasks
from onestop.consent.models import Disclosure
from onestop.core.errors import DomainError, ValidationFailed
from onestop.shelters.errors import (
    FacilityFull,
    FacilityNotFound,
    PlacementStateConflict,
    ShelterActionForbidden,
)
from onestop.shelters.models import (
    EndReason,
    ExtensionStatus,
    Facility,
    FacilityAddress,
    Placement,
    PlacementStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from onestop.shelters.services import (
    facility_address_reveal,
    facility_address_set,
    facility_create,
    facility_update,
    placement_end,
    placement_extension_decide,
    placement_extension_request,
    placement_move,
    placement_start,
    waitlist_add,
    waitlist_cancel,
)
from onestop.support.models import RequestStatus, ServiceKind, ServiceRequest
from onestop.support.services import service_request_create

from .conftest import ADDRESS, TODAY, day
from .helpers import consent_to_share, counts

pytestmark = pytest.mark.django_db


def place(
    case: Case,
    facility: Facility,
    request: ServiceRequest,
    actor: Staff,
    *,
    start: dt.date = TODAY,
    end: dt.date | None = None,
) -> Placement:
    return placement_start(
        actor=actor,
        case_id=case.pk,
        facility_id=facility.pk,
        service_request_id=request.pk,
        starts_on=start,
        planned_end_on=end or start + dt.timedelta(days=request.quantity_approved or 10),
    )


def refused(call: Callable[..., object], *args: Any, **kwargs: Any) -> DomainError:
    """Run a call that must be refused, and check that nothing was written."""
    before = counts()
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert counts() == before
    return caught.value


def field_messages(error) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in error.errors if isinstance(error, ValidationFailed) else [error]:
        found.setdefault(item.field or "", []).append(item.message)
    return found


# --- placing ------------------------------------------------------------------------------------


def test_placing_takes_a_bed_and_records_codes_only(case, manager, facility, approved):
    request = approved(case, days=20)

    placement = place(case, facility, request, manager, end=day(20))

    assert (placement.status, placement.starts_on, placement.planned_end_on) == (
        PlacementStatus.ACTIVE,
        TODAY,
        day(20),
    )
    assert placement.stay_starts_on == TODAY
    event = CaseEvent.objects.get(case=case, kind=EventKind.PLACEMENT)
    assert event.data == {
        "action": "placed",
        "placement": str(placement.pk),
        "facility": str(facility.pk),
        "facility_kind": "emergency",
        "request": str(request.pk),
        "starts_on": "2026-11-20",
        "planned_end_on": "2026-12-10",
        "pets": False,
    }
    entry = AuditEntry.objects.get(action="shelters.placement_start")
    assert entry.data["shared_with_facility"] is False  # no consent: only reference and dates


def test_placing_with_consent_discloses_to_the_shelter_agency(
    case, manager, facility, approved, shelter_agency
):
    consent_to_share(case, manager, shelter_agency)
    request = approved(case)

    place(case, facility, request, manager)

    disclosure = Disclosure.objects.get(case=case)
    assert disclosure.recipient_agency_id == shelter_agency.pk
    assert sorted(disclosure.data_categories) == ["contact", "identity", "risk"]
    assert disclosure.content_digest
    assert AuditEntry.objects.get(action="shelters.placement_start").data["shared_with_facility"]


def test_placing_in_a_facility_of_the_case_agency_is_no_disclosure(case, manager, agency, approved):
    # the one-stop center runs a shelter itself (set up directly: its supervisor is no shelter's)
    own = Facility.objects.create(
        agency=agency,
        name="센터 쉼터",
        kind="emergency",
        gender_served="any",
        capacity=2,
        region="seoul",
    )
    place(case, own, approved(case), manager)

    assert Disclosure.objects.count() == 0


def test_a_request_that_is_not_approved_cannot_be_placed(case, manager, facility):
    request = service_request_create(
        actor=manager,
        case_id=case.pk,
        service_kind=ServiceKind.SHELTER_EMERGENCY,
        quantity=10,
        starts_on=TODAY,
    )
    assert request.status == RequestStatus.REQUESTED

    error = refused(place, case, facility, request, manager, end=day(5))

    assert field_messages(error) == {
        "service_request": ["승인된 주거 지원 신청만 입소로 이어질 수 있습니다."]
    }


def test_every_problem_is_named_at_once(case, manager, make_facility, approved):
    long_term = approved(case, kind=ServiceKind.SHELTER_LONG_TERM, days=100)
    for_men = make_facility(gender_served="male")

    error = refused(
        placement_start,
        actor=manager,
        case_id=case.pk,
        facility_id=for_men.pk,
        service_request_id=long_term.pk,
        starts_on=day(-30),
        planned_end_on=None,
    )

    assert field_messages(error) == {
        "facility": [
            "이 신청(장기 주거 지원)은 장기 보호시설에만 입소할 수 있습니다.",
            "이 시설(남성 전용)은 피해자의 성별(여성)과 맞지 않습니다.",
        ],
        "starts_on": ["7일 전보다 앞선 날짜로는 기록할 수 없습니다."],
        "planned_end_on": ["퇴소 예정일을 고르세요."],
    }


def test_a_victim_whose_gender_is_unknown_fits_a_facility_for_anyone_only(
    manager, open_case, make_facility, approved
):
    case = open_case(manager, gender="unknown")
    request = approved(case)

    refused(place, case, make_facility(gender_served="female"), request, manager)
    placement = place(case, make_facility(gender_served="any"), request, manager)

    assert placement.status == PlacementStatus.ACTIVE


def test_pets_need_the_scheme_and_the_facility(case, manager, make_facility, approved):
    # the 2024 scheme (in force without program_30) allows pets
    request = approved(case, pets=True, days=30)
    assert request.policy.pets_allowed

    error = refused(place, case, make_facility(pets_allowed=False), request, manager)
    assert field_messages(error) == {"facility": ["이 시설은 반려동물과 함께 입소할 수 없습니다."]}

    placement = place(case, make_facility(pets_allowed=True), request, manager)
    assert placement.pets is True


def test_a_planned_end_past_the_program_limit_names_the_rule_and_the_limit(
    program_30, case, manager, facility, approved
):
    request = approved(case, days=30, starts_on=day(4))
    assert request.policy.max_days == 30

    error = refused(place, case, facility, request, manager, start=day(4), end=day(35))

    assert field_messages(error) == {
        "planned_end_on": [
            "이 사업의 긴급 주거 지원은 입소일로부터 최대 30일(2026-12-24 퇴소)까지입니다."
        ]
    }
    assert error.code == "policy_limit"


def test_a_planned_end_past_the_approved_days_is_refused(
    program_30, case, manager, facility, approved
):
    request = approved(case, days=20)

    error = refused(place, case, facility, request, manager, end=day(21))

    assert field_messages(error) == {
        "planned_end_on": [
            "승인된 주거 지원은 입소일로부터 20일(2026-12-10 퇴소)까지입니다. "
            "더 머물려면 연장을 요청하세요."
        ]
    }


def test_a_full_facility_refuses_clearly(case, manager, open_case, make_facility, approved):
    small = make_facility(capacity=1)
    other = open_case(manager, name="박서연", phone="010-2222-3333")
    place(other, small, approved(other), manager)

    error = refused(place, case, small, approved(case), manager)

    assert isinstance(error, FacilityFull)
    assert error.message == "'햇살의 집 1'에 빈 병상이 없습니다 (정원 1명)."
    assert error.status_code == 409


def test_an_arrival_to_come_holds_her_bed(case, manager, open_case, make_facility, approved):
    small = make_facility(capacity=1)
    other = open_case(manager, name="박서연", phone="010-2222-3333")
    place(other, small, approved(other, starts_on=day(10)), manager, start=day(10))

    assert isinstance(refused(place, case, small, approved(case), manager), FacilityFull)


def test_one_bed_at_a_time(case, manager, make_facility, approved):
    place(case, make_facility(), approved(case), manager)

    error = refused(place, case, make_facility(), approved(case), manager)

    assert field_messages(error)["facility"] == [
        "이미 입소 중(또는 입소 예정)인 시설이 있습니다. 옮기려면 '시설 이동'을 쓰세요."
    ]


def test_a_closed_case_is_not_placed(case, manager, facility, approved):
    request = approved(case)
    case_transition(
        case_id=case.pk,
        actor=manager,
        to_status=CaseStatus.CLOSED,
        close_reason=CloseReason.SUPPORT_COMPLETED,
    )

    assert isinstance(refused(place, case, facility, request, manager), PlacementStateConflict)


def test_who_may_place(case, manager, staff, facility, approved, shelter_staff, make_staff, agency):
    request = approved(case)
    counselor = staff[Role.HOTLINE_COUNSELOR]
    # not on the team: the case does not exist for her
    assert isinstance(refused(place, case, facility, request, counselor), CaseNotFound)
    # on the team, but not a case manager
    case_team_assign(case_id=case.pk, actor=manager, staff_id=counselor.pk, role="counselor")
    assert isinstance(refused(place, case, facility, request, counselor), ShelterActionForbidden)
    # the shelter's staff never see the case
    assert isinstance(refused(place, case, facility, request, shelter_staff), CaseNotFound)
    # the agency's supervisor may
    assert place(case, facility, request, staff[Role.SUPERVISOR]).pk


# --- extensions ---------------------------------------------------------------------------------


@pytest.fixture
def stay(program_30, case, manager, facility, approved):
    return place(case, facility, approved(case, days=20), manager, end=day(20))


def test_an_extension_within_the_limit_is_approved_by_another_supervisor(
    stay, case, manager, supervisor
):
    extension = placement_extension_request(
        actor=manager,
        case_id=case.pk,
        placement_id=stay.pk,
        requested_end_on=day(30),
        reason="새 거처 계약이 늦어짐",
    )
    placement_extension_decide(
        actor=supervisor, case_id=case.pk, extension_id=extension.pk, approve=True
    )

    stay.refresh_from_db()
    extension.refresh_from_db()
    assert (extension.status, extension.decided_by_id) == (ExtensionStatus.APPROVED, supervisor.pk)
    assert stay.planned_end_on == day(30)


def test_an_extension_past_the_limit_is_refused_naming_it(stay, case, manager):
    error = refused(
        placement_extension_request,
        actor=manager,
        case_id=case.pk,
        placement_id=stay.pk,
        requested_end_on=day(31),
        reason="더 머물러야 함",
    )

    assert field_messages(error) == {
        "requested_end_on": [
            "이 사업의 긴급 주거 지원은 입소일로부터 최대 30일(2026-12-20 퇴소)까지입니다."
        ]
    }


def test_no_self_approval(stay, case, supervisor, agency, make_staff):
    extension = placement_extension_request(
        actor=supervisor,
        case_id=case.pk,
        placement_id=stay.pk,
        requested_end_on=day(25),
        reason="치료 일정",
    )

    error = refused(
        placement_extension_decide,
        actor=supervisor,
        case_id=case.pk,
        extension_id=extension.pk,
        approve=True,
    )
    assert (type(error), error.code) == (ShelterActionForbidden, "self_approval")

    other = make_staff(agency, Role.SUPERVISOR, username="second-supervisor")
    placement_extension_decide(
        actor=other,
        case_id=case.pk,
        extension_id=extension.pk,
        approve=False,
        note="다음 주 재검토",
    )
    extension.refresh_from_db()
    stay.refresh_from_db()
    assert extension.status == ExtensionStatus.REFUSED
    assert stay.planned_end_on == day(20)


def test_a_case_manager_does_not_decide_extensions(stay, case, manager, supervisor, staff):
    extension = placement_extension_request(
        actor=supervisor,
        case_id=case.pk,
        placement_id=stay.pk,
        requested_end_on=day(25),
        reason="치료 일정",
    )

    error = refused(
        placement_extension_decide,
        actor=manager,
        case_id=case.pk,
        extension_id=extension.pk,
        approve=True,
    )
    assert isinstance(error, ShelterActionForbidden)


def test_one_pending_extension_at_a_time(stay, case, manager):
    placement_extension_request(
        actor=manager, case_id=case.pk, placement_id=stay.pk, requested_end_on=day(25), reason="a"
    )

    error = refused(
        placement_extension_request,
        actor=manager,
        case_id=case.pk,
        placement_id=stay.pk,
        requested_end_on=day(26),
        reason="b",
    )
    assert isinstance(error, PlacementStateConflict)


# --- moving and ending --------------------------------------------------------------------------


def test_a_move_ends_here_and_places_there_keeping_the_stay(
    stay, case, manager, make_facility, facility
):
    there = make_facility()
    pending = placement_extension_request(
        actor=manager, case_id=case.pk, placement_id=stay.pk, requested_end_on=day(25), reason="a"
    )

    moved = placement_move(
        actor=manager, case_id=case.pk, placement_id=stay.pk, facility_id=there.pk, moved_on=day(3)
    )

    stay.refresh_from_db()
    pending.refresh_from_db()
    assert (stay.status, stay.ended_on, stay.end_reason) == (
        PlacementStatus.ENDED,
        day(3),
        EndReason.MOVED,
    )
    assert (moved.facility_id, moved.starts_on, moved.planned_end_on, moved.stay_starts_on) == (
        there.pk,
        day(3),
        day(20),
        TODAY,
    )
    assert moved.moved_from_id == stay.pk
    assert pending.placement_id == moved.pk
    assert Placement.objects.filter(facility=facility, status=PlacementStatus.ACTIVE).count() == 0


def test_a_move_into_a_full_facility_changes_nothing(
    stay, case, manager, make_facility, open_case, approved
):
    full = make_facility(capacity=1)
    other = open_case(manager, name="박서연", phone="010-2222-3333")
    place(other, full, approved(other), manager, end=day(10))

    error = refused(
        placement_move,
        actor=manager,
        case_id=case.pk,
        placement_id=stay.pk,
        facility_id=full.pk,
        moved_on=day(2),
    )
    assert isinstance(error, FacilityFull)
    stay.refresh_from_db()
    assert stay.status == PlacementStatus.ACTIVE


def test_a_move_does_not_extend_the_stay(stay, case, manager, make_facility):
    error = refused(
        placement_move,
        actor=manager,
        case_id=case.pk,
        placement_id=stay.pk,
        facility_id=make_facility().pk,
        moved_on=day(2),
        planned_end_on=day(25),
    )
    assert field_messages(error) == {
        "planned_end_on": ["퇴소 예정일(2026-12-10)을 늦추려면 연장을 요청하세요."]
    }


def test_ending_frees_the_bed_and_cancels_a_pending_extension(stay, case, manager, at):
    pending = placement_extension_request(
        actor=manager, case_id=case.pk, placement_id=stay.pk, requested_end_on=day(25), reason="a"
    )

    placement_end(
        actor=manager, case_id=case.pk, placement_id=stay.pk, ended_on=TODAY, reason="departed"
    )

    stay.refresh_from_db()
    pending.refresh_from_db()
    assert (stay.status, stay.ended_on, stay.end_reason) == ("ended", TODAY, "departed")
    assert pending.status == ExtensionStatus.CANCELLED


def test_ending_checks_its_fields_at_once(stay, case, manager):
    error = refused(
        placement_end,
        actor=manager,
        case_id=case.pk,
        placement_id=stay.pk,
        ended_on=day(1),
        reason="other",
    )
    assert field_messages(error) == {
        "note": ["기타 사유를 적어 주세요."],
        "ended_on": ["퇴소일은 오늘 이전이어야 합니다."],
    }
    error = refused(
        placement_end,
        actor=manager,
        case_id=case.pk,
        placement_id=stay.pk,
        ended_on=TODAY,
        reason="moved",
    )
    assert field_messages(error) == {"reason": ["퇴소 사유를 고르세요."]}


def test_a_second_stay_under_the_same_request_counts_from_the_first_day(
    stay, case, manager, facility, at
):
    at(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC))
    placement_end(
        actor=manager, case_id=case.pk, placement_id=stay.pk, ended_on=day(5), reason="departed"
    )
    again = placement_start(
        actor=manager,
        case_id=case.pk,
        facility_id=facility.pk,
        service_request_id=stay.service_request_id,
        starts_on=day(5),
        planned_end_on=day(20),
    )
    assert again.stay_starts_on == TODAY
    error = refused(
        placement_extension_request,
        actor=manager,
        case_id=case.pk,
        placement_id=again.pk,
        requested_end_on=day(31),
        reason="a",
    )
    assert "2026-12-20" in error.message


# --- the waitlist and a freed bed ---------------------------------------------------------------


def test_a_freed_bed_tells_the_team_of_each_waiting_case_that_fits(
    case, manager, open_case, make_facility, approved, staff, agency, make_staff
):
    small = make_facility(capacity=1)
    resident = open_case(manager, name="박서연", phone="010-2222-3333")
    stay = place(resident, small, approved(resident), manager)
    waiting_manager = make_staff(agency, Role.CASE_MANAGER, username="waiting-manager")
    waiting_case = open_case(waiting_manager, name="최유나", phone="010-4444-5555")
    entry = waitlist_add(
        actor=waiting_manager,
        case_id=waiting_case.pk,
        service_request_id=approved(waiting_case, requester=waiting_manager).pk,
    )
    man = open_case(manager, name="김민수", phone="010-6666-7777", gender="male")
    waitlist_add(actor=manager, case_id=man.pk, service_request_id=approved(man).pk)
    run_pending_tasks()
    before = Notification.objects.count()

    placement_end(
        actor=manager, case_id=resident.pk, placement_id=stay.pk, ended_on=TODAY, reason="departed"
    )
    run_pending_tasks()

    notices = Notification.objects.filter(kind="shelter_bed_free")
    assert [(n.recipient_id, n.case_id) for n in notices] == [(waiting_manager.pk, waiting_case.pk)]
    reminder = notices[0].reminder
    assert reminder is not None
    assert reminder.text.startswith("%(reference)s")
    assert reminder.data == {
        "reference": waiting_case.reference,
        "facility_kind": "emergency",
    }
    assert Notification.objects.count() == before + 1
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.WAITING  # she still has to be placed


def test_placing_a_waiting_case_closes_its_entry(case, manager, facility, approved):
    request = approved(case)
    entry = waitlist_add(actor=manager, case_id=case.pk, service_request_id=request.pk)

    placement = place(case, facility, request, manager)

    entry.refresh_from_db()
    assert (entry.status, entry.placement_id) == (WaitlistStatus.PLACED, placement.pk)


def test_the_waitlist_refuses_twice_and_cancels(case, manager, approved):
    request = approved(case)
    entry = waitlist_add(actor=manager, case_id=case.pk, service_request_id=request.pk)
    assert (entry.kind, entry.gender, entry.pets) == ("emergency", "female", False)

    error = refused(waitlist_add, actor=manager, case_id=case.pk, service_request_id=request.pk)
    assert field_messages(error) == {"service_request": ["이미 대기자 명단에 있습니다."]}

    waitlist_cancel(actor=manager, case_id=case.pk, entry_id=entry.pk)
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.CANCELLED
    assert WaitlistEntry.objects.filter(status="waiting").count() == 0


# --- facilities and their addresses -------------------------------------------------------------


def test_facilities_are_created_by_the_operating_agency_supervisor(
    shelter_supervisor, shelter_staff, supervisor
):
    facility = facility_create(
        actor=shelter_supervisor,
        name="푸른 숲",
        kind="long_term",
        gender_served="any",
        capacity=6,
        pets_allowed=True,
        region="seoul",
        address=ADDRESS,
    )
    assert (facility.agency_id, facility.capacity) == (shelter_supervisor.agency_id, 6)
    assert FacilityAddress.objects.get(facility=facility).address == ADDRESS
    entry = AuditEntry.objects.get(action="shelters.facility_create")
    assert ADDRESS not in str(entry.data)

    kwargs = {
        "name": "다른 집",
        "kind": "emergency",
        "gender_served": "female",
        "capacity": 3,
        "pets_allowed": False,
        "region": "seoul",
        "address": ADDRESS,
    }
    assert isinstance(
        refused(facility_create, actor=shelter_staff, **kwargs), ShelterActionForbidden
    )
    # a one-stop center's supervisor runs no shelter: the board does not exist for her
    assert isinstance(refused(facility_create, actor=supervisor, **kwargs), FacilityNotFound)


def test_a_facility_checks_its_fields_at_once(shelter_supervisor, facility):
    error = refused(
        facility_create,
        actor=shelter_supervisor,
        name=facility.name,
        kind="hotel",
        gender_served="",
        capacity=0,
        pets_allowed=False,
        region="mars",
        address="",
    )
    assert sorted(field_messages(error)) == [
        "address",
        "capacity",
        "gender_served",
        "kind",
        "name",
        "region",
    ]


def test_capacity_never_drops_below_the_beds_taken(
    facility, shelter_supervisor, case, manager, approved, open_case
):
    place(case, facility, approved(case), manager)
    other = open_case(manager, name="박서연", phone="010-2222-3333")
    place(other, facility, approved(other), manager)

    error = refused(
        facility_update,
        actor=shelter_supervisor,
        facility_id=facility.pk,
        capacity=1,
        pets_allowed=False,
        active=True,
    )
    assert field_messages(error) == {
        "capacity": ["입소 중이거나 입소 예정인 2명보다 정원을 줄일 수 없습니다."]
    }
    facility_update(
        actor=shelter_supervisor,
        facility_id=facility.pk,
        capacity=2,
        pets_allowed=True,
        active=False,
    )
    facility.refresh_from_db()
    assert (facility.capacity, facility.pets_allowed, facility.active) == (2, True, False)


def test_an_inactive_facility_takes_nobody(facility, shelter_supervisor, case, manager, approved):
    facility_update(
        actor=shelter_supervisor,
        facility_id=facility.pk,
        capacity=10,
        pets_allowed=False,
        active=False,
    )
    error = refused(place, case, facility, approved(case), manager)
    assert field_messages(error) == {"facility": ["지금 운영하지 않는 시설입니다."]}


def test_the_address_is_revealed_to_facility_staff_audited(facility, shelter_staff):
    assert facility_address_reveal(actor=shelter_staff, facility_id=facility.pk) == ADDRESS

    entry = AuditEntry.objects.get(action="shelters.facility_address_reveal")
    assert entry.data == {"facility": str(facility.pk), "case": "", "recorded": True}
    assert entry.actor_id == shelter_staff.pk


def test_the_address_is_revealed_to_the_case_team_while_she_holds_a_bed(
    case, manager, facility, approved
):
    # before she is placed there, nobody of the case team may read it
    assert isinstance(
        refused(facility_address_reveal, actor=manager, facility_id=facility.pk, case_id=case.pk),
        ShelterActionForbidden,
    )
    stay = place(case, facility, approved(case), manager)

    assert (
        facility_address_reveal(actor=manager, facility_id=facility.pk, case_id=case.pk) == ADDRESS
    )

    placement_end(
        actor=manager, case_id=case.pk, placement_id=stay.pk, ended_on=TODAY, reason="departed"
    )
    assert isinstance(
        refused(facility_address_reveal, actor=manager, facility_id=facility.pk, case_id=case.pk),
        ShelterActionForbidden,
    )


def test_the_address_is_not_for_other_agencies_nor_the_counselor(
    case, manager, facility, approved, staff, make_staff, other_agency
):
    place(case, facility, approved(case), manager)
    counselor = staff[Role.HOTLINE_COUNSELOR]
    case_team_assign(case_id=case.pk, actor=manager, staff_id=counselor.pk, role="counselor")
    other_shelter = make_staff(other_agency, Role.SHELTER_STAFF, username="other-shelter")

    assert isinstance(
        refused(facility_address_reveal, actor=counselor, facility_id=facility.pk, case_id=case.pk),
        ShelterActionForbidden,
    )
    assert isinstance(
        refused(facility_address_reveal, actor=other_shelter, facility_id=facility.pk),
        FacilityNotFound,
    )
    assert isinstance(
        refused(facility_address_reveal, actor=staff[Role.SUPERVISOR], facility_id=facility.pk),
        FacilityNotFound,
    )


def test_changing_the_address_audits_that_it_changed_not_what(facility, shelter_supervisor):
    facility_address_set(actor=shelter_supervisor, facility_id=facility.pk, address="새 주소 1")

    assert FacilityAddress.objects.get(facility=facility).address == "새 주소 1"
    entry = AuditEntry.objects.get(action="shelters.facility_address_set")
    assert entry.data == {"facility": str(facility.pk)}


def test_service_requests_of_another_case_are_not_placed(
    case, manager, open_case, facility, approved
):
    other = open_case(manager, name="박서연", phone="010-2222-3333")
    foreign = approved(other)

    error = refused(place, case, facility, foreign, manager)

    assert field_messages(error) == {"service_request": ["이 사례의 주거 지원 신청이 아닙니다."]}
    assert ServiceRequest.objects.filter(case=case).count() == 0
    assert Facility.objects.count() == 1
