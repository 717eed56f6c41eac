"""The evidence log (layer 5)."""

from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "onestop.evidence"
    label = "evidence"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from onestop.cases.panels import register_case_panel, register_event_detail
        from onestop.evidence.timeline import KINDS, evidence_event_detail
        from onestop.evidence.views import evidence_case_panel

        register_case_panel("evidence", evidence_case_panel, order=17)
        register_event_detail(KINDS, evidence_event_detail)
