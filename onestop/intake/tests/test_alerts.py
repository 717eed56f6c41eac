"""Live alerts of police referrals (``/ws/alerts/``), taking a referral, and the dashboard's
referral panel.

An alert tells the receiving center's on-duty staff that a referral arrived (station, police risk
grade), never who the victim is; her name is shown only to whoever takes the referral, which is
audited and puts that person on the case team.

The socket tests drive the real ASGI application (origin check, session cookie, consumer) with
asgiref's ``ApplicationCommunicator`` and the in-memory channel layer. (``channels.testing`` is
not importable here: channels 4.3 imports ``daphne`` from it, and daphne is not installed.) The
whole conversation runs in one event loop under ``async_to_sync``; the consumer's database calls
run back in the test's thread, on the test database."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID, uuid4

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from onestop.accounts.models import ApiKey, Role, Staff
from onestop.accounts.services import SHIFT_ROLES, agency_add, apikey_issue, staff_set_on_duty
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case, CaseEvent, CaseTeamMember
from onestop.core import clock
from onestop.intake.alerts import alert_group
from onestop.intake.errors import ReferralAlreadyTaken, ReferralNotFound
from onestop.intake.models import PoliceReferral
from onestop.intake.referrals import parse_police_referral
from onestop.intake.services import (
    ReferralAnswer,
    police_referral_receive,
    police_referral_take,
    request_digest,
)

VICTIM_NAME = "정하윤"
VICTIM_PHONE = "010-2468-1357"
VICTIM_ADDRESS = "서울특별시 마포구 성미산로 29길 8, 201호"
BIRTH_YEAR = 1995
# Every way the victim's identity could leak into an alert or a list.
SECRETS = [
    VICTIM_NAME,
    "하윤",
    VICTIM_PHONE,
    "01024681357",
    "+821024681357",
    "2468-1357",
    VICTIM_ADDRESS,
    "성미산로",
]
REFUSED = 4403


# --- the world ------------------------------------------------------------------------------------


@pytest.fixture
def police_key(agency) -> tuple[ApiKey, str]:
    """A Seoul police agency (its referrals go to ``agency``, the Seoul center) and its key."""
    agency_add(actor=None, code="police-mapo", kind="police", name="마포경찰서", region="seoul")
    return apikey_issue(actor=None, agency_code="police-mapo", scope="police_referral")


def referral_body(report_id: str = "SMPA-2026-004213", **changes: Any) -> dict[str, Any]:
    """The contract's example body, reported an hour ago."""
    now = clock.now().astimezone(clock.SEOUL)
    body: dict[str, Any] = {
        "police_report_id": report_id,
        "reported_at": (now - dt.timedelta(hours=1)).isoformat(timespec="seconds"),
        "station": "마포경찰서",
        "officer": {"name": "경사 박○○", "phone": "02-3149-0000"},
        "victim": {
            "name": VICTIM_NAME,
            "phone": VICTIM_PHONE,
            "birth_year": BIRTH_YEAR,
            "gender": "female",
            "address": VICTIM_ADDRESS,
            "safe_contact": {
                "method": "sms",
                "from": "18:00",
                "to": "21:00",
                "note": "문자만 가능",
            },
        },
        "perpetrator": {
            "name": "이○○",
            "relationship": "former_partner",
            "phone": "010-9876-5432",
            "address": None,
        },
        "behaviours": ["communication", "watching_waiting"],
        "summary": "이별 후 하루 50통 이상의 전화와 1,000건의 메시지, 집 앞에서 기다림.",
        "police_risk_grade": "high",
        "protection_recommended": True,
        "protective_measures": [
            {"kind": "urgent_emergency", "from": now.date().isoformat(), "to": None}
        ],
        "consent": {
            "given": True,
            "given_at": (now - dt.timedelta(minutes=30)).isoformat(timespec="seconds"),
            "method": "signed_form",
            "purposes": ["support_services"],
            "data_categories": ["identity", "contact", "incident", "risk", "address"],
            "officer_id": "A-1234",
        },
    }
    body.update(changes)
    return body


def receive(key: ApiKey, body: dict[str, Any] | None = None) -> ReferralAnswer:
    """Receive a referral as the API does (parse, then the service), in its own transaction."""
    body = body or referral_body()
    return police_referral_receive(
        api_key=key,
        idempotency_key=f"idem-{uuid4()}",
        body_digest=request_digest(body),
        data=parse_police_referral(body),
    )


def expected_payload(referral: PoliceReferral, **changes: Any) -> dict[str, Any]:
    received = referral.received_at.astimezone(clock.SEOUL)
    payload = {
        "id": str(referral.pk),
        "received_at": received.isoformat(),
        "received_label": received.strftime("%m-%d %H:%M"),
        "station": "마포경찰서",
        "risk_grade": "high",
        "risk_label": "높음",
        "protection_recommended": True,
        "attached": False,
        "take_url": f"/intake/referrals/{referral.pk}/take/",
    }
    payload.update(changes)
    return payload


def assert_names_no_one(message: dict[str, Any]) -> None:
    text = json.dumps(message, ensure_ascii=False)
    for secret in SECRETS:
        assert secret not in text, secret
    # the birth year, wherever it is not part of an id the message must carry
    ids = [r["id"] for r in message.get("referrals", [message.get("referral", {})]) if r]
    for known in ids:
        text = text.replace(known, "")
    assert str(BIRTH_YEAR) not in text
    assert "birth" not in text
    assert "name" not in text


# --- the socket -----------------------------------------------------------------------------------


@pytest.fixture
def layer():
    """The process-wide in-memory layer, emptied around each test."""
    channel_layer = get_channel_layer()
    async_to_sync(channel_layer.flush)()
    yield channel_layer
    async_to_sync(channel_layer.flush)()


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    """As ``channels.testing`` does: the consumer's database calls run in the test's thread, whose
    connection must stay open."""
    monkeypatch.setattr("channels.db.close_old_connections", lambda: None)


def session_cookie(user: Staff) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


# asgiref's test communicator has no annotations; used through ``Any``.
Communicator: Any = ApplicationCommunicator


class Socket:
    """One browser tab's connection to ``/ws/alerts/`` through the whole ASGI application."""

    def __init__(
        self,
        cookie: str | None,
        origin: str | None = "http://testserver",
        extra_headers: list[tuple[bytes, bytes]] | None = None,
    ) -> None:
        from onestop.config.asgi import application

        headers = [(b"host", b"testserver"), *(extra_headers or [])]
        if origin is not None:
            headers.append((b"origin", origin.encode()))
        if cookie is not None:
            headers.append((b"cookie", cookie.encode()))
        scope = {
            "type": "websocket",
            "path": "/ws/alerts/",
            "raw_path": b"/ws/alerts/",
            "query_string": b"",
            "headers": headers,
            "subprotocols": [],
        }
        self.app = Communicator(application, scope)

    async def connect(self) -> tuple[bool, int | None]:
        """(True, None) when accepted; (False, the close code) when refused."""
        await self.app.send_input({"type": "websocket.connect"})
        answer = await self.app.receive_output(timeout=3)
        if answer["type"] == "websocket.close":
            return False, answer.get("code")
        assert answer["type"] == "websocket.accept"
        return True, None

    async def receive(self) -> dict[str, Any]:
        """The next message; fails if the server closed the socket instead."""
        answer = await self.app.receive_output(timeout=3)
        assert answer["type"] == "websocket.send", answer
        message: dict[str, Any] = json.loads(answer["text"])
        return message

    async def next_output(self) -> dict[str, Any]:
        output: dict[str, Any] = await self.app.receive_output(timeout=3)
        return output

    async def refusal(self) -> int | None:
        """Connect expecting a refusal; the close code. Refused before or right after the accept,
        with no message in between."""
        await self.app.send_input({"type": "websocket.connect"})
        answer = await self.app.receive_output(timeout=3)
        if answer["type"] == "websocket.accept":
            answer = await self.app.receive_output(timeout=3)
        assert answer["type"] == "websocket.close", answer
        code: int | None = answer.get("code")
        return code

    async def nothing(self) -> bool:
        nothing: bool = await self.app.receive_nothing(timeout=0.3)
        return nothing

    async def close(self) -> None:
        await self.app.send_input({"type": "websocket.disconnect", "code": 1000})
        await self.app.wait(timeout=3)


def conversation(body: Callable[[], Awaitable[None]]) -> None:
    async_to_sync(body)()


def in_db(function: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    return database_sync_to_async(function)  # type: ignore[no-any-return]


def group_members(channel_layer: Any, agency_id: UUID) -> set[str]:
    return set(channel_layer.groups.get(alert_group(agency_id), {}))


# --- who gets alerts ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_on_duty_counselor_gets_the_pending_list_then_each_new_referral_live(
    layer, agency, counselor, police_key
):
    # given an on-duty counselor of the receiving center, and a referral nobody took yet
    key, _raw = police_key
    staff_set_on_duty(actor=counselor, on_duty=True)
    earlier = receive(key).referral
    cookie = session_cookie(counselor)

    async def talk() -> None:
        socket = Socket(cookie)
        # when she connects, she is let in and gets the pending referral
        assert await socket.connect() == (True, None)
        pending = await socket.receive()
        assert pending == {"type": "referral.pending", "referrals": [expected_payload(earlier)]}
        assert_names_no_one(pending)
        # when a new referral is received and its transaction commits
        answer = await in_db(receive)(key, referral_body("SMPA-2026-004214"))
        assert answer.status == 201
        # then the alert reaches her at once, naming no one
        alert = await socket.receive()
        assert alert == {
            "type": "referral.alert",
            "referral": expected_payload(answer.referral, attached=True),
        }
        assert_names_no_one(alert)
        assert await socket.nothing()
        await socket.close()

    conversation(talk)
    assert group_members(layer, agency.pk) == set()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", [Role.HOTLINE_COUNSELOR, Role.CASE_MANAGER, Role.SUPERVISOR])
def test_every_on_duty_taker_gets_the_alert(layer, staff, police_key, role):
    key, _raw = police_key
    user = staff[role]
    staff_set_on_duty(actor=user, on_duty=True)
    cookie = session_cookie(user)

    async def talk() -> None:
        socket = Socket(cookie)
        assert await socket.connect() == (True, None)
        assert await socket.receive() == {"type": "referral.pending", "referrals": []}
        answer = await in_db(receive)(key)
        assert await socket.receive() == {
            "type": "referral.alert",
            "referral": expected_payload(answer.referral),
        }
        await socket.close()

    conversation(talk)


@pytest.mark.django_db(transaction=True)
def test_two_tabs_both_get_the_alert(layer, counselor, manager, police_key):
    key, _raw = police_key
    for user in (counselor, manager):
        staff_set_on_duty(actor=user, on_duty=True)
    cookies = [session_cookie(counselor), session_cookie(manager), session_cookie(counselor)]

    async def talk() -> None:
        sockets = [Socket(cookie) for cookie in cookies]
        for socket in sockets:
            assert await socket.connect() == (True, None)
            await socket.receive()
        answer = await in_db(receive)(key)
        for socket in sockets:
            message = await socket.receive()
            assert message["referral"]["id"] == str(answer.referral.pk)
            assert await socket.nothing()
        for socket in sockets:
            await socket.close()

    conversation(talk)


def refused_user(kind: str, agency, other_agency, make_staff) -> tuple[Staff | None, bool]:
    """The user the test names, and whether to disable her account once she has a session."""
    if kind == "anonymous":
        return None, False
    role, where, duty, disable = {
        "off-duty counselor": (Role.HOTLINE_COUNSELOR, agency, False, False),
        "off-duty supervisor": (Role.SUPERVISOR, agency, False, False),
        "on-duty statistician": (Role.STATISTICIAN, agency, True, False),
        "on-duty expert": (Role.EXPERT, agency, True, False),
        "on-duty admin": (Role.ADMIN, agency, True, False),
        "on-duty provider": (Role.PROVIDER, agency, True, False),
        "disabled on-duty counselor": (Role.HOTLINE_COUNSELOR, agency, True, True),
        "off-duty counselor of another agency": (
            Role.HOTLINE_COUNSELOR,
            other_agency,
            False,
            False,
        ),
    }[kind]
    user = make_staff(where, role, f"refused-{role}".replace("_", "-"))
    if duty:
        on_duty(user)
    return user, disable


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "kind",
    [
        "anonymous",
        "off-duty counselor",
        "off-duty supervisor",
        "on-duty statistician",
        "on-duty expert",
        "on-duty admin",
        "on-duty provider",
        "disabled on-duty counselor",
        "off-duty counselor of another agency",
    ],
)
def test_everyone_else_is_refused_and_receives_nothing(
    layer, agency, other_agency, make_staff, police_key, kind
):
    key, _raw = police_key
    user, disable = refused_user(kind, agency, other_agency, make_staff)
    cookie = session_cookie(user) if user is not None else None
    if user is not None and disable:
        Staff.objects.filter(pk=user.pk).update(is_active=False)
    receive(key)  # a referral is waiting

    async def talk() -> None:
        socket = Socket(cookie)
        assert await socket.refusal() == REFUSED
        await in_db(receive)(key, referral_body("SMPA-2026-004214"))
        assert await socket.nothing()

    conversation(talk)
    assert group_members(layer, agency.pk) == set()
    assert group_members(layer, other_agency.pk) == set()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "origin", [None, "http://evil.example", "https://testserver.evil.example", "null"]
)
def test_other_origins_are_refused_before_the_session_is_read(layer, counselor, police_key, origin):
    staff_set_on_duty(actor=counselor, on_duty=True)
    cookie = session_cookie(counselor)

    async def talk() -> None:
        socket = Socket(cookie, origin=origin)
        connected, _code = await socket.connect()
        assert connected is False
        assert await socket.nothing()

    conversation(talk)
    assert group_members(layer, counselor.agency_id) == set()


@pytest.mark.django_db(transaction=True)
def test_an_on_duty_counselor_of_another_agency_hears_nothing_of_this_one(
    layer, agency, other_agency, make_staff, police_key
):
    """She is let in (to her own agency's alerts) and sees none of this center's referrals."""
    key, _raw = police_key
    outsider = make_staff(other_agency, Role.HOTLINE_COUNSELOR, "busan-counselor")
    staff_set_on_duty(actor=outsider, on_duty=True)
    receive(key)
    cookie = session_cookie(outsider)

    async def talk() -> None:
        socket = Socket(cookie)
        assert await socket.connect() == (True, None)
        assert await socket.receive() == {"type": "referral.pending", "referrals": []}
        await in_db(receive)(key, referral_body("SMPA-2026-004214"))
        assert await socket.nothing()
        await socket.close()

    conversation(talk)
    assert group_members(layer, agency.pk) == set()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("change", ["shift ends", "account disabled"])
def test_a_counselor_whose_shift_ends_gets_no_further_alert(layer, counselor, police_key, change):
    key, _raw = police_key
    staff_set_on_duty(actor=counselor, on_duty=True)
    cookie = session_cookie(counselor)

    def end() -> None:
        if change == "shift ends":
            staff_set_on_duty(actor=Staff.objects.get(pk=counselor.pk), on_duty=False)
        else:
            Staff.objects.filter(pk=counselor.pk).update(is_active=False)

    async def talk() -> None:
        socket = Socket(cookie)
        assert await socket.connect() == (True, None)
        await socket.receive()
        # when her shift ends after she connected, and then a referral arrives
        await in_db(end)()
        await in_db(receive)(key)
        # then the socket is closed as refused, without the alert
        assert await socket.next_output() == {"type": "websocket.close", "code": REFUSED}
        assert await socket.nothing()

    conversation(talk)


@pytest.mark.django_db(transaction=True)
def test_a_refusal_reaches_the_browser_as_close_code_4403(layer, counselor):
    cookie = session_cookie(counselor)  # off duty

    async def talk() -> None:
        socket = Socket(cookie)
        # the close code travels to the browser only in a close frame after the handshake
        assert await socket.connect() == (True, None)
        assert await socket.next_output() == {"type": "websocket.close", "code": REFUSED}

    conversation(talk)


@pytest.mark.django_db(transaction=True)
def test_signing_out_stops_the_alerts(layer, counselor, police_key):
    from django.contrib.sessions.models import Session

    key, _raw = police_key
    staff_set_on_duty(actor=counselor, on_duty=True)
    cookie = session_cookie(counselor)

    async def talk() -> None:
        socket = Socket(cookie)
        assert await socket.connect() == (True, None)
        await socket.receive()
        # when her session ends (signing out in another tab deletes it)
        await in_db(lambda: Session.objects.all().delete())()
        await in_db(receive)(key)
        # then no alert reaches the tab
        assert await socket.next_output() == {"type": "websocket.close", "code": REFUSED}

    conversation(talk)


@pytest.mark.django_db(transaction=True)
def test_nothing_is_pushed_for_a_refused_referral(layer, counselor, police_key):
    key, _raw = police_key
    staff_set_on_duty(actor=counselor, on_duty=True)
    cookie = session_cookie(counselor)

    async def talk() -> None:
        socket = Socket(cookie)
        assert await socket.connect() == (True, None)
        await socket.receive()
        await in_db(receive)(key)
        await socket.receive()
        # the same report again, under another idempotency key: refused, nothing pushed
        from onestop.intake.errors import DuplicateReport

        with pytest.raises(DuplicateReport):
            await in_db(receive)(key)
        assert await socket.nothing()
        await socket.close()

    conversation(talk)


@pytest.mark.django_db(transaction=True)
def test_a_referral_that_rolls_back_is_not_announced(layer, counselor, police_key):
    """The push waits for the commit: a referral received inside a transaction that then fails
    leaves nothing to announce."""
    from django.db import transaction

    key, _raw = police_key
    staff_set_on_duty(actor=counselor, on_duty=True)
    cookie = session_cookie(counselor)

    class Abort(Exception):
        pass

    def receive_then_fail() -> None:
        with contextlib.suppress(Abort), transaction.atomic():
            receive(key)
            raise Abort

    async def talk() -> None:
        socket = Socket(cookie)
        assert await socket.connect() == (True, None)
        await socket.receive()
        await in_db(receive_then_fail)()
        assert await socket.nothing()
        await socket.close()

    conversation(talk)
    assert PoliceReferral.objects.count() == 0


# --- taking a referral (service) ------------------------------------------------------------------


def written() -> tuple[int, int, int, int]:
    return (
        CaseTeamMember.objects.count(),
        CaseEvent.objects.count(),
        AuditEntry.objects.count(),
        PoliceReferral.objects.filter(taken_at__isnull=False).count(),
    )


def on_duty(user: Staff) -> Staff:
    """On duty: through the service for a role that works shifts; for any other role the flag is
    set in the database directly (the service refuses it; the readers must not trust it)."""
    if user.role in SHIFT_ROLES:
        staff_set_on_duty(actor=user, on_duty=True)
    else:
        Staff.objects.filter(pk=user.pk).update(on_duty=True)
        user.on_duty = True
    return user


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "team_role"),
    [(Role.HOTLINE_COUNSELOR, "counselor"), (Role.CASE_MANAGER, "lead")],
)
def test_the_first_on_duty_taker_joins_the_team(staff, police_key, role, team_role):
    # given a referral nobody has taken, and an on-duty taker
    key, _raw = police_key
    referral = receive(key).referral
    assert not CaseTeamMember.objects.filter(case_id=referral.case_id).exists()
    taker = on_duty(staff[role])
    seq = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    # when she takes it
    case = police_referral_take(actor=taker, referral_id=referral.pk)
    # then she is on its team, the referral is hers, and the taking is on the timeline and audited
    assert case.pk == referral.case_id
    assert list(CaseTeamMember.objects.filter(case=case).values_list("staff_id", "role")) == [
        (taker.pk, team_role)
    ]
    referral.refresh_from_db()
    assert referral.taken_by_id == taker.pk
    assert referral.taken_at is not None
    event = CaseEvent.objects.get(case=case, kind="referral_taken")
    assert (event.actor_id, event.data) == (taker.pk, {"referral": str(referral.pk), "first": True})
    entries = list(AuditEntry.objects.filter(seq__gt=seq))
    assert [(e.action, e.actor_id, e.target_id, e.data) for e in entries] == [
        (
            "case.referral_take",
            taker.pk,
            str(case.pk),
            {"referral": str(referral.pk), "first": True},
        )
    ]


@pytest.mark.django_db
def test_a_case_manager_joins_as_case_manager_when_the_case_has_a_lead(
    agency, make_staff, police_key, manager
):
    key, _raw = police_key
    first = receive(key).referral
    police_referral_take(actor=on_duty(manager), referral_id=first.pk)
    # a second report about the same victim joins her open case, which now has a lead
    second = receive(key, referral_body("SMPA-2026-004214")).referral
    assert second.case_id == first.case_id
    other_manager = on_duty(make_staff(agency, Role.CASE_MANAGER, "second-manager"))
    police_referral_take(actor=other_manager, referral_id=second.pk)
    roles = dict(
        CaseTeamMember.objects.filter(case_id=first.case_id).values_list("staff_id", "role")
    )
    assert roles == {manager.pk: "lead", other_manager.pk: "case_manager"}


@pytest.mark.django_db
def test_a_second_taker_is_refused_and_nothing_is_written(
    agency, make_staff, police_key, counselor
):
    key, _raw = police_key
    referral = receive(key).referral
    police_referral_take(actor=on_duty(counselor), referral_id=referral.pk)
    second = on_duty(make_staff(agency, Role.HOTLINE_COUNSELOR, "second-counselor"))
    before = written()
    with pytest.raises(ReferralAlreadyTaken) as caught:
        police_referral_take(actor=second, referral_id=referral.pk)
    assert caught.value.message == f"다른 직원({counselor.label})이 이미 이 연계를 맡았습니다."
    assert written() == before
    referral.refresh_from_db()
    assert referral.taken_by_id == counselor.pk


@pytest.mark.django_db
def test_the_taker_may_open_it_again(police_key, counselor):
    key, _raw = police_key
    referral = receive(key).referral
    police_referral_take(actor=on_duty(counselor), referral_id=referral.pk)
    taken_at = PoliceReferral.objects.get(pk=referral.pk).taken_at
    police_referral_take(actor=counselor, referral_id=referral.pk)
    assert PoliceReferral.objects.get(pk=referral.pk).taken_at == taken_at
    assert CaseTeamMember.objects.filter(case_id=referral.case_id).count() == 1
    assert list(
        AuditEntry.objects.filter(action="case.referral_take").values_list("data", flat=True)
    ) == [
        {"referral": str(referral.pk), "first": True},
        {"referral": str(referral.pk), "first": False},
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("taken_first", [False, True])
@pytest.mark.parametrize("supervisor_on_duty", [False, True])
def test_a_supervisor_can_always_open_it_without_joining_the_team(
    police_key, counselor, supervisor, taken_first, supervisor_on_duty
):
    key, _raw = police_key
    referral = receive(key).referral
    if taken_first:
        police_referral_take(actor=on_duty(counselor), referral_id=referral.pk)
    if supervisor_on_duty:
        on_duty(supervisor)
    case = police_referral_take(actor=supervisor, referral_id=referral.pk)
    assert case.pk == referral.case_id
    assert not CaseTeamMember.objects.filter(case=case, staff=supervisor).exists()
    referral.refresh_from_db()
    assert referral.taken_by_id == (counselor.pk if taken_first else supervisor.pk)
    assert AuditEntry.objects.filter(
        action="case.referral_take", actor=supervisor, target_id=str(case.pk)
    ).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "role", "duty"),
    [
        ("own", Role.HOTLINE_COUNSELOR, False),
        ("own", Role.CASE_MANAGER, False),
        ("own", Role.EXPERT, True),
        ("own", Role.STATISTICIAN, True),
        ("own", Role.ADMIN, True),
        ("own", Role.PROVIDER, True),
        ("own", Role.POLICE_LIAISON, True),
        ("other", Role.HOTLINE_COUNSELOR, True),
        ("other", Role.CASE_MANAGER, True),
        ("other", Role.SUPERVISOR, True),
        ("other", Role.SUPERVISOR, False),
    ],
)
def test_anyone_else_is_told_it_does_not_exist_and_nothing_is_written(
    agency, other_agency, make_staff, police_key, who, role, duty
):
    key, _raw = police_key
    referral = receive(key).referral
    user = make_staff(agency if who == "own" else other_agency, role, "someone")
    if duty:
        on_duty(user)
    before = written()
    with pytest.raises(ReferralNotFound):
        police_referral_take(actor=user, referral_id=referral.pk)
    assert written() == before


@pytest.mark.django_db
def test_an_unknown_referral_does_not_exist(police_key, counselor):
    with pytest.raises(ReferralNotFound):
        police_referral_take(actor=on_duty(counselor), referral_id=uuid4())


# --- taking a referral (page) ---------------------------------------------------------------------


def take_url(referral: PoliceReferral) -> str:
    return reverse("intake:referral_take", args=[referral.pk])


def login(user: Staff) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_taking_from_the_page_lands_on_the_case_which_names_the_victim(police_key, counselor):
    key, _raw = police_key
    referral = receive(key).referral
    client = login(on_duty(counselor))
    response = client.post(take_url(referral), follow=True)
    case = Case.objects.get(pk=referral.case_id)
    assert response.redirect_chain == [(reverse("cases:detail", args=[case.pk]), 302)]
    page = response.content.decode()
    assert VICTIM_NAME in page
    assert f"경찰 연계 {case.reference}을(를) 맡았습니다." in page
    assert VICTIM_ADDRESS not in page  # sealed: shown only on an explicit, audited request
    assert PoliceReferral.objects.get(pk=referral.pk).taken_by_id == counselor.pk


@pytest.mark.django_db
def test_a_second_counselor_is_sent_back_to_the_dashboard(
    agency, make_staff, police_key, counselor
):
    key, _raw = police_key
    referral = receive(key).referral
    login(on_duty(counselor)).post(take_url(referral))
    second = on_duty(make_staff(agency, Role.HOTLINE_COUNSELOR, "second-counselor"))
    before = written()
    response = login(second).post(take_url(referral), follow=True)
    assert response.redirect_chain == [(reverse("cases:dashboard"), 302)]
    page = response.content.decode()
    assert f"다른 직원({counselor.label})이 이미 이 연계를 맡았습니다." in page
    assert VICTIM_NAME not in page
    assert written() == before


@pytest.mark.django_db
def test_a_supervisor_opens_a_taken_referral_from_the_page(police_key, counselor, supervisor):
    key, _raw = police_key
    referral = receive(key).referral
    login(on_duty(counselor)).post(take_url(referral))
    response = login(supervisor).post(take_url(referral))
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[referral.case_id])


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["other agency", "off duty"])
def test_outsiders_get_404_from_the_page(other_agency, make_staff, police_key, counselor, who):
    key, _raw = police_key
    referral = receive(key).referral
    user = (
        on_duty(make_staff(other_agency, Role.HOTLINE_COUNSELOR, "busan-counselor"))
        if who == "other agency"
        else counselor
    )
    before = written()
    response = login(user).post(take_url(referral))
    assert response.status_code == 404
    assert VICTIM_NAME not in response.content.decode()
    assert written() == before


@pytest.mark.django_db
def test_the_take_page_needs_a_signed_in_user_and_post(police_key, counselor):
    key, _raw = police_key
    referral = receive(key).referral
    client = login(on_duty(counselor))
    before = written()
    anonymous = Client().post(take_url(referral))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("accounts:login"))
    assert client.get(take_url(referral)).status_code == 405
    assert written() == before


# --- the dashboard panel --------------------------------------------------------------------------

DASHBOARD = reverse("cases:dashboard")


@pytest.mark.django_db
def test_the_dashboard_lists_untaken_referrals_to_on_duty_takers_without_names(
    police_key, counselor, manager
):
    # given two referrals, one of them taken
    key, _raw = police_key
    first = receive(key).referral
    second = receive(
        key,
        referral_body(
            "SMPA-2026-004214",
            station="서대문경찰서",
            police_risk_grade="very_high",
            victim={**referral_body()["victim"], "phone": "010-1357-2468", "name": "문가은"},
        ),
    ).referral
    police_referral_take(actor=on_duty(manager), referral_id=first.pk)
    # when an on-duty counselor opens her dashboard
    page = login(on_duty(counselor)).get(DASHBOARD).content.decode()
    # then the untaken one is listed with its station and risk grade, the taken one is not
    panel = page[page.index('id="referral-alerts"') :]
    assert f'data-referral-id="{second.pk}"' in panel
    assert f'data-referral-id="{first.pk}"' not in panel
    assert "서대문경찰서" in panel
    assert "위험도 매우 높음" in panel
    assert "data-referral-count>1<" in panel.replace(" ", "")
    assert take_url(second) in panel
    # and no victim is named anywhere on the page
    for secret in [*SECRETS, "문가은", "010-1357-2468"]:
        assert secret not in page, secret


@pytest.mark.django_db
def test_an_off_duty_counselor_sees_the_duty_switch_but_no_list(police_key, counselor):
    key, _raw = police_key
    referral = receive(key).referral
    page = login(counselor).get(DASHBOARD).content.decode()
    assert 'id="referral-alerts"' in page
    assert "근무 시작" in page
    assert "data-alerts-url" not in page
    assert str(referral.pk) not in page


@pytest.mark.django_db
def test_a_supervisor_sees_the_list_off_duty_but_gets_live_alerts_only_on_duty(
    police_key, supervisor
):
    key, _raw = police_key
    referral = receive(key).referral
    page = login(supervisor).get(DASHBOARD).content.decode()
    assert f'data-referral-id="{referral.pk}"' in page
    assert "data-alerts-url" not in page
    page = login(on_duty(supervisor)).get(DASHBOARD).content.decode()
    assert 'data-alerts-url="/ws/alerts/"' in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role", [Role.EXPERT, Role.STATISTICIAN, Role.ADMIN, Role.PROVIDER, Role.SHELTER_STAFF]
)
def test_roles_that_take_no_referrals_have_no_panel(staff, police_key, role):
    key, _raw = police_key
    receive(key)
    page = login(on_duty(staff[role])).get(DASHBOARD).content.decode()
    assert 'id="referral-alerts"' not in page
    assert "마포경찰서" not in page


@pytest.mark.django_db
def test_the_panel_lists_only_the_users_own_agency(other_agency, make_staff, police_key):
    key, _raw = police_key
    receive(key)
    outsider = on_duty(make_staff(other_agency, Role.HOTLINE_COUNSELOR, "busan-counselor"))
    page = login(outsider).get(DASHBOARD).content.decode()
    assert 'data-referral-id="' not in page.replace('data-referral-id=""', "")
    assert "마포경찰서" not in page


@pytest.mark.django_db
def test_the_dashboard_query_count_does_not_grow_with_referrals(
    police_key, counselor, django_assert_max_num_queries
):
    key, _raw = police_key
    client = login(on_duty(counselor))
    receive(key)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(DASHBOARD)
    for number in range(5):
        receive(
            key,
            referral_body(
                f"SMPA-2026-10{number:04d}",
                victim={**referral_body()["victim"], "phone": f"010-5555-{number:04d}"},
            ),
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(DASHBOARD)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("cookie_language", "accept_language", "label"),
    [("", "", "높음"), ("en", "", "High"), ("", "en-US,en;q=0.9", "High"), ("ko", "en", "높음")],
)
def test_each_viewer_reads_the_alert_in_her_own_language_whatever_the_senders(
    layer, counselor, police_key, settings, cookie_language, accept_language, label
):
    # given an on-duty counselor whose pages are in some language
    key, _raw = police_key
    staff_set_on_duty(actor=counselor, on_duty=True)
    cookie = session_cookie(counselor)
    if cookie_language:
        cookie += f"; {settings.LANGUAGE_COOKIE_NAME}={cookie_language}"

    async def talk() -> None:
        extra = [(b"accept-language", accept_language.encode())] if accept_language else []
        socket = Socket(cookie, extra_headers=extra)
        assert await socket.connect() == (True, None)
        await socket.receive()  # the (empty) pending list

        # when the police system that sends the referral reads English
        def receive_in_english() -> ReferralAnswer:
            with translation.override("en"):
                return receive(key)

        await in_db(receive_in_english)()
        # then she reads the alert in her own language
        alert = await socket.receive()
        assert alert["referral"]["risk_label"] == label
        await socket.close()

    conversation(talk)


@pytest.mark.django_db
def test_a_retry_stored_by_a_parallel_request_is_answered_as_a_replay(police_key):
    """The interleaving the API can meet: a retry checked for a stored answer just before the
    first request committed, then finds the report received. It is the same request (same key,
    same body): the first answer, not a duplicate-report refusal."""
    key, _ = police_key
    body = referral_body()
    digest = request_digest(body)
    first = police_referral_receive(
        api_key=key,
        idempotency_key="same-key-1",
        body_digest=digest,
        data=parse_police_referral(body),
    )
    again = police_referral_receive(
        api_key=key,
        idempotency_key="same-key-1",
        body_digest=digest,
        data=parse_police_referral(body),
    )
    assert (first.status, again.status) == (201, 200)
    assert again.body == first.body
    assert PoliceReferral.objects.count() == 1
