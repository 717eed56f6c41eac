"""The printed sheet: the plan under neutral headings (the guide's print labels), without the
trusted people's names and numbers or the agreed code words unless she chose to print them. Pure:
from the plan's contents to what the template lays out."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise

from onestop.safety.guide import PERSON_ATTRIBUTES, SECTIONS
from onestop.safety.models import PlanContent


@dataclass(frozen=True)
class SheetSection:
    title: Promise
    answers: list[tuple[Promise, str]]
    checks: list[tuple[Promise, bool]]
    people: list[list[tuple[Promise, str]]]


def plan_sheet(
    content: PlanContent, *, names: bool = False, code_words: bool = False
) -> list[SheetSection]:
    """Sections with something written or ticked, each checklist in full (ticked or not, so the
    sheet can be used to finish it)."""
    ticked = set(content["checks"])
    sections: list[SheetSection] = []
    for section in SECTIONS:
        answers = [
            (q.print_label, content["answers"][q.code])
            for q in section.questions
            if content["answers"].get(q.code) and (names or not q.personal)
        ]
        people: list[list[tuple[Promise, str]]] = []
        if section.has_people:
            for person in content["people"]:
                shown = [
                    (a.print_label, person.get(a.code, ""))
                    for a in PERSON_ATTRIBUTES
                    if person.get(a.code)
                    and (names or not a.personal)
                    and (code_words or not a.code_word)
                ]
                if shown:
                    people.append(shown)
        any_tick = any(item.code in ticked for item in section.checklist)
        if not (answers or people or any_tick):
            continue
        checks = [(item.printed, item.code in ticked) for item in section.checklist]
        sections.append(SheetSection(section.print_title, answers, checks, people))
    return sections
