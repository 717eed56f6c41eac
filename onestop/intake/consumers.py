"""The dashboard's live channel: ``/ws/alerts/``. A signed-in staff member who takes referrals
and is on duty joins her agency's alert group; on connecting she gets the referrals nobody has
taken yet, then each new one as it arrives. Anyone else is turned away (close code 4403)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from onestop.accounts.models import Staff
from onestop.intake.alerts import (
    alert_group,
    pending_referrals_for,
    receives_live_alerts,
    referral_alert_payload,
)

REFUSED = 4403


def _fresh_subscriber_now(user_id: Any) -> Staff | None:
    """The staff member as the database has her now (shifts end, accounts are disabled)."""
    staff = Staff.objects.filter(pk=user_id).first()
    return staff if staff is not None and receives_live_alerts(staff) else None


def _pending_now(staff: Staff) -> list[dict[str, Any]]:
    return [referral_alert_payload(r) for r in pending_referrals_for(user=staff)]


# Channels' wrapper runs them in the ORM's thread and closes stale connections around them.
_fresh_subscriber: Callable[[Any], Awaitable[Staff | None]] = database_sync_to_async(
    _fresh_subscriber_now
)
_pending: Callable[[Staff], Awaitable[list[dict[str, Any]]]] = database_sync_to_async(_pending_now)


class ReferralAlertConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]  # untyped base
    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        staff = await _fresh_subscriber(user.pk) if isinstance(user, Staff) else None
        if staff is None:
            await self.close(code=REFUSED)
            return
        self.staff_id = staff.pk
        self.group = alert_group(staff.agency_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "referral.pending", "referrals": await _pending(staff)})

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """The dashboard sends nothing; anything it sends is ignored."""

    async def referral_alert(self, event: dict[str, Any]) -> None:
        if await _fresh_subscriber(self.staff_id) is None:  # her shift ended since she joined
            await self.close(code=REFUSED)
            return
        await self.send_json({"type": "referral.alert", "referral": event["referral"]})
