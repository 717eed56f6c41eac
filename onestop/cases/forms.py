"""Forms of the case pages. They parse types and render widgets; every rule (which status may
follow which, who may join a team, how long a note may be) is the services' to decide."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from onestop.accounts.models import Staff
from onestop.cases.models import (
    STAFF_INCIDENT_SOURCES,
    CaseStatus,
    CloseReason,
    IncidentSource,
    ProtectiveMeasureKind,
    StalkingBehaviour,
    TeamRole,
)
from onestop.core.errors import DomainError, ValidationFailed
from onestop.people.models import LocationKind

Choices = Sequence[tuple[str, str | Promise]]


def with_blank(choices: Iterable[tuple[str, str | Promise]]) -> list[tuple[str, str | Promise]]:
    return [("", _("선택하세요")), *choices]


def add_domain_errors(form: forms.BaseForm, error: DomainError) -> None:
    """Show a service's refusal where it belongs: next to its field, or above the form."""
    errors = error.errors if isinstance(error, ValidationFailed) else [error]
    for item in errors:
        field = item.field if item.field in form.fields else None
        form.add_error(field, item.message)


class CodeListField(forms.Field):
    """Several codes from checkboxes, as a list of strings; the service checks them."""

    widget: Any = forms.CheckboxSelectMultiple

    def __init__(self, *, choices: Choices, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget = forms.CheckboxSelectMultiple(choices=choices)

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        if isinstance(value, str):
            return [value]
        return [str(item) for item in value]


class CodeField(forms.CharField):
    """One code from a select; rendered with choices, judged by the service."""

    def __init__(self, *, choices: Choices, blank: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget = forms.Select(choices=with_blank(choices) if blank else list(choices))


DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class LocalDateTimeField(forms.DateTimeField):
    """A browser's ``datetime-local`` input, read in Seoul time."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("input_formats", [DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d"])
        super().__init__(**kwargs)
        self.widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)


class LocalDateField(forms.DateField):
    """A browser's ``date`` input; empty is None (the service says whether it is needed)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CaseForm(forms.Form):
    """A form of the case page; several share field names, so each gets its own element ids."""

    id_prefix = "case"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class CaseSearchForm(forms.Form):
    q = forms.CharField(
        label=_("사례 번호 또는 전화번호"),
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "placeholder": "OS-2026-000123"}
        ),
    )


class TransitionForm(CaseForm):
    id_prefix = "transition"
    to_status = CodeField(label=_("다음 단계"), choices=[])
    close_reason = CodeField(
        label=_("종결 사유"), choices=CloseReason.choices, help_text=_("종결할 때만 고릅니다.")
    )
    note = forms.CharField(
        label=_("메모"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("재개할 때와 '기타' 사유로 종결할 때는 꼭 적어 주세요."),
    )

    def __init__(self, *args: Any, next_statuses: Iterable[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(code, CaseStatus(code).label) for code in CaseStatus.values]
        wanted = set(next_statuses)
        self.fields["to_status"].widget = forms.Select(
            choices=with_blank(c for c in choices if c[0] in wanted)
        )
        if CaseStatus.CLOSED not in wanted:
            del self.fields["close_reason"]


class TeamAssignForm(CaseForm):
    id_prefix = "assign"
    staff = forms.UUIDField(label=_("직원"))
    role = CodeField(label=_("역할"), choices=TeamRole.choices)

    def __init__(self, *args: Any, staff_choices: Iterable[Staff], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].widget = forms.Select(
            choices=with_blank(
                (str(member.pk), f"{member.label} · {member.get_role_display()}")
                for member in staff_choices
            )
        )


class TeamRemoveForm(CaseForm):
    id_prefix = "remove"
    staff = forms.UUIDField()


class NoteForm(CaseForm):
    id_prefix = "note"
    note = forms.CharField(
        label=_("메모"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ComplaintWithdrawnForm(CaseForm):
    id_prefix = "withdrawn"
    note = forms.CharField(
        label=_("메모 (선택)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SealedLocationForm(CaseForm):
    id_prefix = "sealed"
    kind = CodeField(label=_("장소 종류"), choices=LocationKind.choices)
    address = forms.CharField(
        label=_("주소"),
        required=False,
        max_length=1000,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("봉인되어 저장되며, 열람할 때마다 기록됩니다."),
    )


class NotificationsReadForm(forms.Form):
    notification = forms.Field(required=False, widget=forms.MultipleHiddenInput)

    def clean_notification(self) -> list[UUID]:
        raw = self.cleaned_data.get("notification") or []
        ids: list[UUID] = []
        for item in [raw] if isinstance(raw, str) else raw:
            with contextlib.suppress(ValueError):  # a mangled id marks nothing
                ids.append(UUID(str(item)))
        return ids


# --- incidents and protective measures ---------------------------------------------------------


# She records her own in the portal; staff never say "self-reported".
STAFF_SOURCE_CHOICES = [
    (code, label) for code, label in IncidentSource.choices if code in STAFF_INCIDENT_SOURCES
]


class IncidentForm(CaseForm):
    id_prefix = "incident"
    occurred_at = LocalDateTimeField(label=_("일시"))
    behaviours = CodeListField(label=_("행동"), choices=StalkingBehaviour.choices)
    count = forms.IntegerField(
        label=_("횟수"), initial=1, min_value=1, help_text=_("예: 전화 50통이면 50")
    )
    source = CodeField(label=_("누가 알려 왔나요"), choices=STAFF_SOURCE_CHOICES)
    place = forms.CharField(
        label=_("장소 (선택)"),
        required=False,
        help_text=_("암호화해 보관하며 협력기관에는 보이지 않습니다."),
    )
    note = forms.CharField(
        label=_("내용 (선택)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class BreachForm(CaseForm):
    id_prefix = "breach"
    measure = forms.UUIDField(widget=forms.HiddenInput)
    occurred_at = LocalDateTimeField(label=_("위반 일시"))
    source = CodeField(label=_("누가 알려 왔나요"), choices=STAFF_SOURCE_CHOICES)
    note = forms.CharField(
        label=_("무엇을 했나요 (선택)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MeasureForm(CaseForm):
    id_prefix = "measure"
    kind = CodeField(label=_("종류"), choices=ProtectiveMeasureKind.choices)
    issued_by = forms.CharField(
        label=_("조치한 기관"), required=False, help_text=_("예: 서울마포경찰서, 서울서부지방법원")
    )
    decision_ref = forms.CharField(label=_("결정·사건 번호 (선택)"), required=False)
    starts_on = LocalDateField(label=_("시작일"))
    ends_on = LocalDateField(
        label=_("종료일"),
        help_text=_("잠정조치는 한 번에 3개월까지, 긴급응급조치와 유치는 1개월까지입니다."),
    )
    covers = forms.CharField(
        label=_("보호 대상 (선택)"), required=False, help_text=_("피해자 외 가족 등")
    )
    note = forms.CharField(
        label=_("메모 (선택)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MeasureExtendForm(CaseForm):
    id_prefix = "extend"
    measure = forms.UUIDField(widget=forms.HiddenInput)
    ends_on = LocalDateField(label=_("연장 후 종료일"))
    decided_on = LocalDateField(label=_("연장 결정일"))
    decision_ref = forms.CharField(label=_("결정 번호 (선택)"), required=False)


class MeasureEndForm(CaseForm):
    id_prefix = "end"
    measure = forms.UUIDField(widget=forms.HiddenInput)
    ended_on = LocalDateField(label=_("끝난 날짜"))
    reason = forms.CharField(label=_("사유"), required=False, help_text=_("예: 취소 결정, 구속"))
