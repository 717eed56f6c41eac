"""Police referral inputs that answered 500 until the schema fuzzer
(``api/tests/test_schemathesis.py``) sent them: half of a UTF-16 surrogate pair in the body (the
idempotency digest could not encode it), a time before year 1 in UTC or with an offset PostgreSQL
cannot store, and a status request for a report id with a NUL (PostgreSQL cannot compare it).
Refusals name their field and store nothing."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from onestop.accounts.models import Agency
from onestop.accounts.services import agency_add, apikey_issue
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case
from onestop.consent.models import ConsentGrant
from onestop.core import clock
from onestop.intake.models import PoliceReferral
from onestop.people.models import Victim

pytestmark = pytest.mark.django_db

URL = "/api/v1/referrals/police"


@pytest.fixture
def key(agency: Agency) -> str:
    agency_add(actor=None, code="police-mapo", kind="police", name="마포경찰서", region="seoul")
    return apikey_issue(actor=None, agency_code="police-mapo", scope="police_referral")[1]


def referral(**changes: Any) -> dict[str, Any]:
    """A valid referral an hour old, with top-level or ``consent__…`` changes."""
    reported = clock.now() - dt.timedelta(hours=1)
    body: dict[str, Any] = {
        "police_report_id": "SMPA-2026-000042",
        "reported_at": reported.isoformat(),
        "station": "마포경찰서",
        "officer": {"name": "경사 박○○"},
        "victim": {"name": "김○○", "phone": "010-1234-5678", "gender": "female"},
        "perpetrator": {"relationship": "former_partner"},
        "behaviours": ["communication"],
        "summary": "이별 후 계속 연락함.",
        "consent": {
            "given": True,
            "given_at": reported.isoformat(),
            "method": "signed_form",
            "purposes": ["support_services"],
            "data_categories": ["identity", "contact"],
        },
    }
    for name, value in changes.items():
        if name.startswith("consent__"):
            body["consent"][name.removeprefix("consent__")] = value
        else:
            body[name] = value
    return body


def send(key: str, text: str):
    return Client().post(
        URL,
        data=text,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
        HTTP_IDEMPOTENCY_KEY="idem-malformed-1",
    )


def stored() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (PoliceReferral, Case, Victim, ConsentGrant, AuditEntry)
    }


def errors_of(response) -> list[tuple[str | None, str]]:
    payload = response.json()
    assert set(payload) == {"errors"}
    for item in payload["errors"]:
        assert set(item) == {"field", "code", "message"}
        assert item["message"]
    return [(item["field"], item["code"]) for item in payload["errors"]]


def with_raw(body: dict[str, Any], marker: str, raw: str) -> str:
    """The body as JSON, with ``marker`` swapped for ``raw`` as written (``json.dumps`` never
    writes a lone surrogate escape)."""
    return json.dumps(body, ensure_ascii=False).replace(marker, raw)


@pytest.mark.parametrize(
    ("text_of", "errors"),
    [
        (
            lambda: with_raw(referral(station="@@"), "@@", "마포\\ud800"),
            [("station", "invalid")],
        ),
        (
            lambda: with_raw(referral(summary="@@", station="##"), "@@", "\\udfff").replace(
                "##", "\\udbff"
            ),
            [("station", "invalid"), ("summary", "invalid")],
        ),
        (
            # in the name of a field: reported on the object that holds it
            lambda: with_raw(referral(consent__x="@@"), '"x"', '"\\ud800"'),
            [("consent", "invalid")],
        ),
    ],
    ids=["in a value", "in two values", "in the name of a field"],
)
def test_half_a_surrogate_pair_is_422_on_its_field_and_stores_nothing(key, text_of, errors):
    before = stored()
    response = send(key, text_of())
    assert response.status_code == 422, response.content
    assert sorted(errors_of(response), key=str) == errors
    assert stored() == before


@pytest.mark.parametrize("field", ["reported_at", "consent__given_at"])
def test_a_time_before_year_1_in_utc_is_422_and_stores_nothing(key, field):
    before = stored()
    response = send(key, json.dumps(referral(**{field: "0001-01-01T00:00:00+14:00"})))
    assert response.status_code == 422
    assert errors_of(response) == [(field.replace("__", "."), "out_of_range")]
    assert stored() == before


def test_an_offset_postgresql_cannot_store_is_kept_as_the_same_moment(key):
    # -16:08 is valid ISO 8601 and Python reads it; PostgreSQL refuses offsets beyond ±15:59
    moment = clock.now().replace(microsecond=0) - dt.timedelta(days=1)
    odd = dt.timezone(-dt.timedelta(hours=16, minutes=8))
    text = moment.astimezone(odd).isoformat()
    assert text.endswith("-16:08")
    response = send(key, json.dumps(referral(reported_at=text, consent__given_at=text)))
    assert response.status_code == 201, response.content
    referral_row = PoliceReferral.objects.get()
    assert referral_row.reported_at == moment
    assert ConsentGrant.objects.get().given_at == moment


@pytest.mark.parametrize("report_id", ["SMPA%00-1", "SMPA%01", "x" * 65])
def test_a_status_request_for_an_id_no_referral_can_have_is_404_on_the_id(key, report_id):
    response = Client().get(f"{URL}/{report_id}", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 404
    assert errors_of(response) == [("police_report_id", "not_found")]


def test_the_longest_id_still_finds_its_referral(key):
    report_id = "R" * 64
    sent = send(key, json.dumps(referral(police_report_id=report_id)))
    assert sent.status_code == 201
    response = Client().get(f"{URL}/{report_id}", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert response.json()["case_reference"] == sent.json()["case_reference"]
