"""The victim portal (layer 8)."""

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "onestop.portal"
    label = "portal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from onestop.cases.panels import register_case_panel, register_dashboard_panel
        from onestop.portal.staff_views import portal_staff_panel
        from onestop.portal.survey_views import survey_case_panel, survey_dashboard_panel

        register_case_panel("portal.access", portal_staff_panel, order=16)

        register_case_panel("portal.survey", survey_case_panel, order=40)
        register_dashboard_panel("portal.survey", survey_dashboard_panel, order=60)
