"""Pages of the shelters app: the occupancy board of an operating agency (with its facilities'
forms and the sealed-address reveal), and the case panel (placements, find a facility, place,
extend, decide, move, end, the waitlist). Thin: selectors decide what is seen (404 for anyone
who may not see the board or the case), services decide and write. Forms work without
JavaScript (POST, then redirect); a refusal shows the page again with the error beside its
field and the input kept, and writes nothing. A revealed address is shown in that one answer
only, never stored in a page that is shown again, and never cached."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onestop.accounts.models import Staff
from onestop.accounts.views import current_staff
from onestop.cases.models import Case
from onestop.cases.panels import CasePanel
from onestop.cases.permissions import can_read_sealed_locations
from onestop.cases.selectors import case_get_for_user
from onestop.cases.views import (
    StaffPerform,
    case_form_action,
    form_submit,
    no_store,
    render_case_page,
)
from onestop.core import clock
from onestop.core.errors import DomainError, NotFound
from onestop.shelters.forms import (
    AddressForm,
    DecideForm,
    EndForm,
    ExtendForm,
    FacilityEditForm,
    FacilityForm,
    FindForm,
    MoveForm,
    PlaceForm,
    WaitlistCancelForm,
    WaitlistForm,
)
from onestop.shelters.models import (
    ExtensionStatus,
    Facility,
    Placement,
    PlacementExtension,
    PlacementStatus,
    WaitlistStatus,
)
from onestop.shelters.permissions import (
    can_decide_extension,
    can_manage_facilities,
    can_place,
    can_view_board,
)
from onestop.shelters.selectors import (
    FacilityFit,
    facilities_fitting,
    facility_get_for_board,
    move_targets,
    placement_of_case,
    placements_for_case,
)
from onestop.shelters.services import (
    board_open,
    facility_address_reveal,
    facility_address_set,
    facility_create,
    facility_update,
    placement_end,
    placement_extension_decide,
    placement_extension_request,
    placement_move,
    placement_start,
    waitlist_add,
    waitlist_cancel,
)
from onestop.support.models import ServiceRequest
from onestop.support.policies import stay_end_limit


def _board_user(request: HttpRequest) -> Staff:
    """The signed-in staff member, if she sees an occupancy board; else 404."""
    user = current_staff(request)
    if not can_view_board(user):
        raise Http404
    return user


# --- the occupancy board ------------------------------------------------------------------------


def _render_board(
    request: HttpRequest,
    user: Staff,
    *,
    bound: Mapping[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    bound = bound or {}
    shown = board_open(actor=user)
    manage = can_manage_facilities(user)
    edit_forms: dict[UUID, forms.Form] = {}
    address_forms: dict[UUID, forms.Form] = {}
    if manage:
        for row in shown.board.facilities:
            key = row.facility.pk
            edit_forms[key] = bound.get(f"edit-{key}") or FacilityEditForm(
                initial={
                    "capacity": row.facility.capacity,
                    "pets_allowed": row.facility.pets_allowed,
                    "active": row.facility.active,
                },
                auto_id=f"facility-edit-{key}-%s",
            )
            address_forms[key] = bound.get(f"address-{key}") or AddressForm(
                auto_id=f"facility-address-{key}-%s"
            )
    rows = [
        {
            "row": row,
            "edit_form": edit_forms.get(row.facility.pk),
            "address_form": address_forms.get(row.facility.pk),
            "residents": [(p, shown.residents[p.pk]) for p in row.residents],
            "arrivals": [(p, shown.residents[p.pk]) for p in row.arrivals],
        }
        for row in shown.board.facilities
    ]
    response = render(
        request,
        "shelters/board.html",
        {"board": shown.board, "rows": rows, "can_manage": manage},
        status=status,
    )
    return no_store(response)


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    return _render_board(request, _board_user(request))


@login_required
@require_http_methods(["GET", "POST"])
def facility_new(request: HttpRequest) -> HttpResponse:
    user = _board_user(request)
    if not can_manage_facilities(user):
        raise Http404
    if request.method == "GET":
        form = FacilityForm(initial={"region": user.agency.region})
        return no_store(render(request, "shelters/facility_new.html", {"form": form}))
    form = FacilityForm(request.POST)

    def perform(actor: Staff, data: dict[str, Any]) -> str:
        made = facility_create(
            actor=actor,
            name=data["name"],
            kind=data["kind"],
            gender_served=data["gender_served"],
            capacity=data.get("capacity"),
            pets_allowed=bool(data.get("pets_allowed")),
            region=data["region"],
            address=data["address"],
        )
        return _("'%s' 시설을 등록했습니다.") % made.name

    return form_submit(
        request,
        form=form,
        perform=perform,
        success=lambda: redirect("shelters:board"),
        refused=lambda status: no_store(
            render(request, "shelters/facility_new.html", {"form": form}, status=status)
        ),
    )


def _facility_action(
    request: HttpRequest, facility_id: UUID, *, name: str, form: forms.Form, perform: StaffPerform
) -> HttpResponse:
    user = _board_user(request)
    facility = facility_get_for_board(user=user, facility_id=facility_id)
    key = f"{name}-{facility.pk}"
    return form_submit(
        request,
        form=form,
        perform=perform,
        success=lambda: redirect("shelters:board"),
        refused=lambda status: _render_board(request, user, bound={key: form}, status=status),
    )


@login_required
@require_POST
def facility_edit(request: HttpRequest, facility_id: UUID) -> HttpResponse:
    form = FacilityEditForm(request.POST, auto_id=f"facility-edit-{facility_id}-%s")

    def perform(actor: Staff, data: dict[str, Any]) -> str:
        facility_update(
            actor=actor,
            facility_id=facility_id,
            capacity=data.get("capacity"),
            pets_allowed=bool(data.get("pets_allowed")),
            active=bool(data.get("active")),
        )
        return _("시설 정보를 바꿨습니다.")

    return _facility_action(request, facility_id, name="edit", form=form, perform=perform)


@login_required
@require_POST
def facility_address_set_view(request: HttpRequest, facility_id: UUID) -> HttpResponse:
    form = AddressForm(request.POST, auto_id=f"facility-address-{facility_id}-%s")

    def perform(actor: Staff, data: dict[str, Any]) -> str:
        facility_address_set(actor=actor, facility_id=facility_id, address=data["address"])
        return _("주소를 봉인해 저장했습니다.")

    return _facility_action(request, facility_id, name="address", form=form, perform=perform)


def _address_page(
    request: HttpRequest, *, facility: Facility, address: str, back: str
) -> HttpResponse:
    response = render(
        request,
        "shelters/address.html",
        {"facility": facility, "address": address, "back": back},
    )
    return no_store(response)


@login_required
@require_POST
def facility_address_view(request: HttpRequest, facility_id: UUID) -> HttpResponse:
    """The facility's address, for its own staff, in this one answer (audited by the service)."""
    user = _board_user(request)
    facility = facility_get_for_board(user=user, facility_id=facility_id)
    address = facility_address_reveal(actor=user, facility_id=facility.pk)
    return _address_page(
        request, facility=facility, address=address, back=reverse("shelters:board")
    )


# --- the case panel -----------------------------------------------------------------------------


def _default_end(request: ServiceRequest, start: dt.date) -> dt.date | None:
    """The departure day to suggest: the approved days, within the program's longest stay."""
    ends = []
    if request.policy is not None and (limit := stay_end_limit(request.policy, start)):
        ends.append(limit)
    if request.quantity_approved:
        ends.append(start + dt.timedelta(days=request.quantity_approved))
    return min(ends) if ends else None


def _uuid(value: object) -> UUID | None:
    try:
        return UUID(str(value)) if value else None
    except ValueError:
        return None


def _chosen_request(
    requests: list[ServiceRequest], bound: Mapping[str, forms.Form]
) -> tuple[ServiceRequest | None, str]:
    """The request the user is placing (from a find, or a refused place/waitlist form)."""
    find = bound.get("shelter_find")
    region = ""
    wanted: UUID | None = None
    if find is not None and find.is_valid():
        wanted = find.cleaned_data["service_request"]
        region = find.cleaned_data.get("region") or ""
    for name in ("shelter_place", "shelter_waitlist"):
        form = bound.get(name)
        if form is not None:
            wanted = _uuid(form.data.get("service_request"))
    return next((r for r in requests if r.pk == wanted), None), region


@dataclass
class PlacementRow:
    placement: Placement
    extensions: list[PlacementExtension]
    active: bool
    can_reveal: bool
    extend_form: forms.Form | None = None
    move_form: forms.Form | None = None
    end_form: forms.Form | None = None
    decide_forms: dict[UUID, forms.Form] = field(default_factory=dict)


def _placement_rows(
    case: Case, user: Staff, placements: list[Placement], bound: Mapping[str, forms.Form]
) -> list[PlacementRow]:
    may_place = can_place(user, case)
    may_decide = can_decide_extension(user, case)
    may_read = can_read_sealed_locations(user, case)
    rows = []
    for placement in placements:
        key = placement.pk
        active = placement.status == PlacementStatus.ACTIVE
        row = PlacementRow(
            placement=placement,
            extensions=list(placement.extensions.all()),
            active=active,
            can_reveal=active and may_read,
        )
        if active and may_place:
            pending = any(e.status == ExtensionStatus.REQUESTED for e in row.extensions)
            if not pending:
                row.extend_form = bound.get(f"shelter_extend_{key}") or ExtendForm(
                    auto_id=f"shelter-extend-{key}-%s"
                )
            targets = [fit.facility for fit in move_targets(placement=placement)]
            row.move_form = bound.get(f"shelter_move_{key}") or MoveForm(
                facilities=targets, auto_id=f"shelter-move-{key}-%s"
            )
            row.end_form = bound.get(f"shelter_end_{key}") or EndForm(
                auto_id=f"shelter-end-{key}-%s"
            )
        if may_decide:
            for extension in row.extensions:
                if (
                    extension.status == ExtensionStatus.REQUESTED
                    and extension.requested_by_id != user.pk
                ):
                    name = f"shelter_decide_{extension.pk}"
                    row.decide_forms[extension.pk] = bound.get(name) or DecideForm(
                        auto_id=f"shelter-decide-{extension.pk}-%s"
                    )
        rows.append(row)
    return rows


def shelter_case_panel(
    case: Case, user: Staff, bound: Mapping[str, forms.Form]
) -> CasePanel | None:
    found = placements_for_case(case=case)
    may_place = can_place(user, case) and case.is_open
    context: dict[str, Any] = {
        "found": found,
        "rows": _placement_rows(case, user, found.placements, bound),
        "waitlist": found.waitlist,
        "may_place": may_place,
        "find_form": None,
        "chosen": None,
        "fits": [],
        "place_form": None,
        "waitlist_form": None,
        "cancel_forms": {},
    }
    if may_place:
        context["cancel_forms"] = {
            entry.pk: bound.get(f"shelter_waitlist_cancel_{entry.pk}")
            or WaitlistCancelForm(
                initial={"entry": entry.pk}, auto_id=f"shelter-waitlist-cancel-{entry.pk}-%s"
            )
            for entry in found.waitlist
            if entry.status == WaitlistStatus.WAITING
        }
    if may_place and found.open_requests and found.active is None:
        requests = found.open_requests
        context["find_form"] = bound.get("shelter_find") or FindForm(
            requests=requests, initial={"service_request": requests[0].pk}
        )
        chosen, region = _chosen_request(requests, bound)
        if chosen is not None:
            fits: list[FacilityFit] = facilities_fitting(case=case, request=chosen, region=region)
            start = chosen.starts_on or clock.today_in_seoul()
            context["chosen"] = chosen
            context["fits"] = fits
            context["place_form"] = bound.get("shelter_place") or PlaceForm(
                facilities=[fit.facility for fit in fits],
                initial={
                    "service_request": chosen.pk,
                    "facility": fits[0].facility.pk if fits else None,
                    "starts_on": start,
                    "planned_end_on": _default_end(chosen, start),
                },
            )
            context["waitlist_form"] = bound.get("shelter_waitlist") or WaitlistForm(
                initial={"service_request": chosen.pk}
            )
            context["waiting"] = any(
                e.service_request_id == chosen.pk and e.status == WaitlistStatus.WAITING
                for e in found.waitlist
            )
    return CasePanel("shelters/panel.html", context)


@login_required
@require_GET
def case_find(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """Facilities that fit an approved request: the case page again, the panel listing them."""
    user = current_staff(request)
    case = case_get_for_user(user=user, case_id=case_id)
    requests = placements_for_case(case=case).open_requests
    form = FindForm(request.GET, requests=requests)
    status = 200 if form.is_valid() else 422
    return render_case_page(
        request, user=user, case=case, bound={"shelter_find": form}, status=status
    )


def _place_facilities(case: Case, data: Any) -> list[Facility]:
    """The facility choices of a submitted place form: those that fit, and the one chosen."""
    requests = placements_for_case(case=case).open_requests
    wanted = _uuid(data.get("service_request"))
    chosen = next((r for r in requests if r.pk == wanted), None)
    facilities = (
        [f.facility for f in facilities_fitting(case=case, request=chosen)] if chosen else []
    )
    picked = _uuid(data.get("facility"))
    if picked is not None and picked not in {f.pk for f in facilities}:
        facilities += list(Facility.objects.filter(pk=picked))
    return facilities


@login_required
@require_POST
def case_place(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        placement = placement_start(
            actor=user,
            case_id=case.pk,
            facility_id=data.get("facility"),
            service_request_id=data.get("service_request"),
            starts_on=data.get("starts_on"),
            planned_end_on=data.get("planned_end_on"),
        )
        return _("'%(name)s'에 입소를 기록했습니다 (%(start)s ~ %(end)s).") % {
            "name": placement.facility.name,
            "start": placement.starts_on.isoformat(),
            "end": placement.planned_end_on.isoformat(),
        }

    return case_form_action(
        request,
        case_id,
        name="shelter_place",
        make_form=lambda case, _user, data: PlaceForm(
            data, facilities=_place_facilities(case, data)
        ),
        perform=perform,
    )


@login_required
@require_POST
def case_waitlist_add(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        waitlist_add(actor=user, case_id=case.pk, service_request_id=data.get("service_request"))
        return _("대기자 명단에 올렸습니다. 맞는 시설에 자리가 나면 알려 드립니다.")

    return case_form_action(
        request,
        case_id,
        name="shelter_waitlist",
        make_form=lambda _case, _user, data: WaitlistForm(data),
        perform=perform,
    )


@login_required
@require_POST
def case_waitlist_cancel(request: HttpRequest, case_id: UUID) -> HttpResponse:
    entry_id = _uuid(request.POST.get("entry"))

    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        waitlist_cancel(actor=user, case_id=case.pk, entry_id=data["entry"])
        return _("대기를 취소했습니다.")

    return case_form_action(
        request,
        case_id,
        name=f"shelter_waitlist_cancel_{entry_id}",
        make_form=lambda _case, _user, data: WaitlistCancelForm(
            data, auto_id=f"shelter-waitlist-cancel-{entry_id}-%s"
        ),
        perform=perform,
    )


@login_required
@require_POST
def case_extend(request: HttpRequest, case_id: UUID, placement_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        extension = placement_extension_request(
            actor=user,
            case_id=case.pk,
            placement_id=placement_id,
            requested_end_on=data.get("requested_end_on"),
            reason=data["reason"],
        )
        return _("%s까지 연장을 요청했습니다. 팀장이 결정합니다.") % (
            extension.requested_end_on.isoformat()
        )

    return case_form_action(
        request,
        case_id,
        name=f"shelter_extend_{placement_id}",
        make_form=lambda _case, _user, data: ExtendForm(
            data, auto_id=f"shelter-extend-{placement_id}-%s"
        ),
        perform=perform,
    )


@login_required
@require_POST
def case_extension_decide(request: HttpRequest, case_id: UUID, extension_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        extension = placement_extension_decide(
            actor=user,
            case_id=case.pk,
            extension_id=extension_id,
            approve=bool(data["approve"]),
            note=data["note"],
        )
        if extension.status == ExtensionStatus.APPROVED:
            return _("연장을 승인했습니다. 퇴소 예정일은 %s입니다.") % (
                extension.requested_end_on.isoformat()
            )
        return _("연장을 승인하지 않았습니다.")

    return case_form_action(
        request,
        case_id,
        name=f"shelter_decide_{extension_id}",
        make_form=lambda _case, _user, data: DecideForm(
            data, auto_id=f"shelter-decide-{extension_id}-%s"
        ),
        perform=perform,
    )


@login_required
@require_POST
def case_move(request: HttpRequest, case_id: UUID, placement_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        moved = placement_move(
            actor=user,
            case_id=case.pk,
            placement_id=placement_id,
            facility_id=data.get("facility"),
            moved_on=data.get("moved_on"),
            planned_end_on=data.get("planned_end_on"),
        )
        return _("'%(name)s'(으)로 옮겼습니다 (%(day)s).") % {
            "name": moved.facility.name,
            "day": moved.starts_on.isoformat(),
        }

    def make_form(case: Case, _user: Staff, data: Any) -> forms.Form:
        placement = placement_of_case(case=case, placement_id=placement_id)
        facilities = [fit.facility for fit in move_targets(placement=placement)]
        picked = _uuid(data.get("facility"))
        if picked is not None and picked not in {f.pk for f in facilities}:
            facilities += list(Facility.objects.filter(pk=picked))
        return MoveForm(data, facilities=facilities, auto_id=f"shelter-move-{placement_id}-%s")

    return case_form_action(
        request, case_id, name=f"shelter_move_{placement_id}", make_form=make_form, perform=perform
    )


@login_required
@require_POST
def case_end(request: HttpRequest, case_id: UUID, placement_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        placement_end(
            actor=user,
            case_id=case.pk,
            placement_id=placement_id,
            ended_on=data.get("ended_on"),
            reason=data["reason"],
            note=data["note"],
        )
        return _("퇴소를 기록했습니다.")

    return case_form_action(
        request,
        case_id,
        name=f"shelter_end_{placement_id}",
        make_form=lambda _case, _user, data: EndForm(
            data, auto_id=f"shelter-end-{placement_id}-%s"
        ),
        perform=perform,
    )


@login_required
@require_POST
def case_address_view(request: HttpRequest, case_id: UUID, placement_id: UUID) -> HttpResponse:
    """The address of the facility the case holds a bed in, for the case's lead, case managers
    and supervisors, in this one answer (audited by the service)."""
    user = current_staff(request)
    case = case_get_for_user(user=user, case_id=case_id)
    placement = placement_of_case(case=case, placement_id=placement_id)
    try:
        address = facility_address_reveal(
            actor=user, facility_id=placement.facility_id, case_id=case.pk
        )
    except NotFound:
        raise
    except DomainError as refused:
        messages.error(request, refused.message)
        return redirect("cases:detail", case_id=case.pk)
    back = reverse("cases:detail", args=[case.pk]) + "#shelters"
    return _address_page(request, facility=placement.facility, address=address, back=back)


# --- the dashboard panel ------------------------------------------------------------------------


def shelter_dashboard_panel(user: Staff) -> CasePanel | None:
    if not can_view_board(user):
        return None
    return CasePanel("shelters/dashboard_panel.html", {})
