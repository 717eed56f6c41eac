"""The partner API (``/api/v1/partner``) with a provider key: listing and opening the agency's
referrals, accepting, declining (a reason, or 422 and nothing written), recording deliveries
(``Idempotency-Key``: 201 new, 200 the same again, 409 another body; limits as 422 naming the
field), the withheld projection after consent is withdrawn, the error shape, and 404 for any
referral not sent to the key's agency."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from onestop.accounts.models import AgencyKind, Staff
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case, CaseEvent
from onestop.consent.services import consent_withdraw
from onestop.core import clock
from onestop.core.clock import SEOUL
from onestop.core.errors import Conflict
from onestop.support.models import Delivery, ProviderReferral, ReferralStatus, ServiceRequest
from onestop.support.services import (
    DeliveryInput,
    Partner,
    partner_delivery_record,
    provider_referral_respond,
    provider_referral_send,
)

from .test_partner_helpers import (
    API,
    MEETING_POINT,
    VICTIM_PHONE,
    World,
    assert_nothing_forbidden,
    build_world,
    key_client,
    provider_key,
)

pytestmark = pytest.mark.django_db

READINGS = ("support.referral.view",)


def writes() -> tuple[int, ...]:
    return (
        Delivery.objects.count(),
        ProviderReferral.objects.exclude(status=ReferralStatus.SENT).count(),
        CaseEvent.objects.count(),
        AuditEntry.objects.exclude(action__in=READINGS).count(),
    )


@pytest.fixture
def world(
    case: Case,
    manager: Staff,
    partners: dict[str, Staff],
    share_all: Callable[..., Any],
    approved: Callable[..., ServiceRequest],
) -> World:
    return build_world(
        case=case, manager=manager, partners=partners, share_all=share_all, approved=approved
    )


@pytest.fixture
def keys(partners: dict[str, Staff]) -> dict[str, Client]:
    return {
        kind: key_client(provider_key(staff.agency.code)[1]) for kind, staff in partners.items()
    }


def post(client: Client, path: str, body: Any = None, **headers: str) -> Any:
    return client.post(
        f"{API}{path}",
        json.dumps(body) if body is not None else None,
        content_type="application/json",
        headers=headers,
    )


def accepted(keys: dict[str, Client], world: World, kind: str) -> tuple[Client, ProviderReferral]:
    client, referral = keys[kind], world.referrals[kind]
    assert post(client, f"/referrals/{referral.pk}/accept").status_code == 200
    client.get(f"{API}/referrals/{referral.pk}")  # the partner reads it before recording
    return client, referral


def today() -> dt.date:
    return clock.today_in_seoul()


def errors_of(answer: Any) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in answer.json()["errors"]]


# --- reading ------------------------------------------------------------------------------------


def test_list_shape(world: World, keys: dict[str, Client]) -> None:
    answer = keys[AgencyKind.SECURITY].get(f"{API}/referrals")
    assert answer.status_code == 200
    (item,) = answer.json()["referrals"]
    referral = world.referrals[AgencyKind.SECURITY]
    assert item["id"] == str(referral.pk)
    assert item["case_reference"] == world.case.reference
    assert (item["service_kind"], item["service_label"]) == ("security", "민간 경호")
    assert (item["status"], item["status_label"]) == ("sent", "의뢰됨")
    assert item["sent_at"].endswith("+09:00")
    # to the millisecond, as Django's JSON encoder writes times
    sent = dt.datetime.fromisoformat(item["sent_at"])
    assert abs(sent - referral.sent_at) < dt.timedelta(milliseconds=1)
    assert item["approved"] == {
        "unit": "days",
        "quantity": 3,
        "starts_on": today().isoformat(),
        "hours_per_day": 10,
        "guards_per_shift": 2,
    }
    assert set(item) == {
        "id",
        "case_reference",
        "service_kind",
        "service_label",
        "subtype",
        "subtype_label",
        "status",
        "status_label",
        "sent_at",
        "responded_at",
        "assigned_to",
        "approved",
    }


def test_detail_has_the_projection_and_is_audited(world: World, keys: dict[str, Client]) -> None:
    referral = world.referrals[AgencyKind.SECURITY]
    answer = keys[AgencyKind.SECURITY].get(f"{API}/referrals/{referral.pk}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["projection"]["address"] == {"meeting_point": MEETING_POINT}
    assert body["projection"]["contact"]["phone"] == VICTIM_PHONE
    assert body["withheld"] == ""
    assert body["deliveries"] == []
    assert body["totals"] == {
        "unit": "days",
        "approved": 3,
        "used": 0,
        "left": 3,
        "hours_per_day_limit": 10,
        "hours_by_day": [],
    }
    entry = AuditEntry.objects.filter(action="support.referral.view").get()
    assert entry.actor_label.startswith("apikey:")
    assert_nothing_forbidden(answer.content.decode())


def test_withdrawn_consent_withholds_the_projection_at_once(
    world: World, keys: dict[str, Client], manager: Staff
) -> None:
    referral = world.referrals[AgencyKind.LEGAL]
    client = keys[AgencyKind.LEGAL]
    assert client.get(f"{API}/referrals/{referral.pk}").json()["projection"] is not None

    consent_withdraw(case_id=world.case.pk, grant_id=world.grant.pk, actor=manager, note="")

    body = client.get(f"{API}/referrals/{referral.pk}").json()
    assert body["projection"] is None
    assert body["withheld"] != ""
    text = json.dumps(body, ensure_ascii=False)
    assert VICTIM_PHONE not in text
    assert "김지영" not in text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", ""),
        ("post", "/accept"),
        ("post", "/decline"),
        ("post", "/deliveries"),
    ],
)
def test_other_agencies_referrals_and_unknown_ids_are_404(
    method: str, path: str, world: World, keys: dict[str, Client]
) -> None:
    client = keys[AgencyKind.COUNSELING]
    before = writes()
    for referral_id in (
        world.referrals[AgencyKind.LEGAL].pk,
        "5f0b2f7e-2b8e-4a0c-9a39-5d1b1c2a7e11",
    ):
        target = f"/referrals/{referral_id}{path}"
        if method == "get":
            answer = client.get(f"{API}{target}")
        elif path == "/decline":
            answer = post(client, target, {"reason": "불가"})
        elif path == "/deliveries":
            session = {"kind": "session", "occurred_on": today().isoformat()}
            answer = post(client, target, session, **{"Idempotency-Key": "key-12345678"})
        else:
            answer = post(client, target)
        assert answer.status_code == 404
        assert errors_of(answer) == [(None, "not_found")]
    assert writes() == before


# --- answering ----------------------------------------------------------------------------------


def test_accept_and_accept_again(world: World, keys: dict[str, Client]) -> None:
    referral = world.referrals[AgencyKind.COUNSELING]
    client = keys[AgencyKind.COUNSELING]
    answer = post(client, f"/referrals/{referral.pk}/accept")
    assert answer.status_code == 200
    assert answer.json()["status"] == "accepted"
    assert answer.json()["responded_at"].endswith("+09:00")
    before = writes()
    assert post(client, f"/referrals/{referral.pk}/accept").status_code == 200
    assert writes() == before
    conflict = post(client, f"/referrals/{referral.pk}/decline", {"reason": "마음이 바뀜"})
    assert conflict.status_code == 409
    assert errors_of(conflict) == [(None, "conflict")]
    assert writes() == before


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (None, [("reason", "required")]),
        ({}, [("reason", "required")]),
        ({"reason": ""}, [("reason", "required")]),
        ({"reason": "   "}, [("reason", "required")]),
        ({"reason": "x" * 2001}, [("reason", "string_too_long")]),
        ({"reason": "사유", "extra": 1}, [("extra", "unknown_field")]),
    ],
)
def test_decline_needs_a_reason_and_writes_nothing_without_one(
    body: Any, expected: list[tuple[str | None, str]], world: World, keys: dict[str, Client]
) -> None:
    referral = world.referrals[AgencyKind.LEGAL]
    client = keys[AgencyKind.LEGAL]
    client.get(f"{API}/referrals/{referral.pk}")
    before = writes()
    answer = post(client, f"/referrals/{referral.pk}/decline", body)
    assert answer.status_code == 422
    assert errors_of(answer) == expected
    assert writes() == before
    referral.refresh_from_db()
    assert referral.status == "sent"


def test_decline_with_a_reason(world: World, keys: dict[str, Client]) -> None:
    referral = world.referrals[AgencyKind.LEGAL]
    answer = post(
        keys[AgencyKind.LEGAL], f"/referrals/{referral.pk}/decline", {"reason": "이해충돌"}
    )
    assert answer.status_code == 200
    body = answer.json()
    assert (body["status"], body["decline_reason"], body["projection"]) == (
        "declined",
        "이해충돌",
        None,
    )
    referral.refresh_from_db()
    assert referral.decline_reason == "이해충돌"


# --- deliveries ---------------------------------------------------------------------------------


def session(day: int = 0, **more: Any) -> dict[str, Any]:
    return {
        "kind": "session",
        "occurred_on": (today() - dt.timedelta(days=day)).isoformat(),
        **more,
    }


def test_delivery_needs_an_idempotency_key(world: World, keys: dict[str, Client]) -> None:
    client, referral = accepted(keys, world, AgencyKind.COUNSELING)
    before = writes()
    path = f"/referrals/{referral.pk}/deliveries"
    for headers in ({}, {"Idempotency-Key": "short"}, {"Idempotency-Key": "k" * 129}):
        answer = post(client, path, session(), **headers)
        assert answer.status_code == 400
        assert errors_of(answer) == [("Idempotency-Key", "bad_request")]
    assert writes() == before


def test_idempotent_delivery(world: World, keys: dict[str, Client]) -> None:
    client, referral = accepted(keys, world, AgencyKind.COUNSELING)
    path = f"/referrals/{referral.pk}/deliveries"
    key = {"Idempotency-Key": "session-2026-001"}

    first = post(client, path, session(minutes=50), **key)
    assert first.status_code == 201
    assert first.json()["kind"] == "session"
    assert first.json()["minutes"] == 50
    after_first = writes()

    again = post(client, path, session(minutes=50), **key)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert writes() == after_first

    other = post(client, path, session(minutes=40), **key)
    assert other.status_code == 409
    assert errors_of(other) == [("Idempotency-Key", "idempotency_conflict")]
    assert writes() == after_first
    assert Delivery.objects.filter(referral=referral).count() == 1


def test_a_guard_shift_sent_again_in_another_offset_is_the_same(
    world: World, keys: dict[str, Client]
) -> None:
    client, referral = accepted(keys, world, AgencyKind.SECURITY)
    path = f"/referrals/{referral.pk}/deliveries"
    start = dt.datetime.combine(today(), dt.time(9), tzinfo=SEOUL)
    body = {
        "kind": "guard_shift",
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=4)).isoformat(),
        "guards": 2,
    }
    first = post(client, path, body, **{"Idempotency-Key": "shift-000001"})
    assert first.status_code == 201
    assert first.json()["starts_at"] == start.isoformat()
    in_utc = {
        **body,
        "starts_at": start.astimezone(dt.UTC).isoformat(),
        "ends_at": (start + dt.timedelta(hours=4)).astimezone(dt.UTC).isoformat(),
    }
    again = post(client, path, in_utc, **{"Idempotency-Key": "shift-000001"})
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]


def test_sessions_past_the_approved_number_are_422(world: World, keys: dict[str, Client]) -> None:
    client, referral = accepted(keys, world, AgencyKind.COUNSELING)
    path = f"/referrals/{referral.pk}/deliveries"
    for n in (1, 2):
        answer = post(client, path, session(day=n), **{"Idempotency-Key": f"session-00{n}-x"})
        assert answer.status_code == 201
    before = writes()
    answer = post(client, path, session(), **{"Idempotency-Key": "session-003-x"})
    assert answer.status_code == 422
    assert errors_of(answer) == [("kind", "sessions_used")]
    assert "2회" in answer.json()["errors"][0]["message"]
    assert writes() == before
    totals = client.get(f"{API}/referrals/{referral.pk}").json()["totals"]
    assert (totals["approved"], totals["used"], totals["left"]) == (2, 2, 0)


def test_a_payment_past_the_approved_amount_is_422(world: World, keys: dict[str, Client]) -> None:
    client, referral = accepted(keys, world, AgencyKind.MEDICAL)
    path = f"/referrals/{referral.pk}/deliveries"
    payment = {"kind": "payment", "occurred_on": today().isoformat(), "receipt": "R-1"}
    ok = post(client, path, {**payment, "amount_won": 200_000}, **{"Idempotency-Key": "pay-0001"})
    assert ok.status_code == 201
    before = writes()
    over = post(client, path, {**payment, "amount_won": 100_001}, **{"Idempotency-Key": "pay-0002"})
    assert over.status_code == 422
    assert errors_of(over) == [("amount_won", "amount_used")]
    assert writes() == before
    totals = client.get(f"{API}/referrals/{referral.pk}").json()["totals"]
    assert (totals["unit"], totals["used"], totals["left"]) == ("won", 200_000, 100_000)


def test_a_guard_shift_past_the_hours_of_a_day_is_422(
    world: World, keys: dict[str, Client]
) -> None:
    client, referral = accepted(keys, world, AgencyKind.SECURITY)
    path = f"/referrals/{referral.pk}/deliveries"
    day = dt.datetime.combine(today(), dt.time(), tzinfo=SEOUL)

    def shift(start: int, end: int, guards: int = 2) -> dict[str, Any]:
        return {
            "kind": "guard_shift",
            "starts_at": (day + dt.timedelta(hours=start)).isoformat(),
            "ends_at": (day + dt.timedelta(hours=end)).isoformat(),
            "guards": guards,
        }

    assert post(client, path, shift(6, 14), **{"Idempotency-Key": "shift-0001"}).status_code == 201
    before = writes()
    over = post(client, path, shift(15, 18), **{"Idempotency-Key": "shift-0002"})
    assert over.status_code == 422
    assert errors_of(over) == [("ends_at", "hours_per_day")]
    three = post(client, path, shift(15, 16, guards=3), **{"Idempotency-Key": "shift-0003"})
    assert errors_of(three) == [("guards", "policy_limit")]
    late = dt.datetime.combine(today() + dt.timedelta(days=5), dt.time(9), tzinfo=SEOUL)
    outside = {
        "kind": "guard_shift",
        "starts_at": late.isoformat(),
        "ends_at": (late + dt.timedelta(hours=2)).isoformat(),
        "guards": 1,
    }
    answer = post(client, path, outside, **{"Idempotency-Key": "shift-0004"})
    assert errors_of(answer) == [("starts_at", "schedule_days")]
    assert writes() == before
    totals = client.get(f"{API}/referrals/{referral.pk}").json()["totals"]
    assert totals["hours_by_day"] == [{"day": today().isoformat(), "hours": 8.0}]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"kind": "session", "occurred_on": "2026-13-01"},
            [("occurred_on", "date_from_datetime_parsing")],
        ),
        ({"kind": "session"}, [("occurred_on", "required")]),
        ({"kind": "session", "occurred_on": "TODAY", "amount_won": 5}, None),
        ({"kind": "teleport", "occurred_on": "TODAY"}, [("kind", "literal_error")]),
        (
            {"kind": "session", "occurred_on": "TODAY", "colour": "red"},
            [("colour", "unknown_field")],
        ),
        (
            {
                "kind": "guard_shift",
                "starts_at": "2026-01-01T09:00:00",
                "ends_at": "2026-01-01T10:00:00",
                "guards": 1,
            },
            [("starts_at", "timezone_aware"), ("ends_at", "timezone_aware")],
        ),
        (
            {"kind": "payment", "occurred_on": "TODAY", "amount_won": 1000},
            [("receipt", "required")],
        ),
        ({"kind": "session", "occurred_on": "TOMORROW"}, [("occurred_on", "invalid")]),
    ],
)
def test_bad_delivery_bodies_are_422_and_write_nothing(
    body: dict[str, Any],
    expected: list[tuple[str, str]] | None,
    world: World,
    keys: dict[str, Client],
) -> None:
    kind = AgencyKind.MEDICAL if body["kind"] == "payment" else AgencyKind.COUNSELING
    if body["kind"] == "guard_shift":
        kind = AgencyKind.SECURITY
    client, referral = accepted(keys, world, kind)
    dates = {"TODAY": today().isoformat(), "TOMORROW": (today() + dt.timedelta(days=1)).isoformat()}
    body = {k: dates.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    before = writes()
    answer = post(
        client, f"/referrals/{referral.pk}/deliveries", body, **{"Idempotency-Key": "bad-body-1"}
    )
    assert answer.status_code == 422
    if expected is None:  # a field of another kind of delivery
        expected = [("amount_won", "unknown_field")]
    assert [field for field, _code in errors_of(answer)] == [f for f, _c in expected]
    assert writes() == before


def test_no_delivery_before_accepting(world: World, keys: dict[str, Client]) -> None:
    referral = world.referrals[AgencyKind.COUNSELING]
    client = keys[AgencyKind.COUNSELING]
    client.get(f"{API}/referrals/{referral.pk}")
    before = writes()
    answer = post(
        client,
        f"/referrals/{referral.pk}/deliveries",
        session(),
        **{"Idempotency-Key": "early-001"},
    )
    assert answer.status_code == 409
    assert writes() == before


def test_deliveries_show_on_the_referral(world: World, keys: dict[str, Client]) -> None:
    client, referral = accepted(keys, world, AgencyKind.RELOCATION)
    payment = {
        "kind": "payment",
        "occurred_on": today().isoformat(),
        "amount_won": 300_000,
        "receipt": "이사-영수-77",
        "note": "1차 지급",
    }
    created = post(
        client, f"/referrals/{referral.pk}/deliveries", payment, **{"Idempotency-Key": "move-0001"}
    ).json()
    (listed,) = client.get(f"{API}/referrals/{referral.pk}").json()["deliveries"]
    assert listed == created
    assert (listed["amount_won"], listed["receipt"], listed["cancelled"]) == (
        300_000,
        "이사-영수-77",
        False,
    )
    assert "note" not in listed


# --- bugs found in the services -----------------------------------------------------------------


def test_the_same_key_with_another_receipt_is_a_conflict(
    world: World, keys: dict[str, Client]
) -> None:
    client, referral = accepted(keys, world, AgencyKind.MEDICAL)
    path = f"/referrals/{referral.pk}/deliveries"
    payment = {"kind": "payment", "occurred_on": today().isoformat(), "amount_won": 1000}
    key = {"Idempotency-Key": "receipt-0001"}
    assert post(client, path, {**payment, "receipt": "R-1"}, **key).status_code == 201
    assert post(client, path, {**payment, "receipt": "R-2"}, **key).status_code == 409


def test_service_replays_the_same_moment_in_another_offset(
    world: World, partners: dict[str, Staff]
) -> None:
    partner = Partner(staff=partners[AgencyKind.SECURITY])
    referral = world.referrals[AgencyKind.SECURITY]
    provider_referral_respond(partner=partner, referral_id=referral.pk, accept=True)
    start = dt.datetime.combine(today(), dt.time(9), tzinfo=SEOUL)
    data = DeliveryInput(
        kind="guard_shift", starts_at=start, ends_at=start + dt.timedelta(hours=2), guards=1
    )
    first, created = partner_delivery_record(
        partner=partner, referral_id=referral.pk, data=data, idempotency_key="offset-0001"
    )
    assert created
    try:
        again, created = partner_delivery_record(
            partner=partner, referral_id=referral.pk, data=data, idempotency_key="offset-0001"
        )
    except Conflict:
        raise AssertionError("the same delivery sent again was refused") from None
    assert (again.pk, created) == (first.pk, False)


def test_list_query_count_does_not_grow_with_referrals(
    world: World,
    manager: Staff,
    partners: dict[str, Staff],
    keys: dict[str, Client],
    approved: Callable[..., ServiceRequest],
) -> None:
    client = keys[AgencyKind.COUNSELING]
    client.get(f"{API}/referrals")  # the key's first use is recorded once
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(f"{API}/referrals").json()["referrals"]) == 1
    for _ in range(3):
        request = approved("home_therapy", quantity=1)
        provider_referral_send(
            actor=manager,
            request_id=request.pk,
            provider_id=partners[AgencyKind.COUNSELING].agency_id,
        )
    with CaptureQueriesContext(connection) as four:
        assert len(client.get(f"{API}/referrals").json()["referrals"]) == 4
    assert len(four) == len(one)


def test_a_delivery_keeps_only_the_fields_of_its_kind(
    world: World, partners: dict[str, Staff]
) -> None:
    partner = Partner(staff=partners[AgencyKind.COUNSELING])
    referral = world.referrals[AgencyKind.COUNSELING]
    provider_referral_respond(partner=partner, referral_id=referral.pk, accept=True)
    start = dt.datetime.combine(today(), dt.time(9), tzinfo=SEOUL)
    data = DeliveryInput(
        kind="session",
        occurred_on=today(),
        minutes=50,
        guards=5,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=30),
    )
    delivery, _created = partner_delivery_record(
        partner=partner, referral_id=referral.pk, data=data
    )
    assert (delivery.guards, delivery.starts_at, delivery.ends_at) == (None, None, None)
