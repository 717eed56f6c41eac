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
from onestop.cases.models import CaseStatus, CloseReason, TeamRole
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
