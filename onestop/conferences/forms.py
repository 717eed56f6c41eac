"""Forms of the conference pages and the case panel. They parse; the services judge."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from onestop.accounts.models import Agency, Staff
from onestop.cases.forms import (
    CaseForm,
    CodeField,
    LocalDateField,
    LocalDateTimeField,
    with_blank,
)
from onestop.conferences.models import Conference
from onestop.conferences.services import MinutesPurpose
from onestop.core.clock import SEOUL


def agency_choices(agencies: Iterable[Agency]) -> list[tuple[str, str]]:
    return [(str(a.pk), f"{a.name} · {a.get_kind_display()}") for a in agencies]


def staff_choices(staff: Iterable[Staff]) -> list[tuple[str, str]]:
    return [(str(s.pk), f"{s.label} · {s.agency.name} · {s.get_role_display()}") for s in staff]


def conference_choices(conferences: Iterable[Conference]) -> list[tuple[str, str]]:
    return [
        (
            str(c.pk),
            f"{c.scheduled_at.astimezone(SEOUL):%Y-%m-%d %H:%M} · {c.get_kind_display()}",
        )
        for c in conferences
    ]


def _select(form: forms.Form, name: str, choices: list[tuple[str, str]]) -> None:
    form.fields[name].widget = forms.Select(choices=with_blank(choices))


# --- the case panel -----------------------------------------------------------------------------


class ReferForm(CaseForm):
    id_prefix = "conference-refer"
    note = forms.CharField(
        label=_("의뢰 사유"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("왜 회의에서 다뤄야 하는지 적어 주세요. 피해자 이름은 쓰지 마세요."),
    )


class EmergencyForm(CaseForm):
    id_prefix = "conference-emergency"
    when = LocalDateTimeField(label=_("회의 일시"))
    reason = forms.CharField(
        label=_("긴급 소집 사유"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- the list page ------------------------------------------------------------------------------


class ScheduleForm(CaseForm):
    id_prefix = "schedule"
    scheduled_at = LocalDateTimeField(label=_("회의 일시"))
    chair = forms.UUIDField(label=_("의장"), required=False)

    def __init__(self, *args: Any, chairs: Iterable[Staff], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _select(self, "chair", staff_choices(chairs))


class AcceptForm(CaseForm):
    id_prefix = "accept"
    conference = forms.UUIDField(label=_("올릴 회의"), required=False)

    def __init__(self, *args: Any, conferences: Iterable[Conference], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _select(self, "conference", conference_choices(conferences))


class DeclineForm(CaseForm):
    id_prefix = "decline"
    reason = forms.CharField(label=_("채택하지 않는 이유"), required=False)


# --- the meeting page ---------------------------------------------------------------------------


class AttendeeForm(CaseForm):
    id_prefix = "attendee"
    agency = forms.UUIDField(label=_("기관"), required=False)
    staff = forms.UUIDField(label=_("직원 (계정이 있으면)"), required=False)
    name = forms.CharField(label=_("이름 (계정이 없으면)"), required=False)
    role = forms.CharField(label=_("역할"), required=False, help_text=_("예: 범죄심리 전문가"))

    def __init__(
        self,
        *args: Any,
        agencies: Iterable[Agency],
        staff: Iterable[Staff],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _select(self, "agency", agency_choices(agencies))
        _select(self, "staff", staff_choices(staff))


class AttendeeRemoveForm(CaseForm):
    id_prefix = "attendee-remove"
    attendee = forms.UUIDField()


class PreMeetingInfoForm(CaseForm):
    agency = forms.UUIDField(label=_("알려 온 기관"), required=False)
    facts = forms.CharField(
        label=_("사실"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("확인된 사실만 적습니다."),
    )
    opinion = forms.CharField(
        label=_("의견·판단"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("기관의 의견은 사실과 따로 적습니다."),
    )
    withheld = forms.CharField(
        label=_("공유하지 않은 정보와 그 이유"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, agencies: Iterable[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _select(self, "agency", agency_choices(agencies))


class DecisionForm(CaseForm):
    text = forms.CharField(
        label=_("결정"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ActionForm(CaseForm):
    what = forms.CharField(
        label=_("무엇을"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("구체적이고 확인할 수 있게 적습니다."),
    )
    agency = forms.UUIDField(label=_("맡은 기관"), required=False)
    owner = forms.UUIDField(label=_("담당자 (선택)"), required=False)
    due_on = LocalDateField(label=_("기한"))

    def __init__(
        self, *args: Any, agencies: Iterable[Agency], owners: Iterable[Staff], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _select(self, "agency", agency_choices(agencies))
        _select(self, "owner", staff_choices(owners))


class CancelForm(CaseForm):
    id_prefix = "cancel"
    reason = forms.CharField(
        label=_("취소 사유"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("피해자 이름 등 개인정보는 쓰지 마세요."),
    )


class ActionStatusForm(CaseForm):
    id_prefix = "action-status"
    action = forms.UUIDField()
    status = CodeField(choices=[("done", _("완료")), ("cancelled", _("취소"))])


class MinutesDownloadForm(CaseForm):
    id_prefix = "minutes"
    reason = CodeField(
        label=_("내려받는 이유"),
        choices=[
            (MinutesPurpose.RECORDS, _("회의 기록 보관")),
            (MinutesPurpose.ATTENDEE_SHARING, _("참석 기관과 공유")),
            (MinutesPurpose.SUPERVISION, _("점검·감독")),
            (MinutesPurpose.OTHER, _("기타")),
        ],
    )
    note = forms.CharField(
        label=_("자세한 이유"),
        required=False,
        max_length=200,
        help_text=_("'기타'일 때 꼭 적습니다. 피해자 이름 등 개인정보는 쓰지 마세요."),
    )
    recipient = forms.ChoiceField(
        label=_("받는 참석 기관 (공유할 때)"),
        required=False,
        help_text=_(
            "피해자가 이 기관과 공유하는 데 동의하지 않은 사례는 그 기관의 사본에서 빠지고, "
            "공유한 사례는 정보 제공으로 기록됩니다."
        ),
    )

    def __init__(self, *args: Any, agencies: Iterable[Agency] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["recipient"])
        field.choices = [("", _("공유하지 않음")), *((str(a.pk), a.name) for a in agencies)]
