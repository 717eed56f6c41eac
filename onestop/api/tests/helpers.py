"""Helpers for tests of the JSON API: signed-in clients, the error shape, and the row counts that
a refused request must leave unchanged."""

from __future__ import annotations

from typing import Any

from django.test import Client

from onestop.accounts.models import Staff
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case, CaseEvent, CaseTeamMember
from onestop.intake.models import Intake
from onestop.people.models import Perpetrator, Victim

API = "/api/v1"
CSRF_SECRET = "a" * 32  # an unmasked token of the secret's length; Django accepts it as is


def client_for(user: Staff | None = None, *, enforce_csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf)
    if user is not None:
        client.force_login(user)
    return client


def csrf_headers(client: Client) -> dict[str, str]:
    """Give the client a CSRF cookie and return the header that must match it."""
    client.cookies["csrftoken"] = CSRF_SECRET
    return {"X-CSRFToken": CSRF_SECRET}


def post(client: Client, path: str, data: Any = None, **extra: Any) -> Any:
    return client.post(API + path, data=data, content_type="application/json", **extra)


def get(client: Client, path: str, **params: Any) -> Any:
    return client.get(API + path, params)


def delete(client: Client, path: str, **extra: Any) -> Any:
    return client.delete(API + path, **extra)


def errors_of(response: Any) -> list[tuple[str | None, str]]:
    """The (field, code) pairs of an error answer, after checking its shape exactly."""
    body = response.json()
    assert set(body) <= {"errors", "matches"}
    assert body["errors"], body
    for item in body["errors"]:
        assert set(item) == {"field", "code", "message"}
        assert isinstance(item["code"], str)
        assert isinstance(item["message"], str)
        assert item["message"]
    return [(item["field"], item["code"]) for item in body["errors"]]


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Case,
            CaseEvent,
            CaseTeamMember,
            AuditEntry,
            Victim,
            Perpetrator,
            Intake,
        )
    }
