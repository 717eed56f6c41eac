"""The intake form. It parses what the counselor typed into types; whether it is acceptable (a
real phone number, a plausible birth year, known codes) is decided by ``intake_submit``."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from onestop.cases.forms import CodeField, CodeListField
from onestop.cases.models import Channel, FurtherHarm, Relationship, StalkingBehaviour
from onestop.core import clock
from onestop.intake.services import IntakeInput
from onestop.people.models import ContactMethod, Gender

STARTED_AT_SALT = "onestop.intake.started_at"


def sign_started_at(moment: dt.datetime) -> str:
    return signing.dumps(moment.isoformat(), salt=STARTED_AT_SALT)


def read_started_at(token: str) -> dt.datetime | None:
    """When the form was first shown; ``None`` when the token was changed (the service then
    counts from now)."""
    with contextlib.suppress(signing.BadSignature, ValueError, TypeError):
        moment = dt.datetime.fromisoformat(signing.loads(token, salt=STARTED_AT_SALT))
        if moment.tzinfo is not None:
            return moment
    return None


class IntakeForm(forms.Form):
    channel = CodeField(label=_("접수 경로"), choices=Channel.choices)
    name = forms.CharField(label=_("피해자 이름"), required=False, max_length=200, strip=False)
    phone = forms.CharField(
        label=_("전화번호"),
        required=False,
        max_length=40,
        help_text=_("예: 010-1234-5678. 어떤 형식으로 써도 됩니다."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    birth_year = forms.IntegerField(
        label=_("출생연도"),
        required=False,
        help_text=_("네 자리 연도만 적습니다 (예: 1995). 주민등록번호는 묻지도 적지도 않습니다."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    gender = CodeField(label=_("성별"), choices=Gender.choices, blank=False, initial=Gender.FEMALE)
    safe_contact_method = CodeField(
        label=_("안전한 연락 방법"),
        choices=ContactMethod.choices,
        blank=False,
        initial=ContactMethod.CALL,
        help_text=_("가해자가 알아챌 수 없는 방법인지 피해자에게 확인하세요."),
    )
    safe_contact_times = forms.CharField(
        label=_("연락해도 되는 시간"),
        required=False,
        max_length=400,
        help_text=_("예: 평일 오후 6시 이후"),
    )
    perpetrator_name = forms.CharField(label=_("가해자 이름"), required=False, max_length=200)
    perpetrator_gender = CodeField(
        label=_("가해자 성별"), choices=Gender.choices, blank=False, initial=Gender.UNKNOWN
    )
    relationship = CodeField(
        label=_("가해자와의 관계"),
        choices=Relationship.choices,
        blank=False,
        initial=Relationship.UNKNOWN,
    )
    stalking_behaviours = CodeListField(label=_("스토킹 행위"), choices=StalkingBehaviour.choices)
    further_harms = CodeListField(label=_("함께 겪은 피해"), choices=FurtherHarm.choices)
    summary = forms.CharField(
        label=_("상담 요약"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    started_at = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["channel"].widget.attrs["required"] = True
        self.fields["name"].widget.attrs.update({"required": True, "autocomplete": "off"})
        if not self.is_bound:
            self.initial["started_at"] = sign_started_at(clock.now())

    def intake_input(self) -> IntakeInput:
        """What was typed, as the service takes it; a field that did not parse is left empty."""
        data: dict[str, Any] = getattr(self, "cleaned_data", {})
        return IntakeInput(
            channel=data.get("channel", ""),
            name=data.get("name", ""),
            phone=data.get("phone", ""),
            birth_year=data.get("birth_year"),
            gender=data.get("gender") or Gender.FEMALE,
            safe_contact_method=data.get("safe_contact_method") or ContactMethod.CALL,
            safe_contact_times=data.get("safe_contact_times", ""),
            perpetrator_name=data.get("perpetrator_name", ""),
            perpetrator_gender=data.get("perpetrator_gender") or Gender.UNKNOWN,
            relationship=data.get("relationship") or Relationship.UNKNOWN,
            stalking_behaviours=data.get("stalking_behaviours", []),
            further_harms=data.get("further_harms", []),
            summary=data.get("summary", ""),
            started_at=read_started_at(data.get("started_at", "")),
        )


class IntakeChoiceForm(forms.Form):
    """The counselor's answer to the matches shown: attach, a new case for the same victim, or a
    different person. At most one is sent (each is a submit button)."""

    attach_to_case_id = forms.UUIDField(required=False)
    existing_victim_id = forms.UUIDField(required=False)
    confirmed_new_person = forms.BooleanField(required=False)

    def choice(self) -> dict[str, Any]:
        self.is_valid()  # an unreadable choice is no choice
        data = self.cleaned_data
        return {
            "attach_to_case_id": data.get("attach_to_case_id"),
            "existing_victim_id": data.get("existing_victim_id"),
            "confirmed_new_person": bool(data.get("confirmed_new_person")),
        }


class MatchLookupForm(forms.Form):
    phone = forms.CharField(required=False, max_length=40)
    name = forms.CharField(required=False, max_length=200)
    birth_year = forms.IntegerField(required=False)

    def lookup(self) -> dict[str, Any]:
        self.is_valid()  # a field that does not parse is left out of the lookup
        data = self.cleaned_data
        return {
            "phone": data.get("phone", ""),
            "name": data.get("name", ""),
            "birth_year": data.get("birth_year"),
        }
