"""The staff side of the live chat: ``/ws/cases/<case_id>/chat/``, opened from the case page.

A signed-in staff member who talks with her on this case (its team, its agency's supervisors)
joins the case's chat group; anyone else is turned away with close code 4403 (accepted first, so
the browser sees the code and stops reconnecting). Before every message in either direction the
consumer looks again — at the session the socket was opened with (a sign-out, an expiry), at the
staff row (a disabled account) and at the case (removed from the team) — and closes with 4403
when any of them no longer holds. What she sends goes through ``message_send_by_staff``, so the
checks, the validation and the audit are those of the page's form."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable, Callable
from importlib import import_module
from typing import Any
from uuid import UUID

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.utils import translation
from django.utils.translation.trans_real import (
    get_supported_language_variant,
    parse_accept_lang_header,
)

from onestop.accounts.models import Staff
from onestop.cases.models import Case
from onestop.cases.permissions import visible_cases_filter
from onestop.core.errors import DomainError
from onestop.messaging.live import chat_group
from onestop.messaging.selectors import can_use_chat, message_in_case, message_payload
from onestop.messaging.services import message_send_by_staff

REFUSED = 4403


def language_of(scope: dict[str, Any]) -> str:
    """The viewer's language, as Django's LocaleMiddleware picks it for her pages: the language
    switch's cookie, else the browser's preference, else Korean. (The dashboard's alert socket
    reads it the same way; that one lives in a higher layer.)"""
    candidates = [scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME, "")]
    headers = dict(scope.get("headers", []))
    accept = headers.get(b"accept-language", b"").decode("latin-1")
    candidates += [code for code, _quality in parse_accept_lang_header(accept)]
    for code in candidates:
        with contextlib.suppress(LookupError):
            if code:
                return get_supported_language_variant(code)
    return str(settings.LANGUAGE_CODE)


def chat_member_now(user_id: Any, session_key: str | None, case_id: UUID) -> Staff | None:
    """The staff member as the database has her now, if the session the socket was opened with
    is still hers and she still talks with her on this case."""
    if not session_key or user_id is None:
        return None
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
    if session.load().get(SESSION_KEY) != str(user_id):  # signed out, expired or replaced
        return None
    staff = Staff.objects.filter(pk=user_id).first()
    if staff is None:
        return None
    case = Case.objects.filter(visible_cases_filter(staff), pk=case_id).first()
    return staff if case is not None and can_use_chat(staff, case) else None


def _send_now(staff: Staff, case_id: UUID, body: str, language: str) -> list[str]:
    """Send; → the refusal's messages (in the viewer's language), or [] when it was sent."""
    with translation.override(language):
        try:
            message_send_by_staff(actor=staff, case_id=case_id, body=body)
        except DomainError as refused:
            return [error.message for error in getattr(refused, "errors", [refused])]
    return []


def _payload_now(case_id: UUID, message_id: str) -> dict[str, Any] | None:
    message = message_in_case(case_id=case_id, message_id=message_id)
    return message_payload(message) if message is not None else None


# Channels' wrapper runs them in the ORM's thread and closes stale connections around them.
_member: Callable[[Any, str | None, UUID], Awaitable[Staff | None]] = database_sync_to_async(
    chat_member_now
)
_send: Callable[[Staff, UUID, str, str], Awaitable[list[str]]] = database_sync_to_async(_send_now)
_payload: Callable[[UUID, str], Awaitable[dict[str, Any] | None]] = database_sync_to_async(
    _payload_now
)


def decode_chat_json(text: str) -> Any:
    """What a page sent; anything that is not JSON counts as an empty message."""
    try:
        return json.loads(text)
    except ValueError:
        return {}


def body_of(content: Any) -> str:
    body = content.get("body") if isinstance(content, dict) else None
    return body if isinstance(body, str) else ""


class ChatSocket(AsyncJsonWebsocketConsumer):  # type: ignore[misc]  # untyped base
    """What both sides' chat sockets share: a frame that is not JSON text (or not text at all)
    is an empty message, refused like one, and never an error that drops the socket; leaving
    the case's group on disconnect."""

    group: str | None = None
    language: str = settings.LANGUAGE_CODE

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        await self.receive_json(decode_chat_json(text_data or ""), **kwargs)

    async def join(self, case_id: UUID) -> None:
        self.group = chat_group(case_id)
        await self.channel_layer.group_add(self.group, self.channel_name)

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None

    async def refuse(self) -> None:
        await self.disconnect(REFUSED)
        await self.close(code=REFUSED)

    async def answer(self, errors: list[str]) -> None:
        if errors:
            await self.send_json({"type": "chat.refused", "errors": errors})
        else:
            await self.send_json({"type": "chat.sent"})


class StaffChatConsumer(ChatSocket):
    staff_id: Any = None
    session_key: str | None = None

    async def connect(self) -> None:
        self.case_id: UUID = self.scope["url_route"]["kwargs"]["case_id"]
        user = self.scope.get("user")
        self.session_key = getattr(self.scope.get("session"), "session_key", None)
        self.language = language_of(self.scope)
        staff = (
            await _member(user.pk, self.session_key, self.case_id)
            if isinstance(user, Staff)
            else None
        )
        await self.accept()
        if staff is None:
            await self.close(code=REFUSED)
            return
        self.staff_id = staff.pk
        await self.join(self.case_id)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        staff = await _member(self.staff_id, self.session_key, self.case_id)
        if staff is None:
            await self.refuse()
            return
        await self.answer(await _send(staff, self.case_id, body_of(content), self.language))

    async def chat_message(self, event: dict[str, Any]) -> None:
        if await _member(self.staff_id, self.session_key, self.case_id) is None:
            await self.refuse()
            return
        payload = await _payload(self.case_id, event["message_id"])
        if payload is not None:
            await self.send_json({"type": "chat.message", "message": payload})
