"""Forms of deletion support's staff pages. They parse types and render widgets; every rule (who
may ask, which step may follow which, when a platform may be asked) is ``tracking``'s to
decide. Several forms of one page share field names, so each gets its own element ids."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onestop.cases.forms import (
    DATETIME_LOCAL,
    CaseForm,
    CodeField,
    LocalDateTimeField,
    with_blank,
)
from onestop.takedown.models import (
    BankItem,
    ContentLabel,
    Platform,
    PlatformKind,
    ProofKind,
    Relation,
    TakedownStatus,
)

TEXTAREA = {"rows": 2}


def short_id(pk: object) -> str:
    """The first part of an id: enough to tell a case's bank items apart on a page."""
    return str(pk)[:8]


def platform_choices(platforms: Iterable[Platform]) -> list[tuple[str, str]]:
    return [(str(p.pk), f"{p.name} · {p.country}") for p in platforms]


def bank_item_choices(items: Iterable[BankItem]) -> list[tuple[str, str]]:
    return [
        (
            str(item.pk),
            f"{short_id(item.pk)} · {item.get_kind_display()} · {item.get_label_display()}",
        )
        for item in items
    ]


# --- who asked ----------------------------------------------------------------------------------


class MandateForm(CaseForm):
    id_prefix = "mandate"
    relation = CodeField(label=_("요청한 사람"), choices=Relation.choices)
    requester_name = forms.CharField(
        label=_("요청인 이름"),
        required=False,
        max_length=200,
        help_text=_(
            "피해자 본인이 아닐 때만 적습니다. 이 사례의 삭제 지원을 진행하는 사람에게만 보입니다."
        ),
    )
    proof_kind = CodeField(label=_("확인한 서류"), choices=ProofKind.choices)
    proof_note = forms.CharField(
        label=_("확인 내용"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("본인이 아닐 때: 서류의 발급일, 확인한 사람 등"),
    )


class MandateRevokeForm(CaseForm):
    id_prefix = "mandate-revoke"
    note = forms.CharField(
        label=_("철회 사유"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )


# --- the bank -----------------------------------------------------------------------------------


class BankUploadForm(CaseForm):
    id_prefix = "bank"
    file = forms.FileField(
        label=_("이미지 또는 동영상"),
        required=False,
        help_text=_("파일의 해시(특징값)를 등록해 재유포를 찾습니다."),
    )
    label = CodeField(label=_("유포물 종류"), choices=ContentLabel.choices, blank=False)
    keep_as_evidence = forms.BooleanField(
        label=_("증거로 보관"),
        required=False,
        help_text=_("체크하지 않으면 원본은 해시만 남기고 저장하지 않습니다."),
    )


class BankWithdrawForm(CaseForm):
    id_prefix = "bank-withdraw"
    note = forms.CharField(label=_("빼는 사유"), required=False)


# --- requests -----------------------------------------------------------------------------------


class RequestOpenForm(CaseForm):
    id_prefix = "request"
    url = forms.CharField(
        label=_("발견한 주소 (URL)"),
        required=False,
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    platform = forms.UUIDField(
        label=_("플랫폼 (선택)"),
        required=False,
        help_text=_("비워 두면 주소의 도메인으로 등록된 플랫폼을 찾습니다."),
    )
    bank_item = forms.UUIDField(label=_("해시 등록 항목 (선택)"), required=False)
    note = forms.CharField(
        label=_("메모 (선택)"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )

    def __init__(
        self,
        *args: Any,
        platforms: Iterable[Platform],
        items: Iterable[BankItem],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["platform"].widget = forms.Select(
            choices=with_blank(platform_choices(platforms))
        )
        self.fields["bank_item"].widget = forms.Select(choices=with_blank(bank_item_choices(items)))


class EvidenceForm(CaseForm):
    id_prefix = "preserve"
    file = forms.FileField(
        label=_("화면 캡처 또는 내려받은 파일"),
        required=False,
        help_text=_("파일의 해시와 캡처 시각을 남깁니다."),
    )
    captured_at = LocalDateTimeField(
        label=_("캡처 시각"), help_text=_("비워 두면 지금 시각으로 기록합니다.")
    )
    keep = forms.BooleanField(
        label=_("증거로 보관"),
        required=False,
        help_text=_("체크하면 파일 원본을 사례의 증거 자료로 봉인해 보관합니다."),
    )


class StepForm(CaseForm):
    """The next step of a request. ``at`` is shown filled with the time the page was shown
    (``at_shown`` carries that value back); left as it was, the step is dated when it is
    recorded (``at_given`` is False), so a step recorded right after the last one is never
    dated before it by the minute's rounding."""

    id_prefix = "step"
    to_status = CodeField(label=_("다음 단계"), choices=[])
    at = LocalDateTimeField(
        label=_("일시"), help_text=_("플랫폼의 답을 나중에 적을 때는 실제 일시로 바꿉니다.")
    )
    at_shown = forms.CharField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("메모"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("거부, 심의 요청, 재유포에는 사유나 접수 번호를 적습니다."),
    )

    def __init__(
        self,
        *args: Any,
        next_statuses: Iterable[str],
        now: dt.datetime | None = None,
        **kwargs: Any,
    ) -> None:
        if now is not None:
            shown = timezone.localtime(now)
            kwargs["initial"] = {"at": shown, "at_shown": shown.strftime(DATETIME_LOCAL)}
        super().__init__(*args, **kwargs)
        self.fields["to_status"].widget = forms.Select(
            choices=with_blank([(code, TakedownStatus(code).label) for code in next_statuses])
        )

    @property
    def at_given(self) -> bool:
        """Whether the user changed (or cleared and typed) the date shown."""
        typed = str(self.data.get(self.add_prefix("at"), "")).strip()
        return typed != str(self.data.get(self.add_prefix("at_shown"), "")).strip()


# --- platforms ----------------------------------------------------------------------------------


class PlatformForm(forms.Form):
    name = forms.CharField(label=_("이름"), required=False, max_length=200)
    kind = CodeField(label=_("종류"), choices=PlatformKind.choices)
    country = forms.CharField(
        label=_("국가"),
        required=False,
        max_length=2,
        help_text=_("두 글자 국가 코드 (예: KR, US)"),
    )
    domains = forms.CharField(
        label=_("도메인"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=_("한 줄에 하나씩 (예: example.com). 발견한 주소의 플랫폼을 찾는 데 씁니다."),
    )
    report_channel = forms.CharField(
        label=_("삭제 요청 창구"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("신고 페이지 주소, 이메일, 담당 부서 등"),
    )
    response_hours = forms.IntegerField(
        label=_("예상 응답 시간 (시간)"),
        required=False,
        min_value=0,
        help_text=_("이 시간이 지나도록 답이 없으면 기한 초과로 표시합니다."),
    )
    active = forms.BooleanField(label=_("활성"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
