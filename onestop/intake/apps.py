from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "onestop.intake"
    label = "intake"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from onestop.cases.panels import register_dashboard_panel
        from onestop.intake.views import referral_panel

        register_dashboard_panel("police-referrals", referral_panel, order=10)
