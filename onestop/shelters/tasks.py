"""Follow-up work of the shelters app. Tasks take ids and are safe to run twice."""

from __future__ import annotations

from django.tasks import task


@task()
def bed_freed(*, facility_id: str, placement_id: str) -> int:
    """A bed of the facility freed (``placement_id`` ended or moved away): the team of each
    waiting case that fits it hears of it once — a reminder keyed by the entry and the freed
    placement, so a second run sends nothing. The notice names the case reference, never the
    facility. → notices written."""
    from django.urls import reverse
    from django.utils.translation import gettext_noop

    from onestop.cases.reminders import DueReminder
    from onestop.cases.services import reminder_send
    from onestop.core import clock
    from onestop.shelters.models import Facility
    from onestop.shelters.selectors import occupied_beds, waiting_entries_fitting

    facility = Facility.objects.filter(pk=facility_id, active=True).first()
    if facility is None or occupied_beds(facility.pk) >= facility.capacity:
        return 0
    sent = 0
    for entry in waiting_entries_fitting(facility=facility):
        sent += reminder_send(
            due=DueReminder(
                key=f"shelter_bed_free:{entry.pk}:{placement_id}",
                kind="shelter_bed_free",
                due_at=clock.now(),
                text=gettext_noop(
                    "%(reference)s: 대기 중인 사례에 맞는 보호시설에 빈 병상이 생겼습니다."
                ),
                link=reverse("cases:detail", args=[entry.case_id]) + "#shelters",
                case_id=entry.case_id,
                team_of_case=True,
                data={"reference": entry.case.reference, "facility_kind": entry.kind},
            )
        )
    return sent
