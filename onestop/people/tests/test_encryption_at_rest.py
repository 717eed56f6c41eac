"""A raw dump of the database must not contain a victim's name, phone or summary in clear text."""

import pytest
from django.db import connection

from onestop.cases.services import case_note_add
from onestop.people.models import Victim

NAME, PHONE_DIGITS, SUMMARY = "홍길순", "01098765432", "가해자가 회사 앞에서 기다림"


def raw_dump() -> str:
    """Every row of every table, as the database returns it (no model decryption)."""
    lines: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            lines.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(lines)


@pytest.mark.django_db
def test_identity_and_narrative_are_not_in_a_raw_dump(open_case, manager):
    case = open_case(
        manager,
        name=NAME,
        phone="010-9876-5432",
        birth_year=1990,
        perpetrator_name="박철수",
        summary=SUMMARY,
        safe_contact_times="평일 저녁 7시 이후",
    )
    case_note_add(case_id=case.pk, actor=manager, note="피해자 새 직장: 을지로 소재")
    dump = raw_dump()
    # (whole values only: short digit runs like "9876" turn up in random base64 by chance)
    for secret in (NAME, PHONE_DIGITS, "+821098765432", "010-9876-5432", "박철수", SUMMARY,
                   "을지로", "평일 저녁"):  # fmt: skip
        assert secret not in dump, secret
    # the model still reads them back
    victim = Victim.objects.get(pk=case.victim_id)
    assert (victim.name, victim.phone, victim.birth_year) == (NAME, "+821098765432", 1990)


@pytest.mark.django_db
def test_birth_year_is_sealed_too(open_case, manager):
    case = open_case(manager, name="이수민", birth_year=1987)
    with connection.cursor() as cursor:
        cursor.execute("SELECT birth_year FROM people_victim WHERE id = %s", [case.victim_id.hex])
        row = cursor.fetchone()
        if row is None:  # PostgreSQL stores UUIDs natively
            cursor.execute("SELECT birth_year FROM people_victim WHERE id = %s", [case.victim_id])
            row = cursor.fetchone()
    assert row is not None
    assert "1987" not in row[0]
    assert row[0].startswith("v1:")
