"""Reads of the safety plan. The victim's comes through the case of her signed-in access; staff
reach a case through ``cases.selectors.case_get_for_user`` (its team and the agency's
supervisors; anyone else gets 404). Reading the contents as staff is audited: use
``services.safety_plan_open``; the metadata here (versions, when, by whom, which sections
changed) holds none of them."""

from __future__ import annotations

from uuid import UUID

from onestop.accounts.models import Staff
from onestop.cases.models import Case
from onestop.cases.selectors import case_get_for_user
from onestop.safety.models import SafetyPlan


def safety_plan_for_case(*, case: Case) -> SafetyPlan | None:
    """The current plan of a case the caller already holds (her own case in the portal)."""
    return SafetyPlan.objects.filter(case=case).order_by("-version").first()


def safety_plan_history(*, case: Case) -> list[SafetyPlan]:
    """Every version of the plan, newest first, without its sealed contents."""
    return list(
        SafetyPlan.objects.filter(case=case)
        .defer("content")
        .select_related("saved_by")
        .order_by("-version")
    )


def safety_plan_history_for_user(*, user: Staff, case_id: UUID) -> tuple[Case, list[SafetyPlan]]:
    """The case (if the user sees it, else 404) and its plan's versions, without contents."""
    case = case_get_for_user(user=user, case_id=case_id)
    return case, safety_plan_history(case=case)
