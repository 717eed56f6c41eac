"""Follow-up work after she writes. Tasks take ids and are safe to run twice."""

from __future__ import annotations

from django.db import transaction
from django.tasks import task


@task()
def notify_victim_message(*, event_id: str) -> int:
    """Tell the case team that she wrote (one notice per unread burst, see ``services``); a case
    with nobody on its team tells its agency's supervisors. The notice names the case reference
    only, never her, never the text. → how many notices were written."""
    from onestop.accounts.models import Role, Staff
    from onestop.cases.models import CaseEvent, EventKind, Notification

    with transaction.atomic():
        event = (
            CaseEvent.objects.select_related("case")
            .filter(pk=event_id, kind=EventKind.MESSAGE_FROM_VICTIM)
            .first()
        )
        if event is None:
            return 0
        case = event.case
        active = Staff.objects.filter(is_active=True, agency_id=case.agency_id)
        recipients = active.filter(pk__in=case.team.values("staff_id"))
        if not recipients.exists():
            recipients = active.filter(role=Role.SUPERVISOR)
        notices = [
            Notification(recipient=staff, case=case, kind=event.kind, source_event=event)
            for staff in recipients
        ]
        # one notice per event and recipient (a unique constraint): a second run adds nothing
        before = Notification.objects.filter(source_event=event).count()
        Notification.objects.bulk_create(notices, ignore_conflicts=True)
        return Notification.objects.filter(source_event=event).count() - before
