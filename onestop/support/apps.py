"""Support services, program policies, partner referrals and deliveries (layer 6)."""

from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "onestop.support"
    label = "support"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from onestop.cases.panels import (
            register_case_panel,
            register_dashboard_panel,
            register_event_detail,
        )
        from onestop.support.timeline import KINDS, support_event_detail
        from onestop.support.views import support_case_panel, support_dashboard_panel

        register_case_panel("support", support_case_panel, order=30)
        register_dashboard_panel("support.approvals", support_dashboard_panel, order=10)
        register_event_detail(KINDS, support_event_detail)
