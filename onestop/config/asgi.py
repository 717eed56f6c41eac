"""ASGI entry point: HTTP through Django; WebSockets through Channels (the dashboard's live
alerts, and the chat between a victim and her team: the case page's and the portal's sockets),
authenticated by the same session cookie and refused from other origins."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.config.settings")

django_application = get_asgi_application()  # sets Django up before the routes import models

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from onestop.intake.consumers import ReferralAlertConsumer  # noqa: E402
from onestop.messaging.consumers import StaffChatConsumer  # noqa: E402
from onestop.portal.chat_consumers import PortalChatConsumer  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(
                URLRouter(
                    [
                        path("ws/alerts/", ReferralAlertConsumer.as_asgi()),
                        path("ws/cases/<uuid:case_id>/chat/", StaffChatConsumer.as_asgi()),
                        path("ws/portal/chat/", PortalChatConsumer.as_asgi()),
                    ]
                )
            )
        ),
    }
)
