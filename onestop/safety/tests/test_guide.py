"""The guide is data: its codes are stable and unique, and every part has a neutral print label."""

from __future__ import annotations

from onestop.safety.guide import CHECK_ITEMS, PERSON_ATTRIBUTES, QUESTIONS, SECTIONS


def test_codes_are_unique_and_every_section_is_there() -> None:
    assert [s.code for s in SECTIONS] == [
        "signals", "people", "routes", "ready", "appears", "phone", "family",
    ]  # fmt: skip
    assert len(QUESTIONS) == sum(len(s.questions) for s in SECTIONS)
    assert len(CHECK_ITEMS) == sum(len(s.checklist) for s in SECTIONS)
    assert not set(QUESTIONS) & set(CHECK_ITEMS)
    assert [a.code for a in PERSON_ATTRIBUTES] == ["name", "contact", "knows", "signal"]
    assert [s.code for s in SECTIONS if s.optional] == ["family"]


def test_the_phone_checklist_covers_what_a_stalker_uses() -> None:
    phone = next(s for s in SECTIONS if s.code == "phone")
    codes = {item.code for item in phone.checklist}
    assert {
        "location_sharing_off", "unknown_apps", "passwords_changed", "two_step",
        "cloud_backup", "sns_privacy", "family_plan",
    } <= codes  # fmt: skip
    assert all(str(item.explain) for item in phone.checklist)


def test_printed_headings_do_not_say_what_the_plan_is_about() -> None:
    printed = [str(s.print_title) for s in SECTIONS]
    printed += [str(q.print_label) for q in QUESTIONS.values()]
    printed += [str(i.printed) for i in CHECK_ITEMS.values()]
    for word in ("스토킹", "가해", "그가", "위험", "증거", "피해"):
        assert not [text for text in printed if word in text], word
