"""The cases API: every operation answered for every role, own and other agency, in and out of
the case's team; the exact error shape of its refusals, which write nothing; lists that name no
victim and cost the same number of queries however long they are."""

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from onestop.accounts.models import Agency, Role, Staff
from onestop.api.tests.helpers import client_for, counts, delete, errors_of, get, post
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case, CaseEvent, CaseTeamMember
from onestop.cases.services import case_team_assign

pytestmark = pytest.mark.django_db

TEAM_ROLE_OF: dict[str, str] = {
    Role.CASE_MANAGER: "case_manager",
    Role.SUPERVISOR: "case_manager",
    Role.HOTLINE_COUNSELOR: "counselor",
    Role.EXPERT: "expert",
}
MATRIX = [
    (role, own, team)
    for role in Role.values
    for own in (True, False)
    for team in (True, False)
    if not (team and (not own or role not in TEAM_ROLE_OF))
]


@pytest.fixture
def world(agency, other_agency, make_staff, open_case):
    """A case led by a case manager, with a counselor on its team, and a counselor who is not."""
    lead = make_staff(agency, Role.CASE_MANAGER, "lead-manager")
    case = open_case(lead)
    helper = make_staff(agency, Role.HOTLINE_COUNSELOR, "helper-counselor")
    case_team_assign(case_id=case.pk, actor=lead, staff_id=helper.pk, role="counselor")
    newcomer = make_staff(agency, Role.HOTLINE_COUNSELOR, "new-counselor")
    return {"case": case, "lead": lead, "helper": helper, "newcomer": newcomer}


def user_in(
    world: dict[str, Any],
    agency: Agency,
    other_agency: Agency,
    make_staff: Callable[..., Staff],
    role: str,
    own_agency: bool,
    in_team: bool,
) -> Staff:
    user = make_staff(agency if own_agency else other_agency, role, f"u-{role}".replace("_", "-"))
    if in_team:
        case_team_assign(
            case_id=world["case"].pk, actor=world["lead"], staff_id=user.pk, role=TEAM_ROLE_OF[role]
        )
    return user


def visible(role: str, own_agency: bool, in_team: bool) -> bool:
    return own_agency and (role == Role.SUPERVISOR or in_team)


def expected(role: str, own_agency: bool, in_team: bool, *, allowed: bool, success: int) -> int:
    if not visible(role, own_agency, in_team):
        return 404
    return success if allowed else 403


def may_move_workflow(role: str, own_agency: bool, in_team: bool) -> bool:
    return role == Role.SUPERVISOR or (role == Role.CASE_MANAGER and in_team)


def may_manage_team(role: str, own_agency: bool, in_team: bool) -> bool:
    return role == Role.SUPERVISOR  # of the agency; the lead is tested on her own


def may_add_to_timeline(role: str, own_agency: bool, in_team: bool) -> bool:
    return role == Role.SUPERVISOR or in_team


# --- the permission matrix --------------------------------------------------------------------


@pytest.mark.parametrize(("role", "own_agency", "in_team"), MATRIX)
def test_list_matrix(world, agency, other_agency, make_staff, role, own_agency, in_team):
    user = user_in(world, agency, other_agency, make_staff, role, own_agency, in_team)
    response = get(client_for(user), "/cases")
    assert response.status_code == 200
    ids = [item["id"] for item in response.json()["items"]]
    assert ids == ([str(world["case"].pk)] if visible(role, own_agency, in_team) else [])


@pytest.mark.parametrize("what", ["", "/timeline"])
@pytest.mark.parametrize(("role", "own_agency", "in_team"), MATRIX)
def test_read_matrix(world, agency, other_agency, make_staff, role, own_agency, in_team, what):
    user = user_in(world, agency, other_agency, make_staff, role, own_agency, in_team)
    before = AuditEntry.objects.count()
    response = get(client_for(user), f"/cases/{world['case'].pk}{what}")
    if visible(role, own_agency, in_team):
        assert response.status_code == 200
        assert AuditEntry.objects.count() == before + 1
    else:
        assert response.status_code == 404
        assert errors_of(response) == [(None, "case_not_found")]
        assert AuditEntry.objects.count() == before


def write_request(world: dict[str, Any], name: str) -> tuple[str, str, dict[str, Any] | None]:
    case = world["case"]
    return {
        "transition": ("post", f"/cases/{case.pk}/transitions", {"to_status": "assessing"}),
        "assign": (
            "post",
            f"/cases/{case.pk}/team",
            {"staff_id": str(world["newcomer"].pk), "role": "counselor"},
        ),
        "remove": ("delete", f"/cases/{case.pk}/team/{world['helper'].pk}", None),
        "note": ("post", f"/cases/{case.pk}/notes", {"note": "통화함"}),
        "withdrawn": ("post", f"/cases/{case.pk}/complaint-withdrawn", {}),
    }[name]


Rule = Callable[[str, bool, bool], bool]
WRITES: dict[str, tuple[Rule, int]] = {
    "transition": (may_move_workflow, 200),
    "assign": (may_manage_team, 200),
    "remove": (may_manage_team, 204),
    "note": (may_add_to_timeline, 201),
    "withdrawn": (may_add_to_timeline, 201),
}


def send(client: Client, method: str, path: str, body: dict[str, Any] | None) -> Any:
    if method == "delete":
        return delete(client, path)
    return post(client, path, body)


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize(("role", "own_agency", "in_team"), MATRIX)
def test_write_matrix(world, agency, other_agency, make_staff, role, own_agency, in_team, write):
    user = user_in(world, agency, other_agency, make_staff, role, own_agency, in_team)
    rule, success = WRITES[write]
    status = expected(
        role, own_agency, in_team, allowed=rule(role, own_agency, in_team), success=success
    )
    before = counts()
    response = send(client_for(user), *write_request(world, write))
    assert response.status_code == status
    if status == 404:
        assert errors_of(response) == [(None, "case_not_found")]
    elif status == 403:
        assert errors_of(response) == [(None, "forbidden")]
    if status >= 400:
        assert counts() == before
    else:
        assert counts()["AuditEntry"] == before["AuditEntry"] + 1


@pytest.mark.parametrize("write", list(WRITES))
def test_the_lead_may_do_every_write(world, write):
    _, success = WRITES[write]
    response = send(client_for(world["lead"]), *write_request(world, write))
    assert response.status_code == success


# --- answers ------------------------------------------------------------------------------------


def test_list_names_no_victim_and_says_what_a_line_needs(manager, open_case):
    case = open_case(manager)
    response = get(client_for(manager), "/cases")
    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "items": [
            {
                "id": str(case.pk),
                "reference": case.reference,
                "status": "received",
                "channel": "hotline",
                "opened_at": response.json()["items"][0]["opened_at"],
                "agency": "seoul-onestop",
            }
        ],
    }
    text = response.content.decode()
    assert "김지영" not in text
    assert "5678" not in text


def test_list_pages(manager, open_case):
    cases = [open_case(manager, phone=f"010-1234-000{i}") for i in range(5)]
    newest_first = [str(c.pk) for c in reversed(cases)]
    response = get(client_for(manager), "/cases", limit=2, offset=1)
    assert response.status_code == 200
    assert response.json()["count"] == 5
    assert [item["id"] for item in response.json()["items"]] == newest_first[1:3]


def test_list_refuses_a_page_over_100(manager):
    response = get(client_for(manager), "/cases", limit=101, offset=-1)
    assert response.status_code == 422
    assert errors_of(response) == [
        ("limit", "less_than_equal"),
        ("offset", "greater_than_equal"),
    ]


def test_list_searches_by_reference_or_phone(manager, open_case):
    first = open_case(manager)
    second = open_case(manager, name="이수진", phone="010-2222-3333")
    client = client_for(manager)
    by_reference = get(client, "/cases", q=first.reference.lower())
    by_phone = get(client, "/cases", q="01022223333")
    nothing = get(client, "/cases", q="010-9999-9999")
    assert [i["id"] for i in by_reference.json()["items"]] == [str(first.pk)]
    assert [i["id"] for i in by_phone.json()["items"]] == [str(second.pk)]
    assert nothing.json() == {"count": 0, "items": []}


@pytest.mark.parametrize("how_many", [1, 8])
def test_list_costs_four_queries_however_long(
    manager, open_case, django_assert_num_queries, how_many
):
    for i in range(how_many):
        open_case(manager, phone=f"010-1234-{i:04d}")
    client = client_for(manager)
    # session, user, count, page
    with django_assert_num_queries(4):
        response = get(client, "/cases")
    assert len(response.json()["items"]) == how_many


def test_detail_shows_the_victim_and_is_audited(manager, open_case):
    case = open_case(manager, phone="+82 10 1234 5678", further_harms=["threats"])
    before = AuditEntry.objects.count()
    response = get(client_for(manager), f"/cases/{case.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["victim"] == {"name": "김지영", "phone": "010-1234-5678", "birth_year": 1995}
    assert body["team"] == [
        {"staff_id": str(manager.pk), "label": "seoul-onestop-case-manager", "role": "lead"}
    ]
    assert body["stalking_behaviours"] == ["communication", "watching_waiting"]
    assert body["further_harms"] == ["threats"]
    assert (body["reference"], body["status"], body["agency"]) == (
        case.reference,
        "received",
        "seoul-onestop",
    )
    assert (body["closed_at"], body["close_reason"]) == (None, None)
    entry = AuditEntry.objects.order_by("seq").last()
    assert entry is not None
    assert AuditEntry.objects.count() == before + 1
    assert (entry.action, entry.target_id, entry.actor_id) == (
        "case.view.case",
        str(case.pk),
        manager.pk,
    )


def test_timeline_lists_events_newest_first_and_is_audited(manager, open_case):
    case = open_case(manager)
    client = client_for(manager)
    post(client, f"/cases/{case.pk}/notes", {"note": "두 번째 통화"})
    before = AuditEntry.objects.count()
    response = get(client, f"/cases/{case.pk}/timeline")
    assert response.status_code == 200
    events = response.json()["events"]
    assert [(e["kind"], e["actor"], e["note"]) for e in events] == [
        ("note", "seoul-onestop-case-manager", "두 번째 통화"),
        ("opened", "seoul-onestop-case-manager", ""),
    ]
    assert events[1]["data"] == {"channel": "hotline"}
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.order_by("seq").last()
    assert entry is not None
    assert entry.action == "case.view.timeline"


def test_transition_moves_the_case_and_closing_records_the_reason(manager, open_case):
    case = open_case(manager)
    client = client_for(manager)
    response = post(client, f"/cases/{case.pk}/transitions", {"to_status": "assessing"})
    assert response.status_code == 200
    assert response.json()["status"] == "assessing"
    response = post(
        client,
        f"/cases/{case.pk}/transitions",
        {"to_status": "closed", "close_reason": "victim_request", "note": "본인 요청"},
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["close_reason"]) == (
        "closed",
        "victim_request",
    )
    case.refresh_from_db()
    assert (case.status, case.close_reason) == ("closed", "victim_request")


def test_team_assign_and_remove(manager, open_case, make_staff, agency):
    case = open_case(manager)
    counselor = make_staff(agency, Role.HOTLINE_COUNSELOR, "c-2")
    client = client_for(manager)
    response = post(
        client, f"/cases/{case.pk}/team", {"staff_id": str(counselor.pk), "role": "counselor"}
    )
    assert response.status_code == 200
    assert response.json() == {"staff_id": str(counselor.pk), "label": "c-2", "role": "counselor"}
    response = delete(client, f"/cases/{case.pk}/team/{counselor.pk}")
    assert response.status_code == 204
    assert response.content == b""
    assert not CaseTeamMember.objects.filter(case=case, staff=counselor).exists()


def test_note_and_complaint_withdrawn_go_on_the_timeline(manager, open_case):
    case = open_case(manager)
    client = client_for(manager)
    note = post(client, f"/cases/{case.pk}/notes", {"note": "  문자 캡처 받음 "})
    withdrawn = post(client, f"/cases/{case.pk}/complaint-withdrawn", {"note": "합의"})
    assert (note.status_code, withdrawn.status_code) == (201, 201)
    assert (note.json()["kind"], note.json()["note"]) == ("note", "문자 캡처 받음")
    assert withdrawn.json()["kind"] == "complaint_withdrawn"
    assert withdrawn.json()["data"] == {"status_unchanged": "received"}
    case.refresh_from_db()
    assert case.status == "received"


# --- refusals: exact error shape, nothing written -----------------------------------------------


def test_an_unknown_case_is_404(manager):
    before = counts()
    response = get(client_for(manager), f"/cases/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.json() == {
        "errors": [{"field": None, "code": "case_not_found", "message": "사례를 찾을 수 없습니다."}]
    }
    assert counts() == before


def test_a_case_id_that_is_no_uuid_is_422(manager):
    response = get(client_for(manager), "/cases/not-a-uuid")
    assert response.status_code == 422
    assert errors_of(response) == [("case_id", "uuid_parsing")]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, [{"field": "to_status", "code": "required", "message": "필수 항목입니다."}]),
        (
            {"to_status": "assessing", "colour": "red"},
            [{"field": "colour", "code": "unknown_field", "message": "알 수 없는 항목입니다."}],
        ),
        (
            {"to_status": "assessing", "note": 12},
            [
                {
                    "field": "note",
                    "code": "string_type",
                    "message": "Input should be a valid string",
                }
            ],
        ),
    ],
    ids=["missing", "unknown-field", "wrong-type"],
)
def test_a_body_that_does_not_validate_is_422_and_writes_nothing(manager, open_case, body, errors):
    case = open_case(manager)
    before = counts()
    response = post(client_for(manager), f"/cases/{case.pk}/transitions", body)
    assert response.status_code == 422
    assert response.json() == {"errors": errors}
    assert counts() == before


def test_a_status_that_does_not_exist_is_422(manager, open_case):
    case = open_case(manager)
    response = post(client_for(manager), f"/cases/{case.pk}/transitions", {"to_status": "done"})
    assert response.status_code == 422
    assert errors_of(response) == [("to_status", "enum")]


def test_a_transition_the_workflow_does_not_allow_is_409_and_writes_nothing(manager, open_case):
    case = open_case(manager)
    before = counts()
    response = post(client_for(manager), f"/cases/{case.pk}/transitions", {"to_status": "planning"})
    assert response.status_code == 409
    assert response.json() == {
        "errors": [
            {
                "field": "to_status",
                "code": "transition_not_allowed",
                "message": "'접수'에서 '지원 계획'(으)로 바꿀 수 없습니다.",
            }
        ]
    }
    assert counts() == before
    assert Case.objects.get(pk=case.pk).status == "received"


def test_closing_without_a_reason_is_422_and_writes_nothing(manager, open_case):
    case = open_case(manager)
    before = counts()
    response = post(client_for(manager), f"/cases/{case.pk}/transitions", {"to_status": "closed"})
    assert response.status_code == 422
    assert response.json() == {
        "errors": [
            {"field": "close_reason", "code": "invalid", "message": "종결 사유를 선택하세요."}
        ]
    }
    assert counts() == before


def test_assigning_staff_of_another_agency_points_at_staff_id(
    manager, open_case, make_staff, other_agency
):
    case = open_case(manager)
    stranger = make_staff(other_agency, Role.HOTLINE_COUNSELOR)
    before = counts()
    response = post(
        client_for(manager),
        f"/cases/{case.pk}/team",
        {"staff_id": str(stranger.pk), "role": "counselor"},
    )
    assert response.status_code == 422
    assert errors_of(response) == [("staff_id", "invalid")]
    assert counts() == before


def test_assigning_to_a_closed_case_is_409(manager, open_case, make_staff, agency):
    case = open_case(manager)
    counselor = make_staff(agency, Role.HOTLINE_COUNSELOR, "c-3")
    client = client_for(manager)
    post(
        client,
        f"/cases/{case.pk}/transitions",
        {"to_status": "closed", "close_reason": "duplicate"},
    )
    before = counts()
    response = post(
        client, f"/cases/{case.pk}/team", {"staff_id": str(counselor.pk), "role": "counselor"}
    )
    assert response.status_code == 409
    assert errors_of(response) == [(None, "transition_not_allowed")]
    assert counts() == before


def test_an_empty_note_is_422_and_writes_nothing(manager, open_case):
    case = open_case(manager)
    before = counts()
    response = post(client_for(manager), f"/cases/{case.pk}/notes", {"note": "   "})
    assert response.status_code == 422
    assert response.json() == {
        "errors": [{"field": "note", "code": "required", "message": "메모를 입력하세요."}]
    }
    assert counts() == before
    assert not CaseEvent.objects.filter(case=case, kind="note").exists()
