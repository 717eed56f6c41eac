"""Forms of her evidence log in the portal. They parse (a date and a time as two plain inputs that
a cheap phone shows without JavaScript, read in Seoul time); the evidence and cases services
decide what may be kept."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from onestop.cases.forms import CodeListField
from onestop.cases.models import StalkingBehaviour
from onestop.core import clock

# What a phone offers to pick from; ``capture`` is left out on purpose, so she can choose a
# photo she already took instead of being sent to the camera.
ACCEPT = "image/*,video/*,audio/*,.pdf,.txt,.csv"
ACCEPT_IMPORT = ".txt,.csv,text/plain,text/csv"
DATE_FORMATS = ["%Y-%m-%d", "%Y.%m.%d", "%Y/%m/%d", "%Y. %m. %d", "%Y%m%d"]
TIME_FORMATS = ["%H:%M", "%H:%M:%S", "%H.%M", "%H%M"]

# Her words for what he did: the behaviour kinds, in the order she is likely to look for them.
PORTAL_BEHAVIOURS = [
    (StalkingBehaviour.COMMUNICATION, _("전화·문자·카카오톡·SNS로 연락")),
    (StalkingBehaviour.WATCHING_WAITING, _("기다리거나 지켜봄")),
    (StalkingBehaviour.APPROACHING_FOLLOWING, _("따라오거나 다가옴")),
    (StalkingBehaviour.VISITING_HOME_WORK, _("집·직장·학교에 찾아옴")),
    (StalkingBehaviour.GIFTS, StalkingBehaviour.GIFTS.label),
    (StalkingBehaviour.BANK_TRANSFER_MEMO, StalkingBehaviour.BANK_TRANSFER_MEMO.label),
    (StalkingBehaviour.SECONDHAND_APP, StalkingBehaviour.SECONDHAND_APP.label),
    (StalkingBehaviour.THIRD_PARTY_CONTACT, _("가족·친구 등 주변 사람을 통해 연락")),
    (StalkingBehaviour.DAMAGING_PROPERTY, _("내 물건을 부수거나 망가뜨림")),
    (StalkingBehaviour.ONLINE_EXPOSURE, _("내 사진·개인정보를 인터넷에 올림")),
    (StalkingBehaviour.THREATS, StalkingBehaviour.THREATS.label),
    (StalkingBehaviour.OTHER, _("그 밖의 일")),
]


class PortalForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class IncidentAddForm(PortalForm):
    occurred_on = forms.DateField(
        label=_("날짜"),
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(
            attrs={"type": "date", "placeholder": "2024-03-08"}, format="%Y-%m-%d"
        ),
        error_messages={
            "required": _("날짜를 골라 주세요."),
            "invalid": _("날짜를 2024-03-08처럼 적어 주세요."),
        },
    )
    occurred_time = forms.TimeField(
        label=_("시각"),
        input_formats=TIME_FORMATS,
        widget=forms.TimeInput(attrs={"type": "time", "placeholder": "23:05"}, format="%H:%M"),
        help_text=_("정확히 모르면 대략의 시각을 적어 주세요."),
        error_messages={
            "required": _("시각을 적어 주세요."),
            "invalid": _("시각을 23:05처럼 적어 주세요."),
        },
    )
    behaviours = CodeListField(
        label=_("무슨 일이 있었나요 (여러 개 고를 수 있어요)"), choices=PORTAL_BEHAVIOURS
    )
    count = forms.IntegerField(
        label=_("몇 번"),
        required=False,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "1"}),
        help_text=_("예: 전화 50통이면 50, 메시지 1,000건이면 1000"),
        error_messages={"invalid": _("횟수는 숫자로 적어 주세요.")},
    )
    place = forms.CharField(
        label=_("어디서 (선택)"),
        required=False,
        help_text=_("예: 집 앞, 회사 주차장. 담당자만 봅니다."),
    )
    note = forms.CharField(
        label=_("무슨 일이었는지 (선택)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    file = forms.FileField(
        label=_("사진이나 파일 (선택)"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
        help_text=_(
            "사진, 동영상, 녹음, PDF, 대화 내보내기(.txt), 통화 기록(.csv). 원본 그대로 보관합니다."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            now = clock.now().astimezone(clock.SEOUL)
            self.initial.setdefault("occurred_on", now.date())
            self.initial.setdefault("occurred_time", now.time().replace(second=0, microsecond=0))

    def occurred_at(self) -> dt.datetime:
        """The day and time she gave, in Seoul time (call after ``is_valid``)."""
        return dt.datetime.combine(
            self.cleaned_data["occurred_on"], self.cleaned_data["occurred_time"], clock.SEOUL
        )


class ImportUploadForm(PortalForm):
    file = forms.FileField(
        label=_("카카오톡 대화 내보내기(.txt) 또는 통화 기록(.csv)"),
        widget=forms.FileInput(attrs={"accept": ACCEPT_IMPORT}),
        error_messages={"required": _("파일을 골라 주세요."), "empty": _("빈 파일입니다.")},
    )


class ImportChooseForm(PortalForm):
    file_id = forms.UUIDField(widget=forms.HiddenInput)
    subject = forms.ChoiceField(
        label=_("이 중에서 그 사람을 골라 주세요"),
        widget=forms.RadioSelect,
        error_messages={"required": _("한 사람을 골라 주세요.")},
    )

    def __init__(self, *args: Any, subjects: list[tuple[str, int]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["subject"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101  (declared above)
        field.choices = [
            (name, gettext("%(name)s — %(count)s건") % {"name": name, "count": f"{count:,}"})
            for name, count in subjects
        ]


class FileChoiceForm(PortalForm):
    """A file of hers, named in the POST body (never in the address)."""

    file_id = forms.UUIDField(widget=forms.HiddenInput)


class PacketForm(PortalForm):
    purpose = forms.ChoiceField(
        label=_("어디에 쓰나요"),
        widget=forms.RadioSelect,
        initial="victim",
        choices=[
            ("victim", _("내가 보관")),
            ("police", _("경찰에 제출")),
            ("court", _("법원에 제출")),
            ("lawyer", _("변호사에게 전달")),
        ],
        error_messages={"required": _("어디에 쓸지 골라 주세요.")},
    )
