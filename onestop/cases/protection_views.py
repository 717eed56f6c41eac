"""The case page's panel of incidents and protective measures, and its forms: record an
incident, record a measure, extend it, end it, record a breach. Thin: the services decide."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onestop.accounts.models import Staff
from onestop.cases.forms import (
    STAFF_SOURCE_CHOICES,
    BreachForm,
    IncidentForm,
    MeasureEndForm,
    MeasureExtendForm,
    MeasureForm,
)
from onestop.cases.models import Case, ProtectiveMeasureKind
from onestop.cases.panels import CasePanel
from onestop.cases.permissions import can_add_to_timeline
from onestop.cases.selectors import (
    incident_count_since,
    incidents_for_case,
    protective_measures_for_case,
)
from onestop.cases.services import (
    MeasureInput,
    incident_record,
    protective_measure_end,
    protective_measure_extend,
    protective_measure_record,
)
from onestop.cases.views import case_form_action
from onestop.core import clock


def protection_panel(case: Case, user: Staff, bound: Mapping[str, forms.Form]) -> CasePanel:
    """Protective measures (in force first: how long they have left, their extensions and
    breaches) and the incident log, with the forms for who may add to the case."""
    now = clock.now()
    can_write = can_add_to_timeline(user, case) and case.is_open
    # A refused form of one measure's row (extend, end, breach): its messages above the list,
    # its row's form open again with what she typed.
    row_forms = {name: bound[name] for name in ("extend", "end", "breach") if name in bound}
    open_row, kept = "", {}
    for name, form in row_forms.items():
        open_row, kept = name, {key: form.data.get(key, "") for key in form.data}
    return CasePanel(
        "cases/protection_panel.html",
        {
            "measures": protective_measures_for_case(case=case, today=clock.today_in_seoul()),
            "incidents": incidents_for_case(case=case),
            "incidents_last_year": incident_count_since(
                case=case, since=now - dt.timedelta(days=365)
            ),
            "can_write": can_write,
            "incident_form": bound.get("incident") or IncidentForm(),
            "measure_form": bound.get("measure") or MeasureForm(),
            "refused_row_forms": list(row_forms.values()),
            "open_row": open_row,
            "open_measure": str(kept.get("measure", "")),
            "kept": kept,
            "breach_sources": STAFF_SOURCE_CHOICES,
        },
    )


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    """A form's time without zone is Seoul time."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=clock.SEOUL)


@login_required
@require_POST
def incident_record_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        incident_record(
            case_id=case.pk,
            actor=user,
            occurred_at=_aware(data["occurred_at"]) or clock.now(),
            behaviours=data["behaviours"],
            source=data["source"],
            count=data["count"] or 1,
            note=data["note"],
            place=data["place"],
        )
        return _("피해 사건을 기록했습니다. 위험 재평가가 필요합니다.")

    return case_form_action(
        request,
        case_id,
        name="incident",
        make_form=lambda _case, _user, data: IncidentForm(data),
        perform=perform,
    )


@login_required
@require_POST
def breach_record_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        incident_record(
            case_id=case.pk,
            actor=user,
            occurred_at=_aware(data["occurred_at"]) or clock.now(),
            behaviours=[],
            source=data["source"],
            note=data["note"],
            measure_id=data["measure"],
        )
        return _("보호조치 위반을 기록했습니다. 담당자와 관리자에게 알렸습니다.")

    return case_form_action(
        request,
        case_id,
        name="breach",
        make_form=lambda _case, _user, data: BreachForm(data),
        perform=perform,
    )


@login_required
@require_POST
def measure_record_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        measure = protective_measure_record(
            case_id=case.pk,
            actor=user,
            data=MeasureInput(
                kind=data["kind"],
                issued_by=data["issued_by"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                decision_ref=data["decision_ref"],
                covers=data["covers"],
                note=data["note"],
            ),
        )
        return _("%s을(를) 기록했습니다.") % ProtectiveMeasureKind(measure.kind).label

    return case_form_action(
        request,
        case_id,
        name="measure",
        make_form=lambda _case, _user, data: MeasureForm(data),
        perform=perform,
    )


@login_required
@require_POST
def measure_extend_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        extension = protective_measure_extend(
            case_id=case.pk,
            actor=user,
            measure_id=data["measure"],
            ends_on=data["ends_on"],
            decided_on=data["decided_on"],
            decision_ref=data["decision_ref"],
        )
        return _("%(number)d차 연장을 기록했습니다: %(ends_on)s까지.") % {
            "number": extension.number,
            "ends_on": extension.ends_on.isoformat(),
        }

    return case_form_action(
        request,
        case_id,
        name="extend",
        make_form=lambda _case, _user, data: MeasureExtendForm(data),
        perform=perform,
    )


@login_required
@require_POST
def measure_end_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        protective_measure_end(
            case_id=case.pk,
            actor=user,
            measure_id=data["measure"],
            ended_on=data["ended_on"],
            reason=data["reason"],
        )
        return _("보호조치 종료를 기록했습니다.")

    return case_form_action(
        request,
        case_id,
        name="end",
        make_form=lambda _case, _user, data: MeasureEndForm(data),
        perform=perform,
    )
