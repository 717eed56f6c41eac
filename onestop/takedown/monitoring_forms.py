"""Forms of the monitoring and review pages. They parse types and render widgets; every rule
(which URLs, which folder, how often, who decides, which platform) is ``monitoring``'s to
decide. The review page has one form per row, so each gets its own element ids."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from onestop.cases.forms import CodeField
from onestop.takedown.models import Platform, SourceKind

TEXTAREA = {"rows": 2}


class SourceForm(forms.Form):
    name = forms.CharField(label=_("이름"), required=False, max_length=300)
    kind = CodeField(label=_("수집 방식"), choices=SourceKind.choices)
    urls = forms.CharField(
        label=_("살펴볼 주소"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=_("한 줄에 하나씩. 게시물·목록 페이지나 이미지·동영상 주소 (500개까지)."),
    )
    folder = forms.CharField(
        label=_("수집 폴더"),
        required=False,
        max_length=500,
        help_text=_(
            "다른 수집기가 파일을 넣는 폴더 (수집 위치 아래). 파일 이름 뒤에 .url 을 붙인 "
            "파일에 발견한 주소를 적어 둘 수 있습니다. 살펴본 파일은 지웁니다."
        ),
    )
    every_hours = forms.IntegerField(
        label=_("주기 (시간)"), required=False, help_text=_("1시간에서 720시간(30일)까지.")
    )
    active = forms.BooleanField(label=_("사용"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "source-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class RunForm(forms.Form):
    """Run a source now: nothing to fill in (the CSRF token is the form)."""


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("판단"),
        choices=[("match", _("피해 촬영물이 맞음")), ("not_match", _("아님"))],
        widget=forms.RadioSelect,
    )
    platform = forms.ChoiceField(label=_("플랫폼"), required=False)
    url = forms.CharField(
        label=_("발견한 주소"),
        required=False,
        max_length=2100,
        help_text=_("수집 폴더에서 주소 없이 들어온 파일만 적습니다."),
    )
    note = forms.CharField(
        label=_("메모"), required=False, max_length=2100, widget=forms.Textarea(attrs=TEXTAREA)
    )

    def __init__(self, *args: Any, platforms: Iterable[Platform], key: str, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"decide-{key}-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        platform_field = self.fields["platform"]
        assert isinstance(platform_field, forms.ChoiceField)  # noqa: S101 — declared above
        platform_field.choices = [
            ("", _("주소로 찾기")),
            *((str(p.pk), f"{p.name} · {p.country}") for p in platforms),
        ]


class ItemReviewForm(forms.Form):
    keep = forms.ChoiceField(
        label=_("판단"),
        choices=[
            ("keep", _("유지 (일치하면 늘 사람이 확인)")),
            ("withdraw", _("해시 목록에서 빼기")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("메모"), required=False, max_length=2100, widget=forms.Textarea(attrs=TEXTAREA)
    )

    def __init__(self, *args: Any, key: str, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"item-{key}-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
