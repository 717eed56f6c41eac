"""The safety plan (layer 5)."""

from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "onestop.safety"
    label = "safety"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from onestop.cases.panels import register_case_panel, register_event_detail
        from onestop.safety.timeline import KINDS, safety_event_detail
        from onestop.safety.views import safety_case_panel

        register_case_panel("safety", safety_case_panel, order=18)
        register_event_detail(KINDS, safety_event_detail)
