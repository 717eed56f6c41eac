"""The served OpenAPI description: where it is, which version, and that every operation documents
the errors it can answer, all in the one error shape, so a schema fuzzer can hold us to it."""

from collections.abc import Iterator
from typing import Any

import pytest

from onestop.api.tests.helpers import API, client_for

ERROR_SCHEMAS = {"#/components/schemas/ErrorOut", "#/components/schemas/PossibleDuplicateOut"}


@pytest.fixture
def schema():
    response = client_for().get(f"{API}/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def ref_of(response: dict[str, Any]) -> str:
    ref: str = response["content"]["application/json"]["schema"]["$ref"]
    return ref


def test_it_is_openapi_3_1(schema):
    assert schema["openapi"] == "3.1.0"
    assert schema["info"]["title"] == "OneStop API"


def test_it_describes_every_endpoint(schema):
    assert {(path, method) for path, method, _ in operations(schema)} == {
        ("/api/v1/health", "get"),
        ("/api/v1/cases", "get"),
        ("/api/v1/cases/{case_id}", "get"),
        ("/api/v1/cases/{case_id}/timeline", "get"),
        ("/api/v1/cases/{case_id}/transitions", "post"),
        ("/api/v1/cases/{case_id}/team", "post"),
        ("/api/v1/cases/{case_id}/team/{staff_id}", "delete"),
        ("/api/v1/cases/{case_id}/notes", "post"),
        ("/api/v1/cases/{case_id}/complaint-withdrawn", "post"),
        ("/api/v1/intake/matches", "post"),
        ("/api/v1/intake", "post"),
        ("/api/v1/referrals/police", "post"),
        ("/api/v1/referrals/police/{police_report_id}", "get"),
        ("/api/v1/partner/referrals", "get"),
        ("/api/v1/partner/referrals/{referral_id}", "get"),
        ("/api/v1/partner/referrals/{referral_id}/accept", "post"),
        ("/api/v1/partner/referrals/{referral_id}/decline", "post"),
        ("/api/v1/partner/referrals/{referral_id}/deliveries", "post"),
    }


def test_every_4xx_answer_is_in_the_error_shape(schema):
    for path, method, operation in operations(schema):
        for status, response in operation["responses"].items():
            if status.startswith("4"):
                assert ref_of(response) in ERROR_SCHEMAS, (path, method, status)


def test_every_operation_documents_the_errors_it_can_answer(schema):
    for path, method, operation in operations(schema):
        documented = set(operation["responses"])
        if path == "/api/v1/health":
            assert documented == {"200", "503"}
            assert "security" not in operation
            continue
        if path.startswith("/api/v1/referrals/"):
            # Police systems with a bearer key: every status of the contract, and no other.
            assert operation["security"] == [{"ApiKeyAuth": []}]
            expected = (
                {"200", "201", "400", "401", "403", "409", "413", "415", "422", "429", "503"}
                if method == "post"
                else {"200", "401", "404", "429"}
            )
            assert documented == expected, (path, method)
            continue
        if path.startswith("/api/v1/partner/"):
            # Partner systems with a provider key: 403 for a key of another scope; 404 for a
            # referral not sent to the key's agency; 422 for a bad id or body.
            assert operation["security"] == [{"ApiKeyAuth": []}]
            assert {"401", "403"} <= documented, (path, method)
            if "{referral_id}" in path:
                assert {"404", "422"} <= documented, (path, method)
            if "requestBody" in operation:
                assert "400" in documented, (path, method)
            continue
        # Signed-in staff only: 401 without a session; and 422 for any bad parameter.
        assert operation["security"] == [{"StaffSessionAuth": []}]
        assert {"401", "422"} <= documented, (path, method)
        if "{case_id}" in path:
            assert "404" in documented, (path, method)
        if method != "get":
            # CSRF (and refusals by role) answer 403.
            assert "403" in documented, (path, method)
        if "requestBody" in operation:
            assert "400" in documented, (path, method)  # a body that is not JSON


def test_the_error_shapes(schema):
    components = schema["components"]["schemas"]
    assert components["ErrorOut"]["required"] == ["errors"]
    assert components["ErrorItem"]["required"] == ["field", "code", "message"]
    duplicate = components["PossibleDuplicateOut"]
    assert duplicate["required"] == ["errors", "matches"]
    assert duplicate["properties"]["matches"]["items"]["$ref"] == (
        "#/components/schemas/IntakeMatchOut"
    )


def test_request_bodies_refuse_unknown_fields(schema):
    components = schema["components"]["schemas"]
    for path, method, operation in operations(schema):
        if "requestBody" in operation:
            name = ref_of(operation["requestBody"]).rsplit("/", 1)[1]
            assert components[name]["additionalProperties"] is False, (path, method)


def test_there_is_no_docs_page_loading_assets_from_a_cdn():
    response = client_for().get(f"{API}/docs")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"
