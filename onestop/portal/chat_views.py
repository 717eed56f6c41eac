"""Her messages page in the portal: the conversation with her team, newest at the bottom, and a
box to write. It works as a plain form; ``chat.js`` moves it onto the socket when it can.
Showing the page marks the counselors' messages on it as read. Nothing here reaches her phone:
the team's messages wait for her here."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from onestop.cases.forms import add_domain_errors
from onestop.core.errors import DomainError
from onestop.messaging.forms import MessageForm
from onestop.messaging.selectors import transcript_for_victim
from onestop.messaging.services import (
    MAX_BODY,
    message_send_by_victim,
    messages_mark_read_by_victim,
)
from onestop.portal.views import portal_access_of, portal_page

SOCKET_PATH = "/ws/portal/chat/"


@portal_page
@require_http_methods(["GET", "POST"])
def messages_view(request: HttpRequest) -> HttpResponse:
    access = portal_access_of(request)
    if access is None:
        messages.info(request, _("다시 로그인해 주세요."))
        return redirect("portal:sign_in")
    case = access.case
    form = MessageForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            message_send_by_victim(case=case, body=form.cleaned_data["body"])
        except DomainError as refused:
            add_domain_errors(form, refused)
            status = refused.status_code
        else:
            return redirect("portal:messages")
    # her own conversation: the access she signed in with is the filter
    transcript = transcript_for_victim(case=case)
    if transcript:
        messages_mark_read_by_victim(case=case, up_to=transcript[-1].sent_at)
    return render(
        request,
        "portal/messages.html",
        {
            "transcript": transcript,
            "form": form,
            "socket_path": SOCKET_PATH,
            "max_body": MAX_BODY,
        },
        status=status,
    )
