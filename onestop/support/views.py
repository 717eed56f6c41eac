"""Staff pages of the support app: the support-plan panel of the case page (ask, decide, refer,
record, close), the supervisor's approval queue on the dashboard, and the programs page. Thin:
forms parse, services decide."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from onestop.accounts.models import Staff
from onestop.accounts.views import current_staff
from onestop.cases.models import Case
from onestop.cases.panels import CasePanel
from onestop.cases.views import case_form_action
from onestop.consent.errors import DisclosureRefused
from onestop.core import clock
from onestop.core.errors import ValidationFailed
from onestop.support.errors import InvalidServiceInput
from onestop.support.forms import (
    DecisionForm,
    DeliveryCancelForm,
    ReferralSendForm,
    RequestActionForm,
    ServiceRequestForm,
    StaffDeliveryForm,
    WithdrawReferralForm,
)
from onestop.support.models import SHELTER_KINDS, RequestStatus, ServiceKind, ServiceRequest
from onestop.support.permissions import (
    can_decide_service,
    can_manage_services,
    can_request_service,
)
from onestop.support.policies import policy_programs
from onestop.support.selectors import (
    approvals_waiting,
    offered_services,
    provider_people,
    providers_for,
    support_plan_for_case,
)
from onestop.support.services import (
    DeliveryInput,
    delivery_cancel,
    delivery_record,
    provider_referral_send,
    provider_referral_withdraw,
    service_request_cancel,
    service_request_close,
    service_request_create,
    service_request_decide,
)


def _bound_for(bound: Mapping[str, forms.Form], name: str, request_id: UUID) -> forms.Form | None:
    """The refused form of this request's row, if the page is shown again after one."""
    form = bound.get(name)
    if form is None:
        return None
    value = form.data.get("request") if hasattr(form.data, "get") else None
    return form if value == str(request_id) else None


def support_case_panel(
    case: Case, user: Staff, bound: Mapping[str, forms.Form]
) -> CasePanel | None:
    today = clock.today_in_seoul()
    rows = support_plan_for_case(case=case)
    may_decide = can_decide_service(user, case)
    may_manage = can_manage_services(user, case) and case.is_open
    for row in rows:
        request = row.request
        waiting = request.status == RequestStatus.REQUESTED
        approved = request.status == RequestStatus.APPROVED
        row.extra = {
            "decide_form": (
                _bound_for(bound, "support_decide", request.pk)
                or DecisionForm(
                    initial={"request": request.pk, "approve": "yes"},
                    auto_id=f"decide-{request.pk}-%s",
                )
            )
            if waiting and may_decide and request.requested_by_id != user.pk
            else None,
            "refer_form": (
                _bound_for(bound, "support_refer", request.pk)
                or ReferralSendForm(
                    initial={"request": request.pk},
                    auto_id=f"refer-{request.pk}-%s",
                    providers=providers_for(request.service_kind),
                    people=provider_people(request.service_kind),
                )
            )
            if approved
            and may_manage
            and row.open_referral is None
            and request.service_kind not in SHELTER_KINDS
            else None,
            "deliver_form": (
                _bound_for(bound, "support_deliver", request.pk)
                or StaffDeliveryForm(
                    initial={"request": request.pk}, auto_id=f"deliver-{request.pk}-%s"
                )
            )
            if approved and may_manage
            else None,
            "end_form": (
                _bound_for(bound, "support_end", request.pk)
                or RequestActionForm(
                    initial={"request": request.pk, "action": "close"},
                    auto_id=f"end-{request.pk}-%s",
                )
            )
            if (approved or waiting) and (may_manage or request.requested_by_id == user.pk)
            else None,
            "withdraw_form": WithdrawReferralForm(
                initial={"referral": row.open_referral.pk},
                auto_id=f"withdraw-{row.open_referral.pk}-%s",
            )
            if row.open_referral is not None and may_manage
            else None,
        }
    request_form = None
    if case.is_open and can_request_service(user, case):
        request_form = bound.get("support_request") or ServiceRequestForm()
    return CasePanel(
        "support/panel.html",
        {
            "rows": rows,
            "offered": offered_services(case=case, on=today),
            "request_form": request_form,
            # small one-line forms, shown again only as their errors above the panel
            "refused_small_forms": [
                form
                for name in ("support_withdraw", "support_undeliver")
                if (form := bound.get(name)) is not None
            ],
            "may_manage": may_manage,
        },
    )


def support_dashboard_panel(user: Staff) -> CasePanel | None:
    waiting = approvals_waiting(user=user)
    if not waiting:
        return None
    return CasePanel("support/dashboard_panel.html", {"waiting": waiting})


def _post(
    request: HttpRequest,
    case_id: UUID,
    name: str,
    form_class: type[forms.Form],
    perform: Any,
    **form_kwargs: Any,
) -> HttpResponse:
    return case_form_action(
        request,
        case_id,
        name=name,
        make_form=lambda _case, _user, data: form_class(data, **form_kwargs),
        perform=perform,
    )


@login_required
@require_POST
def request_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        created = service_request_create(
            actor=user,
            case_id=case.pk,
            service_kind=data["service_kind"],
            subtype=data["subtype"] or "",
            quantity=data["quantity"],
            starts_on=data["starts_on"],
            hours_per_day=data["hours_per_day"],
            guards_per_shift=data["guards_per_shift"],
            pets=data["pets"],
            reason=data["reason"],
        )
        return _("'%s'을(를) 신청했습니다. 팀장의 승인을 기다립니다.") % (
            ServiceKind(created.service_kind).label
        )

    return _post(request, case_id, "support_request", ServiceRequestForm, perform)


@login_required
@require_POST
def decide_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        decided = service_request_decide(
            actor=user,
            request_id=data["request"],
            approve=data["approve"],
            quantity=data["quantity"],
            note=data["note"],
        )
        if decided.status == RequestStatus.APPROVED:
            return _("승인했습니다.")
        return _("승인하지 않았습니다.")

    return _post(request, case_id, "support_decide", DecisionForm, perform)


@login_required
@require_POST
def refer_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def make(case: Case, user: Staff, data: Any) -> forms.Form:
        kind = ""
        request_id = data.get("request") if hasattr(data, "get") else None
        found = (
            ServiceRequest.objects.filter(pk=request_id, case=case).first() if request_id else None
        )
        if found is not None:
            kind = found.service_kind
        return ReferralSendForm(data, providers=providers_for(kind), people=provider_people(kind))

    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        try:
            referral = provider_referral_send(
                actor=user,
                request_id=data["request"],
                provider_id=UUID(data["provider"]) if data["provider"] else None,
                provider_staff_id=UUID(data["provider_staff"]) if data["provider_staff"] else None,
                meeting_point=data["meeting_point"],
                schedule=data["schedule"],
                instructions=data["instructions"],
            )
        except DisclosureRefused as refused:
            # the victim's consent does not reach this partner (or not every category it
            # needs): say so at the partner's field, keeping what was written
            raise ValidationFailed(
                [InvalidServiceInput(refused.message, field="provider", code=refused.code)]
            ) from refused
        return _("'%s'에 의뢰했습니다. 동의한 범위의 정보만 전달됩니다.") % referral.provider.name

    return case_form_action(request, case_id, name="support_refer", make_form=make, perform=perform)


@login_required
@require_POST
def withdraw_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        provider_referral_withdraw(actor=user, referral_id=data["referral"], reason=data["reason"])
        return _("의뢰를 철회했습니다.")

    return _post(request, case_id, "support_withdraw", WithdrawReferralForm, perform)


@login_required
@require_POST
def deliver_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        delivery_record(
            actor=user,
            request_id=data["request"],
            data=DeliveryInput(
                kind=data["kind"],
                occurred_on=data["occurred_on"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                guards=data["guards"],
                minutes=data["minutes"],
                amount_won=data["amount_won"],
                receipt=data["receipt"],
                note=data["note"],
            ),
        )
        return _("제공 기록을 남겼습니다.")

    return _post(request, case_id, "support_deliver", StaffDeliveryForm, perform)


@login_required
@require_POST
def delivery_cancel_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        delivery_cancel(actor=user, delivery_id=data["delivery"], reason=data["reason"])
        return _("제공 기록을 취소했습니다. 더는 승인량에 세지 않습니다.")

    return _post(request, case_id, "support_undeliver", DeliveryCancelForm, perform)


@login_required
@require_POST
def end_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        if data["action"] == "cancel":
            service_request_cancel(actor=user, request_id=data["request"], note=data["note"])
            return _("신청을 취소했습니다.")
        service_request_close(actor=user, request_id=data["request"], note=data["note"])
        return _("지원 서비스를 종결했습니다.")

    return _post(request, case_id, "support_end", RequestActionForm, perform)


@login_required
@require_GET
def programs_view(request: HttpRequest) -> HttpResponse:
    """The programs and their rules, for every staff member (they contain no case data)."""
    current_staff(request)
    return render(
        request,
        "support/programs.html",
        {"programs": policy_programs(), "today": clock.today_in_seoul()},
    )
