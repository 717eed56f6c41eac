from django.apps import AppConfig
from django.utils.translation import gettext_noop


class RiskConfig(AppConfig):
    name = "onestop.risk"
    label = "risk"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from onestop.cases.panels import register_case_panel
        from onestop.cases.reminders import register_reminder_source
        from onestop.risk.reminders import reassessment_reminders
        from onestop.risk.views import risk_panel

        register_case_panel("risk", risk_panel, order=10)
        register_reminder_source(
            "risk.reassessment_due",
            reassessment_reminders,
            labels={"reassessment_due": gettext_noop("위험 재평가 필요")},
        )
