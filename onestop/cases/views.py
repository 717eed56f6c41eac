"""Staff pages of cases: the dashboard, search, the case page and its workflow forms.

Thin: each view parses its input, calls one selector or service and renders. Who may see a case
is decided by ``case_get_for_user`` (anything else is a 404); who may change it by the services.
The permission predicates are used here only to decide which forms to show. Every rendering of
the case page is audited (``case_view_record``). The forms work without JavaScript (POST, then
redirect); htmx only swaps the page body in place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from onestop.accounts.models import Staff
from onestop.accounts.views import current_staff
from onestop.cases.forms import (
    CaseSearchForm,
    ComplaintWithdrawnForm,
    NoteForm,
    NotificationsReadForm,
    SealedLocationForm,
    TeamAssignForm,
    TeamRemoveForm,
    TransitionForm,
    add_domain_errors,
)
from onestop.cases.models import Case, CaseStatus
from onestop.cases.panels import case_panels, dashboard_panels
from onestop.cases.permissions import (
    can_add_to_timeline,
    can_manage_team,
    can_move_workflow,
    can_open_cases,
    can_read_sealed_locations,
)
from onestop.cases.selectors import (
    assignable_staff_for_case,
    case_get_for_user,
    case_search_for_user,
    case_team,
    case_timeline,
    dashboard_for_user,
)
from onestop.cases.services import (
    ALLOWED_TRANSITIONS,
    case_complaint_withdrawn_record,
    case_note_add,
    case_sealed_location_add,
    case_sealed_locations_reveal,
    case_team_assign,
    case_team_remove,
    case_transition,
    case_view_record,
    notification_mark_read,
)
from onestop.core.errors import DomainError, NotFound, PermissionDenied
from onestop.people.models import SealedLocation
from onestop.people.selectors import sealed_location_count

SEARCH_LIMIT = 100


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- dashboard and search ----------------------------------------------------------------------


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = current_staff(request)
    return render(
        request,
        "cases/dashboard.html",
        {
            "dashboard": dashboard_for_user(user=user),
            "search_form": CaseSearchForm(),
            "can_open_cases": can_open_cases(user),
            "panels": dashboard_panels(user=user),
        },
    )


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    user = current_staff(request)
    form = NotificationsReadForm(request.POST)
    if form.is_valid():
        notification_mark_read(actor=user, notification_ids=form.cleaned_data["notification"])
    if is_htmx(request):
        return render(
            request,
            "cases/dashboard.html#notifications",
            {"dashboard": dashboard_for_user(user=user)},
        )
    return redirect("cases:dashboard")


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    user = current_staff(request)
    form = CaseSearchForm(request.GET)
    results: list[Case] = []
    query = ""
    if form.is_valid():
        query = form.cleaned_data["q"]
        results = list(case_search_for_user(user=user, query=query)[:SEARCH_LIMIT])
    return render(
        request,
        "cases/search.html",
        {"search_form": form, "query": query, "results": results, "limit": SEARCH_LIMIT},
    )


# --- the case page -----------------------------------------------------------------------------


def _case_forms(case: Case, user: Staff, data: Any = None) -> dict[str, forms.Form]:
    """The forms of the case page the user may use, unbound (or bound to ``data``)."""
    found: dict[str, forms.Form] = {}
    if can_move_workflow(user, case):
        found["transition"] = TransitionForm(
            data, next_statuses=ALLOWED_TRANSITIONS[CaseStatus(case.status)]
        )
    if can_manage_team(user, case):
        found["assign"] = TeamAssignForm(data, staff_choices=assignable_staff_for_case(case=case))
    if can_add_to_timeline(user, case):
        found["note"] = NoteForm(data)
        found["withdrawn"] = ComplaintWithdrawnForm(data)
    if can_read_sealed_locations(user, case):
        found["sealed"] = SealedLocationForm(data)
    return found


def render_case_page(
    request: HttpRequest,
    *,
    user: Staff,
    case: Case,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
    sealed_locations: list[SealedLocation] | None = None,
) -> HttpResponse:
    """The case page, audited as a view. ``bound`` holds forms of a refused submit (by name),
    shown with their errors; other apps' panels get them too. ``sealed_locations`` is set only
    in the answer to an explicit, audited request to reveal them."""
    case_view_record(case=case, actor=user)
    page_forms = _case_forms(case, user)
    # A refused form is shown again only where the user may use it (else its refusal is a
    # message, see ``case_form_action``); other apps' panels judge their own.
    page_forms.update({name: form for name, form in (bound or {}).items() if name in page_forms})
    response = render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "victim": case.victim,
            "perpetrator": case.perpetrator,
            "team": case_team(case=case),
            "timeline": case_timeline(case=case),
            "forms": page_forms,
            "can_manage_team": "assign" in page_forms,
            "is_closed": case.status == CaseStatus.CLOSED,
            "panels": case_panels(case=case, user=user, bound=bound or {}),
            "sealed_count": sealed_location_count(victim=case.victim),
            "sealed_locations": sealed_locations,
        },
        status=status,
    )
    return no_store(response)


@login_required
@require_GET
def case_detail(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = current_staff(request)
    case = case_get_for_user(user=user, case_id=case_id)
    return render_case_page(request, user=user, case=case)


def no_store(response: HttpResponse) -> HttpResponse:
    """Case data (and anything about a victim) must not stay in a shared computer's cache."""
    response["Cache-Control"] = "no-store"
    return response


def form_perform(
    request: HttpRequest,
    form: forms.Form,
    perform: Callable[[dict[str, Any]], str],
    *,
    said_above: tuple[type[DomainError], ...] = (PermissionDenied,),
) -> int | None:
    """Validate ``form`` and run ``perform`` (a service call) on its data. ``None`` when it was
    done (its message is shown); else the status to render the page again with: the refusal
    beside its field and the input kept, or — for the ``said_above`` kinds, what the user may
    not do at all — as a message above the page. A ``NotFound`` is raised as it came (404)."""
    if not form.is_valid():
        return 422
    try:
        done = perform(form.cleaned_data)
    except NotFound:
        raise
    except said_above as refused:
        messages.error(request, refused.message)
        return refused.status_code
    except DomainError as refused:
        add_domain_errors(form, refused)
        return refused.status_code
    messages.success(request, done)
    return None


# A service call on a submitted form: as whom, on its cleaned data; → the message to show.
StaffPerform = Callable[[Staff, dict[str, Any]], str]


def form_submit(
    request: HttpRequest,
    *,
    form: forms.Form,
    perform: StaffPerform,
    success: Callable[[], HttpResponse],
    refused: Callable[[int], HttpResponse],
) -> HttpResponse:
    """A staff page's form (outside the case page): validate it and run the service as the
    signed-in staff member (``form_perform``); ``success()`` when it was done, else
    ``refused(status)`` shows the page again with the error beside its field (or, for what the
    user may not do at all, as a message)."""
    user = current_staff(request)
    status = form_perform(request, form, lambda data: perform(user, data))
    return success() if status is None else refused(status)


def case_form_action(
    request: HttpRequest,
    case_id: UUID,
    *,
    name: str,
    make_form: Callable[[Case, Staff, Any], forms.Form],
    perform: Callable[[Case, Staff, dict[str, Any]], str],
) -> HttpResponse:
    """POST a case form: on success redirect to the case page with a message; on a refusal
    render the page again, the error next to its field and the input kept (a refusal of what
    the user may not do at all is a message instead)."""
    user = current_staff(request)
    case = case_get_for_user(user=user, case_id=case_id)
    form = make_form(case, user, request.POST)
    status = form_perform(request, form, lambda data: perform(case, user, data))
    if status is None:
        return redirect("cases:detail", case_id=case.pk)
    return render_case_page(request, user=user, case=case, bound={name: form}, status=status)


@login_required
@require_POST
def case_transition_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        moved = case_transition(
            case_id=case.pk,
            actor=user,
            to_status=data["to_status"],
            close_reason=data.get("close_reason") or "",
            note=data["note"],
        )
        return _("단계를 '%s'(으)로 바꿨습니다.") % moved.get_status_display()

    return case_form_action(
        request,
        case_id,
        name="transition",
        make_form=lambda case, _user, data: TransitionForm(
            data, next_statuses=ALLOWED_TRANSITIONS[CaseStatus(case.status)]
        ),
        perform=perform,
    )


@login_required
@require_POST
def case_team_assign_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        member = case_team_assign(
            case_id=case.pk, actor=user, staff_id=data["staff"], role=data["role"]
        )
        return _("%(staff)s 님을 %(role)s(으)로 배정했습니다.") % {
            "staff": member.staff.label,
            "role": member.get_role_display(),
        }

    return case_form_action(
        request,
        case_id,
        name="assign",
        make_form=lambda case, _user, data: TeamAssignForm(
            data, staff_choices=assignable_staff_for_case(case=case)
        ),
        perform=perform,
    )


@login_required
@require_POST
def case_team_remove_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        case_team_remove(case_id=case.pk, actor=user, staff_id=data["staff"])
        return _("담당을 해제했습니다.")

    return case_form_action(
        request,
        case_id,
        name="remove",
        make_form=lambda _case, _user, data: TeamRemoveForm(data),
        perform=perform,
    )


@login_required
@require_POST
def case_note_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        case_note_add(case_id=case.pk, actor=user, note=data["note"])
        return _("메모를 남겼습니다.")

    return case_form_action(
        request,
        case_id,
        name="note",
        make_form=lambda _case, _user, data: NoteForm(data),
        perform=perform,
    )


@login_required
@require_POST
def case_complaint_withdrawn_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        case_complaint_withdrawn_record(case_id=case.pk, actor=user, note=data["note"])
        return _("고소 취하를 기록했습니다. 사례는 종결되지 않고 계속 진행됩니다.")

    return case_form_action(
        request,
        case_id,
        name="withdrawn",
        make_form=lambda _case, _user, data: ComplaintWithdrawnForm(data),
        perform=perform,
    )


@login_required
@require_POST
def case_sealed_locations_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """Show the victim's sealed places in this one answer (not stored in any page, not cached);
    the service audits the reading."""
    user = current_staff(request)
    case = case_get_for_user(user=user, case_id=case_id)
    try:
        places = case_sealed_locations_reveal(case_id=case.pk, actor=user)
    except NotFound:
        raise
    except DomainError as refused:
        messages.error(request, refused.message)
        return redirect("cases:detail", case_id=case.pk)
    return render_case_page(request, user=user, case=case, sealed_locations=places)


@login_required
@require_POST
def case_sealed_location_add_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        case_sealed_location_add(
            case_id=case.pk, actor=user, kind=data["kind"], address=data["address"]
        )
        return _("주소를 봉인해 저장했습니다.")

    return case_form_action(
        request,
        case_id,
        name="sealed",
        make_form=lambda _case, _user, data: SealedLocationForm(data),
        perform=perform,
    )
