"""Police systems retry: the same referral may arrive twice at the same moment. Whatever the
interleaving, one case is opened, the same key gets the same answer, and the same report under
another key is a duplicate. Real parallel transactions on PostgreSQL."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from onestop.cases.models import Case
from onestop.intake.models import PoliceReferral
from onestop.intake.tests.test_referral_api import URL, body, police_agency, police_key
from onestop.people.models import Victim

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def parallel(requests: list[dict[str, Any]], payload: str) -> list[Any]:
    """Send the requests at once (one thread each); their (status, body) in the given order."""
    barrier = threading.Barrier(len(requests))
    answers: list[Any] = [None] * len(requests)

    def send(index: int, headers: dict[str, Any]) -> None:
        try:
            barrier.wait(5)
            response = Client().post(URL, data=payload, content_type="application/json", **headers)
            answers[index] = (response.status_code, response.json())
        except BaseException as exc:  # reported by the assertion on answers
            answers[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=pair) for pair in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return answers


@pytest.fixture
def key(agency) -> str:
    if connection.vendor != "postgresql":
        pytest.skip("real parallel transactions need PostgreSQL")
    police_agency("police-mapo", "마포경찰서")
    return police_key("police-mapo")


def headers(key: str, idem: str) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}", "HTTP_IDEMPOTENCY_KEY": idem}


def test_the_same_request_sent_four_times_at_once_opens_one_case(key):
    answers = parallel([headers(key, "same-key-1")] * 4, json.dumps(body()))

    statuses = sorted(status for status, _ in answers)
    assert statuses == [200, 200, 200, 201]
    assert len({json.dumps(answer, sort_keys=True) for _, answer in answers}) == 1
    assert (Case.objects.count(), Victim.objects.count(), PoliceReferral.objects.count()) == (
        1,
        1,
        1,
    )


def test_the_same_report_under_two_keys_at_once_is_received_once(key):
    answers = parallel(
        [headers(key, "first-key-1"), headers(key, "second-key")], json.dumps(body())
    )

    statuses = sorted(status for status, _ in answers)
    assert statuses == [201, 409]
    refused = next(answer for status, answer in answers if status == 409)
    assert refused["errors"][0]["code"] == "duplicate_report"
    assert (Case.objects.count(), PoliceReferral.objects.count()) == (1, 1)
