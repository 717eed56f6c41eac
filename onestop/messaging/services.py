"""Writers of the conversation: sending (her side from the portal, staff from the case page or
a socket) and read markers.

Nothing is ever sent to her phone: we have no SMS gateway, and a message or a notice on her
phone could be read by the person she is hiding from. A staff message waits in the portal until
she signs in. Her new message tells the case team once per unread burst — one timeline entry and
one notice while her earlier messages are still unread, not one per line — and every message is
pushed to the case's open sockets after its transaction commits."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.db import transaction
from django.utils.translation import gettext as _

from onestop.accounts.models import Staff
from onestop.audit.services import audit_record
from onestop.cases.models import Case, EventKind
from onestop.cases.services import case_event_add, case_lock_visible
from onestop.core import clock
from onestop.core.actors import PORTAL_ACTOR_LABEL
from onestop.core.errors import ValidationFailed
from onestop.core.ratelimit import Rate, rate_limit_hit
from onestop.messaging import tasks
from onestop.messaging.errors import InvalidMessage, MessageActionForbidden, MessagesTooFast
from onestop.messaging.live import push_chat_message
from onestop.messaging.models import Message, Side
from onestop.messaging.selectors import can_use_chat

MAX_BODY = 2000
# Her side, per case: enough for a fast typist, not for a script filling the team's screen.
VICTIM_RATE = Rate(limit=30, window=60)


def validated_body(body: str) -> str:
    """The text to keep (line ends as ``\\n``, outer blanks trimmed); refuses an empty or an
    over-long message."""
    text = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise ValidationFailed([InvalidMessage(_("보낼 내용을 적어 주세요."), field="body")])
    if len(text) > MAX_BODY:
        raise ValidationFailed(
            [
                InvalidMessage(
                    _("메시지는 %(max)d자까지 보낼 수 있습니다. 지금 %(count)d자입니다.")
                    % {"max": MAX_BODY, "count": len(text)},
                    field="body",
                )
            ]
        )
    return text


def _push_after_commit(message: Message) -> None:
    case_id, message_id = message.case_id, message.pk
    transaction.on_commit(lambda: push_chat_message(case_id=case_id, message_id=message_id))


def _mark_victim_messages_read(*, case: Case, reader: Staff, up_to: dt.datetime) -> int:
    return Message.objects.filter(
        case=case, side=Side.VICTIM, read_by_staff_at__isnull=True, sent_at__lte=up_to
    ).update(read_by_staff_at=clock.now(), read_by_staff=reader)


@transaction.atomic
def message_send_by_victim(*, case: Case, body: str) -> Message:
    """She writes to her team from the portal (the caller found ``case`` from her access)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    text = validated_body(body)
    wait = rate_limit_hit(bucket=f"messages-victim:{case.pk}", rate=VICTIM_RATE)
    if wait is not None:
        raise MessagesTooFast(
            _("메시지를 너무 빨리 보내고 있습니다. %(seconds)d초 뒤에 다시 보내 주세요.")
            % {"seconds": wait},
            retry_after=wait,
        )
    burst_open = Message.objects.filter(
        case=case, side=Side.VICTIM, read_by_staff_at__isnull=True
    ).exists()
    message = Message.objects.create(case=case, side=Side.VICTIM, body=text, sent_at=clock.now())
    if not burst_open:
        # the first of her messages nobody has read yet: one entry, one notice to the team
        event = case_event_add(
            case=case,
            actor=None,
            kind=EventKind.MESSAGE_FROM_VICTIM,
            data={"by": "portal", "message": str(message.pk)},
        )
        tasks.notify_victim_message.enqueue(event_id=str(event.pk))
    audit_record(
        actor=None,
        actor_label=PORTAL_ACTOR_LABEL,
        action="message.send",
        target=case,
        data={"message": str(message.pk), "side": Side.VICTIM},
    )
    _push_after_commit(message)
    return message


@transaction.atomic
def message_send_by_staff(*, actor: Staff, case_id: UUID, body: str) -> Message:
    """A team member (or the agency's supervisor) writes to her. It waits in her portal; it
    reaches no phone. Replying reads what she wrote before."""
    case = case_lock_visible(actor=actor, case_id=case_id)
    if not can_use_chat(actor, case):
        raise MessageActionForbidden(_("이 사례의 담당 팀만 피해자와 메시지를 주고받습니다."))
    text = validated_body(body)
    now = clock.now()
    read = _mark_victim_messages_read(case=case, reader=actor, up_to=now)
    message = Message.objects.create(
        case=case, side=Side.STAFF, sender=actor, body=text, sent_at=now
    )
    audit_record(
        actor=actor,
        action="message.send",
        target=case,
        data={"message": str(message.pk), "side": Side.STAFF, "read": read},
    )
    _push_after_commit(message)
    return message


@transaction.atomic
def messages_mark_read_by_victim(*, case: Case, up_to: dt.datetime) -> int:
    """She has seen the staff messages sent up to ``up_to`` (the newest her page showed).
    → how many were newly marked."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    return Message.objects.filter(
        case=case, side=Side.STAFF, read_by_victim_at__isnull=True, sent_at__lte=up_to
    ).update(read_by_victim_at=clock.now())


@transaction.atomic
def messages_mark_read_by_staff(*, actor: Staff, case_id: UUID, up_to: dt.datetime) -> int:
    """A team member has read her messages sent up to ``up_to`` (the newest her page showed);
    who read them is kept on each message and in the audit log. → how many were newly marked."""
    case = case_lock_visible(actor=actor, case_id=case_id)
    if not can_use_chat(actor, case):
        raise MessageActionForbidden(_("이 사례의 담당 팀만 피해자와 메시지를 주고받습니다."))
    read = _mark_victim_messages_read(case=case, reader=actor, up_to=up_to)
    if read:
        audit_record(actor=actor, action="message.read", target=case, data={"read": read})
    return read


@transaction.atomic
def message_view_record(*, actor: Staff, case: Case) -> None:
    """Reading her conversation is audited like reading the case (once per page shown)."""
    audit_record(actor=actor, action="message.view", target=case, data={})
