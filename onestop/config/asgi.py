"""ASGI entry point: HTTP through Django; WebSocket routes join here as apps add them."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.config.settings")

application = get_asgi_application()
