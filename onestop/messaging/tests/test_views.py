"""The staff side through the real views: the case page's chat panel (her safe contact method and
times, the warning outside her hours, the transcript, audited once per page), sending and marking
read as plain POSTs (a refusal re-renders the page and writes nothing), the dashboard's list of
unread conversations, and 404 for anyone outside the case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from onestop.accounts.models import Role, Staff
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case
from onestop.core import clock
from onestop.messaging.models import Message, Side
from onestop.messaging.services import message_send_by_staff, message_send_by_victim
from onestop.messaging.tests.conftest import written

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("cases:dashboard")


def logged_in(user: Staff) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_of(case: Case) -> str:
    return reverse("cases:detail", args=[case.pk])


def panel_of(page: str) -> str:
    start = page.index('id="chat"')
    return page[start : page.index("</section>", start)]


def at_seoul(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, 25, hour, minute, tzinfo=clock.SEOUL)


# --- the case page's panel ------------------------------------------------------------------------


def test_the_panel_shows_the_conversation_and_how_to_reach_her(case: Case, manager: Staff) -> None:
    message_send_by_victim(case=case, body="오늘 집 앞에 또 왔어요")
    message_send_by_staff(actor=manager, case_id=case.pk, body="지금 안전한 곳에 계세요?")
    answer = logged_in(manager).get(page_of(case))
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-store"
    panel = panel_of(answer.content.decode())
    assert "피해자와 메시지" in panel
    assert "<strong>문자</strong>" in panel
    assert "<strong>18:00~21:00 · 문자만 가능</strong>" in panel
    assert "메시지는 휴대전화로 가지 않습니다" in panel
    assert panel.index("오늘 집 앞에 또 왔어요") < panel.index("지금 안전한 곳에 계세요?")
    assert f'data-chat-url="/ws/cases/{case.pk}/chat/"' in panel
    assert "onestop/js/chat.js" in answer.content.decode()  # (loaded by every staff page)
    assert f'action="{reverse("messaging:send", args=[case.pk])}"' in panel
    assert "피해자가 읽음" not in panel  # she has not read the reply yet
    assert "아직 읽지 않음" in panel


@pytest.mark.parametrize(
    ("hour", "warned"), [(17, True), (18, False), (20, False), (21, True), (23, True), (3, True)]
)
def test_outside_her_hours_staff_are_told_not_to_phone(
    case: Case, manager: Staff, monkeypatch: pytest.MonkeyPatch, hour: int, warned: bool
) -> None:
    monkeypatch.setattr(clock, "now", lambda: at_seoul(hour).astimezone(dt.UTC))
    panel = panel_of(logged_in(manager).get(page_of(case)).content.decode())
    assert ('data-chat-warning="outside-hours"' in panel) is warned
    assert ("곁에 다른 사람이 있을 수 있으니 전화하지 마세요" in panel) is warned


def test_when_she_contacts_first_staff_are_told_not_to_call_or_text(
    open_case: Callable[..., Case], manager: Staff
) -> None:
    case = open_case(manager, safe_contact_method="none", safe_contact_times="")
    panel = panel_of(logged_in(manager).get(page_of(case)).content.decode())
    assert "연락하지 않음 (피해자가 먼저 연락)" in panel
    assert "피해자가 먼저 연락합니다. 전화나 문자를 하지 마세요." in panel
    assert 'data-chat-warning="outside-hours"' not in panel


def test_reading_the_transcript_is_audited_once_per_page(case: Case, manager: Staff) -> None:
    client = logged_in(manager)
    client.get(page_of(case))
    assert AuditEntry.objects.filter(action="message.view").count() == 0  # nothing to read yet
    message_send_by_victim(case=case, body="안녕하세요")
    client.get(page_of(case))
    client.get(page_of(case))
    views = AuditEntry.objects.filter(action="message.view")
    assert [(v.actor_id, v.target_id, v.data) for v in views] == [
        (manager.pk, str(case.pk), {}),
        (manager.pk, str(case.pk), {}),
    ]


def test_the_unread_count_and_marking_read(case: Case, manager: Staff) -> None:
    message_send_by_victim(case=case, body="하나")
    message_send_by_victim(case=case, body="둘")
    client = logged_in(manager)
    panel = panel_of(client.get(page_of(case)).content.decode())
    assert '<span class="count" title="읽지 않은 메시지">2</span>' in panel
    assert panel.count("chat-unread") == 2
    newest = Message.objects.order_by("-sent_at").first()
    assert newest is not None
    answer = client.post(
        reverse("messaging:mark_read", args=[case.pk]), {"up_to": newest.sent_at.isoformat()}
    )
    assert answer.status_code == 302
    assert Message.objects.filter(read_by_staff=manager).count() == 2
    panel = panel_of(client.get(page_of(case)).content.decode())
    assert "chat-unread" not in panel
    assert 'title="읽지 않은 메시지"' not in panel


# --- sending from the page ------------------------------------------------------------------------


def test_sending_from_the_page(case: Case, manager: Staff) -> None:
    client = logged_in(manager)
    answer = client.post(reverse("messaging:send", args=[case.pk]), {"body": "내일 뵐까요?"})
    assert answer.status_code == 302
    assert answer["Location"] == page_of(case)
    message = Message.objects.get()
    assert (message.side, message.sender_id, message.body) == (
        Side.STAFF,
        manager.pk,
        "내일 뵐까요?",
    )
    page = client.get(page_of(case)).content.decode()
    assert "메시지를 보냈습니다. 피해자가 포털에 로그인하면 봅니다." in page
    assert "내일 뵐까요?" in panel_of(page)


def test_an_empty_message_is_refused_beside_the_box_and_nothing_is_written(
    case: Case, manager: Staff
) -> None:
    client = logged_in(manager)
    before = written()
    answer = client.post(reverse("messaging:send", args=[case.pk]), {"body": "   "})
    assert answer.status_code == 422
    assert "보낼 내용을 적어 주세요." in panel_of(answer.content.decode())
    after = written()
    assert {**after, "audit": 0} == {**before, "audit": 0}
    # the page shown again is an audited view, not a send
    assert not AuditEntry.objects.filter(action="message.send").exists()


@pytest.mark.parametrize("who", ["counselor off the team", "other agency supervisor"])
def test_outsiders_get_404_everywhere_and_nothing_is_written(
    case: Case,
    staff: dict[str, Staff],
    other_agency: Any,
    make_staff: Callable[..., Staff],
    who: str,
) -> None:
    message_send_by_victim(case=case, body="도와주세요")
    user = (
        staff[Role.HOTLINE_COUNSELOR]
        if who == "counselor off the team"
        else make_staff(other_agency, Role.SUPERVISOR)
    )
    client = logged_in(user)
    before = written()
    assert client.get(page_of(case)).status_code == 404
    assert (
        client.post(reverse("messaging:send", args=[case.pk]), {"body": "안녕"}).status_code == 404
    )
    read = client.post(
        reverse("messaging:mark_read", args=[case.pk]), {"up_to": clock.now().isoformat()}
    )
    assert read.status_code == 404
    assert written() == before
    assert "도와주세요" not in client.get(DASHBOARD).content.decode()


def test_the_pages_need_a_signed_in_user_and_post(case: Case, manager: Staff) -> None:
    url = reverse("messaging:send", args=[case.pk])
    anonymous = Client().post(url, {"body": "안녕"})
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("accounts:login"))
    assert logged_in(manager).get(url).status_code == 405
    assert not Message.objects.exists()


# --- the dashboard --------------------------------------------------------------------------------


def test_the_dashboard_lists_her_unread_messages_on_the_users_cases(
    case: Case, manager: Staff, supervisor: Staff, counselor: Staff
) -> None:
    message_send_by_victim(case=case, body="하나")
    message_send_by_victim(case=case, body="둘")
    page = logged_in(manager).get(DASHBOARD).content.decode()
    panel = page[page.index('id="chat-unread"') :]
    assert f'data-chat-case="{case.pk}"' in panel
    assert case.reference in panel
    assert "읽지 않은 메시지 2개" in panel
    assert "하나" not in panel  # the text is read on the case page, audited
    # not the supervisor's (the case has a team), not a counselor's off the team
    for user in (supervisor, counselor):
        assert 'id="chat-unread"' not in logged_in(user).get(DASHBOARD).content.decode()
    # once read, it leaves the list
    message_send_by_staff(actor=manager, case_id=case.pk, body="읽었어요")
    assert 'id="chat-unread"' not in logged_in(manager).get(DASHBOARD).content.decode()


def test_a_supervisor_sees_unread_messages_of_cases_with_no_team(
    case: Case, supervisor: Staff
) -> None:
    case.team.all().delete()
    message_send_by_victim(case=case, body="누구 있어요?")
    page = logged_in(supervisor).get(DASHBOARD).content.decode()
    assert f'data-chat-case="{case.pk}"' in page


def test_the_dashboard_query_count_does_not_grow_with_conversations(
    open_case: Callable[..., Case], manager: Staff, django_assert_max_num_queries: Any
) -> None:
    client = logged_in(manager)
    first = open_case(manager)
    message_send_by_victim(case=first, body="하나")
    with CaptureQueriesContext(connection) as one:
        client.get(DASHBOARD)
    for number in range(4):
        other = open_case(manager, name=f"이름{number}", phone=f"010-5555-{number:04d}")
        message_send_by_victim(case=other, body="안녕하세요")
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(DASHBOARD).content.decode()
    assert page.count("data-chat-case=") == 5
