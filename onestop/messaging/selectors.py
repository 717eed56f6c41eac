"""Every read of messages. Staff read a case's conversation when they may write on its timeline
(its team, and its agency's supervisors); the victim reads her own case's, found from the access
she signed in with."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Count, Exists, Max, OuterRef, Q

from onestop.accounts.models import Role, Staff
from onestop.cases.models import Case, CaseTeamMember
from onestop.cases.permissions import can_add_to_timeline, is_active_staff, visible_cases_filter
from onestop.core import clock
from onestop.messaging.models import Message, Side
from onestop.messaging.safe_contact import outside_safe_hours
from onestop.people.models import ContactMethod

TRANSCRIPT_LIMIT = 200
DASHBOARD_LIMIT = 20


def can_use_chat(user: Staff, case: Case) -> bool:
    """The case team and the agency's supervisors talk with her."""
    return is_active_staff(user) and can_add_to_timeline(user, case)


def _transcript(case_id: UUID, limit: int) -> list[Message]:
    newest = (
        Message.objects.filter(case_id=case_id)
        .select_related("sender")
        .order_by("-sent_at", "-created_at")[:limit]
    )
    return list(reversed(newest))  # oldest first: the newest at the bottom


def transcript_for_victim(*, case: Case, limit: int = TRANSCRIPT_LIMIT) -> list[Message]:
    """Her own conversation (the caller found ``case`` from her signed-in access)."""
    return _transcript(case.pk, limit)


@dataclass(frozen=True)
class ContactAdvice:
    """How staff may reach her, read from her record for the chat panel."""

    method: str
    method_label: str
    times: str
    she_contacts_first: bool
    outside_hours: bool


def contact_advice(*, case: Case, now: dt.datetime | None = None) -> ContactAdvice:
    victim = case.victim
    moment = (now or clock.now()).astimezone(clock.SEOUL)
    return ContactAdvice(
        method=victim.safe_contact_method,
        method_label=str(victim.get_safe_contact_method_display()),
        times=victim.safe_contact_times,
        she_contacts_first=victim.safe_contact_method == ContactMethod.NONE,
        outside_hours=outside_safe_hours(victim.safe_contact_times, moment.time()),
    )


@dataclass(frozen=True)
class Chat:
    messages: list[Message]
    unread: int
    advice: ContactAdvice

    @property
    def newest_sent_at(self) -> dt.datetime | None:
        return self.messages[-1].sent_at if self.messages else None


def chat_for_user(*, user: Staff, case: Case, now: dt.datetime | None = None) -> Chat | None:
    """The conversation of a case the user already sees, with her unread count and the safe
    contact advice; None when the user is not one who talks with her."""
    if not can_use_chat(user, case):
        return None
    unread = Message.objects.filter(
        case=case, side=Side.VICTIM, read_by_staff_at__isnull=True
    ).count()
    return Chat(
        messages=_transcript(case.pk, TRANSCRIPT_LIMIT),
        unread=unread,
        advice=contact_advice(case=case, now=now),
    )


def message_payload(message: Message) -> dict[str, Any]:
    """A message as both sides' pages show it: the counselor by her staff label, never more."""
    sent = message.sent_at.astimezone(clock.SEOUL)
    return {
        "id": str(message.pk),
        "side": message.side,
        "body": message.body,
        "sent_at": sent.isoformat(),
        "sent_label": sent.strftime("%m-%d %H:%M"),
        "sender": message.sender.label if message.sender is not None else "",
    }


def message_in_case(*, case_id: UUID | str, message_id: UUID | str) -> Message | None:
    """One message of a case, for a socket that has just checked its viewer may see the case."""
    return Message.objects.select_related("sender").filter(pk=message_id, case_id=case_id).first()


@dataclass(frozen=True)
class UnreadConversation:
    case_id: UUID
    reference: str
    unread: int
    last_sent_at: dt.datetime


def unread_conversations_for_user(
    *, user: Staff, limit: int = DASHBOARD_LIMIT
) -> list[UnreadConversation]:
    """Cases with messages from her that nobody has read: the user's own cases (on the team);
    for a supervisor also the agency's cases that have no team, which nobody else would see."""
    if not is_active_staff(user):
        return []
    mine = Q(Exists(CaseTeamMember.objects.filter(case=OuterRef("pk"), staff=user)))
    if user.role == Role.SUPERVISOR:
        mine |= ~Q(Exists(CaseTeamMember.objects.filter(case=OuterRef("pk"))))
    cases = Case.objects.filter(visible_cases_filter(user)).filter(mine).values("pk")
    rows = (
        Message.objects.filter(case_id__in=cases, side=Side.VICTIM, read_by_staff_at__isnull=True)
        .values("case_id", "case__reference")
        .annotate(unread=Count("id"), last=Max("sent_at"))
        .order_by("-last")[:limit]
    )
    return [
        UnreadConversation(row["case_id"], row["case__reference"], row["unread"], row["last"])
        for row in rows
    ]
