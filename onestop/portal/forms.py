from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from onestop.cases.models import Relationship, StalkingBehaviour
from onestop.consent.models import DataCategory, Purpose
from onestop.consent.services import APPLICATION_CONSENT_ITEMS
from onestop.intake.models import Frequency
from onestop.intake.services import ApplicationInput
from onestop.people.models import ContactMethod
from onestop.support.models import ServiceKind


class SignInForm(forms.Form):
    code = forms.CharField(label=_("사례 코드"), max_length=20, required=False)
    passphrase = forms.CharField(
        label=_("비밀 문구"), max_length=200, required=False, widget=forms.PasswordInput
    )


@dataclass(frozen=True)
class ConsentNotice:
    """What the form says beside one consent choice: purpose, items, recipients, retention and
    what happens if she refuses (the law's four points, in plain words)."""

    purpose: str
    title: Promise
    why: Promise
    to_whom: Promise
    if_refused: Promise
    required: bool = False

    @property
    def items(self) -> list[str]:
        return [str(DataCategory(c).label) for c in APPLICATION_CONSENT_ITEMS[self.purpose]]


RETENTION = _(
    "지원이 끝나면 법과 센터 규정이 정한 기간 동안만 보관하고, 그 기간이 지나면 지체 없이 "
    "파기합니다. 동의는 언제든 이 포털이나 상담원을 통해 철회할 수 있고, 철회한 뒤에는 그 "
    "목적으로 더 이상 제공하지 않습니다."
)

CONSENT_NOTICES = [
    ConsentNotice(
        purpose=Purpose.SUPPORT_SERVICES,
        title=_("센터가 신청 내용을 상담과 지원에 쓰는 것 (필수)"),
        why=_("위험을 살피고, 상담하고, 필요한 지원을 정하고 연결하기 위해서입니다."),
        to_whom=_("신청을 받는 원스톱 지원센터 (담당 직원만 봅니다)"),
        if_refused=_(
            "동의하지 않으면 센터가 신청서를 보관할 수 없어 신청이 접수되지 않습니다. "
            "이름을 밝히지 않고 1366에 전화해 상담받을 수 있습니다."
        ),
        required=True,
    ),
    ConsentNotice(
        purpose=Purpose.SHARE_WITH_PROVIDERS,
        title=_("지원을 맡을 협력기관에 필요한 만큼 알리는 것 (선택)"),
        why=_("상담소, 법률, 의료, 경호, 이사, 보호시설 등 지원할 곳이 연락하기 위해서입니다."),
        to_whom=_("지원을 맡는 협력기관 (서비스마다 필요한 항목만)"),
        if_refused=_(
            "동의하지 않아도 센터 상담은 받을 수 있습니다. 협력기관 연결이 늦어질 수 있습니다."
        ),
    ),
    ConsentNotice(
        purpose=Purpose.SHARE_WITH_POLICE,
        title=_("경찰에 피해 사실을 알리는 것 (선택)"),
        why=_("신고, 수사, 보호조치(접근금지 등)를 돕기 위해서입니다."),
        to_whom=_("관할 경찰"),
        if_refused=_("동의하지 않으면 위급한 생명·신체 위험이 아닌 한 경찰에 알리지 않습니다."),
    ),
    ConsentNotice(
        purpose=Purpose.DELETION_SUPPORT,
        title=_("불법촬영물 등 삭제 지원을 위해 삭제지원센터에 알리는 것 (선택)"),
        why=_("온라인에 퍼진 사진·영상의 삭제를 요청하기 위해서입니다."),
        to_whom=_("디지털성범죄피해자지원센터"),
        if_refused=_("동의하지 않으면 삭제 지원을 연결하지 않습니다. 나중에 동의할 수 있습니다."),
    ),
    ConsentNotice(
        purpose=Purpose.STATISTICS,
        title=_("이름 없는 통계에 포함하는 것 (선택)"),
        why=_("피해 지원 정책을 만들기 위한 통계입니다. 누구인지 알 수 없게 만듭니다."),
        to_whom=_("시청 (이름과 연락처 없이 숫자로만)"),
        if_refused=_("동의하지 않아도 지원에는 아무 차이가 없습니다."),
    ),
]


def new_submission_token() -> str:
    return secrets.token_urlsafe(24)


class _ApplicationFields(forms.Form):
    """What happened and what help she wants: asked on every application."""

    submission_token = forms.CharField(widget=forms.HiddenInput, max_length=100)
    behaviours = forms.MultipleChoiceField(
        label=_("어떤 일이 있었나요? (모두 고르세요)"),
        choices=StalkingBehaviour.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    frequency = forms.ChoiceField(
        label=_("얼마나 자주인가요?"),
        choices=Frequency.choices,
        widget=forms.RadioSelect,
        initial=Frequency.UNKNOWN,
    )
    since = forms.DateField(
        label=_("언제부터인가요? (대략이어도 괜찮습니다)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    relationship = forms.ChoiceField(
        label=_("그 사람은 누구인가요?"), choices=Relationship.choices, initial=Relationship.UNKNOWN
    )
    perpetrator_name = forms.CharField(
        label=_("그 사람의 이름 (알면)"), required=False, max_length=100
    )
    description = forms.CharField(
        label=_("있었던 일을 편하게 적어 주세요"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        help_text=_(
            "예: 하루에 전화 50통, 문자 수백 통 / 집 앞에서 기다림 / 사진을 올리겠다고 협박함"
        ),
    )
    wanted_services = forms.MultipleChoiceField(
        label=_("어떤 도움을 원하나요? (여러 개 고를 수 있습니다)"),
        choices=ServiceKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def application_input(self, **more: Any) -> ApplicationInput:
        data = self.cleaned_data
        return ApplicationInput(
            submission_token=data["submission_token"],
            behaviours=tuple(data["behaviours"]),
            frequency=data["frequency"],
            since=data["since"],
            relationship=data["relationship"],
            perpetrator_name=data["perpetrator_name"],
            description=data["description"],
            wanted_services=tuple(data["wanted_services"]),
            **more,
        )


class ApplyMoreForm(_ApplicationFields):
    """Signed in: something new happened, or she wants more help."""


class ApplicationForm(_ApplicationFields):
    name = forms.CharField(
        label=_("부를 이름"),
        max_length=100,
        required=False,
        help_text=_("실명이 아니어도 됩니다. 상담원이 이 이름으로 부릅니다."),
    )
    phone = forms.CharField(
        label=_("연락받을 전화번호"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        help_text=_("그 사람이 볼 수 있는 번호라면 '연락하지 않음'을 고르세요."),
    )
    birth_year = forms.IntegerField(
        label=_("태어난 해 (선택)"),
        required=False,
        min_value=1900,
        max_value=2100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    safe_contact_method = forms.ChoiceField(
        label=_("어떻게 연락하면 안전한가요?"),
        choices=ContactMethod.choices,
        widget=forms.RadioSelect,
        initial=ContactMethod.CALL,
    )
    safe_contact_times = forms.CharField(
        label=_("연락해도 되는 시간"),
        max_length=200,
        required=False,
        help_text=_("예: 평일 12:00~13:00 (그 사람이 옆에 없는 시간)"),
    )
    consents = forms.MultipleChoiceField(
        label=_("동의"),
        choices=[(n.purpose, n.title) for n in CONSENT_NOTICES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    code_word = forms.CharField(
        label=_("확인용 암호 단어"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_(
            "비밀 문구를 잊었을 때 상담원에게 말해 본인임을 확인하는 단어입니다. 그 사람이 "
            "짐작할 수 없는 것으로 정하세요."
        ),
    )
    passphrase = forms.CharField(
        label=_("비밀 문구 (8자 이상)"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("이 포털에 들어올 때 씁니다. 휴대전화 잠금 비밀번호와 다르게 정하세요."),
    )
    passphrase_again = forms.CharField(
        label=_("비밀 문구 한 번 더"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
