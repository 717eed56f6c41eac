"""Protection facilities, beds, placements and the waitlist (layer 6, above ``support``).

Responsible for: facilities and their sealed addresses, placing a case's victim in a facility
that fits (delivering an approved shelter service of ``support``), extensions, moves, ends, the
waitlist, the occupancy board and the case panel. Not for: deciding shelter services and their
program limits (``support``), a victim's own sealed places (``people``/``cases``)."""

from django.apps import AppConfig


class SheltersConfig(AppConfig):
    name = "onestop.shelters"
    label = "shelters"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from onestop.cases.panels import (
            register_case_panel,
            register_dashboard_panel,
            register_event_detail,
        )
        from onestop.cases.reminders import register_reminder_source
        from onestop.shelters.reminders import LABELS, departures_due
        from onestop.shelters.timeline import KINDS as TIMELINE_KINDS
        from onestop.shelters.timeline import placement_event_detail
        from onestop.shelters.views import shelter_case_panel, shelter_dashboard_panel

        register_reminder_source("shelters.departures", departures_due, labels=LABELS)
        register_case_panel("shelters", shelter_case_panel, order=35)
        register_dashboard_panel("shelters", shelter_dashboard_panel, order=50)
        register_event_detail(TIMELINE_KINDS, placement_event_detail)
