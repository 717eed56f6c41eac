"""``onestop audit verify``: OK on a good chain; exit 1 naming the first broken entry when a row
was edited or deleted behind the application's back."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from onestop.audit.services import audit_record

ENTRIES = 5


@pytest.fixture
def chain(db) -> None:
    for i in range(ENTRIES):
        audit_record(actor=None, action="test.event", data={"i": i})


def verify() -> str:
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


def broken() -> str:
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("audit", "verify", stdout=out)
    assert caught.value.returncode == 1
    return out.getvalue()


def sql(statement: str, params: list[str | int] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def test_verify_reports_the_number_of_entries(chain):
    output = verify()
    assert "OK" in output
    assert f"{ENTRIES} entries" in output


@pytest.mark.django_db
def test_verify_on_an_empty_log_is_ok():
    assert "0 entries" in verify()


def test_an_edited_row_is_named(chain):
    cast = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    sql(f"UPDATE audit_auditentry SET data = {cast} WHERE seq = 2", ['{"i": 99}'])
    output = broken()
    assert "entry #2" in output
    assert "1 good entries" in output


def test_a_deleted_middle_row_is_found(chain):
    sql("DELETE FROM audit_auditentry WHERE seq = 3")
    output = broken()
    assert "entry #3" in output


def test_a_deleted_last_row_is_found(chain):
    sql("DELETE FROM audit_auditentry WHERE seq = %s", [ENTRIES])
    output = broken()
    assert f"entry #{ENTRIES}" in output
    assert "deleted" in output
