"""The dashboard's live channel: ``/ws/alerts/``. A signed-in staff member who takes referrals
and is on duty joins her agency's alert group; on connecting she gets the referrals nobody has
taken yet, then each new one as it arrives. Anyone else is turned away with close code 4403
(the socket is accepted first, so the browser sees the code and stops reconnecting).

Before each alert the consumer looks again: at the staff row (a shift that ended, an account
that was disabled) and at the session the socket was opened with (a sign-out, an expiry)."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from importlib import import_module
from typing import Any

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
from onestop.intake.alerts import (
    alert_group,
    localized,
    pending_referrals_for,
    receives_live_alerts,
    referral_alert_payload,
)

REFUSED = 4403


def _subscriber_now(user_id: Any, session_key: str | None) -> Staff | None:
    """The staff member as the database has her now, if she may still receive alerts and the
    session the socket was opened with is still hers."""
    if not session_key:
        return None
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
    if session.load().get(SESSION_KEY) != str(user_id):  # signed out, expired or replaced
        return None
    staff = Staff.objects.filter(pk=user_id).first()
    return staff if staff is not None and receives_live_alerts(staff) else None


def _pending_now(staff: Staff, language: str) -> list[dict[str, Any]]:
    with translation.override(language):
        return [referral_alert_payload(r) for r in pending_referrals_for(user=staff)]


def language_of(scope: dict[str, Any]) -> str:
    """The viewer's language, as Django's LocaleMiddleware would pick it for her pages: the
    language switch's cookie, else the browser's preference, else Korean."""
    candidates = [scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME, "")]
    headers = dict(scope.get("headers", []))
    accept = headers.get(b"accept-language", b"").decode("latin-1")
    candidates += [code for code, _quality in parse_accept_lang_header(accept)]
    for code in candidates:
        with contextlib.suppress(LookupError):
            if code:
                return get_supported_language_variant(code)
    return str(settings.LANGUAGE_CODE)


# Channels' wrapper runs them in the ORM's thread and closes stale connections around them.
_subscriber: Callable[[Any, str | None], Awaitable[Staff | None]] = database_sync_to_async(
    _subscriber_now
)
_pending: Callable[[Staff, str], Awaitable[list[dict[str, Any]]]] = database_sync_to_async(
    _pending_now
)


class ReferralAlertConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]  # untyped base
    group: str | None = None
    staff_id: Any = None
    session_key: str | None = None
    language: str = settings.LANGUAGE_CODE

    async def connect(self) -> None:
        user = self.scope.get("user")
        session = self.scope.get("session")
        self.session_key = getattr(session, "session_key", None)
        self.language = language_of(self.scope)
        staff = await _subscriber(user.pk, self.session_key) if isinstance(user, Staff) else None
        await self.accept()
        if staff is None:
            await self.close(code=REFUSED)
            return
        self.staff_id = staff.pk
        self.group = alert_group(staff.agency_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        pending = await _pending(staff, self.language)
        await self.send_json({"type": "referral.pending", "referrals": pending})

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """The dashboard sends nothing; anything it sends is ignored."""

    async def referral_alert(self, event: dict[str, Any]) -> None:
        if await _subscriber(self.staff_id, self.session_key) is None:
            # her shift ended, she signed out, or her account was disabled since she joined
            await self.disconnect(REFUSED)
            await self.close(code=REFUSED)
            return
        referral = localized(event["referral"], self.language)
        await self.send_json({"type": "referral.alert", "referral": referral})
