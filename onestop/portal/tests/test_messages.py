"""Her messages page: only after sign-in, never cached, neutral; her conversation with her team
(the counselor named by her staff label only), newest at the bottom, marked read when shown;
writing works as a plain form, a refusal writes nothing, and a session idle for 15 minutes
sends her back to sign in."""

from __future__ import annotations

import time
import types
from collections.abc import Callable, Iterator

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from onestop.accounts.models import Staff
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case
from onestop.messaging.models import Message, Side
from onestop.messaging.services import message_send_by_staff
from onestop.portal.models import PortalAccess
from onestop.portal.services import portal_access_open_for_case
from onestop.portal.views import SEEN_KEY, SESSION_KEY

pytestmark = pytest.mark.django_db

PAGE = reverse("portal:messages")


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.fixture
def case(open_case: Callable[..., Case], manager: Staff) -> Case:
    return open_case(manager)


@pytest.fixture
def access(case: Case, manager: Staff) -> PortalAccess:
    return portal_access_open_for_case(
        actor=manager, case_id=case.pk, passphrase="봄날의 벚꽃길 2024", code_word="해바라기"
    )[0]


def signed_in(access: PortalAccess, *, idle: float = 0) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = str(access.pk)
    session[SEEN_KEY] = time.time() - idle
    session.save()
    return client


def test_the_page_needs_her_sign_in() -> None:
    for answer in (Client().get(PAGE), Client().post(PAGE, {"body": "안녕하세요"})):
        assert answer.status_code == 302
        assert answer["Location"] == reverse("portal:sign_in")
        assert answer["Cache-Control"] == "no-store"
        assert answer["Referrer-Policy"] == "same-origin"
    assert not Message.objects.exists()


def test_fifteen_idle_minutes_end_it_and_nothing_is_sent(access: PortalAccess) -> None:
    client = signed_in(access, idle=16 * 60)
    answer = client.post(PAGE, {"body": "안녕하세요"})
    assert answer.status_code == 302
    assert answer["Location"] == reverse("portal:sign_in")
    assert not Message.objects.exists()


def test_her_conversation_neutral_private_and_marked_read(
    access: PortalAccess, case: Case, manager: Staff
) -> None:
    manager.display_name = "상담원 지은"
    manager.save(update_fields=["display_name"])
    client = signed_in(access)
    assert client.post(PAGE, {"body": "집 앞에 또 왔어요"}).status_code == 302
    reply = message_send_by_staff(actor=manager, case_id=case.pk, body="지금 안전한 곳에 계세요?")
    answer = client.get(PAGE)
    text = answer.content.decode()
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-store"
    assert answer["Referrer-Policy"] == "same-origin"
    assert "<title>생활 안내</title>" in text
    assert "data-quick-exit" in text
    assert 'data-chat-url="/ws/portal/chat/"' in text
    assert "onestop/js/chat.js" in text
    assert text.index("집 앞에 또 왔어요") < text.index("지금 안전한 곳에 계세요?")
    assert "상담원 지은 (담당자)" in text
    assert manager.username not in text
    assert case.reference not in text
    reply.refresh_from_db()
    assert reply.read_by_victim_at is not None


def test_writing_from_the_page(access: PortalAccess, case: Case) -> None:
    answer = signed_in(access).post(PAGE, {"body": "내일 상담 가능해요"})
    assert answer.status_code == 302
    assert answer["Location"] == PAGE
    message = Message.objects.get()
    assert (message.case_id, message.side, message.body) == (
        case.pk,
        Side.VICTIM,
        "내일 상담 가능해요",
    )
    entry = AuditEntry.objects.get(action="message.send")
    assert (entry.actor_id, entry.actor_label) == (None, "portal")


def test_an_empty_message_is_refused_and_nothing_is_written(access: PortalAccess) -> None:
    before = (Message.objects.count(), AuditEntry.objects.count())
    answer = signed_in(access).post(PAGE, {"body": "  "})
    assert answer.status_code == 422
    assert answer["Cache-Control"] == "no-store"
    assert "보낼 내용을 적어 주세요." in answer.content.decode()
    assert (Message.objects.count(), AuditEntry.objects.count()) == before


def test_too_many_messages_are_refused_with_a_wait(
    access: PortalAccess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(  # the rate limit's clock stands still inside one minute
        "onestop.core.ratelimit.time", types.SimpleNamespace(time=lambda: 1_800_000_000.0)
    )
    client = signed_in(access)
    for number in range(30):
        assert client.post(PAGE, {"body": f"메시지 {number}"}).status_code == 302
    answer = client.post(PAGE, {"body": "하나 더"})
    assert answer.status_code == 429
    assert "메시지를 너무 빨리 보내고 있습니다." in answer.content.decode()
    assert Message.objects.count() == 30


def test_she_sees_only_her_own_conversation(
    access: PortalAccess, open_case: Callable[..., Case], manager: Staff
) -> None:
    other = open_case(manager, name="박서연", phone="010-2222-3333")
    message_send_by_staff(actor=manager, case_id=other.pk, body="다른 분께 보낸 메시지")
    text = signed_in(access).get(PAGE).content.decode()
    assert "다른 분께 보낸 메시지" not in text
    assert "아직 주고받은 메시지가 없습니다." in text
