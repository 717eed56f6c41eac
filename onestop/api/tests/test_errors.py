"""What the API answers outside its operations' own rules: health, unknown paths and methods,
bodies that are not JSON, and a failure nobody foresaw. Always the one error shape."""

import pytest

from onestop.api.tests.helpers import API, client_for, counts, errors_of, get, post

pytestmark = pytest.mark.django_db


def test_health_needs_no_session():
    response = client_for().get(f"{API}/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/", "/nope", "/cases/x/y/z", "/docs"])
def test_an_unknown_path_is_404_in_the_error_shape(manager, path):
    response = client_for(manager).get(API + path)
    assert response.status_code == 404
    assert response.json() == {
        "errors": [{"field": None, "code": "not_found", "message": "찾을 수 없습니다."}]
    }


def test_a_method_the_path_does_not_take_is_405_in_the_error_shape(manager):
    response = client_for(manager).put(f"{API}/cases")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert response.json() == {
        "errors": [
            {
                "field": None,
                "code": "method_not_allowed",
                "message": "이 주소는 PUT 요청을 받지 않습니다.",
            }
        ]
    }


def test_a_body_that_is_not_json_is_400_and_writes_nothing(manager, open_case):
    case = open_case(manager)
    before = counts()
    response = client_for(manager).post(
        f"{API}/cases/{case.pk}/notes", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "field": None,
                "code": "bad_request",
                "message": "요청 본문을 JSON으로 읽을 수 없습니다.",
            }
        ]
    }
    assert counts() == before


def test_a_body_that_is_not_an_object_is_422(manager, open_case):
    case = open_case(manager)
    response = post(client_for(manager), f"/cases/{case.pk}/notes", [])
    assert response.status_code == 422
    assert errors_of(response) == [(None, "model_attributes_type")]


def test_an_unforeseen_failure_is_500_without_a_stack_trace(manager, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("onestop.cases.api.case_list_for_user", broken)
    response = get(client_for(manager), "/cases")
    assert response.status_code == 500
    assert errors_of(response) == [(None, "server_error")]
    assert b"secret internals" not in response.content
    assert b"Traceback" not in response.content
    assert "secret internals" in caplog.text  # but the operator can find it in the log
