"""The shelter pages through the real views: a permission matrix for the board, the facility
forms, the address reveals and every case-panel POST (each role, own agency and another; 404 for
whoever may not see), refusals that show the form again with its errors and the input kept and
write nothing, the board's consent gate, and its query count."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from onestop.accounts.models import Role, Staff
from onestop.accounts.services import agency_add
from onestop.cases.models import Case
from onestop.cases.services import case_team_assign, case_transition
from onestop.consent.models import Disclosure
from onestop.consent.services import consent_withdraw
from onestop.shelters.models import Facility, Placement, PlacementExtension, WaitlistEntry
from onestop.shelters.services import placement_extension_request, placement_start
from onestop.support.models import ServiceRequest

from .conftest import ADDRESS, TODAY, day
from .helpers import consent_to_share, counts

pytestmark = [pytest.mark.django_db, pytest.mark.urls("onestop.shelters.tests.urls")]


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def place(
    case: Case,
    facility: Facility,
    request: ServiceRequest,
    actor: Staff | None = None,
    *,
    end: dt.date | None = None,
) -> Placement:
    return placement_start(
        actor=actor or request.requested_by,
        case_id=case.pk,
        facility_id=facility.pk,
        service_request_id=request.pk,
        starts_on=TODAY,
        planned_end_on=end or day(10),
    )


@pytest.fixture
def other_shelter(make_staff):
    agency = agency_add(
        actor=None, code="busan-shelter", kind="shelter", name="부산 쉼터", region="busan"
    )
    return {
        Role.SHELTER_STAFF: make_staff(agency, Role.SHELTER_STAFF, username="busan-shelter-staff"),
        Role.SUPERVISOR: make_staff(agency, Role.SUPERVISOR, username="busan-shelter-supervisor"),
    }


@pytest.fixture
def people(staff, shelter_staff, shelter_supervisor, other_shelter, make_staff, other_agency):
    """Everyone of the matrix, by a label."""
    found: dict[str, Any] = {f"center-{role}": user for role, user in staff.items()}
    found["shelter-shelter_staff"] = shelter_staff
    found["shelter-supervisor"] = shelter_supervisor
    found["shelter-provider"] = make_staff(
        shelter_staff.agency, Role.PROVIDER, username="shelter-provider"
    )
    found["other-shelter-shelter_staff"] = other_shelter[Role.SHELTER_STAFF]
    found["other-shelter-supervisor"] = other_shelter[Role.SUPERVISOR]
    found["other-center-supervisor"] = make_staff(
        other_agency, Role.SUPERVISOR, username="busan-center-supervisor"
    )
    found["other-center-case_manager"] = make_staff(
        other_agency, Role.CASE_MANAGER, username="busan-center-manager"
    )
    return found


# --- the board and the facility pages -----------------------------------------------------------

BOARD_SEES = {
    "shelter-shelter_staff",
    "shelter-supervisor",
    "other-shelter-shelter_staff",
    "other-shelter-supervisor",
}
OWN_FACILITY = {"shelter-shelter_staff", "shelter-supervisor"}


def test_board_and_facility_matrix(people, facility):
    for label, user in people.items():
        client = logged_in(user)
        board = client.get(reverse("shelters:board"))
        assert board.status_code == (200 if label in BOARD_SEES else 404), label
        if board.status_code == 200:
            assert (facility.name in board.content.decode()) is (label in OWN_FACILITY), label
            assert ADDRESS not in board.content.decode()
            assert board["Cache-Control"] == "no-store"
        dashboard = client.get(reverse("cases:dashboard")).content.decode()
        assert (reverse("shelters:board") in dashboard) is (label in BOARD_SEES), label
        reveal = client.post(reverse("shelters:facility_address", args=[facility.pk]))
        assert reveal.status_code == (200 if label in OWN_FACILITY else 404), label
        assert (ADDRESS in reveal.content.decode()) is (label in OWN_FACILITY), label
        new_page = client.get(reverse("shelters:facility_new"))
        manages = label in {"shelter-supervisor", "other-shelter-supervisor"}
        assert new_page.status_code == (200 if manages else 404), label
        edit = client.post(
            reverse("shelters:facility_edit", args=[facility.pk]),
            {"capacity": "10", "active": "on"},
        )
        expected = 302 if label == "shelter-supervisor" else 404
        if label == "shelter-shelter_staff":
            expected = 403
        assert edit.status_code == expected, label


def test_a_facility_is_added_from_its_page_and_a_refusal_keeps_the_input(shelter_supervisor):
    client = logged_in(shelter_supervisor)
    data = {
        "name": "새벽의 집",
        "kind": "emergency",
        "gender_served": "female",
        "capacity": "0",
        "region": "seoul",
        "address": ADDRESS,
    }
    before = counts()

    refused = client.post(reverse("shelters:facility_new"), data)

    assert refused.status_code == 422
    assert "정원은 1명 이상입니다." in refused.content.decode()
    assert 'value="새벽의 집"' in refused.content.decode()
    assert counts() == before

    done = client.post(reverse("shelters:facility_new"), {**data, "capacity": "4"})
    assert (done.status_code, done["Location"]) == (302, reverse("shelters:board"))
    page = client.get(reverse("shelters:board")).content.decode()
    assert "새벽의 집" in page
    assert ADDRESS not in page


# --- the case panel -----------------------------------------------------------------------------


@pytest.fixture
def world(case, manager, staff, facility, make_facility, approved):
    """A case with a stay in ``facility``, a pending extension asked by its lead, a second
    facility to move to, and a team counselor."""
    counselor = staff[Role.HOTLINE_COUNSELOR]
    case_team_assign(case_id=case.pk, actor=manager, staff_id=counselor.pk, role="counselor")
    stay = place(case, facility, approved(case, days=20))
    extension = placement_extension_request(
        actor=manager, case_id=case.pk, placement_id=stay.pk, requested_end_on=day(15), reason="a"
    )
    return {"case": case, "stay": stay, "extension": extension, "there": make_facility()}


def _case_endpoints(w: dict[str, Any]) -> dict[str, tuple[str, dict[str, str]]]:
    case, stay = w["case"], w["stay"]
    return {
        "extend": (
            reverse("shelters:case_extend", args=[case.pk, stay.pk]),
            {"requested_end_on": "2026-12-05", "reason": "b"},
        ),
        "decide": (
            reverse("shelters:case_extension_decide", args=[case.pk, w["extension"].pk]),
            {"approve": "yes"},
        ),
        "move": (
            reverse("shelters:case_move", args=[case.pk, stay.pk]),
            {"facility": str(w["there"].pk), "moved_on": "2026-11-21"},
        ),
        "end": (
            reverse("shelters:case_end", args=[case.pk, stay.pk]),
            {"ended_on": "2026-11-20", "reason": "departed"},
        ),
    }


# who, on the case of the one-stop center whose lead is its case manager: 404 outside the case,
# 403 for a team member who may not do it
VISIBLE = {"center-case_manager", "center-supervisor", "center-hotline_counselor"}


def expected(label: str, action: str) -> int:
    if label not in VISIBLE:
        return 404
    if action == "decide":
        return 302 if label == "center-supervisor" else 403
    if action == "extend":
        # one pending extension at a time: a second is a conflict for those who may ask
        return 403 if label == "center-hotline_counselor" else 409
    return 403 if label == "center-hotline_counselor" else 302


@pytest.mark.parametrize("action", ["extend", "decide", "move", "end"])
def test_case_panel_posts_matrix(people, world, action):
    url, data = _case_endpoints(world)[action]
    for label, user in people.items():
        before = counts()
        with transaction.atomic():  # each user meets the same state
            response = logged_in(user).post(url, data)
            assert response.status_code == expected(label, action), label
            if response.status_code != 302:
                assert counts() == before, label
            transaction.set_rollback(True)


def test_place_and_waitlist_matrix(people, case, manager, staff, facility, approved):
    counselor = staff[Role.HOTLINE_COUNSELOR]
    case_team_assign(case_id=case.pk, actor=manager, staff_id=counselor.pk, role="counselor")
    request = approved(case)
    posts = {
        "place": (
            reverse("shelters:case_place", args=[case.pk]),
            {
                "service_request": str(request.pk),
                "facility": str(facility.pk),
                "starts_on": "2026-11-20",
                "planned_end_on": "2026-11-30",
            },
        ),
        "waitlist": (
            reverse("shelters:case_waitlist", args=[case.pk]),
            {"service_request": str(request.pk)},
        ),
    }
    for action, (url, data) in posts.items():
        for label, user in people.items():
            before = counts()
            with transaction.atomic():
                response = logged_in(user).post(url, data)
                assert response.status_code == expected(label, action), (action, label)
                if response.status_code != 302:
                    assert counts() == before, (action, label)
                transaction.set_rollback(True)


def test_case_page_shows_the_panel_and_who_may_reveal(people, world):
    case = world["case"]
    page = logged_in(people["center-case_manager"]).get(reverse("cases:detail", args=[case.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert world["stay"].facility.name in body
    assert reverse("shelters:case_address", args=[case.pk, world["stay"].pk]) in body
    assert ADDRESS not in body
    counselor_page = logged_in(people["center-hotline_counselor"]).get(
        reverse("cases:detail", args=[case.pk])
    )
    assert reverse("shelters:case_address", args=[case.pk, world["stay"].pk]) not in (
        counselor_page.content.decode()
    )


def test_case_address_reveal_matrix(people, world):
    url = reverse("shelters:case_address", args=[world["case"].pk, world["stay"].pk])
    for label, user in people.items():
        response = logged_in(user).post(url)
        if label in {"center-case_manager", "center-supervisor"}:
            assert response.status_code == 200, label
            assert ADDRESS in response.content.decode()
            assert response["Cache-Control"] == "no-store"
        elif label == "center-hotline_counselor":
            assert response.status_code == 302, label  # back to the case, with the refusal
        else:
            assert response.status_code == 404, label


def test_find_lists_the_facilities_that_fit_and_place_refusal_keeps_the_input(
    program_30, case, manager, make_facility, approved
):
    fits = make_facility(name="맞는 집")
    make_facility(name="남성 시설", gender_served="male")
    make_facility(name="장기 시설", kind="long_term")
    request = approved(case, days=30)
    client = logged_in(manager)

    found = client.get(
        reverse("shelters:case_find", args=[case.pk]), {"service_request": str(request.pk)}
    )
    body = found.content.decode()
    assert found.status_code == 200
    assert "맞는 집" in body
    assert "남성 시설" not in body
    assert "장기 시설" not in body

    before = counts()
    refused = client.post(
        reverse("shelters:case_place", args=[case.pk]),
        {
            "service_request": str(request.pk),
            "facility": str(fits.pk),
            "starts_on": "2026-11-20",
            "planned_end_on": "2026-12-25",
        },
    )
    body = refused.content.decode()
    assert refused.status_code == 422
    assert "이 사업의 긴급 주거 지원은 입소일로부터 최대 30일(2026-12-20 퇴소)까지입니다." in body
    assert 'value="2026-12-25"' in body
    assert counts() == before

    done = client.post(
        reverse("shelters:case_place", args=[case.pk]),
        {
            "service_request": str(request.pk),
            "facility": str(fits.pk),
            "starts_on": "2026-11-20",
            "planned_end_on": "2026-12-20",
        },
    )
    assert done.status_code == 302
    assert Placement.objects.get(case=case).facility_id == fits.pk


def test_nothing_fits_so_the_case_waits(case, manager, make_facility, approved):
    make_facility(gender_served="male")
    request = approved(case)
    client = logged_in(manager)

    found = client.get(
        reverse("shelters:case_find", args=[case.pk]), {"service_request": str(request.pk)}
    )
    assert "지금 맞는 시설에 빈 병상이 없습니다." in found.content.decode()

    response = client.post(
        reverse("shelters:case_waitlist", args=[case.pk]), {"service_request": str(request.pk)}
    )
    assert response.status_code == 302
    entry = WaitlistEntry.objects.get(case=case)
    cancel = client.post(
        reverse("shelters:case_waitlist_cancel", args=[case.pk]), {"entry": str(entry.pk)}
    )
    assert cancel.status_code == 302
    entry.refresh_from_db()
    assert entry.status == "cancelled"


def test_a_refused_extension_shows_beside_its_field(world, manager, supervisor):
    case, stay = world["case"], world["stay"]
    client = logged_in(supervisor)
    client.post(
        reverse("shelters:case_extension_decide", args=[case.pk, world["extension"].pk]),
        {"approve": "no", "note": "다음 회의에서"},
    )
    before = counts()

    response = logged_in(manager).post(
        reverse("shelters:case_extend", args=[case.pk, stay.pk]),
        {"requested_end_on": "2027-06-01", "reason": "더 필요"},
    )

    body = response.content.decode()
    assert response.status_code == 422
    # the 2024 scheme under which the request was approved: six months
    assert "이 사업의 긴급 주거 지원은 입소일로부터 최대 6개월(2027-05-20 퇴소)까지입니다." in body
    assert 'value="2027-06-01"' in body
    assert "더 필요" in body
    assert PlacementExtension.objects.filter(status="requested").count() == 0
    assert counts() == before


# --- the board's residents and the consent gate -------------------------------------------------


def test_the_board_shows_a_resident_only_through_the_consent_gate(
    case, manager, facility, approved, shelter_staff, shelter_agency, at
):
    grant = consent_to_share(case, manager, shelter_agency)
    place(case, facility, approved(case))
    client = logged_in(shelter_staff)
    assert Disclosure.objects.count() == 1  # at placement

    first = client.get(reverse("shelters:board")).content.decode()
    again = client.get(reverse("shelters:board")).content.decode()

    assert "김지영" in first
    assert "김지영" in again
    assert case.reference in first
    assert Disclosure.objects.count() == 1  # the same data shown again is not a new disclosure

    case.risk_level = "high"
    case.save(update_fields=["risk_level"])
    client.get(reverse("shelters:board"))
    assert Disclosure.objects.count() == 2  # changed data is

    at(dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC))
    consent_withdraw(case_id=case.pk, grant_id=grant.pk, actor=manager, note="철회 요청")
    withdrawn = client.get(reverse("shelters:board")).content.decode()
    assert "김지영" not in withdrawn
    assert case.reference in withdrawn
    assert "피해자의 동의가 없어 인적 사항을 보여 드릴 수 없습니다." in withdrawn
    assert "피해자가 이 동의를 철회했습니다." in withdrawn
    assert Disclosure.objects.count() == 2


def test_the_board_query_count_does_not_grow_with_residents(
    agency, manager, open_case, approved, supervisor, django_assert_max_num_queries
):
    # a shelter of the case agency itself: no consent gate, so only the board's own reads count
    supervisor_client = logged_in(supervisor)
    home = Facility.objects.create(
        agency=agency,
        name="센터 쉼터",
        kind="emergency",
        gender_served="female",
        capacity=9,
        region="seoul",
    )
    first = open_case(manager, name="가나다", phone="010-5000-0001")
    place(first, home, approved(first))
    with django_assert_max_num_queries(40) as one:
        assert supervisor_client.get(reverse("shelters:board")).status_code == 200
    for i in range(3):
        more = open_case(manager, name=f"라마바{i}", phone=f"010-5000-100{i}")
        place(more, home, approved(more))
    with django_assert_max_num_queries(40) as four:
        assert supervisor_client.get(reverse("shelters:board")).status_code == 200
    assert len(four.captured_queries) == len(one.captured_queries)


def test_a_closed_case_keeps_its_placements_visible(case, manager, facility, approved):
    place(case, facility, approved(case))
    case_transition(
        case_id=case.pk, actor=manager, to_status="closed", close_reason="support_completed"
    )
    page = logged_in(manager).get(reverse("cases:detail", args=[case.pk]))
    assert facility.name in page.content.decode()
