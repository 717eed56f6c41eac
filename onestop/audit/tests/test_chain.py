"""The audit chain: appended in order, and any edit or deletion is found."""

import datetime
import itertools
import threading
import zoneinfo

import pytest
from django.db import connection, connections

from onestop.audit.models import AuditEntry
from onestop.audit.selectors import audit_chain_verify
from onestop.audit.services import audit_record
from onestop.core import clock


def write_entries(n: int, actor=None) -> None:
    for i in range(n):
        audit_record(actor=actor, action="test.event", data={"i": i})


@pytest.mark.django_db
def test_entries_chain_in_order_and_verify(manager):
    before = AuditEntry.objects.count()
    write_entries(5, actor=manager)
    entries = list(AuditEntry.objects.order_by("seq"))
    assert len(entries) == before + 5
    assert [e.seq for e in entries] == list(range(1, before + 6))
    for parent, child in itertools.pairwise(entries):
        assert child.prev_hash == parent.entry_hash
    assert entries[-1].actor_id == manager.pk
    report = audit_chain_verify()
    assert report.ok
    assert report.entries == before + 5


@pytest.mark.django_db
def test_an_entry_written_at_a_seoul_time_verifies_when_read_back_in_utc(monkeypatch):
    # the database returns every time in UTC; the digest must not depend on the zone written
    seoul = datetime.datetime(2026, 10, 28, 17, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Seoul"))
    monkeypatch.setattr(clock, "now", lambda: seoul)
    write_entries(2)
    report = audit_chain_verify()
    assert report.ok, report.problem


@pytest.mark.django_db
def test_editing_one_row_in_the_database_is_detected():
    write_entries(5)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET action = 'harmless' WHERE seq = 3")
    report = audit_chain_verify()
    assert (report.ok, report.broken_at, report.entries) == (False, 3, 2)
    assert "altered" in report.problem


@pytest.mark.django_db
def test_rehashing_an_edited_row_still_breaks_the_next_link():
    write_entries(5)
    entry = AuditEntry.objects.get(seq=3)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET entry_hash = %s WHERE seq = 3", ["f" * 64])
    report = audit_chain_verify()
    assert report.broken_at == 3
    assert entry.entry_hash != "f" * 64


@pytest.mark.django_db
def test_deleting_a_middle_row_is_detected():
    write_entries(5)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq = 2")
    report = audit_chain_verify()
    assert (report.ok, report.broken_at) == (False, 2)
    assert "missing" in report.problem


@pytest.mark.django_db
def test_deleting_the_newest_row_is_detected():
    write_entries(4)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq = 4")
    report = audit_chain_verify()
    assert (report.ok, report.broken_at) == (False, 4)
    assert "deleted" in report.problem


@pytest.mark.django_db
def test_entries_refuse_update_and_delete_through_the_orm():
    write_entries(1)
    entry = AuditEntry.objects.get(seq=1)
    entry.action = "other"
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain():
    if connection.vendor != "postgresql":
        pytest.skip("real parallel transactions need PostgreSQL")
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            write_entries(20)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = audit_chain_verify()
    assert report.ok
    assert report.entries == AuditEntry.objects.count() == 120
