"""Follow-up work after a case changes. Tasks take ids and are safe to run twice."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Q
from django.tasks import task

from onestop.accounts.models import Role, Staff
from onestop.cases.permissions import INTAKE_ROLES

logger = logging.getLogger(__name__)

NOTIFY_KINDS = {"opened", "contact", "status_changed", "reopened", "team_assigned",
                "complaint_withdrawn", "police_referral", "consent_withdrawn",
                "incident_recorded", "measure_breached", "risk_assessed",
                "conference_referred", "service_requested", "service_decided",
                "service_responded", "web_application"}  # fmt: skip


def notifies(*, kind: str, data: dict[str, object]) -> bool:
    """Whether an event of this kind tells anyone anything (else no task is enqueued for it)."""
    if kind == "safety_plan_saved":  # she saved it in the portal: her team should look
        return data.get("by") == "portal"
    if kind == "opened" and data.get("referral"):
        return False  # its arrival event (police referral, application), written with it, tells
        # everyone who must know
    return kind in NOTIFY_KINDS


@task()
def notify_case_event(*, event_id: str) -> int:
    """Tell the case team (and, for a new case, the agency's supervisors; for a police referral
    or an application from the portal, its supervisors and on-duty staff) that something
    happened. Notices carry the case reference only, never the victim's name."""
    from onestop.cases.models import CaseEvent, Notification

    with transaction.atomic():
        event = CaseEvent.objects.select_related("case").filter(pk=event_id).first()
        if event is None or not notifies(kind=event.kind, data=event.data):
            return 0
        case = event.case
        who = Q(pk__in=case.team.values("staff_id"))
        if event.kind == "opened":
            who |= Q(role=Role.SUPERVISOR)
        if event.kind in ("police_referral", "web_application"):
            who |= Q(role=Role.SUPERVISOR) | Q(on_duty=True, role__in=INTAKE_ROLES)
        if event.kind == "measure_breached":  # an alert: the supervisors hear of it too
            who |= Q(role=Role.SUPERVISOR)
        if event.kind == "service_requested":  # a supervisor decides it
            who |= Q(role=Role.SUPERVISOR)
        if event.kind == "team_assigned" and event.data.get("staff"):
            who |= Q(pk=event.data["staff"])
        recipients = Staff.objects.filter(who, is_active=True, agency_id=case.agency_id)
        if event.actor_id:
            recipients = recipients.exclude(pk=event.actor_id)
        notices = [
            Notification(recipient=staff, case=case, kind=event.kind, source_event=event)
            for staff in recipients.distinct()
        ]
        Notification.objects.bulk_create(notices, ignore_conflicts=True)
        return len(notices)


@task()
def dispatch_case_event(*, event_id: str) -> int:
    """Run the higher layers' listeners for this event (``cases.listeners``), each in its own
    transaction: one that fails is logged and does not stop the others (nor roll them back).
    → how many ran without error."""
    from onestop.cases.listeners import listeners_for
    from onestop.cases.models import CaseEvent

    event = CaseEvent.objects.select_related("case").filter(pk=event_id).first()
    if event is None:
        return 0
    ran = 0
    for name, listener in listeners_for(event.kind):
        try:
            with transaction.atomic():
                listener(event)
        except Exception:
            logger.exception("case event listener failed", extra={"listener": name})
        else:
            ran += 1
    return ran


@task()
def reminders_sweep() -> dict[str, int]:
    """Send every reminder that is due and was not sent (``cases.reminders``)."""
    from onestop.cases.services import reminders_send
    from onestop.core import clock

    return reminders_send(now=clock.now())
