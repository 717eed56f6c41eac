"""Forms of the occupancy board and the case panel. They parse; the services judge."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from onestop.accounts.models import Region
from onestop.cases.forms import CaseForm, CodeField, LocalDateField, with_blank
from onestop.shelters.models import EndReason, Facility, FacilityKind, GenderServed
from onestop.support.models import ServiceRequest

END_REASON_CHOICES = [(code, label) for code, label in EndReason.choices if code != EndReason.MOVED]


def request_choices(requests: Iterable[ServiceRequest]) -> list[tuple[str, str]]:
    choices = []
    for request in requests:
        label = str(request.get_service_kind_display())
        if request.starts_on:
            label += f" · {request.starts_on:%Y-%m-%d}"
        if request.quantity_approved:
            label += " · " + str(_("%d일 승인")) % request.quantity_approved
        if request.pets:
            label += " · " + str(_("반려동물 동반"))
        choices.append((str(request.pk), label))
    return choices


def facility_choices(facilities: Iterable[Facility]) -> list[tuple[str, str]]:
    return [
        (str(f.pk), f"{f.name} · {f.get_kind_display()} · {f.get_region_display()}")
        for f in facilities
    ]


def _select(form: forms.Form, name: str, choices: list[tuple[str, str]]) -> None:
    form.fields[name].widget = forms.Select(choices=with_blank(choices))


# --- the case panel -----------------------------------------------------------------------------


class FindForm(CaseForm):
    id_prefix = "shelter-find"
    service_request = forms.UUIDField(label=_("승인된 주거 지원"))
    region = CodeField(label=_("지역 (선택)"), choices=Region.choices)

    def __init__(self, *args: Any, requests: Iterable[ServiceRequest], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _select(self, "service_request", request_choices(requests))


class PlaceForm(CaseForm):
    id_prefix = "shelter-place"
    service_request = forms.UUIDField(widget=forms.HiddenInput, required=False)
    facility = forms.UUIDField(label=_("보호시설"), required=False)
    starts_on = LocalDateField(label=_("입소일"))
    planned_end_on = LocalDateField(
        label=_("퇴소 예정일"), help_text=_("사업의 최대 기간과 승인된 일수 안에서 고릅니다.")
    )

    def __init__(self, *args: Any, facilities: Iterable[Facility], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _select(self, "facility", facility_choices(facilities))


class WaitlistForm(CaseForm):
    id_prefix = "shelter-waitlist"
    service_request = forms.UUIDField(widget=forms.HiddenInput, required=False)


class WaitlistCancelForm(CaseForm):
    id_prefix = "shelter-waitlist-cancel"
    entry = forms.UUIDField(widget=forms.HiddenInput)


class ExtendForm(CaseForm):
    id_prefix = "shelter-extend"
    requested_end_on = LocalDateField(label=_("새 퇴소 예정일"))
    reason = forms.CharField(
        label=_("연장 사유"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DecideForm(CaseForm):
    id_prefix = "shelter-decide"
    approve = forms.TypedChoiceField(
        label=_("결정"),
        choices=[("yes", _("승인")), ("no", _("승인하지 않음"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("메모 (선택)"), required=False)


class MoveForm(CaseForm):
    id_prefix = "shelter-move"
    facility = forms.UUIDField(label=_("옮겨 갈 보호시설"), required=False)
    moved_on = LocalDateField(label=_("이동일"))
    planned_end_on = LocalDateField(
        label=_("퇴소 예정일 (선택)"), help_text=_("비워 두면 지금 퇴소 예정일을 그대로 둡니다.")
    )

    def __init__(self, *args: Any, facilities: Iterable[Facility], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _select(self, "facility", facility_choices(facilities))


class EndForm(CaseForm):
    id_prefix = "shelter-end"
    ended_on = LocalDateField(label=_("퇴소일"))
    reason = CodeField(label=_("사유"), choices=END_REASON_CHOICES)
    note = forms.CharField(
        label=_("메모"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("'기타'일 때는 꼭 적어 주세요. 주소는 적지 마세요."),
    )


# --- the board ----------------------------------------------------------------------------------


class FacilityForm(CaseForm):
    id_prefix = "facility"
    name = forms.CharField(
        label=_("시설 이름"),
        required=False,
        help_text=_("위치를 짐작할 수 없는 이름으로 적어 주세요. 목록과 알림에 보입니다."),
    )
    kind = CodeField(label=_("시설 종류"), choices=FacilityKind.choices)
    gender_served = CodeField(label=_("입소 대상"), choices=GenderServed.choices)
    capacity = forms.IntegerField(label=_("정원 (병상 수)"), required=False)
    pets_allowed = forms.BooleanField(label=_("반려동물 동반 가능"), required=False)
    region = CodeField(label=_("지역"), choices=Region.choices)
    address = forms.CharField(
        label=_("주소"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("봉인되어 저장되며, 열람할 때마다 기록됩니다."),
    )


class FacilityEditForm(CaseForm):
    id_prefix = "facility-edit"
    capacity = forms.IntegerField(label=_("정원 (병상 수)"), required=False)
    pets_allowed = forms.BooleanField(label=_("반려동물 동반 가능"), required=False)
    active = forms.BooleanField(label=_("새 입소를 받음"), required=False)


class AddressForm(CaseForm):
    id_prefix = "facility-address"
    address = forms.CharField(
        label=_("새 주소"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("봉인되어 저장됩니다."),
    )
