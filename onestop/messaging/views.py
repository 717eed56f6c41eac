"""Staff pages of the conversation: the case page's chat panel (transcript, her safe contact
method and times, the reply box), sending and marking read (plain POSTs; ``chat.js`` moves them
onto the socket when it can), and the dashboard's list of cases where she wrote and nobody has
read it yet."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onestop.accounts.models import Staff
from onestop.cases.models import Case, CaseEvent
from onestop.cases.panels import CasePanel
from onestop.cases.views import case_form_action
from onestop.messaging.forms import MarkReadForm, MessageForm
from onestop.messaging.selectors import chat_for_user, unread_conversations_for_user
from onestop.messaging.services import (
    MAX_BODY,
    message_send_by_staff,
    message_view_record,
    messages_mark_read_by_staff,
)


def chat_socket_path(case_id: UUID) -> str:
    return f"/ws/cases/{case_id}/chat/"


def messaging_case_panel(
    case: Case, user: Staff, bound: Mapping[str, forms.Form]
) -> CasePanel | None:
    chat = chat_for_user(user=user, case=case)
    if chat is None:
        return None
    if chat.messages:
        message_view_record(actor=user, case=case)
    read_form = None
    if chat.unread and chat.newest_sent_at is not None:
        read_form = MarkReadForm(initial={"up_to": chat.newest_sent_at.isoformat()})
    return CasePanel(
        "messaging/panel.html",
        {
            "chat": chat,
            "form": bound.get("message") or MessageForm(),
            "read_form": read_form,
            "socket_path": chat_socket_path(case.pk),
            "max_body": MAX_BODY,
        },
    )


def messaging_dashboard_panel(user: Staff) -> CasePanel | None:
    unread = unread_conversations_for_user(user=user)
    if not unread:
        return None
    return CasePanel("messaging/dashboard_panel.html", {"conversations": unread})


def messaging_event_detail(event: CaseEvent) -> str:
    return _("포털에서 새 메시지를 보냈습니다. 메시지 창에서 읽으세요.")


@login_required
@require_POST
def send_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        message_send_by_staff(actor=user, case_id=case.pk, body=data["body"])
        return _("메시지를 보냈습니다. 피해자가 포털에 로그인하면 봅니다.")

    return case_form_action(
        request,
        case_id,
        name="message",
        make_form=lambda _case, _user, data: MessageForm(data),
        perform=perform,
    )


@login_required
@require_POST
def mark_read_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        read = messages_mark_read_by_staff(actor=user, case_id=case.pk, up_to=data["up_to"])
        return _("메시지 %(count)d개를 읽음으로 표시했습니다.") % {"count": read}

    return case_form_action(
        request,
        case_id,
        name="message_read",
        make_form=lambda _case, _user, data: MarkReadForm(data),
        perform=perform,
    )
