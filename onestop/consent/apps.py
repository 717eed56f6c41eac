from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "onestop.consent"
    label = "consent"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from onestop.cases.panels import register_case_panel, register_event_detail
        from onestop.consent.timeline import KINDS, consent_event_detail
        from onestop.consent.views import consent_panel

        register_case_panel("consent", consent_panel, order=20)
        register_event_detail(KINDS, consent_event_detail)
