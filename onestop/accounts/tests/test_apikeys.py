"""Partner API keys (``onestop apikey issue`` / ``revoke``, ``apikey_authenticate``) and the duty
switch (``staff_set_on_duty``, ``POST /accounts/duty/``).

A key is shown once and only its SHA-256 digest is kept; a revoked or expired key stops working
at once; a refused command writes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse

from onestop.accounts.models import ApiKey, Role, Staff
from onestop.accounts.services import (
    agency_add,
    apikey_authenticate,
    apikey_issue,
    apikey_revoke,
    staff_set_on_duty,
)
from onestop.audit.models import AuditEntry
from onestop.core import clock

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def police():
    return agency_add(
        actor=None, code="police-mapo", kind="police", name="마포경찰서", region="seoul"
    )


@pytest.fixture
def frozen(monkeypatch):
    """Set what ``clock.now()`` answers: ``frozen(moment)``."""

    def freeze(moment: dt.datetime) -> None:
        monkeypatch.setattr(clock, "now", lambda: moment)

    return freeze


def counts() -> tuple[int, int]:
    return ApiKey.objects.count(), AuditEntry.objects.count()


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("apikey", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args: str) -> CommandError:
    before = counts()
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert caught.value.returncode != 0
    assert counts() == before, "a refused command wrote something"
    return caught.value


def issue(agency_code: str = "police-mapo", scope: str = "police_referral") -> tuple[str, str]:
    """Issue through the command; returns (key id, key)."""
    out, _err = run("issue", "--agency", agency_code, "--scope", scope)
    printed = json.loads(out)
    return printed["id"], printed["key"]


def raw_rows(table: str) -> str:
    """Every row of a table as the database returns it (no model decoding)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
        return "\n".join(repr(row) for row in cursor.fetchall())


# --- onestop apikey issue ------------------------------------------------------------------------


def test_issue_prints_one_json_line_and_stores_only_the_digest(police):
    # given a police agency
    before_audit = AuditEntry.objects.count()
    # when a referral key is issued to it
    out, err = run("issue", "--agency", "police-mapo", "--scope", "police_referral")
    # then standard output is exactly one JSON line with the id and the key
    lines = out.splitlines()
    assert len(lines) == 1
    printed = json.loads(lines[0])
    assert set(printed) == {"id", "key"}
    raw_key = printed["key"]
    assert raw_key.startswith("osk_")
    assert len(raw_key) == len("osk_") + 43  # 32 random bytes, URL-safe base64
    assert "cannot be shown again" in err
    # and the row holds the digest, the first characters, and nothing else of the key
    key = ApiKey.objects.get()
    assert str(key.pk) == printed["id"]
    assert (key.agency_id, key.scope, key.issued_by_id) == (police.pk, "police_referral", None)
    assert key.key_digest == hashlib.sha256(raw_key.encode()).hexdigest()
    assert key.hint == raw_key[:12]
    assert (key.expires_at, key.revoked_at, key.last_used_at) == (None, None, None)
    assert raw_key not in raw_rows(ApiKey._meta.db_table)
    # and one audit entry, which does not hold the key either
    entries = list(AuditEntry.objects.filter(seq__gt=before_audit))
    assert [(e.action, e.target_id, e.actor_id) for e in entries] == [
        ("apikey.issue", str(key.pk), None)
    ]
    assert entries[0].data == {
        "agency": "police-mapo",
        "scope": "police_referral",
        "hint": key.hint,
    }
    assert raw_key not in raw_rows(AuditEntry._meta.db_table)
    # and the key works
    assert apikey_authenticate(raw_key=raw_key) == key


def test_two_keys_are_different(police):
    first_id, first = issue()
    second_id, second = issue()
    assert first_id != second_id
    assert first != second
    assert ApiKey.objects.count() == 2


@pytest.mark.parametrize("scope", ["provider", "platform"])
def test_non_referral_scopes_may_go_to_any_agency(agency, scope):
    key_id, raw_key = issue(agency.code, scope)
    key = ApiKey.objects.get(pk=key_id)
    assert (key.agency_id, key.scope) == (agency.pk, scope)
    assert apikey_authenticate(raw_key=raw_key) == key


@pytest.mark.parametrize(
    ("agency_code", "scope", "field", "words"),
    [
        ("no-such-agency", "police_referral", "--agency", "no-such-agency"),
        ("police-mapo", "admin", "--scope", "police_referral, provider, platform"),
        ("police-mapo", "", "--scope", "police_referral, provider, platform"),
        ("seoul-onestop", "police_referral", "--scope", "경찰"),
    ],
)
def test_issue_refuses_bad_input_with_a_clear_message_and_writes_nothing(
    police, agency, agency_code, scope, field, words
):
    error = refused("issue", "--agency", agency_code, "--scope", scope)
    assert error.returncode == 2
    assert field in str(error)
    assert words in str(error)


def test_issue_reports_an_unknown_agency_and_an_unknown_scope_at_once(police):
    error = refused("issue", "--agency", "nowhere", "--scope", "everything")
    assert "--agency" in str(error)
    assert "--scope" in str(error)


@pytest.mark.parametrize(
    "args",
    [
        ("issue", "--agency", "police-mapo"),
        ("issue", "--scope", "police_referral"),
        ("revoke",),
        (),
    ],
)
def test_missing_arguments_are_refused(police, args):
    refused(*args)


# --- onestop apikey revoke -----------------------------------------------------------------------


def test_revoke_stops_the_key_at_once(police):
    # given a key that works
    key_id, raw_key = issue()
    assert apikey_authenticate(raw_key=raw_key) is not None
    before_audit = AuditEntry.objects.count()
    # when it is revoked
    out, _err = run("revoke", key_id)
    # then it no longer authenticates, and the revocation is audited
    assert out == f"key {key_id} revoked\n"
    assert apikey_authenticate(raw_key=raw_key) is None
    key = ApiKey.objects.get(pk=key_id)
    assert key.revoked_at is not None
    entries = list(AuditEntry.objects.filter(seq__gt=before_audit))
    assert [(e.action, e.target_id, e.data) for e in entries] == [
        ("apikey.revoke", key_id, {"hint": key.hint})
    ]
    assert raw_key not in raw_rows(AuditEntry._meta.db_table)


def test_revoking_twice_changes_nothing(police):
    # given a revoked key
    key_id, raw_key = issue()
    run("revoke", key_id)
    revoked_at = ApiKey.objects.get(pk=key_id).revoked_at
    before = counts()
    # when it is revoked again
    out, _err = run("revoke", key_id)
    # then it says so, and nothing is written
    assert out.startswith(f"key {key_id} was already revoked at ")
    assert counts() == before
    assert ApiKey.objects.get(pk=key_id).revoked_at == revoked_at
    assert apikey_authenticate(raw_key=raw_key) is None


def test_revoking_one_key_leaves_the_others_working(police):
    first_id, first = issue()
    _second_id, second = issue()
    run("revoke", first_id)
    assert apikey_authenticate(raw_key=first) is None
    assert apikey_authenticate(raw_key=second) is not None


@pytest.mark.parametrize("key_id", ["not-a-uuid", str(uuid.UUID(int=7)), ""])
def test_revoke_refuses_an_unknown_key_id(police, key_id):
    issue()
    error = refused("revoke", key_id)
    assert error.returncode == 2
    assert "--key-id" in str(error)
    assert f"'{key_id}'" in str(error)


# --- apikey_authenticate --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "candidate",
    [
        "",
        "osk_",
        "osk_" + "A" * 43,  # well-formed, never issued
        "Bearer osk_x",
        "osk_" + "A" * 300,  # longer than any key
    ],
)
def test_unknown_keys_do_not_authenticate(police, candidate):
    issue()
    assert apikey_authenticate(raw_key=candidate) is None


def test_a_key_without_its_prefix_or_with_a_changed_character_does_not_authenticate(police):
    _key_id, raw_key = issue()
    assert apikey_authenticate(raw_key=raw_key[4:]) is None
    changed = raw_key[:-1] + ("A" if raw_key[-1] != "A" else "B")
    assert apikey_authenticate(raw_key=changed) is None
    assert apikey_authenticate(raw_key=raw_key.upper()) is None


def test_an_expired_key_does_not_authenticate(police, frozen):
    # given a key that expires at noon
    frozen(T0)
    noon = T0 + dt.timedelta(hours=3)
    key, raw_key = apikey_issue(
        actor=None, agency_code="police-mapo", scope="police_referral", expires_at=noon
    )
    # then it works until just before noon, and not from noon on
    frozen(noon - dt.timedelta(microseconds=1))
    assert apikey_authenticate(raw_key=raw_key) == key
    for moment in (noon, noon + dt.timedelta(seconds=1), noon + dt.timedelta(days=400)):
        frozen(moment)
        assert apikey_authenticate(raw_key=raw_key) is None, moment


def test_a_key_cannot_be_issued_already_expired(police, frozen):
    frozen(T0)
    before = counts()
    from onestop.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        apikey_issue(actor=None, agency_code="police-mapo", scope="police_referral", expires_at=T0)
    assert [e.field for e in caught.value.errors] == ["expires_at"]
    assert counts() == before


def test_a_revoked_key_does_not_authenticate_even_before_its_expiry(police, frozen):
    frozen(T0)
    key, raw_key = apikey_issue(
        actor=None,
        agency_code="police-mapo",
        scope="police_referral",
        expires_at=T0 + dt.timedelta(days=30),
    )
    apikey_revoke(actor=None, key_id=str(key.pk))
    assert apikey_authenticate(raw_key=raw_key) is None


def test_authenticate_loads_the_agency(police, django_assert_num_queries):
    _key_id, raw_key = issue()
    apikey_authenticate(raw_key=raw_key)  # the first use writes last_used_at
    with django_assert_num_queries(1):
        key = apikey_authenticate(raw_key=raw_key)
        assert key is not None
        assert key.agency.code == "police-mapo"


def stored_last_used(raw_key: str) -> dt.datetime | None:
    return ApiKey.objects.get(key_digest=hashlib.sha256(raw_key.encode()).hexdigest()).last_used_at


def test_last_used_is_set_on_first_use(police, frozen):
    _key_id, raw_key = issue()
    assert stored_last_used(raw_key) is None
    frozen(T0)
    key = apikey_authenticate(raw_key=raw_key)
    assert key is not None
    assert key.last_used_at == T0
    assert stored_last_used(raw_key) == T0


@pytest.mark.parametrize(
    ("seconds_later", "rewritten"),
    [
        (0, False),
        (1, False),
        (30, False),
        (59, False),
        (59.999999, False),
        (60.000001, True),
        (61, True),
        (3600, True),
    ],
)
def test_last_used_is_not_rewritten_within_a_minute(police, frozen, seconds_later, rewritten):
    # given a key last used at T0
    _key_id, raw_key = issue()
    frozen(T0)
    apikey_authenticate(raw_key=raw_key)
    # when it is used again some seconds later
    later = T0 + dt.timedelta(seconds=seconds_later)
    frozen(later)
    key = apikey_authenticate(raw_key=raw_key)
    # then the stored time moves only when a minute or more has passed
    assert key is not None
    expected = later if rewritten else T0
    assert stored_last_used(raw_key) == expected
    assert key.last_used_at == expected


def test_at_exactly_one_minute_the_returned_key_matches_the_stored_one(police, frozen):
    _key_id, raw_key = issue()
    frozen(T0)
    apikey_authenticate(raw_key=raw_key)
    frozen(T0 + dt.timedelta(minutes=1))
    key = apikey_authenticate(raw_key=raw_key)
    assert key is not None
    assert key.last_used_at == stored_last_used(raw_key)


def test_authenticating_writes_no_audit_entry(police):
    _key_id, raw_key = issue()
    before = AuditEntry.objects.count()
    apikey_authenticate(raw_key=raw_key)
    apikey_authenticate(raw_key="osk_" + "A" * 43)
    assert AuditEntry.objects.count() == before


# --- staff_set_on_duty ----------------------------------------------------------------------------


def test_starting_and_ending_a_shift_are_audited(counselor):
    # given a counselor off duty
    assert Staff.objects.get(pk=counselor.pk).on_duty is False
    before = AuditEntry.objects.count()
    # when she starts her shift
    staff = staff_set_on_duty(actor=counselor, on_duty=True)
    # then she is on duty, in the database and in the object the caller holds
    assert staff.on_duty is True
    assert counselor.on_duty is True
    assert Staff.objects.get(pk=counselor.pk).on_duty is True
    # when she ends it
    staff_set_on_duty(actor=counselor, on_duty=False)
    assert Staff.objects.get(pk=counselor.pk).on_duty is False
    # then both are in the audit log, in her name
    entries = list(AuditEntry.objects.filter(seq__gt=before))
    assert [(e.action, e.actor_id, e.target_id, e.data) for e in entries] == [
        ("staff.duty_start", counselor.pk, str(counselor.pk), {}),
        ("staff.duty_end", counselor.pk, str(counselor.pk), {}),
    ]


@pytest.mark.parametrize("state", [True, False])
def test_setting_the_same_state_again_writes_nothing(counselor, state):
    staff_set_on_duty(actor=counselor, on_duty=state)
    before = AuditEntry.objects.count()
    staff = staff_set_on_duty(actor=counselor, on_duty=state)
    assert staff.on_duty is state
    assert Staff.objects.get(pk=counselor.pk).on_duty is state
    assert AuditEntry.objects.count() == before


def test_a_stale_copy_of_the_staff_member_does_not_write_twice(counselor):
    """Two tabs: the state is read again under lock, not taken from the caller's object."""
    stale = Staff.objects.get(pk=counselor.pk)
    staff_set_on_duty(actor=counselor, on_duty=True)
    before = AuditEntry.objects.count()
    staff_set_on_duty(actor=stale, on_duty=True)
    assert AuditEntry.objects.count() == before
    assert Staff.objects.get(pk=counselor.pk).on_duty is True


# --- POST /accounts/duty/ -------------------------------------------------------------------------

DUTY = reverse("accounts:duty")


def logged_in(user: Staff) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_duty_switch_needs_a_signed_in_user(counselor):
    before = AuditEntry.objects.count()
    response = Client().post(DUTY, {"on_duty": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={DUTY}"
    assert Staff.objects.get(pk=counselor.pk).on_duty is False
    assert AuditEntry.objects.count() == before


def test_the_duty_switch_is_post_only(counselor):
    before = AuditEntry.objects.count()
    response = logged_in(counselor).get(DUTY, {"on_duty": "1"})
    assert response.status_code == 405
    assert Staff.objects.get(pk=counselor.pk).on_duty is False
    assert AuditEntry.objects.count() == before


def test_the_duty_switch_needs_the_csrf_token(counselor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(counselor)
    before = AuditEntry.objects.count()
    response = client.post(DUTY, {"on_duty": "1"})
    assert response.status_code == 403
    assert Staff.objects.get(pk=counselor.pk).on_duty is False
    assert AuditEntry.objects.count() == before


def test_the_duty_switch_starts_and_ends_a_shift(counselor):
    client = logged_in(counselor)
    # when she starts her shift
    response = client.post(DUTY, {"on_duty": "1"}, follow=True)
    # then she is back on the dashboard, on duty, and told so
    assert response.redirect_chain == [(reverse("cases:dashboard"), 302)]
    assert Staff.objects.get(pk=counselor.pk).on_duty is True
    assert [str(m) for m in response.context["messages"]] == [
        "근무를 시작했습니다. 새 경찰 연계가 오면 바로 알려 드립니다."
    ]
    assert "근무 종료" in response.content.decode()
    # when she ends it
    response = client.post(DUTY, {"on_duty": "0"}, follow=True)
    assert Staff.objects.get(pk=counselor.pk).on_duty is False
    assert [str(m) for m in response.context["messages"]] == [
        "근무를 마쳤습니다. 실시간 알림을 받지 않습니다."
    ]
    assert "근무 시작" in response.content.decode()
    actions = list(
        AuditEntry.objects.filter(actor=counselor, action__startswith="staff.duty").values_list(
            "action", flat=True
        )
    )
    assert actions == ["staff.duty_start", "staff.duty_end"]


@pytest.mark.parametrize("value", [None, "", "0", "true", "yes", "2"])
def test_anything_but_on_duty_1_ends_the_shift(counselor, value):
    staff_set_on_duty(actor=counselor, on_duty=True)
    data = {} if value is None else {"on_duty": value}
    response = logged_in(counselor).post(DUTY, data)
    assert response.status_code == 302
    assert Staff.objects.get(pk=counselor.pk).on_duty is False


@pytest.mark.parametrize("role", Role.values)
def test_roles_that_work_shifts_may_use_the_switch_for_themselves_only(staff, role):
    user = staff[role]
    others = {s.pk for s in staff.values()} - {user.pk}
    before = AuditEntry.objects.count()
    response = logged_in(user).post(DUTY, {"on_duty": "1"})
    assert response.status_code == 302
    works_shifts = role in (Role.HOTLINE_COUNSELOR, Role.CASE_MANAGER, Role.SUPERVISOR)
    assert Staff.objects.get(pk=user.pk).on_duty is works_shifts
    assert AuditEntry.objects.count() == before + (1 if works_shifts else 0)
    assert not Staff.objects.filter(pk__in=others, on_duty=True).exists()


def test_signing_out_ends_the_shift(counselor):
    client = logged_in(counselor)
    client.post(DUTY, {"on_duty": "1"})
    assert Staff.objects.get(pk=counselor.pk).on_duty is True
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert Staff.objects.get(pk=counselor.pk).on_duty is False
    assert AuditEntry.objects.filter(action="staff.duty_end", actor=counselor).count() == 1
