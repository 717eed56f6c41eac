"""Forms of the partner workspace: answering a referral and recording what was delivered. They
parse types and render widgets; whether a reason is needed, whether a date may be in the future,
whether a session or an amount is still within what was approved is the services' to decide."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from onestop.cases.forms import CaseForm, LocalDateField, LocalDateTimeField
from onestop.support.models import DeliveryKind
from onestop.support.services import DeliveryInput

# A delivery form's hidden key: a form sent twice (a double click, a resent page) records one
# delivery. Kept apart from the keys partner systems choose (those never start with "web-").
WEB_KEY_PREFIX = "web-"


def new_web_key() -> str:
    return f"{WEB_KEY_PREFIX}{uuid.uuid4().hex}"


class AcceptForm(CaseForm):
    id_prefix = "accept"


class DeclineForm(CaseForm):
    id_prefix = "decline"
    reason = forms.CharField(
        label=_("거절 사유"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("사례를 보낸 센터가 다른 기관을 찾을 수 있게 이유를 적어 주세요."),
    )


class DeliveryForm(CaseForm):
    """The fields every delivery has; each kind adds its own."""

    kind: ClassVar[str]
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=128)
    note = forms.CharField(
        label=_("메모"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("상담 내용은 적지 마세요. 제공 사실만 적습니다."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"delivery-{self.kind}-%s")
        super().__init__(*args, **kwargs)
        # the kind's own fields first, the note last
        self.order_fields([name for name in self.fields if name != "note"])
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", new_web_key())

    @property
    def kind_label(self) -> str:
        return str(DeliveryKind(self.kind).label)

    def sent_key(self) -> str:
        """The key sent with the form, when it is one this page made; else none."""
        key = str(self.cleaned_data.get("idempotency_key") or "")
        return key if key.startswith(WEB_KEY_PREFIX) else ""

    def delivery_input(self) -> DeliveryInput:
        data = self.cleaned_data
        return DeliveryInput(
            kind=self.kind,
            occurred_on=data.get("occurred_on"),
            starts_at=_in_utc(data.get("starts_at")),
            ends_at=_in_utc(data.get("ends_at")),
            guards=data.get("guards"),
            minutes=data.get("minutes"),
            amount_won=data.get("amount_won"),
            receipt=data.get("receipt") or "",
            note=data.get("note") or "",
        )


def _in_utc(value: dt.datetime | None) -> dt.datetime | None:
    # Stored moments come back in UTC: a resent form must compare equal to what it recorded.
    return value.astimezone(dt.UTC) if value is not None else None


class SessionForm(DeliveryForm):
    kind = DeliveryKind.SESSION
    occurred_on = LocalDateField(label=_("회기 날짜"))
    minutes = forms.IntegerField(label=_("회기 시간 (분)"), required=False)


class GuardShiftForm(DeliveryForm):
    kind = DeliveryKind.GUARD_SHIFT
    starts_at = LocalDateTimeField(label=_("근무 시작"))
    ends_at = LocalDateTimeField(label=_("근무 끝"))
    guards = forms.IntegerField(label=_("경호원 수"), required=False)


class PaymentForm(DeliveryForm):
    kind = DeliveryKind.PAYMENT
    occurred_on = LocalDateField(label=_("지급일"))
    amount_won = forms.IntegerField(label=_("지급액 (원)"), required=False)
    receipt = forms.CharField(label=_("영수증(증빙) 번호"), required=False, max_length=200)


class AccompanimentForm(DeliveryForm):
    kind = DeliveryKind.ACCOMPANIMENT
    occurred_on = LocalDateField(label=_("동행 날짜"))


class LegalStepForm(DeliveryForm):
    kind = DeliveryKind.LEGAL_STEP
    occurred_on = LocalDateField(label=_("진행 날짜"))


DELIVERY_FORMS: dict[str, type[DeliveryForm]] = {
    form.kind: form
    for form in (SessionForm, GuardShiftForm, PaymentForm, AccompanimentForm, LegalStepForm)
}
