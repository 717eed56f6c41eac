"""Reminder sources for ``cases.reminders``: a stay's departure day within 7 days (the case team
hears once per departure day). The text names the case reference only, never the facility."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from onestop.shelters.selectors import departures_due

LABELS = {
    "placement_departure": gettext_noop("보호시설 퇴소 예정"),
    "shelter_bed_free": gettext_noop("보호시설 빈 병상"),
}

__all__ = ["LABELS", "departures_due"]
