"""The live chat through the whole ASGI application (origin check, session cookie, routing,
consumers, the in-memory channel layer): her portal socket and her team's case-page socket on the
same case both receive what either sends; anyone outside the case, and a portal session that
ended, is refused with close code 4403; access is looked at again before every message.

As in the alert tests (``intake/tests/test_alerts.py``), the sockets are driven with asgiref's
``ApplicationCommunicator``: ``channels.testing`` is not importable here (channels 4.3 imports
``daphne`` from it, and daphne is not installed). The conversation runs in one event loop under
``async_to_sync``; the consumers' database calls run back in the test's thread, on the test
database."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.test import Client

from onestop.accounts.models import Role, Staff
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case, CaseTeamMember
from onestop.cases.services import case_team_assign
from onestop.messaging.live import chat_group
from onestop.messaging.models import Message, Side
from onestop.messaging.services import message_send_by_staff
from onestop.portal.models import PortalAccess
from onestop.portal.views import SEEN_KEY, SESSION_KEY

REFUSED = 4403


@pytest.fixture
def layer() -> Any:
    """The process-wide in-memory layer, emptied around each test."""
    channel_layer = get_channel_layer()
    async_to_sync(channel_layer.flush)()
    yield channel_layer
    async_to_sync(channel_layer.flush)()


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """As ``channels.testing`` does: the consumers' database calls run in the test's thread,
    whose connection must stay open."""
    monkeypatch.setattr("channels.db.close_old_connections", lambda: None)


def cookie_of(client: Client) -> str:
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def staff_cookie(user: Staff) -> str:
    client = Client()
    client.force_login(user)
    return cookie_of(client)


def portal_cookie(access: PortalAccess, *, idle: float = 0) -> tuple[str, Any]:
    """Her portal session's cookie, as the sign-in page leaves it; and the session."""
    client = Client()
    session = client.session
    session[SESSION_KEY] = str(access.pk)
    session[SEEN_KEY] = time.time() - idle
    session.save()
    return cookie_of(client), session


def staff_path(case: Case) -> str:
    return f"/ws/cases/{case.pk}/chat/"


PORTAL_PATH = "/ws/portal/chat/"

# asgiref's test communicator has no annotations; used through ``Any``.
Communicator: Any = ApplicationCommunicator


class Socket:
    """One browser tab's chat socket through the whole ASGI application."""

    def __init__(self, path: str, cookie: str | None, origin: str = "http://testserver") -> None:
        from onestop.config.asgi import application

        headers = [(b"host", b"testserver"), (b"origin", origin.encode())]
        if cookie is not None:
            headers.append((b"cookie", cookie.encode()))
        scope = {
            "type": "websocket",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": headers,
            "subprotocols": [],
        }
        self.app = Communicator(application, scope)

    async def connect(self) -> None:
        await self.app.send_input({"type": "websocket.connect"})
        answer = await self.app.receive_output(timeout=3)
        assert answer["type"] == "websocket.accept", answer

    async def refusal(self) -> int | None:
        """Connect expecting a refusal: the close code (accepted first, then closed)."""
        await self.app.send_input({"type": "websocket.connect"})
        answer = await self.app.receive_output(timeout=3)
        if answer["type"] == "websocket.accept":
            answer = await self.app.receive_output(timeout=3)
        assert answer["type"] == "websocket.close", answer
        code: int | None = answer.get("code")
        return code

    async def send(self, content: Any) -> None:
        text = content if isinstance(content, str) else json.dumps(content)
        await self.app.send_input({"type": "websocket.receive", "text": text})

    async def receive(self) -> dict[str, Any]:
        answer = await self.app.receive_output(timeout=3)
        assert answer["type"] == "websocket.send", answer
        message: dict[str, Any] = json.loads(answer["text"])
        return message

    async def next_output(self) -> dict[str, Any]:
        output: dict[str, Any] = await self.app.receive_output(timeout=3)
        return output

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


def members(channel_layer: Any, case: Case) -> set[str]:
    return set(channel_layer.groups.get(chat_group(case.pk), {}))


def chat_message(message: Message) -> dict[str, Any]:
    from onestop.messaging.selectors import message_payload

    return {"type": "chat.message", "message": message_payload(message)}


# --- both sides -----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_her_socket_and_her_counselors_both_receive_what_either_sends(
    layer: Any, case: Case, access: PortalAccess, manager: Staff
) -> None:
    manager.display_name = "상담원 지은"
    manager.save(update_fields=["display_name"])
    her_cookie, _session = portal_cookie(access)
    counselor_cookie = staff_cookie(manager)

    async def talk() -> None:
        her = Socket(PORTAL_PATH, her_cookie)
        counselor = Socket(staff_path(case), counselor_cookie)
        await her.connect()
        await counselor.connect()
        # when she writes
        await her.send({"body": "지금 집 앞에 또 와 있어요"})
        assert await her.receive() == {"type": "chat.sent"}
        mine = await in_db(lambda: Message.objects.get(side=Side.VICTIM))()
        expected = chat_message(mine)
        assert expected["message"]["body"] == "지금 집 앞에 또 와 있어요"
        assert expected["message"]["sender"] == ""
        # then both sides show it
        assert await her.receive() == expected
        assert await counselor.receive() == expected
        # when the counselor answers
        await counselor.send({"body": "문 열지 마세요. 112에 신고할게요."})
        assert await counselor.receive() == {"type": "chat.sent"}
        theirs = await in_db(
            lambda: Message.objects.select_related("sender").get(side=Side.STAFF)
        )()
        expected = chat_message(theirs)
        assert expected["message"]["sender"] == "상담원 지은"
        assert await counselor.receive() == expected
        assert await her.receive() == expected
        assert await her.nothing()
        assert await counselor.nothing()
        await her.close()
        await counselor.close()

    conversation(talk)
    assert members(layer, case) == set()
    # the sends went through the services: audited, her side as the portal
    sends = list(AuditEntry.objects.filter(action="message.send").order_by("seq"))
    assert [(e.actor_id, e.actor_label, e.data["side"]) for e in sends] == [
        (None, "portal", "victim"),
        (manager.pk, manager.username, "staff"),
    ]
    # the reply shown on her open page is read; replying read hers
    assert Message.objects.filter(side=Side.STAFF, read_by_victim_at__isnull=False).count() == 1
    assert Message.objects.get(side=Side.VICTIM).read_by_staff_id == manager.pk


@pytest.mark.django_db(transaction=True)
def test_a_message_sent_from_a_page_reaches_the_open_sockets(
    layer: Any, case: Case, access: PortalAccess, manager: Staff
) -> None:
    her_cookie, _session = portal_cookie(access)

    async def talk() -> None:
        her = Socket(PORTAL_PATH, her_cookie)
        await her.connect()
        sent = await in_db(message_send_by_staff)(
            actor=manager, case_id=case.pk, body="내일 오후 2시에 뵐까요?"
        )
        message = await in_db(lambda: Message.objects.select_related("sender").get(pk=sent.pk))()
        assert await her.receive() == chat_message(message)
        await her.close()

    conversation(talk)


@pytest.mark.django_db(transaction=True)
def test_a_refused_message_is_answered_on_the_socket_and_nothing_is_written(
    layer: Any, case: Case, access: PortalAccess, manager: Staff
) -> None:
    her_cookie, _session = portal_cookie(access)
    counselor_cookie = staff_cookie(manager)
    before = (Message.objects.count(), AuditEntry.objects.count())

    async def talk() -> None:
        her = Socket(PORTAL_PATH, her_cookie)
        counselor = Socket(staff_path(case), counselor_cookie)
        await her.connect()
        await counselor.connect()
        await her.send({"body": "   "})
        assert await her.receive() == {
            "type": "chat.refused",
            "errors": ["보낼 내용을 적어 주세요."],
        }
        await counselor.send({"body": "가" * 2001})
        assert await counselor.receive() == {
            "type": "chat.refused",
            "errors": ["메시지는 2000자까지 보낼 수 있습니다. 지금 2001자입니다."],
        }
        # not JSON, or no text at all: an empty message, and the socket stays open
        await her.send("not json")
        assert (await her.receive())["type"] == "chat.refused"
        await counselor.send({"body": 42})
        assert (await counselor.receive())["type"] == "chat.refused"
        assert await her.nothing()
        assert await counselor.nothing()
        await her.close()
        await counselor.close()

    conversation(talk)
    assert (Message.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.django_db(transaction=True)
def test_another_case_hears_nothing(
    layer: Any,
    case: Case,
    access: PortalAccess,
    open_case: Callable[..., Case],
    manager: Staff,
) -> None:
    other = open_case(manager, name="박서연", phone="010-2222-3333")
    her_cookie, _session = portal_cookie(access)
    counselor_cookie = staff_cookie(manager)

    async def talk() -> None:
        elsewhere = Socket(staff_path(other), counselor_cookie)
        await elsewhere.connect()
        her = Socket(PORTAL_PATH, her_cookie)
        await her.connect()
        await her.send({"body": "안녕하세요"})
        await her.receive()
        await her.receive()
        assert await elsewhere.nothing()
        await her.close()
        await elsewhere.close()

    conversation(talk)


# --- who is refused -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "who",
    [
        "other agency supervisor",
        "other agency case manager",
        "counselor off the team",
        "statistician",
        "anonymous",
        "her portal session",
    ],
)
def test_anyone_outside_the_case_is_refused_on_the_staff_socket(
    layer: Any,
    case: Case,
    access: PortalAccess,
    staff: dict[str, Staff],
    other_agency: Any,
    make_staff: Callable[..., Staff],
    who: str,
) -> None:
    cookie: str | None
    if who == "anonymous":
        cookie = None
    elif who == "her portal session":
        cookie, _session = portal_cookie(access)
    else:
        makers: dict[str, Callable[[], Staff]] = {
            "other agency supervisor": lambda: make_staff(other_agency, Role.SUPERVISOR),
            "other agency case manager": lambda: make_staff(other_agency, Role.CASE_MANAGER),
            "counselor off the team": lambda: staff[Role.HOTLINE_COUNSELOR],
            "statistician": lambda: staff[Role.STATISTICIAN],
        }
        user = makers[who]()
        cookie = staff_cookie(user)

    async def talk() -> None:
        socket = Socket(staff_path(case), cookie)
        assert await socket.refusal() == REFUSED
        await in_db(message_send_by_staff)(
            actor=staff[Role.CASE_MANAGER], case_id=case.pk, body="안녕하세요"
        )
        assert await socket.nothing()

    conversation(talk)
    assert members(layer, case) == set()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("who", ["idle for 16 minutes", "no session", "a staff login"])
def test_without_an_active_portal_session_her_socket_is_refused(
    layer: Any, case: Case, access: PortalAccess, manager: Staff, who: str
) -> None:
    cookie: str | None = None
    if who == "idle for 16 minutes":
        cookie = portal_cookie(access, idle=16 * 60)[0]
    elif who == "a staff login":
        cookie = staff_cookie(manager)

    async def talk() -> None:
        socket = Socket(PORTAL_PATH, cookie)
        assert await socket.refusal() == REFUSED
        await in_db(message_send_by_staff)(actor=manager, case_id=case.pk, body="안녕하세요")
        assert await socket.nothing()

    conversation(talk)
    assert members(layer, case) == set()


@pytest.mark.django_db(transaction=True)
def test_other_origins_are_refused(layer: Any, case: Case, manager: Staff) -> None:
    cookie = staff_cookie(manager)

    async def talk() -> None:
        socket = Socket(staff_path(case), cookie, origin="http://evil.example")
        await socket.app.send_input({"type": "websocket.connect"})
        assert (await socket.next_output())["type"] == "websocket.close"

    conversation(talk)
    assert members(layer, case) == set()


# --- access is looked at again --------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_her_socket_closes_once_her_session_went_idle_and_sends_nothing(
    layer: Any, case: Case, access: PortalAccess, manager: Staff
) -> None:
    her_cookie, session = portal_cookie(access)

    def idle() -> None:
        session[SEEN_KEY] = time.time() - 16 * 60
        session.save()

    async def talk() -> None:
        her = Socket(PORTAL_PATH, her_cookie)
        await her.connect()
        await in_db(idle)()
        # a counselor's message is not shown on a page left idle; the socket closes
        await in_db(message_send_by_staff)(actor=manager, case_id=case.pk, body="안녕하세요")
        assert await her.next_output() == {"type": "websocket.close", "code": REFUSED}
        # and opening it again is refused
        again = Socket(PORTAL_PATH, her_cookie)
        assert await again.refusal() == REFUSED

    conversation(talk)
    assert Message.objects.get().read_by_victim_at is None


@pytest.mark.django_db(transaction=True)
def test_her_messages_count_as_activity_and_a_sign_out_ends_the_socket(
    layer: Any, case: Case, access: PortalAccess
) -> None:
    her_cookie, session = portal_cookie(access, idle=10 * 60)

    def seen() -> float:
        from importlib import import_module

        store = import_module(settings.SESSION_ENGINE).SessionStore(session.session_key)
        return float(store.get(SEEN_KEY, 0))

    def sign_out() -> None:
        from django.contrib.sessions.models import Session

        Session.objects.filter(session_key=session.session_key).delete()

    async def talk() -> None:
        her = Socket(PORTAL_PATH, her_cookie)
        await her.connect()
        await her.send({"body": "하나"})
        assert await her.receive() == {"type": "chat.sent"}
        await her.receive()
        assert time.time() - await in_db(seen)() < 60  # she was active just now
        await in_db(sign_out)()
        await her.send({"body": "둘"})
        assert await her.next_output() == {"type": "websocket.close", "code": REFUSED}

    conversation(talk)
    assert list(Message.objects.values_list("body", flat=True)) == ["하나"]


@pytest.mark.django_db(transaction=True)
def test_a_counselor_taken_off_the_team_gets_nothing_more(
    layer: Any, case: Case, access: PortalAccess, manager: Staff, make_staff: Callable[..., Staff]
) -> None:
    colleague = make_staff(case.agency, Role.HOTLINE_COUNSELOR, "team-counselor")
    case_team_assign(case_id=case.pk, actor=manager, staff_id=colleague.pk, role="counselor")
    cookie = staff_cookie(colleague)
    her_cookie, _session = portal_cookie(access)

    def off_the_team() -> None:
        CaseTeamMember.objects.filter(case=case, staff=colleague).delete()

    async def talk() -> None:
        counselor = Socket(staff_path(case), cookie)
        await counselor.connect()
        her = Socket(PORTAL_PATH, her_cookie)
        await her.connect()
        await in_db(off_the_team)()
        await her.send({"body": "도와주세요"})
        await her.receive()
        await her.receive()
        # her message is not shown to someone no longer on the case; the socket closes
        assert await counselor.next_output() == {"type": "websocket.close", "code": REFUSED}
        await her.close()

    conversation(talk)
    assert members(layer, case) == set()
