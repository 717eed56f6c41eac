from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "onestop.intake"
    label = "intake"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from onestop.cases.panels import register_case_panel, register_dashboard_panel
        from onestop.intake.views import case_referrals_panel, referral_panel

        register_dashboard_panel("police-referrals", referral_panel, order=10)
        register_case_panel("police-referrals", case_referrals_panel, order=10)
