"""Forms of the evidence panel: they parse; the services decide what may be kept."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from onestop.cases.forms import CaseForm


class EvidenceUploadForm(CaseForm):
    id_prefix = "evidence"

    file = forms.FileField(
        label=_("파일"),
        required=False,
        help_text=_("사진, 동영상, 녹음, PDF, 카카오톡 대화 내보내기(.txt), 통화 기록(.csv)"),
    )
    description = forms.CharField(
        label=_("설명 (선택)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class EvidenceImportForm(forms.Form):
    subject = forms.ChoiceField(
        label=_("가해자 (대화 상대 또는 전화번호)"), widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, subjects: list[tuple[str, int]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["subject"]
        if isinstance(field, forms.ChoiceField):
            field.choices = [(name, f"{name} ({count})") for name, count in subjects]


class EvidencePacketForm(CaseForm):
    id_prefix = "packet"

    purpose = forms.ChoiceField(
        label=_("누구에게, 왜"),
        choices=[
            ("police", _("경찰 제출")),
            ("court", _("법원 제출")),
            ("lawyer", _("변호사 전달")),
            ("victim", _("피해자에게 전달")),
            ("other", _("기타")),
        ],
    )
    note = forms.CharField(
        label=_("자세한 이유 ('기타'일 때 필수)"), required=False, max_length=200
    )
