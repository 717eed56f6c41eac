"""Staff sign in with Django's session. Without one, every operation but health answers 401;
with one, an unsafe request needs the CSRF token, or it is refused (403) and writes nothing."""

import uuid
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from django.test import Client

from onestop.api.tests.helpers import API, client_for, counts, csrf_headers, errors_of

pytestmark = pytest.mark.django_db


def staff_operations() -> Iterator[tuple[str, str]]:
    schema = client_for().get(f"{API}/openapi.json").json()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if any("StaffSessionAuth" in scheme for scheme in operation.get("security", [])):
                yield method, path


STAFF_OPERATIONS = [
    ("get", "/api/v1/cases"),
    ("get", "/api/v1/cases/{case_id}"),
    ("get", "/api/v1/cases/{case_id}/timeline"),
    ("post", "/api/v1/cases/{case_id}/transitions"),
    ("post", "/api/v1/cases/{case_id}/team"),
    ("delete", "/api/v1/cases/{case_id}/team/{staff_id}"),
    ("post", "/api/v1/cases/{case_id}/notes"),
    ("post", "/api/v1/cases/{case_id}/complaint-withdrawn"),
    ("post", "/api/v1/intake/matches"),
    ("post", "/api/v1/intake"),
]


def test_the_list_covers_every_staff_operation():
    assert sorted(staff_operations()) == sorted(STAFF_OPERATIONS)


def call(
    client: Client, method: str, path: str, case_id: UUID, headers: dict[str, str] | None = None
) -> Any:
    url = path.format(case_id=case_id, staff_id=uuid.uuid4())
    if method == "get":
        return client.get(url, headers=headers)
    return getattr(client, method)(url, data={}, content_type="application/json", headers=headers)


@pytest.mark.parametrize("enforce_csrf", [False, True])
@pytest.mark.parametrize(("method", "path"), STAFF_OPERATIONS)
def test_anonymous_is_401_whatever_the_csrf_state(manager, open_case, method, path, enforce_csrf):
    case = open_case(manager)
    before = counts()
    response = call(client_for(enforce_csrf=enforce_csrf), method, path, case.pk)
    assert response.status_code == 401
    assert response.json() == {
        "errors": [{"field": None, "code": "not_authenticated", "message": "로그인이 필요합니다."}]
    }
    assert counts() == before


@pytest.mark.parametrize(("method", "path"), STAFF_OPERATIONS)
def test_a_deactivated_account_is_401(manager, open_case, method, path):
    case = open_case(manager)
    client = client_for(manager)
    manager.is_active = False
    manager.save(update_fields=["is_active"])
    response = call(client, method, path, case.pk)
    assert response.status_code == 401


@pytest.mark.parametrize(("method", "path"), [op for op in STAFF_OPERATIONS if op[0] != "get"])
def test_an_unsafe_request_without_the_csrf_token_is_403_and_writes_nothing(
    manager, open_case, method, path
):
    case = open_case(manager)
    before = counts()
    response = call(client_for(manager, enforce_csrf=True), method, path, case.pk)
    assert response.status_code == 403
    assert errors_of(response) == [(None, "csrf_failed")]
    assert counts() == before


def test_a_wrong_csrf_token_is_403(manager, open_case):
    case = open_case(manager)
    client = client_for(manager, enforce_csrf=True)
    csrf_headers(client)
    before = counts()
    response = client.post(
        f"{API}/cases/{case.pk}/notes",
        data={"note": "메모"},
        content_type="application/json",
        headers={"X-CSRFToken": "b" * 32},
    )
    assert response.status_code == 403
    assert errors_of(response) == [(None, "csrf_failed")]
    assert counts() == before


def test_with_the_csrf_token_an_unsafe_request_goes_through(manager, open_case):
    case = open_case(manager)
    client = client_for(manager, enforce_csrf=True)
    response = client.post(
        f"{API}/cases/{case.pk}/notes",
        data={"note": "메모"},
        content_type="application/json",
        headers=csrf_headers(client),
    )
    assert response.status_code == 201
    assert response.json()["note"] == "메모"


def test_a_safe_request_needs_no_csrf_token(manager, open_case):
    open_case(manager)
    response = client_for(manager, enforce_csrf=True).get(f"{API}/cases")
    assert response.status_code == 200
    assert response.json()["count"] == 1
