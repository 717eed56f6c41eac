"""Deletion support for digital sex crimes (layer 6, beside ``support``).

Responsible for: the hash bank of a victim's content (hashes only, unless staff keep the file as
evidence), who asked for deletion, the platforms, one takedown request per URL found with its
preserved evidence and dated steps, re-upload monitoring and its review queue, the hash export;
the desk, the case's deletion-support page and its case-page and dashboard panels. Not for:
keeping evidence files (``evidence``), who may see a case (``cases``)."""

from django.apps import AppConfig


class TakedownConfig(AppConfig):
    name = "onestop.takedown"
    label = "takedown"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from onestop.cases.panels import (
            register_case_panel,
            register_dashboard_panel,
            register_event_detail,
        )
        from onestop.cases.reminders import register_reminder_source
        from onestop.takedown.selectors import REMINDER_LABELS, takedown_overdue_due
        from onestop.takedown.timeline import KINDS as TIMELINE_KINDS
        from onestop.takedown.timeline import takedown_event_detail
        from onestop.takedown.views import takedown_case_panel, takedown_dashboard_panel

        register_case_panel("takedown", takedown_case_panel, order=37)
        register_dashboard_panel("takedown", takedown_dashboard_panel, order=30)
        register_event_detail(TIMELINE_KINDS, takedown_event_detail)
        register_reminder_source("takedown", takedown_overdue_due, labels=REMINDER_LABELS)
