"""Failed logins are audited wherever they happen (login page, API, admin)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from onestop.audit.middleware import client_ip
from onestop.audit.services import audit_record


@receiver(user_login_failed)
def record_failed_login(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username", ""))[:150]
    audit_record(
        actor=None,
        actor_label=username,
        action="auth.login_failed",
        data={"username": username},
        ip=client_ip(request) if request is not None else None,
    )
