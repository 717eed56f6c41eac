"""Expert case conferences: referrals, meetings, decisions and actions, minutes (layer 6)."""

from django.apps import AppConfig
from django.utils.translation import gettext_noop


class ConferencesConfig(AppConfig):
    name = "onestop.conferences"
    label = "conferences"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from onestop.cases.listeners import register_case_event_listener
        from onestop.cases.panels import (
            register_case_panel,
            register_dashboard_panel,
            register_event_detail,
        )
        from onestop.cases.reminders import register_reminder_source
        from onestop.conferences.listeners import PROPOSAL_EVENT_KINDS, propose_after_event
        from onestop.conferences.reminders import actions_due, conferences_to_prepare
        from onestop.conferences.timeline import KINDS as TIMELINE_KINDS
        from onestop.conferences.timeline import conference_event_detail
        from onestop.conferences.views import conference_case_panel, conference_dashboard_panel

        register_case_event_listener(
            "conferences.propose", propose_after_event, kinds=PROPOSAL_EVENT_KINDS
        )
        register_reminder_source(
            "conferences.actions_due",
            actions_due,
            labels={"action_due": gettext_noop("사례회의 조치 기한")},
        )
        register_reminder_source(
            "conferences.prepare",
            conferences_to_prepare,
            labels={"conference_prepare": gettext_noop("사례회의 준비")},
        )
        register_case_panel("conferences", conference_case_panel, order=40)
        register_dashboard_panel("conferences", conference_dashboard_panel, order=40)
        register_event_detail(TIMELINE_KINDS, conference_event_detail)
