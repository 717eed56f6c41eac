"""The timeline listener that proposes cases for a conference (registered in ``apps.py``)."""

from __future__ import annotations

from onestop.cases.models import CaseEvent, EventKind
from onestop.conferences.services import referral_propose_automatic

# Events after which the criteria may newly hold.
PROPOSAL_EVENT_KINDS = (
    EventKind.RISK_ASSESSED,
    EventKind.INCIDENT_RECORDED,
    EventKind.MEASURE_BREACHED,
    EventKind.POLICE_REFERRAL,
)


def propose_after_event(event: CaseEvent) -> None:
    """Evaluate the referral criteria for the event's case. Runs in a task that may run twice:
    an open referral already there means nothing is done."""
    referral_propose_automatic(case_id=event.case_id)
