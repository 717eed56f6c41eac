"""The assessment form of the risk panel: one per instrument, its fields made from the
instrument's items. It parses; ``risk.services.assessment_record`` judges. Field names are the
service's error fields (``answers.<item>.answer``), so each refusal shows next to its item."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from onestop.cases.forms import CaseForm, CodeField
from onestop.cases.models import RiskGrade
from onestop.risk.models import (
    ASSESSED_LEVELS,
    Answer,
    AnswerSource,
    Instrument,
    InstrumentMode,
    Rating,
)
from onestop.risk.selectors import localized

LEVEL_CHOICES = [(level, RiskGrade(level).label) for level in ASSESSED_LEVELS]


@dataclass(frozen=True)
class ItemFields:
    """One item of the form, with its bound fields."""

    number: int
    code: str
    text: str
    help: str
    red_flag_label: str
    weight: str
    value: forms.BoundField  # the answer (scored) or the rating (SPJ)
    detail: forms.BoundField  # the source (scored) or the rationale (SPJ)


class AssessmentForm(CaseForm):
    id_prefix = "risk"
    instrument = forms.UUIDField(widget=forms.HiddenInput, required=False)
    judged_level = CodeField(
        label=_("판단한 위험 수준"),
        choices=LEVEL_CHOICES,
        help_text=_("항목 평가와 사례 전체를 보고 판단한 수준입니다."),
    )
    summary = forms.CharField(
        label=_("종합 의견"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    raise_to = CodeField(
        label=_("전문가 판단으로 수준 올리기 (선택)"),
        choices=LEVEL_CHOICES,
        help_text=_("계산된 수준보다 높게 볼 때만 고릅니다. 낮출 수는 없습니다."),
    )
    raise_reason = forms.CharField(
        label=_("올리는 이유"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, instrument: Instrument, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"risk-{instrument.pk.hex[:8]}-%s")
        super().__init__(*args, **kwargs)
        self.for_instrument = instrument
        self.is_spj = instrument.mode == InstrumentMode.SPJ
        self.fields["instrument"].initial = instrument.pk
        if self.is_spj:
            del self.fields["raise_to"], self.fields["raise_reason"]
            self.fields["summary"].label = _("종합 판단")
        else:
            del self.fields["judged_level"]
        for item in instrument.definition["items"]:
            code, text = item["code"], localized(item["text"])
            if self.is_spj:
                self.fields[f"answers.{code}.rating"] = forms.CharField(
                    label=text,
                    required=False,
                    widget=forms.RadioSelect(choices=Rating.choices),
                )
                self.fields[f"answers.{code}.rationale"] = forms.CharField(
                    label=_("근거"), required=False, widget=forms.Textarea(attrs={"rows": 2})
                )
            else:
                self.fields[f"answers.{code}.answer"] = forms.CharField(
                    label=text,
                    required=False,
                    widget=forms.RadioSelect(choices=Answer.choices),
                )
                self.fields[f"answers.{code}.source"] = CodeField(
                    label=_("답한 사람"), choices=AnswerSource.choices
                )

    @property
    def name(self) -> str:
        """The form's name on the case page (one per instrument)."""
        return f"risk-{self.for_instrument.pk}"

    def item_fields(self) -> list[ItemFields]:
        rows = []
        additive = self.for_instrument.definition.get("scoring") == "additive"
        for number, item in enumerate(self.for_instrument.definition["items"], start=1):
            code = item["code"]
            red_flag = item.get("red_flag")
            if self.is_spj:
                value, detail = self[f"answers.{code}.rating"], self[f"answers.{code}.rationale"]
            else:
                value, detail = self[f"answers.{code}.answer"], self[f"answers.{code}.source"]
            rows.append(
                ItemFields(
                    number=number,
                    code=code,
                    text=localized(item["text"]),
                    help=localized(item.get("help")),
                    red_flag_label=str(RiskGrade(red_flag).label) if red_flag else "",
                    weight="" if self.is_spj or additive else str(item.get("weight", "")),
                    value=value,
                    detail=detail,
                )
            )
        return rows

    def closing_fields(self) -> list[forms.BoundField]:
        """The fields after the items: the judged level (SPJ), the summary, the raise."""
        names = ("judged_level", "summary", "raise_to", "raise_reason")
        return [self[name] for name in names if name in self.fields]

    def band_labels(self) -> list[tuple[str, str, str]]:
        """(level, the instrument's label, from score) of each band, for the form's hint."""
        return [
            (
                band["level"],
                localized(band.get("label")) or str(RiskGrade(band["level"]).label),
                str(band.get("min", "")),
            )
            for band in self.for_instrument.definition["bands"]
        ]

    def answers(self) -> dict[str, dict[str, str]]:
        return answers_from(self.for_instrument, self.cleaned_data)


def answers_from(instrument: Instrument, data: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """What was chosen (a form's ``cleaned_data``), as the service takes it."""
    spj = instrument.mode == InstrumentMode.SPJ
    found: dict[str, dict[str, str]] = {}
    for item in instrument.definition["items"]:
        code = item["code"]
        if spj:
            found[code] = {
                "rating": data.get(f"answers.{code}.rating") or "",
                "rationale": data.get(f"answers.{code}.rationale") or "",
            }
        else:
            found[code] = {
                "answer": data.get(f"answers.{code}.answer") or "",
                "source": data.get(f"answers.{code}.source") or "",
            }
    return found
