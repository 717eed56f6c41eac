"""The safety plan as one form, built from the guide: a textarea per question, the ticked
checklist codes, and a few slots for trusted people. Used by the staff page and by the portal;
the services validate (lengths, known codes), so a refused form shows each problem beside its
field with what she typed kept."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from onestop.cases.forms import CodeListField
from onestop.safety.guide import (
    CHECK_ITEMS,
    CHECKS_FIELD,
    MAX_PEOPLE,
    PERSON_ATTRIBUTES,
    QUESTIONS,
    SECTIONS,
    CheckItem,
    Section,
    person_field,
)
from onestop.safety.models import PlanContent

MIN_PEOPLE_SLOTS = 2
PRINT_OPTIONS = ("names", "code_words")


def _slots_in(data: Any) -> int:
    """How many people slots a submitted form had (so none of what she typed is dropped)."""
    used = [
        index
        for index in range(MAX_PEOPLE)
        if any(person_field(index, a.code) in data for a in PERSON_ATTRIBUTES)
    ]
    return max([MIN_PEOPLE_SLOTS, *(index + 1 for index in used)])


class SafetyPlanForm(forms.Form):
    max_people = MAX_PEOPLE
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(
        self,
        data: Any = None,
        *,
        plan: PlanContent | None = None,
        version: int = 0,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        initial: dict[str, Any] = {"version": version}
        people = plan["people"] if plan else []
        if plan:
            initial.update(
                {QUESTIONS[c].field: t for c, t in plan["answers"].items() if c in QUESTIONS}
            )
            initial[CHECKS_FIELD] = list(plan["checks"])
            for index, person in enumerate(people):
                for attribute in PERSON_ATTRIBUTES:
                    initial[person_field(index, attribute.code)] = person.get(attribute.code, "")
        super().__init__(data, initial=initial, **kwargs)
        if data is not None:
            self.people_slots = _slots_in(data)
        else:
            self.people_slots = min(MAX_PEOPLE, max(MIN_PEOPLE_SLOTS, len(people) + 1))
        for question in QUESTIONS.values():
            self.fields[question.field] = forms.CharField(
                label=str(question.label),
                help_text=str(question.help),
                required=False,
                # the service checks the length and says by how much: the browser stops typing
                widget=forms.Textarea(
                    attrs={"rows": question.rows, "maxlength": question.max_length}
                ),
            )
        self.fields[CHECKS_FIELD] = CodeListField(
            choices=[(item.code, item.label) for item in CHECK_ITEMS.values()]
        )
        for index in range(self.people_slots):
            for attribute in PERSON_ATTRIBUTES:
                self.fields[person_field(index, attribute.code)] = forms.CharField(
                    label=str(attribute.label),
                    help_text=str(attribute.help) if index == 0 else "",
                    required=False,
                    widget=forms.TextInput(
                        attrs={"maxlength": attribute.max_length, "autocomplete": "off"}
                    ),
                )

    def checked(self) -> set[str]:
        value = self[CHECKS_FIELD].value() or []
        return {str(code) for code in ([value] if isinstance(value, str) else value)}

    def plan_data(self) -> dict[str, Any]:
        """The submitted plan, for the service (which validates it)."""
        data = self.cleaned_data
        return {
            "answers": {code: data.get(q.field) or "" for code, q in QUESTIONS.items()},
            "checks": list(data.get(CHECKS_FIELD) or []),
            "people": [
                {a.code: data.get(person_field(index, a.code)) or "" for a in PERSON_ATTRIBUTES}
                for index in range(self.people_slots)
            ],
        }

    def based_on(self) -> int:
        return int(self.cleaned_data.get("version") or 0)

    def set_version(self, version: int) -> None:
        """After a refusal because someone saved in between: keep what she typed, and let the
        next save (her deliberate second try) go over the newer version."""
        data = self.data.copy() if isinstance(self.data, QueryDict) else dict(self.data)
        data["version"] = str(version)
        self.data = data

    def sections(self) -> list[SectionFields]:
        checked = self.checked()
        return [
            SectionFields(
                section=section,
                fields=[self[q.field] for q in section.questions],
                items=[(item, item.code in checked) for item in section.checklist],
                people=[
                    [self[person_field(i, a.code)] for a in PERSON_ATTRIBUTES]
                    for i in range(self.people_slots)
                ]
                if section.has_people
                else [],
            )
            for section in SECTIONS
        ]


@dataclass(frozen=True)
class SectionFields:
    """One <fieldset> of the form."""

    section: Section
    fields: list[forms.BoundField]
    items: list[tuple[CheckItem, bool]]
    people: list[list[forms.BoundField]]


class PrintChoiceForm(forms.Form):
    """What to leave off the printed sheet. Off by default: a sheet he finds should not hand him
    her friends' numbers or the words she agreed with them."""

    include = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[
            ("names", _("믿을 수 있는 사람의 이름과 연락처도 인쇄")),
            ("code_words", _("정해 둔 암호 말도 인쇄")),
        ],
        label=_("인쇄할 내용"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def included(self) -> set[str]:
        if not self.is_bound or not self.is_valid():
            return set()
        return {str(choice) for choice in self.cleaned_data["include"]}
