"""The live part of the chat: one Channels group per case, ``case-chat.<case_id>``, joined by
the sockets of her portal page and of her team's case pages.

What travels through the layer (Redis in production) is only the message's id: each socket
reads the message from the database itself, after checking again that its viewer may still see
it, so no message text passes through the layer and a socket whose access ended gets nothing.
The push is best effort: the database holds every message, and a page that reloads shows it."""

from __future__ import annotations

import logging
from uuid import UUID

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


def chat_group(case_id: UUID | str) -> str:
    return f"case-chat.{case_id}"


def push_chat_message(*, case_id: UUID | str, message_id: UUID | str) -> None:
    """Tell the case's open sockets that a message was sent (call after its commit)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            chat_group(case_id), {"type": "chat.message", "message_id": str(message_id)}
        )
    except Exception:  # the message is stored; a lost push is seen on the next page load
        logger.exception("chat message %s was not pushed", message_id)
