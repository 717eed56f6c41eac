from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "onestop.intake"
    label = "intake"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from onestop.cases.models import EventKind
        from onestop.cases.panels import (
            register_case_panel,
            register_dashboard_panel,
            register_event_detail,
        )
        from onestop.intake.timeline import application_event_detail
        from onestop.intake.views import (
            applications_panel,
            case_applications_panel,
            case_referrals_panel,
            referral_panel,
        )

        register_dashboard_panel("police-referrals", referral_panel, order=10)
        register_dashboard_panel("web-applications", applications_panel, order=11)
        register_case_panel("police-referrals", case_referrals_panel, order=10)
        register_case_panel("web-applications", case_applications_panel, order=11)
        register_event_detail(
            [EventKind.WEB_APPLICATION, EventKind.APPLICATION_TAKEN], application_event_detail
        )
