"""Forms of the support panel on the case page. They parse types; every rule (limits,
eligibility, who may decide) is the services' to decide."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from onestop.accounts.models import Agency, Staff
from onestop.cases.forms import CaseForm, CodeField, LocalDateField, LocalDateTimeField, with_blank
from onestop.support.models import AccompanimentTo, DeliveryKind, LegalHelp, ServiceKind

SUBTYPE_CHOICES = [
    *[(c, format_lazy("{} · {}", _("법률"), label)) for c, label in LegalHelp.choices],
    *[(c, format_lazy("{} · {}", _("동행"), label)) for c, label in AccompanimentTo.choices],
]


class ServiceRequestForm(CaseForm):
    id_prefix = "svc"

    service_kind = CodeField(label=_("지원 서비스"), choices=with_blank(ServiceKind.choices))
    subtype = CodeField(
        label=_("세부 (법률 지원·동행만)"), choices=with_blank(SUBTYPE_CHOICES), required=False
    )
    quantity = forms.IntegerField(
        label=_("신청량 (회·원·일·건)"),
        required=False,
        min_value=1,
        help_text=_("상담은 회, 의료비·이전비는 원, 경호·주거는 일, 동행은 건"),
    )
    starts_on = LocalDateField(label=_("시작일 (경호·주거)"))
    hours_per_day = forms.IntegerField(label=_("하루 경호 시간"), required=False, min_value=1)
    guards_per_shift = forms.IntegerField(label=_("근무당 경호원 수"), required=False, min_value=1)
    pets = forms.BooleanField(label=_("반려동물 동반 (주거)"), required=False)
    reason = forms.CharField(
        label=_("필요한 이유"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DecisionForm(CaseForm):
    id_prefix = "decide"

    request = forms.UUIDField(widget=forms.HiddenInput)
    approve = forms.TypedChoiceField(
        label=_("결정"),
        choices=[("yes", _("승인")), ("no", _("승인하지 않음"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    quantity = forms.IntegerField(label=_("승인량 (비우면 신청량)"), required=False, min_value=1)
    note = forms.CharField(
        label=_("결정 사유 (승인하지 않을 때 필수)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReferralSendForm(CaseForm):
    id_prefix = "refer"

    request = forms.UUIDField(widget=forms.HiddenInput)
    provider = forms.ChoiceField(label=_("협력기관"), required=False)
    provider_staff = forms.ChoiceField(label=_("담당자 (선택)"), required=False)
    meeting_point = forms.CharField(
        label=_("만날 장소·방문 장소 (필요할 때만; 주소 동의가 있어야 전달됩니다)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    schedule = forms.CharField(
        label=_("일정·선호 시간"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    instructions = forms.CharField(
        label=_("협력기관에 전할 말"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self,
        *args: Any,
        providers: Iterable[Agency] = (),
        people: Iterable[Staff] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        provider = cast(forms.ChoiceField, self.fields["provider"])
        person = cast(forms.ChoiceField, self.fields["provider_staff"])
        provider.choices = with_blank((str(a.pk), a.name) for a in providers)
        person.choices = [
            ("", _("기관에 맡김")),
            *((str(s.pk), f"{s.label} · {s.agency.name}") for s in people),
        ]


class RequestActionForm(CaseForm):
    """Close or cancel a request, with a note."""

    id_prefix = "svc-end"

    request = forms.UUIDField(widget=forms.HiddenInput)
    action = forms.ChoiceField(
        label=_("처리"),
        choices=[("close", _("종결 (제공 끝남)")), ("cancel", _("취소 (시작 전)"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("메모"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class WithdrawReferralForm(CaseForm):
    id_prefix = "withdraw"

    referral = forms.UUIDField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("철회 사유"), required=False)


class DeliveryCancelForm(CaseForm):
    """A delivery recorded by mistake stops counting (the row stays, marked)."""

    id_prefix = "undeliver"

    delivery = forms.UUIDField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("취소 사유"), required=False)


class StaffDeliveryForm(CaseForm):
    """A delivery the case team records itself: a payment the center made, an accompaniment."""

    id_prefix = "deliver"

    request = forms.UUIDField(widget=forms.HiddenInput)
    kind = CodeField(label=_("제공 종류"), choices=with_blank(DeliveryKind.choices))
    occurred_on = LocalDateField(label=_("날짜"))
    starts_at = LocalDateTimeField(label=_("시작 (경호 근무)"))
    ends_at = LocalDateTimeField(label=_("끝 (경호 근무)"))
    guards = forms.IntegerField(label=_("경호원 수"), required=False, min_value=1)
    minutes = forms.IntegerField(label=_("회기 시간 (분)"), required=False, min_value=1)
    amount_won = forms.IntegerField(label=_("지급액 (원)"), required=False, min_value=1)
    receipt = forms.CharField(label=_("영수증·증빙 번호"), required=False)
    note = forms.CharField(
        label=_("메모"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
