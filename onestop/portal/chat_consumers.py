"""Her side of the live chat: ``/ws/portal/chat/``, opened from the portal's messages page.

The socket is let in on the portal session (the same cookie as her pages): the access she signed
in with, active within the last 15 minutes. Anything else — no portal session, an idle or ended
one, a staff login — is turned away with close code 4403. The session is read again from the
store before every message in either direction, so signing out, the quick exit's session end or
15 idle minutes close the socket too; what she sends counts as activity, as a page load does.
What she sends goes through ``message_send_by_victim`` (validation, rate limit, audit, the
team's notice), and a counselor's message shown on her open page is marked read."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from importlib import import_module
from typing import Any
from uuid import UUID

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.sessions.backends.base import UpdateError
from django.utils import translation

from onestop.core.errors import DomainError
from onestop.messaging.consumers import REFUSED, ChatSocket, body_of, language_of
from onestop.messaging.models import Side
from onestop.messaging.selectors import message_in_case, message_payload
from onestop.messaging.services import message_send_by_victim, messages_mark_read_by_victim
from onestop.portal.models import PortalAccess
from onestop.portal.views import IDLE_SECONDS, SEEN_KEY, SESSION_KEY


def portal_access_now(
    session_key: str | None, *, access_id: str | None = None, touch: bool = False
) -> PortalAccess | None:
    """The access this session signed in with, while it is active (and, when ``access_id`` is
    given, still that one); ``touch`` counts this moment as activity."""
    if not session_key:
        return None
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
    signed_in = session.get(SESSION_KEY)
    if not signed_in or (access_id is not None and str(signed_in) != access_id):
        return None
    if time.time() - float(session.get(SEEN_KEY, 0)) > IDLE_SECONDS:
        return None
    if touch:
        session[SEEN_KEY] = time.time()
        try:
            session.save()
        except UpdateError:  # signed out between the read and the write
            return None
    return PortalAccess.objects.select_related("case").filter(pk=signed_in).first()


def _send_now(access_id: str, session_key: str, body: str, language: str) -> list[str] | None:
    """Send as her; → None when her session ended, else the refusal's messages ([] = sent)."""
    access = portal_access_now(session_key, access_id=access_id, touch=True)
    if access is None:
        return None
    with translation.override(language):
        try:
            message_send_by_victim(case=access.case, body=body)
        except DomainError as refused:
            return [error.message for error in getattr(refused, "errors", [refused])]
    return []


def _deliver_now(access_id: str, session_key: str, message_id: str) -> dict[str, Any] | None:
    """The message for her open page (marked read when it is a counselor's); None when her
    session ended. ``{}`` when the message is not of her case."""
    access = portal_access_now(session_key, access_id=access_id)
    if access is None:
        return None
    message = message_in_case(case_id=access.case_id, message_id=message_id)
    if message is None:
        return {}
    if message.side == Side.STAFF:
        messages_mark_read_by_victim(case=access.case, up_to=message.sent_at)
    return message_payload(message)


_access: Callable[[str | None], Awaitable[PortalAccess | None]] = database_sync_to_async(
    portal_access_now
)
_send: Callable[[str, str, str, str], Awaitable[list[str] | None]] = database_sync_to_async(
    _send_now
)
_deliver: Callable[[str, str, str], Awaitable[dict[str, Any] | None]] = database_sync_to_async(
    _deliver_now
)


class PortalChatConsumer(ChatSocket):
    access_id: str = ""
    session_key: str = ""
    case_id: UUID | None = None

    async def connect(self) -> None:
        session_key = getattr(self.scope.get("session"), "session_key", None)
        self.language = language_of(self.scope)
        access = await _access(session_key)
        await self.accept()
        if access is None or session_key is None:
            await self.close(code=REFUSED)
            return
        self.access_id, self.session_key, self.case_id = str(access.pk), session_key, access.case_id
        await self.join(access.case_id)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        errors = await _send(self.access_id, self.session_key, body_of(content), self.language)
        if errors is None:
            await self.refuse()
            return
        await self.answer(errors)

    async def chat_message(self, event: dict[str, Any]) -> None:
        payload = await _deliver(self.access_id, self.session_key, event["message_id"])
        if payload is None:
            await self.refuse()
            return
        if payload:
            await self.send_json({"type": "chat.message", "message": payload})
