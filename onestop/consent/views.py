"""The consent panel of the case page and its three forms: record a consent, withdraw one, and
record a disclosure through the gate. Thin: ``consent.services`` decides and writes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onestop.accounts.models import Staff
from onestop.cases.models import Case
from onestop.cases.panels import CasePanel
from onestop.cases.permissions import can_add_to_timeline
from onestop.cases.views import case_form_action
from onestop.consent.forms import ConsentForm, ConsentWithdrawForm, DisclosureForm
from onestop.consent.selectors import (
    consents_for_case,
    disclosure_recipients_for,
    disclosures_for_case,
)
from onestop.consent.services import (
    category_labels,
    consent_record,
    consent_withdraw,
    disclosure_record,
    purpose_label,
)


def consent_panel(case: Case, user: Staff, bound: Mapping[str, forms.Form]) -> CasePanel:
    can_write = can_add_to_timeline(user, case)
    recipients = list(disclosure_recipients_for(case=case)) if can_write else []
    return CasePanel(
        "consent/panel.html",
        {
            "consents": consents_for_case(case=case),
            "disclosures": disclosures_for_case(case=case),
            "can_write": can_write,
            "consent_form": bound.get("consent") or ConsentForm(recipients=recipients),
            "disclosure_form": bound.get("disclose") or DisclosureForm(recipients=recipients),
            "withdraw_form": bound.get("withdraw"),
        },
    )


@login_required
@require_POST
def consent_record_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        grant = consent_record(case_id=case.pk, actor=user, data=ConsentForm.consent_input(data))
        return _("'%s' 동의를 기록했습니다.") % purpose_label(grant.purpose)

    return case_form_action(
        request,
        case_id,
        name="consent",
        make_form=lambda case, _user, data: ConsentForm(
            data, recipients=disclosure_recipients_for(case=case)
        ),
        perform=perform,
    )


@login_required
@require_POST
def consent_withdraw_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        grant = consent_withdraw(
            case_id=case.pk, grant_id=data["grant"], actor=user, note=data["note"]
        )
        return _("'%s' 동의를 철회했습니다. 이제 이 동의로는 아무것도 제공되지 않습니다.") % (
            purpose_label(grant.purpose)
        )

    return case_form_action(
        request,
        case_id,
        name="withdraw",
        make_form=lambda _case, _user, data: ConsentWithdrawForm(data),
        perform=perform,
    )


@login_required
@require_POST
def disclosure_record_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def perform(case: Case, user: Staff, data: dict[str, Any]) -> str:
        disclosure = disclosure_record(
            case_id=case.pk,
            actor=user,
            recipient_agency_id=data.get("recipient_agency"),
            purpose=data["purpose"],
            categories=data["data_categories"],
            via=data["via"],
            what=data["what"],
            legal_basis=data["legal_basis"],
            justification=data["justification"],
        )
        return _("%(recipient)s에 %(categories)s 제공을 기록했습니다. 이제 제공해도 됩니다.") % {
            "recipient": disclosure.recipient_agency.name,
            "categories": category_labels(disclosure.data_categories),
        }

    return case_form_action(
        request,
        case_id,
        name="disclose",
        make_form=lambda case, _user, data: DisclosureForm(
            data, recipients=disclosure_recipients_for(case=case)
        ),
        perform=perform,
    )
