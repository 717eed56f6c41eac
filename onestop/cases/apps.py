from django.apps import AppConfig
from django.utils.translation import gettext_noop


class CasesConfig(AppConfig):
    name = "onestop.cases"
    label = "cases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from onestop.cases.panels import register_case_panel
        from onestop.cases.protection_views import protection_panel
        from onestop.cases.reminders import register_reminder_source
        from onestop.cases.selectors import measures_ending_soon

        register_reminder_source(
            "cases.measures_ending",
            measures_ending_soon,
            labels={"measure_ending": gettext_noop("보호조치 종료 임박")},
        )
        register_case_panel("protection", protection_panel, order=15)
