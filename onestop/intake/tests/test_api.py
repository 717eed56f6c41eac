"""The intake API: the masked duplicate check, and taking a contact — a new case, a known
victim's new case, a contact on an open case, or 409 with the matches when the caller may already
be known. Refusals write nothing."""

import pytest

from onestop.accounts.models import Role
from onestop.api.tests.helpers import client_for, counts, errors_of, post
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case, CaseEvent
from onestop.cases.permissions import INTAKE_ROLES
from onestop.intake.models import Intake

pytestmark = pytest.mark.django_db

CALLER = {
    "channel": "hotline",
    "name": "김지영",
    "phone": "010-1234-5678",
    "birth_year": 1995,
    "relationship": "former_partner",
    "stalking_behaviours": ["communication"],
    "summary": "다시 연락이 옴",
}


@pytest.fixture
def known_case(manager, open_case):
    """The caller's earlier case at the same agency."""
    return open_case(manager)


# --- matches ------------------------------------------------------------------------------------


@pytest.mark.parametrize("own_agency", [True, False])
@pytest.mark.parametrize("role", Role.values)
def test_matches_matrix(known_case, agency, other_agency, make_staff, role, own_agency):
    user = make_staff(agency if own_agency else other_agency, role, f"u-{role}".replace("_", "-"))
    before = AuditEntry.objects.count()
    response = post(client_for(user), "/intake/matches", {"phone": "01012345678"})
    assert response.status_code == 200
    may_see = own_agency and role in INTAKE_ROLES
    references = [m["reference"] for m in response.json()["matches"]]
    assert references == ([known_case.reference] if may_see else [])
    # Showing matches is a disclosure, audited; showing none is not.
    assert AuditEntry.objects.count() == before + (1 if may_see else 0)


def test_matches_are_masked(known_case, counselor, manager):
    response = post(
        client_for(counselor), "/intake/matches", {"name": "김지영", "birth_year": 1995}
    )
    assert response.json() == {
        "matches": [
            {
                "case_id": str(known_case.pk),
                "victim_id": str(known_case.victim_id),
                "reference": known_case.reference,
                "status": "received",
                "status_label": "접수",
                "opened_at": response.json()["matches"][0]["opened_at"],
                "masked_name": "김*영",
                "masked_phone": "***-****-5678",
                "birth_year": 1995,
                "matched_on": "name_birth_year",
                "lead": manager.label,
            }
        ]
    }
    assert "김지영" not in response.content.decode()
    assert "1234" not in response.content.decode()


def test_matches_refuse_unknown_fields(counselor):
    response = post(client_for(counselor), "/intake/matches", {"phone": "010", "email": "x"})
    assert response.status_code == 422
    assert errors_of(response) == [("email", "unknown_field")]


# --- submit -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_submit_matrix(agency, make_staff, role):
    user = make_staff(agency, role, f"u-{role}".replace("_", "-"))
    before = counts()
    response = post(client_for(user), "/intake", CALLER)
    if role in INTAKE_ROLES:
        assert response.status_code == 201
        assert response.json()["outcome"] == "new_case"
    else:
        assert response.status_code == 403
        assert errors_of(response) == [(None, "forbidden")]
        assert counts() == before


def test_submit_opens_a_case(counselor):
    response = post(client_for(counselor), "/intake", CALLER)
    assert response.status_code == 201
    case = Case.objects.get()
    assert response.json() == {
        "case_id": str(case.pk),
        "reference": case.reference,
        "outcome": "new_case",
    }
    assert case.stalking_behaviours == ["communication"]
    assert type(case.stalking_behaviours[0]) is str
    assert (case.victim.name, case.victim.phone) == ("김지영", "+821012345678")
    assert Intake.objects.get().taken_by == counselor


def test_a_possible_duplicate_is_409_with_masked_matches_and_writes_no_case_data(
    known_case, counselor, manager
):
    before = counts()
    response = post(client_for(counselor), "/intake", CALLER)
    assert response.status_code == 409
    body = response.json()
    assert body["errors"] == [
        {
            "field": None,
            "code": "possible_duplicate",
            "message": "같은 피해자의 사례가 이미 있을 수 있습니다. 먼저 확인하세요.",
        }
    ]
    assert [(m["case_id"], m["masked_name"], m["masked_phone"]) for m in body["matches"]] == [
        (str(known_case.pk), "김*영", "***-****-5678")
    ]
    assert body["matches"][0]["matched_on"] == "phone+name_birth_year"
    assert "김지영" not in response.content.decode()
    # only the disclosure of the matches is written, to the audit log
    assert counts() == before | {"AuditEntry": before["AuditEntry"] + 1}
    assert AuditEntry.objects.order_by("-seq").values_list("action", flat=True)[0] == (
        "intake.matches_shown"
    )


def test_confirmed_new_person_opens_a_new_case(known_case, counselor):
    response = post(client_for(counselor), "/intake", CALLER | {"confirmed_new_person": True})
    assert response.status_code == 201
    assert response.json()["outcome"] == "new_case"
    assert Case.objects.count() == 2


def test_existing_victim_opens_her_new_case(known_case, counselor):
    body = CALLER | {"existing_victim_id": str(known_case.victim_id)}
    response = post(client_for(counselor), "/intake", body)
    assert response.status_code == 201
    assert response.json()["outcome"] == "new_case_known_victim"
    assert Case.objects.get(pk=response.json()["case_id"]).victim_id == known_case.victim_id


def test_attach_logs_the_contact_on_the_open_case(known_case, counselor):
    body = CALLER | {"attach_to_case_id": str(known_case.pk)}
    response = post(client_for(counselor), "/intake", body)
    assert response.status_code == 201
    assert response.json() == {
        "case_id": str(known_case.pk),
        "reference": known_case.reference,
        "outcome": "attached",
    }
    assert Case.objects.count() == 1
    assert CaseEvent.objects.filter(case=known_case, kind="contact").count() == 1


def test_attach_to_a_case_that_is_no_match_points_at_attach_to_case_id(
    known_case, counselor, open_case
):
    other = open_case(counselor, name="이수진", phone="010-2222-3333", birth_year=1990)
    before = counts()
    body = CALLER | {"attach_to_case_id": str(other.pk)}
    response = post(client_for(counselor), "/intake", body)
    assert response.status_code == 422
    assert errors_of(response) == [("attach_to_case_id", "invalid")]
    assert counts() == before


def test_every_broken_field_is_listed_and_nothing_is_written(counselor):
    before = counts()
    body = CALLER | {"name": " ", "phone": "12", "birth_year": 1800, "summary": "가" * 10_001}
    response = post(client_for(counselor), "/intake", body)
    assert response.status_code == 422
    assert errors_of(response) == [
        ("name", "required"),
        ("phone", "invalid_phone"),
        ("birth_year", "invalid"),
        ("summary", "invalid"),
    ]
    assert counts() == before


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"channel": None}, [("channel", "enum")]),
        ({"stalking_behaviours": ["communication", "magic"]}, [("stalking_behaviours.1", "enum")]),
        ({"started_at": "2026-01-05T10:00:00"}, [("started_at", "timezone_aware")]),
        ({"victim_name": "x"}, [("victim_name", "unknown_field")]),
        ({"birth_year": "nineteen"}, [("birth_year", "int_parsing")]),
    ],
    ids=["null-channel", "unknown-behaviour", "naive-time", "unknown-field", "wrong-type"],
)
def test_a_body_that_does_not_validate_is_422_and_writes_nothing(counselor, change, errors):
    before = counts()
    response = post(client_for(counselor), "/intake", CALLER | change)
    assert response.status_code == 422
    assert errors_of(response) == errors
    assert counts() == before


def test_a_missing_name_is_422(counselor):
    body = {k: v for k, v in CALLER.items() if k != "name"}
    response = post(client_for(counselor), "/intake", body)
    assert response.status_code == 422
    assert response.json() == {
        "errors": [{"field": "name", "code": "required", "message": "필수 항목입니다."}]
    }
