"""Sending and reading messages: who may write to her, what is refused (with nothing written),
the rate limit on her side, the audit entries (never the text), the read markers, one timeline
entry and one notice per burst of her unread messages, and the push after commit."""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from onestop.accounts.models import Role, Staff
from onestop.audit.models import AuditEntry
from onestop.cases.errors import CaseNotFound
from onestop.cases.models import Case, CaseEvent, Notification
from onestop.cases.services import case_team_assign
from onestop.conftest import run_pending_tasks
from onestop.core import clock
from onestop.core.errors import ValidationFailed
from onestop.messaging import services
from onestop.messaging.errors import MessageActionForbidden, MessagesTooFast
from onestop.messaging.models import Message, Side
from onestop.messaging.services import (
    MAX_BODY,
    message_send_by_staff,
    message_send_by_victim,
    messages_mark_read_by_staff,
    messages_mark_read_by_victim,
)
from onestop.messaging.tests.conftest import written

pytestmark = pytest.mark.django_db


def notices(kind: str = "message_from_victim") -> list[tuple[Any, Any]]:
    return sorted(
        Notification.objects.filter(kind=kind).values_list("recipient_id", "case_id"),
        key=str,
    )


# --- sending --------------------------------------------------------------------------------------


def test_her_message_is_kept_sealed_and_audited_without_its_text(case: Case) -> None:
    before = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    message = message_send_by_victim(case=case, body="  오늘 집 앞에 또 왔어요.\r\n무서워요.  ")
    message.refresh_from_db()
    assert (message.side, message.sender_id, message.body) == (
        Side.VICTIM,
        None,
        "오늘 집 앞에 또 왔어요.\n무서워요.",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM messaging_message")
        (raw,) = cursor.fetchone()
    assert "무서워요" not in raw  # sealed at rest
    entries = list(AuditEntry.objects.filter(seq__gt=before))
    assert [(e.action, e.actor_id, e.actor_label, e.target_id, e.data) for e in entries] == [
        (
            "message.send",
            None,
            "portal",
            str(case.pk),
            {"message": str(message.pk), "side": "victim"},
        )
    ]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "보낼 내용을 적어 주세요."),
        ("  \r\n\t ", "보낼 내용을 적어 주세요."),
        ("가" * (MAX_BODY + 1), "메시지는 2000자까지 보낼 수 있습니다. 지금 2001자입니다."),
    ],
)
def test_an_empty_or_too_long_message_is_refused_and_nothing_is_written(
    case: Case, manager: Staff, body: str, error: str
) -> None:
    before = written()
    senders: list[Callable[[], Message]] = [
        lambda: message_send_by_victim(case=case, body=body),
        lambda: message_send_by_staff(actor=manager, case_id=case.pk, body=body),
    ]
    for send in senders:
        with pytest.raises(ValidationFailed) as refused:
            send()
        assert [(e.field, e.message) for e in refused.value.errors] == [("body", error)]
    assert written() == before


def test_exactly_the_longest_message_is_accepted(case: Case) -> None:
    message = message_send_by_victim(case=case, body="가" * MAX_BODY)
    assert len(message.body) == MAX_BODY


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("lead", True),
        ("expert on the team", True),
        ("supervisor", True),
        ("counselor off the team", False),
        ("expert off the team", False),
        ("statistician", False),
        ("other agency supervisor", False),
        ("other agency case manager", False),
    ],
)
def test_who_may_write_to_her(
    case: Case,
    staff: dict[str, Staff],
    other_agency: Any,
    make_staff: Callable[..., Staff],
    who: str,
    allowed: bool,
) -> None:
    # given the case of the lead (a case manager), with an expert on the team
    expert = make_staff(case.agency, Role.EXPERT, "team-expert")
    case_team_assign(
        case_id=case.pk, actor=staff[Role.CASE_MANAGER], staff_id=expert.pk, role="expert"
    )
    user = {
        "lead": staff[Role.CASE_MANAGER],
        "expert on the team": expert,
        "supervisor": staff[Role.SUPERVISOR],
        "counselor off the team": staff[Role.HOTLINE_COUNSELOR],
        "expert off the team": staff[Role.EXPERT],
        "statistician": staff[Role.STATISTICIAN],
        "other agency supervisor": make_staff(other_agency, Role.SUPERVISOR),
        "other agency case manager": make_staff(other_agency, Role.CASE_MANAGER),
    }[who]
    before = written()
    if allowed:
        message = message_send_by_staff(actor=user, case_id=case.pk, body="잘 지내셨어요?")
        assert (message.side, message.sender_id) == (Side.STAFF, user.pk)
        assert AuditEntry.objects.filter(action="message.send", actor=user).count() == 1
    else:
        # who may not see the case learns nothing of it (404); nothing is written
        with pytest.raises(CaseNotFound):
            message_send_by_staff(actor=user, case_id=case.pk, body="잘 지내셨어요?")
        assert written() == before


def test_a_team_member_who_sees_the_case_but_may_not_chat_is_refused(
    case: Case, manager: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 403 path: a visible case, the chat rule says no (the two rules are separate)."""
    monkeypatch.setattr(services, "can_use_chat", lambda user, case: False)
    before = written()
    with pytest.raises(MessageActionForbidden):
        message_send_by_staff(actor=manager, case_id=case.pk, body="안녕하세요")
    with pytest.raises(MessageActionForbidden):
        messages_mark_read_by_staff(actor=manager, case_id=case.pk, up_to=clock.now())
    assert written() == before


def test_a_staff_message_is_audited_without_its_text(case: Case, manager: Staff) -> None:
    message = message_send_by_staff(actor=manager, case_id=case.pk, body="내일 오후에 뵐까요?")
    entry = AuditEntry.objects.get(action="message.send")
    assert (entry.actor_id, entry.target_id, entry.data) == (
        manager.pk,
        str(case.pk),
        {"message": str(message.pk), "side": "staff", "read": 0},
    )
    assert "뵐까요" not in str(AuditEntry.objects.values_list("data", flat=True)[0])


# --- her rate limit -------------------------------------------------------------------------------


def test_her_side_is_limited_to_30_messages_a_minute_per_case(
    case: Case, open_case: Callable[..., Case], manager: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the clock stands still inside one minute
    moment = 1_800_000_000.0
    monkeypatch.setattr("onestop.core.ratelimit.time", types.SimpleNamespace(time=lambda: moment))
    for number in range(30):
        message_send_by_victim(case=case, body=f"메시지 {number}")
    # when she sends the 31st in the same minute, it is refused and nothing is written
    before = written()
    with pytest.raises(MessagesTooFast) as refused:
        message_send_by_victim(case=case, body="하나 더")
    assert refused.value.status_code == 429
    assert refused.value.retry_after == 60
    assert written() == before
    # another case is counted on its own
    other = open_case(manager, name="박서연", phone="010-2222-3333")
    message_send_by_victim(case=other, body="안녕하세요")
    # and the next minute she may write again
    moment += 60
    message_send_by_victim(case=case, body="이제 보내져요")
    assert Message.objects.filter(case=case).count() == 31


def test_staff_are_not_rate_limited(case: Case, manager: Staff) -> None:
    for number in range(35):
        message_send_by_staff(actor=manager, case_id=case.pk, body=f"안내 {number}")
    assert Message.objects.filter(case=case, side=Side.STAFF).count() == 35


# --- the team hears of her message ----------------------------------------------------------------


def test_her_first_unread_message_tells_the_team_once_per_burst(
    case: Case, manager: Staff, supervisor: Staff, make_staff: Callable[..., Staff]
) -> None:
    counselor = make_staff(case.agency, Role.HOTLINE_COUNSELOR, "team-counselor")
    case_team_assign(case_id=case.pk, actor=manager, staff_id=counselor.pk, role="counselor")
    run_pending_tasks()
    # when she writes three lines before anyone reads them
    first = message_send_by_victim(case=case, body="오늘")
    message_send_by_victim(case=case, body="또")
    message_send_by_victim(case=case, body="왔어요")
    # then one timeline entry (who: the portal; never the text) and one notice per team member
    events = list(CaseEvent.objects.filter(case=case, kind="message_from_victim"))
    assert [(e.actor_id, e.data, e.note) for e in events] == [
        (None, {"by": "portal", "message": str(first.pk)}, "")
    ]
    run_pending_tasks()
    assert notices() == sorted([(manager.pk, case.pk), (counselor.pk, case.pk)], key=str)
    assert supervisor.pk not in [recipient for recipient, _case in notices()]
    # when the team reads them and she writes again, that is a new burst
    messages_mark_read_by_staff(actor=manager, case_id=case.pk, up_to=clock.now())
    message_send_by_victim(case=case, body="지금은 괜찮아요")
    assert CaseEvent.objects.filter(case=case, kind="message_from_victim").count() == 2
    run_pending_tasks()
    assert len(notices()) == 4


def test_a_case_nobody_is_on_tells_the_agencys_supervisors(
    case: Case,
    manager: Staff,
    supervisor: Staff,
    other_agency: Any,
    make_staff: Callable[..., Staff],
) -> None:
    make_staff(other_agency, Role.SUPERVISOR)  # another agency's supervisor hears nothing
    case.team.all().delete()
    message_send_by_victim(case=case, body="누구 있어요?")
    run_pending_tasks()
    assert notices() == [(supervisor.pk, case.pk)]


def test_notifying_twice_writes_the_notices_once(case: Case, manager: Staff) -> None:
    from onestop.messaging.tasks import notify_victim_message

    message_send_by_victim(case=case, body="안녕하세요")
    event = CaseEvent.objects.get(kind="message_from_victim")
    run_pending_tasks()
    assert notify_victim_message.call(event_id=str(event.pk)) == 0
    assert notices() == [(manager.pk, case.pk)]


def test_staff_messages_make_no_timeline_entry_or_notice(case: Case, manager: Staff) -> None:
    before = (CaseEvent.objects.count(), Notification.objects.count())
    run_pending_tasks()
    before = (CaseEvent.objects.count(), Notification.objects.count())
    message_send_by_staff(actor=manager, case_id=case.pk, body="안녕하세요")
    run_pending_tasks()
    assert (CaseEvent.objects.count(), Notification.objects.count()) == before


# --- read markers ---------------------------------------------------------------------------------


def test_read_markers_on_both_sides(case: Case, manager: Staff, supervisor: Staff) -> None:
    first = message_send_by_victim(case=case, body="하나")
    second = message_send_by_victim(case=case, body="둘")
    # a supervisor reads up to the first one: only that one is hers to mark
    assert messages_mark_read_by_staff(actor=supervisor, case_id=case.pk, up_to=first.sent_at) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.read_by_staff_id, second.read_by_staff_at) == (supervisor.pk, None)
    assert AuditEntry.objects.get(action="message.read").data == {"read": 1}
    # marking again what is read changes nothing and audits nothing
    assert messages_mark_read_by_staff(actor=manager, case_id=case.pk, up_to=first.sent_at) == 0
    assert AuditEntry.objects.filter(action="message.read").count() == 1
    # replying reads the rest
    reply = message_send_by_staff(actor=manager, case_id=case.pk, body="읽었어요")
    second.refresh_from_db()
    assert second.read_by_staff_id == manager.pk
    assert reply.read_by_victim_at is None
    # she reads the reply
    assert messages_mark_read_by_victim(case=case, up_to=reply.sent_at) == 1
    assert Message.objects.get(pk=reply.pk).read_by_victim_at is not None
    assert messages_mark_read_by_victim(case=case, up_to=reply.sent_at) == 0


def test_marking_read_stops_at_what_the_page_showed(case: Case, manager: Staff) -> None:
    shown = message_send_by_staff(actor=manager, case_id=case.pk, body="하나")
    later = message_send_by_staff(actor=manager, case_id=case.pk, body="둘")
    Message.objects.filter(pk=later.pk).update(sent_at=shown.sent_at + dt.timedelta(seconds=5))
    assert messages_mark_read_by_victim(case=case, up_to=shown.sent_at) == 1
    assert Message.objects.get(pk=later.pk).read_by_victim_at is None


def test_someone_outside_the_case_cannot_mark_it_read(
    case: Case, other_agency: Any, make_staff: Callable[..., Staff], counselor: Staff
) -> None:
    message_send_by_victim(case=case, body="하나")
    outsider = make_staff(other_agency, Role.SUPERVISOR)
    before = written()
    for user in (outsider, counselor):
        with pytest.raises(CaseNotFound):
            messages_mark_read_by_staff(actor=user, case_id=case.pk, up_to=clock.now())
    assert written() == before


# --- the push after commit ------------------------------------------------------------------------


def test_each_message_is_pushed_only_after_it_commits(
    case: Case, manager: Staff, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks
) -> None:
    pushed: list[tuple[str, str]] = []
    monkeypatch.setattr(
        services,
        "push_chat_message",
        lambda *, case_id, message_id: pushed.append((str(case_id), str(message_id))),
    )
    with django_capture_on_commit_callbacks(execute=True):
        mine = message_send_by_victim(case=case, body="하나")
        assert pushed == []  # not before the commit
    with django_capture_on_commit_callbacks(execute=True):
        theirs = message_send_by_staff(actor=manager, case_id=case.pk, body="둘")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed):
        message_send_by_victim(case=case, body="")
    assert pushed == [(str(case.pk), str(mine.pk)), (str(case.pk), str(theirs.pk))]


def test_a_case_cannot_be_deleted_from_under_its_transcript() -> None:
    from django.db.models import PROTECT

    assert Message._meta.get_field("case").remote_field.on_delete is PROTECT
