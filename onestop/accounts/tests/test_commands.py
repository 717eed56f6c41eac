"""``onestop agency add`` and ``onestop staff add``: a clear message and a non-zero exit on bad
input, and nothing written then."""

from __future__ import annotations

import io
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from onestop.accounts.models import Agency, Staff
from onestop.audit.models import AuditEntry
from onestop.conftest import PASSWORD

GOOD_AGENCY = {
    "--code": "seoul-onestop",
    "--kind": "onestop_center",
    "--name": "서울 원스톱 지원센터",
    "--region": "seoul",
}


def agency_args(**changes: str) -> list[str]:
    values = dict(GOOD_AGENCY)
    values.update({f"--{k.replace('_', '-')}": v for k, v in changes.items()})
    return ["add", *[item for pair in values.items() for item in pair]]


def counts() -> tuple[int, int, int]:
    return Agency.objects.count(), Staff.objects.count(), AuditEntry.objects.count()


def run(*args: str, stdin: str | None = None, monkeypatch=None) -> str:
    out = io.StringIO()
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def refused(*args: str, **kwargs) -> CommandError:
    before = counts()
    with pytest.raises(CommandError) as caught:
        run(*args, **kwargs)
    assert caught.value.returncode != 0
    assert counts() == before, "a refused command wrote something"
    return caught.value


@pytest.mark.django_db
def test_agency_add_writes_the_agency_and_its_audit_entry():
    output = run("agency", *agency_args(), "--default-center")
    assert "seoul-onestop" in output
    agency = Agency.objects.get(code="seoul-onestop")
    assert (agency.kind, agency.region, agency.is_default_center) == (
        "onestop_center",
        "seoul",
        True,
    )
    entry = AuditEntry.objects.get(action="agency.add")
    assert entry.target_id == str(agency.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("code", "Not A Code"),
        ("code", "x"),
        ("kind", "bakery"),
        ("region", "tokyo"),
        ("name", "   "),
        ("name", "가" * 201),
    ],
)
def test_agency_add_refuses_a_bad_field_and_names_it(field, value):
    error = refused("agency", *agency_args(**{field: value}))
    assert f"--{field}" in str(error)
    assert error.returncode == 2


@pytest.mark.django_db
def test_agency_add_reports_every_bad_field_at_once():
    error = refused("agency", *agency_args(code="BAD!", kind="bakery", region="mars"))
    for field in ("--code", "--kind", "--region"):
        assert field in str(error)


@pytest.mark.django_db
def test_default_center_must_be_a_one_stop_center():
    error = refused("agency", *agency_args(kind="police"), "--default-center")
    assert "--default-center" in str(error)


@pytest.mark.django_db
def test_agency_add_refuses_a_missing_option():
    refused("agency", "add", "--code", "x-y", "--kind", "police", "--region", "seoul")


@pytest.mark.django_db
def test_agency_add_refuses_a_duplicate_code():
    run("agency", *agency_args())
    error = refused("agency", *agency_args(name="다른 이름"))
    assert "--code" in str(error)
    assert "seoul-onestop" in str(error)


@pytest.mark.django_db
def test_only_one_default_center():
    run("agency", *agency_args(), "--default-center")
    error = refused(
        "agency", *agency_args(code="busan-onestop", region="busan"), "--default-center"
    )
    assert "--default-center" in str(error)
    assert Agency.objects.filter(is_default_center=True).count() == 1


@pytest.fixture
def center(db) -> Agency:
    run("agency", *agency_args())
    return Agency.objects.get(code="seoul-onestop")


def staff_args(**changes: str) -> list[str]:
    values = {"--agency": "seoul-onestop", "--username": "kim.manager", "--role": "case_manager"}
    values.update({f"--{k}": v for k, v in changes.items()})
    return ["add", *[item for pair in values.items() for item in pair]]


def test_staff_add_with_password_from_stdin(center, monkeypatch):
    output = run(
        "staff",
        *staff_args(),
        "--display-name",
        "김지현",
        "--password-stdin",
        stdin=PASSWORD + "\n",
        monkeypatch=monkeypatch,
    )
    assert "kim.manager" in output
    staff = Staff.objects.get(username="kim.manager")
    assert (staff.agency_id, staff.role, staff.display_name) == (
        center.pk,
        "case_manager",
        "김지현",
    )
    assert staff.check_password(PASSWORD)
    assert AuditEntry.objects.filter(action="staff.add", target_id=str(staff.pk)).exists()


def test_staff_add_without_a_password_makes_an_unusable_one(center):
    run("staff", *staff_args())
    assert not Staff.objects.get(username="kim.manager").has_usable_password()


@pytest.mark.parametrize(
    ("field", "value"),
    [("role", "boss"), ("agency", "no-such-agency"), ("username", "a b")],
)
def test_staff_add_refuses_a_bad_field_and_names_it(center, monkeypatch, field, value):
    error = refused(
        "staff",
        *staff_args(**{field: value}),
        "--password-stdin",
        stdin=PASSWORD + "\n",
        monkeypatch=monkeypatch,
    )
    assert f"--{field}" in str(error)


@pytest.mark.parametrize("password", ["short-pw", "123456789012345", "password1234", ""])
def test_staff_add_refuses_a_weak_password(center, monkeypatch, password):
    error = refused(
        "staff", *staff_args(), "--password-stdin", stdin=password + "\n", monkeypatch=monkeypatch
    )
    assert "--password" in str(error)


def test_staff_add_refuses_a_duplicate_username(center):
    run("staff", *staff_args())
    error = refused("staff", *staff_args(username="KIM.MANAGER", role="supervisor"))
    assert "--username" in str(error)
