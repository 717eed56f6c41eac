"""Secure messages and live chat (layer 5)."""

from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "onestop.messaging"
    label = "messaging"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from onestop.cases.panels import (
            register_case_panel,
            register_dashboard_panel,
            register_event_detail,
        )
        from onestop.messaging.views import (
            messaging_case_panel,
            messaging_dashboard_panel,
            messaging_event_detail,
        )

        register_case_panel("messaging", messaging_case_panel, order=19)
        register_dashboard_panel("messaging", messaging_dashboard_panel, order=20)
        register_event_detail(["message_from_victim"], messaging_event_detail)
