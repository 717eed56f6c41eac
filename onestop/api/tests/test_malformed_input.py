"""Staff API inputs that answered 500 until the schema fuzzer (``test_schemathesis.py``) sent
them: a multipart body without a boundary, an offset past any integer column, half of a UTF-16
surrogate pair in a JSON string, and a time whose UTC form falls outside years 1 to 9999 or whose
offset PostgreSQL cannot store. Each is now refused in the one error shape, naming its field and
writing nothing, or (the offset) stored as the same moment in UTC."""

import datetime as dt

import pytest

from onestop.api.tests.helpers import API, client_for, counts, csrf_headers, errors_of, get
from onestop.intake.models import Intake

pytestmark = pytest.mark.django_db


def test_a_multipart_body_without_a_boundary_is_400_and_writes_nothing(manager, open_case):
    # given a signed-in session whose CSRF check reads form bodies
    case = open_case(manager)
    client = client_for(manager, enforce_csrf=True)
    headers = csrf_headers(client)
    before = counts()
    # when the body claims to be multipart but has no boundary
    response = client.post(
        f"{API}/cases/{case.pk}/notes",
        data='{"note": "메모"}',
        content_type="multipart/form-data",
        headers=headers,
    )
    # then it is the client's error, not the server's
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {"field": None, "code": "bad_request", "message": "요청 본문을 읽을 수 없습니다."}
        ]
    }
    assert counts() == before


@pytest.mark.parametrize("offset", [1_000_001, 2**63, 10**30])
def test_an_offset_beyond_the_limit_is_422_on_offset(manager, offset):
    response = get(client_for(manager), "/cases", offset=offset)
    assert response.status_code == 422
    assert errors_of(response) == [("offset", "less_than_equal")]


def test_the_largest_offset_is_an_empty_page(manager, open_case):
    open_case(manager)
    response = get(client_for(manager), "/cases", offset=1_000_000)
    assert response.status_code == 200
    assert response.json() == {"count": 1, "items": []}


def post_raw(client, path: str, text: str):
    """A JSON text as written: ``json.dumps`` cannot produce a lone surrogate escape."""
    return client.post(API + path, data=text, content_type="application/json")


@pytest.mark.parametrize(
    ("path", "text", "field"),
    [
        ("/notes", '{"note": "a\\ud800"}', "note"),
        ("/complaint-withdrawn", '{"note": "\\udfff"}', "note"),
        ("/transitions", '{"to_status": "assessing", "note": "x\\udbff y"}', "note"),
    ],
)
def test_half_a_surrogate_pair_in_a_case_body_is_422_on_its_field(
    manager, open_case, path, text, field
):
    case = open_case(manager)
    before = counts()
    response = post_raw(client_for(manager), f"/cases/{case.pk}{path}", text)
    assert response.status_code == 422
    assert errors_of(response) == [(field, "invalid")]
    assert counts() == before


def test_half_a_surrogate_pair_in_an_intake_is_422_on_each_field(counselor):
    before = counts()
    response = post_raw(
        client_for(counselor),
        "/intake",
        '{"channel": "hotline", "name": "김\\ud800", "summary": "\\udc00", '
        '"confirmed_new_person": true}',
    )
    assert response.status_code == 422
    assert errors_of(response) == [("name", "invalid"), ("summary", "invalid")]
    assert counts() == before


def test_a_surrogate_pair_written_as_two_escapes_is_one_character(counselor):
    # given "😀" written as the pair \ud83d\ude00: JSON's way to write it, and valid
    response = post_raw(
        client_for(counselor),
        "/intake",
        '{"channel": "hotline", "name": "김\\ud83d\\ude00", "confirmed_new_person": true}',
    )
    assert response.status_code == 201


@pytest.mark.parametrize("started_at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_start_outside_utc_years_1_to_9999_is_422_on_started_at(counselor, started_at):
    before = counts()
    response = client_for(counselor).post(
        f"{API}/intake",
        {"channel": "hotline", "name": "김지영", "started_at": started_at},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert errors_of(response) == [("started_at", "out_of_range")]
    assert counts() == before


def test_a_start_with_an_offset_postgresql_cannot_store_is_kept_as_the_same_moment(counselor):
    # -16:08 is valid ISO 8601 and Python reads it; PostgreSQL refuses offsets beyond ±15:59
    response = client_for(counselor).post(
        f"{API}/intake",
        {
            "channel": "hotline",
            "name": "김지영",
            "started_at": "2026-01-05T10:00:00-16:08",
            "confirmed_new_person": True,
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    intake = Intake.objects.get(case_id=response.json()["case_id"])
    assert intake.started_at == dt.datetime(2026, 1, 6, 2, 8, tzinfo=dt.UTC)
