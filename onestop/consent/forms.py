"""Forms of the consent panel. They parse; the services judge."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from onestop.accounts.models import Agency, AgencyKind
from onestop.cases.forms import (
    CaseForm,
    CodeField,
    CodeListField,
    LocalDateTimeField,
    with_blank,
)
from onestop.consent.models import (
    ConsentMethod,
    DataCategory,
    DisclosureBasis,
    DisclosureVia,
    GivenBy,
    Purpose,
)
from onestop.consent.services import ConsentInput


def _agency_choices(agencies: Iterable[Agency]) -> list[tuple[str, str]]:
    return [(str(a.pk), f"{a.name} · {a.get_kind_display()}") for a in agencies]


class ConsentForm(CaseForm):
    id_prefix = "consent"
    purpose = CodeField(label=_("목적"), choices=Purpose.choices)
    recipient_agency = forms.UUIDField(label=_("받는 기관"), required=False)
    recipient_kinds = CodeListField(
        label=_("또는 받는 기관 종류"),
        choices=AgencyKind.choices,
        help_text=_("특정 기관 대신 종류로 동의했을 때만 고릅니다."),
    )
    data_categories = CodeListField(label=_("제공에 동의한 정보"), choices=DataCategory.choices)
    method = CodeField(label=_("동의 방법"), choices=ConsentMethod.choices)
    given_by = CodeField(
        label=_("동의한 사람"), choices=GivenBy.choices, blank=False, initial=GivenBy.VICTIM
    )
    given_at = LocalDateTimeField(label=_("동의한 때"))
    expires_at = LocalDateTimeField(label=_("만료 (선택)"))
    note = forms.CharField(
        label=_("메모 (선택)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, recipients: Iterable[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient_agency"].widget = forms.Select(
            choices=with_blank(_agency_choices(recipients))
        )

    @staticmethod
    def consent_input(data: dict[str, Any]) -> ConsentInput:
        """What was typed (``cleaned_data``), as the service takes it."""
        return ConsentInput(
            purpose=data["purpose"],
            recipient_agency_id=data.get("recipient_agency"),
            recipient_kinds=tuple(data["recipient_kinds"]),
            data_categories=data["data_categories"],
            method=data["method"],
            given_by=data["given_by"] or GivenBy.VICTIM,
            given_at=data.get("given_at"),
            expires_at=data.get("expires_at"),
            note=data["note"],
        )


class ConsentWithdrawForm(CaseForm):
    id_prefix = "withdraw"
    grant = forms.UUIDField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("철회 방법과 사유"),
        required=False,
        widget=forms.TextInput(),
        help_text=_("예: 피해자가 전화로 철회 요청"),
    )


class DisclosureForm(CaseForm):
    id_prefix = "disclose"
    recipient_agency = forms.UUIDField(label=_("받는 기관"), required=False)
    purpose = CodeField(label=_("목적"), choices=Purpose.choices)
    data_categories = CodeListField(label=_("제공할 정보"), choices=DataCategory.choices)
    via = CodeField(label=_("제공 방법"), choices=DisclosureVia.choices)
    what = forms.CharField(
        label=_("무엇을 제공하는지"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    legal_basis = CodeField(
        label=_("동의가 없을 때의 법적 근거"),
        choices=[
            (DisclosureBasis.URGENT_DANGER_TO_LIFE, DisclosureBasis.URGENT_DANGER_TO_LIFE.label)
        ],
        help_text=_("동의가 있으면 비워 둡니다."),
    )
    justification = forms.CharField(
        label=_("급박한 위험의 사정"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, recipients: Iterable[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient_agency"].widget = forms.Select(
            choices=with_blank(_agency_choices(recipients))
        )
