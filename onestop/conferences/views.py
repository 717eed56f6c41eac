"""Pages of the conferences app: the list (meetings and proposed referrals), scheduling, the
meeting page with its forms, the minutes download, the case panel (refer, call an emergency) and
the dashboard panel. Thin: selectors decide what is seen (404 for anyone outside the host
agency's conference roles), services decide and write. Forms work without JavaScript (POST, then
redirect); a refusal shows the page again with the error beside its field (422 or the
refusal's own status) and writes nothing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django import forms
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onestop.accounts.models import Agency, Staff
from onestop.accounts.views import current_staff
from onestop.cases.forms import add_domain_errors
from onestop.cases.models import Case
from onestop.cases.panels import CasePanel
from onestop.cases.views import StaffPerform, case_form_action, form_submit, no_store
from onestop.conferences.errors import ConferenceNotFound, InvalidConferenceInput
from onestop.conferences.forms import (
    AcceptForm,
    ActionForm,
    ActionStatusForm,
    AttendeeForm,
    AttendeeRemoveForm,
    CancelForm,
    DecisionForm,
    DeclineForm,
    EmergencyForm,
    MinutesDownloadForm,
    PreMeetingInfoForm,
    ReferForm,
    ScheduleForm,
)
from onestop.conferences.models import (
    ActionStatus,
    Conference,
    ConferenceAttendee,
    ConferenceStatus,
)
from onestop.conferences.permissions import (
    can_call_emergency,
    can_manage_conferences,
    can_refer_case,
    can_view_conferences,
)
from onestop.conferences.selectors import (
    AgendaRow,
    action_shown_at,
    agenda_item_of,
    all_agencies,
    chair_choices,
    conference_get_for_user,
    conference_overview,
    conference_page,
    conference_work_for_user,
    conferences_for_case,
    minutes_data,
    planned_conferences_of,
    reason_labels,
)
from onestop.conferences.services import (
    MinutesPurpose,
    action_add,
    action_cancel,
    action_complete,
    conference_attendee_add,
    conference_attendee_remove,
    conference_call_emergency,
    conference_cancel,
    conference_close_minutes,
    conference_mark_held,
    conference_schedule,
    conference_view_record,
    decision_add,
    minutes_download_record,
    minutes_share,
    pre_meeting_info_add,
    referral_accept,
    referral_create,
    referral_decline,
    validate_minutes_download,
)
from onestop.core.clock import SEOUL
from onestop.core.errors import DomainError, NotFound, ValidationFailed


def _conference_user(request: HttpRequest) -> Staff:
    """The signed-in staff member, if she takes part in conferences; else 404."""
    user = current_staff(request)
    if not can_view_conferences(user):
        raise Http404
    return user


# --- the list -----------------------------------------------------------------------------------


@dataclass
class ProposedRow:
    referral: Any
    reason_labels: list[str]
    accept_form: forms.Form
    decline_form: forms.Form


def _render_list(
    request: HttpRequest,
    user: Staff,
    *,
    bound: Mapping[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    bound = bound or {}
    overview = conference_overview(user=user)
    manage = can_manage_conferences(user)
    rows = [
        ProposedRow(
            referral=referral,
            reason_labels=reason_labels(referral.reasons),
            accept_form=bound.get(f"accept-{referral.pk}")
            or AcceptForm(conferences=overview.upcoming, auto_id=f"accept-{referral.pk}-%s"),
            decline_form=bound.get(f"decline-{referral.pk}")
            or DeclineForm(auto_id=f"decline-{referral.pk}-%s"),
        )
        for referral in overview.proposed
    ]
    response = render(
        request,
        "conferences/list.html",
        {"overview": overview, "proposed": rows, "can_manage": manage},
        status=status,
    )
    return no_store(response)


@login_required
@require_GET
def conference_list(request: HttpRequest) -> HttpResponse:
    return _render_list(request, _conference_user(request))


def _referral_action(
    request: HttpRequest, referral_id: UUID, *, name: str, form: forms.Form, perform: StaffPerform
) -> HttpResponse:
    user = _conference_user(request)
    key = f"{name}-{referral_id}"
    return form_submit(
        request,
        form=form,
        perform=perform,
        success=lambda: redirect("conferences:list"),
        refused=lambda status: _render_list(request, user, bound={key: form}, status=status),
    )


@login_required
@require_POST
def referral_accept_view(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    user = _conference_user(request)
    form = AcceptForm(
        request.POST,
        conferences=planned_conferences_of(agency_id=user.agency_id),
        auto_id=f"accept-{referral_id}-%s",
    )

    def perform(actor: Staff, data: dict[str, Any]) -> str:
        item = referral_accept(
            referral_id=referral_id, conference_id=data.get("conference"), actor=actor
        )
        return _("%s 사례를 회의 안건으로 올렸습니다.") % item.case.reference

    return _referral_action(request, referral_id, name="accept", form=form, perform=perform)


@login_required
@require_POST
def referral_decline_view(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    form = DeclineForm(request.POST, auto_id=f"decline-{referral_id}-%s")

    def perform(actor: Staff, data: dict[str, Any]) -> str:
        referral = referral_decline(referral_id=referral_id, actor=actor, reason=data["reason"])
        return _("%s 사례의 의뢰를 채택하지 않았습니다.") % referral.case.reference

    return _referral_action(request, referral_id, name="decline", form=form, perform=perform)


# --- scheduling ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def conference_new(request: HttpRequest) -> HttpResponse:
    user = _conference_user(request)
    if not can_manage_conferences(user):
        raise Http404
    chairs = chair_choices(agency_id=user.agency_id)
    if request.method == "GET":
        form = ScheduleForm(chairs=chairs, initial={"chair": str(user.pk)})
        return no_store(render(request, "conferences/new.html", {"form": form}))
    form = ScheduleForm(request.POST, chairs=chairs)
    made: list[Conference] = []

    def perform(actor: Staff, data: dict[str, Any]) -> str:
        made.append(
            conference_schedule(
                actor=actor, scheduled_at=data.get("scheduled_at"), chair_id=data.get("chair")
            )
        )
        return _("회의를 잡았습니다.")

    return form_submit(
        request,
        form=form,
        perform=perform,
        success=lambda: redirect("conferences:detail", conference_id=made[0].pk),
        refused=lambda status: no_store(
            render(request, "conferences/new.html", {"form": form}, status=status)
        ),
    )


# --- the meeting page ---------------------------------------------------------------------------


@dataclass
class ItemForms:
    info: forms.Form
    decision: forms.Form
    action: forms.Form


@dataclass
class AgendaView:
    row: AgendaRow
    forms: ItemForms | None


def _render_conference(
    request: HttpRequest,
    user: Staff,
    conference: Conference,
    *,
    bound: Mapping[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The meeting page, audited as a reading. ``bound`` holds a refused form by name."""
    bound = bound or {}
    conference_view_record(conference=conference, actor=user)
    page = conference_page(user=user, conference=conference)
    manage = can_manage_conferences(user, conference.agency_id)
    recording = conference.is_open_for_records
    agencies = list(all_agencies()) if recording else []
    agenda = []
    for row in page.agenda:
        key = row.item.pk
        item_forms = None
        if recording:
            item_forms = ItemForms(
                info=bound.get(f"info-{key}")
                or PreMeetingInfoForm(agencies=agencies, auto_id=f"info-{key}-%s"),
                decision=bound.get(f"decision-{key}") or DecisionForm(auto_id=f"decision-{key}-%s"),
                action=bound.get(f"action-{key}")
                or ActionForm(
                    agencies=agencies, owners=page.owner_choices, auto_id=f"action-{key}-%s"
                ),
            )
        agenda.append(AgendaView(row=row, forms=item_forms))
    attendee_form = None
    if manage and recording:
        attendee_form = bound.get("attendee") or AttendeeForm(
            agencies=agencies, staff=page.owner_choices
        )
    cancel_form = None
    if manage and conference.status == ConferenceStatus.PLANNED:
        cancel_form = bound.get("cancel") or CancelForm()
    response = render(
        request,
        "conferences/detail.html",
        {
            "conference": conference,
            "page": page,
            "agenda": agenda,
            "can_manage": manage,
            "recording": recording,
            "attendee_form": attendee_form,
            "attendee_remove_form": bound.get("attendee-remove"),
            "status_form": bound.get("action-status"),
            "state_form": bound.get("state"),
            "minutes_form": bound.get("minutes")
            or MinutesDownloadForm(agencies=sharing_agencies(conference)),
            "show_state": manage
            and conference.status in (ConferenceStatus.PLANNED, ConferenceStatus.HELD),
            "cancel_form": cancel_form,
            # a cancel refused because the meeting is no longer planned: its message on top
            "cancel_refused": bound.get("cancel") if cancel_form is None else None,
            "is_planned": conference.status == ConferenceStatus.PLANNED,
            "is_held": conference.status == ConferenceStatus.HELD,
        },
        status=status,
    )
    return no_store(response)


@login_required
@require_GET
def conference_detail(request: HttpRequest, conference_id: UUID) -> HttpResponse:
    user = _conference_user(request)
    conference = conference_get_for_user(user=user, conference_id=conference_id)
    return _render_conference(request, user, conference)


def conference_form_action(
    request: HttpRequest,
    conference_id: UUID,
    *,
    name: str,
    make_form: Callable[[Conference, Staff, Any], forms.Form],
    perform: Callable[[Conference, Staff, dict[str, Any]], str],
    anchor: str = "",
) -> HttpResponse:
    """POST a form of the meeting page: on success back to the page with a message; on a
    refusal the page again with the error beside its field and the input kept."""
    user = _conference_user(request)
    conference = conference_get_for_user(user=user, conference_id=conference_id)
    form = make_form(conference, user, request.POST)

    def success() -> HttpResponse:
        response = redirect("conferences:detail", conference_id=conference.pk)
        if anchor:
            response["Location"] += f"#{anchor}"
        return response

    def refused(status: int) -> HttpResponse:
        fresh = conference_get_for_user(user=user, conference_id=conference.pk)
        return _render_conference(request, user, fresh, bound={name: form}, status=status)

    return form_submit(
        request,
        form=form,
        perform=lambda actor, data: perform(conference, actor, data),
        success=success,
        refused=refused,
    )


def _owners_for(conference: Conference, user: Staff) -> list[Staff]:
    return conference_page(user=user, conference=conference).owner_choices


@login_required
@require_POST
def attendee_add_view(request: HttpRequest, conference_id: UUID) -> HttpResponse:
    def perform(conference: Conference, user: Staff, data: dict[str, Any]) -> str:
        conference_attendee_add(
            conference_id=conference.pk,
            actor=user,
            agency_id=data.get("agency"),
            staff_id=data.get("staff"),
            name=data["name"],
            role=data["role"],
        )
        return _("참석자를 추가했습니다.")

    return conference_form_action(
        request,
        conference_id,
        name="attendee",
        make_form=lambda conference, user, data: AttendeeForm(
            data, agencies=all_agencies(), staff=_owners_for(conference, user)
        ),
        perform=perform,
        anchor="attendees",
    )


@login_required
@require_POST
def attendee_remove_view(request: HttpRequest, conference_id: UUID) -> HttpResponse:
    def perform(conference: Conference, user: Staff, data: dict[str, Any]) -> str:
        conference_attendee_remove(
            conference_id=conference.pk, actor=user, attendee_id=data["attendee"]
        )
        return _("참석자에서 뺐습니다.")

    return conference_form_action(
        request,
        conference_id,
        name="attendee-remove",
        make_form=lambda _c, _u, data: AttendeeRemoveForm(data),
        perform=perform,
        anchor="attendees",
    )


class _EmptyForm(forms.Form):
    pass


@login_required
@require_POST
def conference_held_view(request: HttpRequest, conference_id: UUID) -> HttpResponse:
    def perform(conference: Conference, user: Staff, _data: dict[str, Any]) -> str:
        conference_mark_held(conference_id=conference.pk, actor=user)
        return _("회의를 개최로 기록했습니다. 안건의 사례는 논의된 것으로 기록됩니다.")

    return conference_form_action(
        request,
        conference_id,
        name="state",
        make_form=lambda _c, _u, data: _EmptyForm(data),
        perform=perform,
    )


@login_required
@require_POST
def conference_close_view(request: HttpRequest, conference_id: UUID) -> HttpResponse:
    def perform(conference: Conference, user: Staff, _data: dict[str, Any]) -> str:
        conference_close_minutes(conference_id=conference.pk, actor=user)
        return _("회의록을 마감했습니다. 끝나지 않은 조치는 다음 회의로 넘어갑니다.")

    return conference_form_action(
        request,
        conference_id,
        name="state",
        make_form=lambda _c, _u, data: _EmptyForm(data),
        perform=perform,
    )


@login_required
@require_POST
def conference_cancel_view(request: HttpRequest, conference_id: UUID) -> HttpResponse:
    def perform(conference: Conference, user: Staff, data: dict[str, Any]) -> str:
        conference_cancel(conference_id=conference.pk, actor=user, reason=data["reason"])
        return _(
            "회의를 취소했습니다. 안건의 의뢰는 다시 제안 목록에 오르고, "
            "넘어온 조치는 다음 예정 회의로 넘어갑니다."
        )

    return conference_form_action(
        request,
        conference_id,
        name="cancel",
        make_form=lambda _c, _u, data: CancelForm(data),
        perform=perform,
    )


@login_required
@require_POST
def pre_meeting_info_view(request: HttpRequest, conference_id: UUID, item_id: UUID) -> HttpResponse:
    def perform(conference: Conference, user: Staff, data: dict[str, Any]) -> str:
        info = pre_meeting_info_add(
            agenda_item_id=agenda_item_of(conference=conference, item_id=item_id).pk,
            actor=user,
            agency_id=data.get("agency"),
            facts=data["facts"],
            opinion=data["opinion"],
            withheld=data["withheld"],
        )
        return _("%s의 사전 정보를 기록했습니다.") % info.agency.name

    return conference_form_action(
        request,
        conference_id,
        name=f"info-{item_id}",
        make_form=lambda _c, _u, data: PreMeetingInfoForm(
            data, agencies=all_agencies(), auto_id=f"info-{item_id}-%s"
        ),
        perform=perform,
        anchor=f"item-{item_id}",
    )


@login_required
@require_POST
def decision_view(request: HttpRequest, conference_id: UUID, item_id: UUID) -> HttpResponse:
    def perform(conference: Conference, user: Staff, data: dict[str, Any]) -> str:
        decision_add(
            agenda_item_id=agenda_item_of(conference=conference, item_id=item_id).pk,
            actor=user,
            text=data["text"],
        )
        return _("결정을 기록했습니다.")

    return conference_form_action(
        request,
        conference_id,
        name=f"decision-{item_id}",
        make_form=lambda _c, _u, data: DecisionForm(data, auto_id=f"decision-{item_id}-%s"),
        perform=perform,
        anchor=f"item-{item_id}",
    )


@login_required
@require_POST
def action_add_view(request: HttpRequest, conference_id: UUID, item_id: UUID) -> HttpResponse:
    def perform(conference: Conference, user: Staff, data: dict[str, Any]) -> str:
        action_add(
            agenda_item_id=agenda_item_of(conference=conference, item_id=item_id).pk,
            actor=user,
            what=data["what"],
            agency_id=data.get("agency"),
            owner_id=data.get("owner"),
            due_on=data.get("due_on"),
        )
        return _("조치를 기록했습니다.")

    return conference_form_action(
        request,
        conference_id,
        name=f"action-{item_id}",
        make_form=lambda conference, user, data: ActionForm(
            data,
            agencies=all_agencies(),
            owners=_owners_for(conference, user),
            auto_id=f"action-{item_id}-%s",
        ),
        perform=perform,
        anchor=f"item-{item_id}",
    )


@login_required
@require_POST
def action_status_view(request: HttpRequest, conference_id: UUID) -> HttpResponse:
    """Mark an action shown on this meeting's page (decided here or carried to it) done or
    cancelled."""

    def perform(conference: Conference, user: Staff, data: dict[str, Any]) -> str:
        action_id = data["action"]
        if not action_shown_at(conference=conference, action_id=action_id):
            raise ConferenceNotFound(_("조치를 찾을 수 없습니다."))
        if data["status"] == ActionStatus.DONE:
            action_complete(action_id=action_id, actor=user)
            return _("조치를 완료로 표시했습니다.")
        if data["status"] == ActionStatus.CANCELLED:
            action_cancel(action_id=action_id, actor=user)
            return _("조치를 취소했습니다.")
        raise DomainError(_("상태를 고르세요."), field="status")

    return conference_form_action(
        request,
        conference_id,
        name="action-status",
        make_form=lambda _c, _u, data: ActionStatusForm(data),
        perform=perform,
        anchor="actions",
    )


@login_required
@require_POST
def minutes_download_view(request: HttpRequest, conference_id: UUID) -> HttpResponse:
    """The minutes as a PDF, for a recorded reason. Rendered first (outside any transaction),
    handed out only once the download is audited."""
    from onestop.conferences.minutes import minutes_filename, minutes_pdf

    user = _conference_user(request)
    conference = conference_get_for_user(user=user, conference_id=conference_id)
    form = MinutesDownloadForm(request.POST, agencies=sharing_agencies(conference))
    status = 422
    if form.is_valid():
        reason, note = form.cleaned_data["reason"], form.cleaned_data["note"]
        recipient = form.cleaned_data["recipient"]
        try:
            validate_minutes_download(reason=reason, note=note)
            if reason == MinutesPurpose.ATTENDEE_SHARING or recipient:
                pdf = _shared_minutes_pdf(
                    conference=conference, user=user, reason=reason, recipient=recipient, note=note
                )
            else:
                pdf = minutes_pdf(data=minutes_data(conference=conference))
                minutes_download_record(
                    conference_id=conference.pk, actor=user, reason=reason, note=note
                )
        except NotFound:
            raise
        except DomainError as refusal:
            add_domain_errors(form, refusal)
            status = refusal.status_code
        else:
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = (
                f'attachment; filename="{minutes_filename(conference)}"'
            )
            return no_store(response)
    return _render_conference(request, user, conference, bound={"minutes": form}, status=status)


def sharing_agencies(conference: Conference) -> list[Agency]:
    """The agencies that attended, other than the host: who may be handed the minutes."""
    ids = (
        ConferenceAttendee.objects.filter(conference=conference)
        .exclude(agency_id=conference.agency_id)
        .values_list("agency_id", flat=True)
    )
    return list(Agency.objects.filter(pk__in=ids).order_by("name"))


def _shared_minutes_pdf(
    *, conference: Conference, user: Staff, reason: str, recipient: str, note: str
) -> bytes:
    """The copy for an attending agency: each case passes the consent gate for it, and the copy
    is rendered in the same transaction, leaving out the cases it may not see."""
    from onestop.conferences.minutes import minutes_pdf

    if reason != MinutesPurpose.ATTENDEE_SHARING:
        raise ValidationFailed(
            [
                InvalidConferenceInput(
                    _("참석 기관에 줄 때는 이유로 '참석 기관과 공유'를 고르세요."), field="reason"
                )
            ]
        )
    with transaction.atomic():
        share = minutes_share(
            conference_id=conference.pk,
            actor=user,
            recipient_agency_id=UUID(recipient) if recipient else None,
            note=note,
        )
        return minutes_pdf(
            data=minutes_data(
                conference=conference, recipient=share.recipient, withheld=share.withheld
            )
        )


# --- the case panel -----------------------------------------------------------------------------


def conference_case_panel(
    case: Case, user: Staff, bound: Mapping[str, forms.Form]
) -> CasePanel | None:
    found = conferences_for_case(case=case)
    may_refer = can_refer_case(user, case) and case.is_open and found.open_referral is None
    may_call = can_call_emergency(user, case) and case.is_open
    return CasePanel(
        "conferences/panel.html",
        {
            "found": found,
            "referral_rows": [(r, reason_labels(r.reasons)) for r in found.referrals],
            "can_open_conferences": can_view_conferences(user, case.agency_id),
            "refer_form": (bound.get("conference_refer") or ReferForm()) if may_refer else None,
            "emergency_form": (bound.get("conference_emergency") or EmergencyForm())
            if may_call
            else None,
        },
    )


@login_required
@require_POST
def case_refer_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        referral_create(case_id=case.pk, actor=user, note=data["note"])
        return _("사례회의에 의뢰했습니다. 팀장이나 사례관리자가 회의 안건으로 올립니다.")

    return case_form_action(
        request,
        case_id,
        name="conference_refer",
        make_form=lambda _case, _user, data: ReferForm(data),
        perform=perform,
    )


@login_required
@require_POST
def case_emergency_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        conference = conference_call_emergency(
            case_id=case.pk, actor=user, when=data.get("when"), reason=data["reason"]
        )
        return _("긴급 사례회의를 소집했습니다 (%s).") % (
            conference.scheduled_at.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M")
        )

    return case_form_action(
        request,
        case_id,
        name="conference_emergency",
        make_form=lambda _case, _user, data: EmergencyForm(data),
        perform=perform,
    )


# --- the dashboard panel ------------------------------------------------------------------------


def conference_dashboard_panel(user: Staff) -> CasePanel | None:
    work = conference_work_for_user(user=user)
    if not work.actions and not can_view_conferences(user):
        return None
    return CasePanel(
        "conferences/dashboard_panel.html",
        {"work": work, "can_open_conferences": can_view_conferences(user)},
    )
