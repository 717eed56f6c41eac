"""The scoring engine, by property: a score is the sum of the weights answered yes, more yes
answers never lower the score or the level, every score falls in exactly one band, and a red flag
answered yes lifts the level to at least its floor."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from onestop.risk.engine import band_for, level_rank, max_score, score_answers
from onestop.risk.models import ASSESSED_LEVELS
from onestop.risk.packs import validate_pack
from onestop.risk.tests.conftest import bundled_definition, scored_answers

LEVELS = st.sampled_from(ASSESSED_LEVELS)
WEIGHTS = st.integers(min_value=0, max_value=2000).map(lambda cents: Decimal(cents) / 100)


@st.composite
def definitions(draw: st.DrawFn) -> dict[str, Any]:
    """A valid scored instrument: additive or weighted, some red flags, rising bands."""
    scoring = draw(st.sampled_from(["weighted", "additive"]))
    count = draw(st.integers(min_value=1, max_value=12))
    items = []
    for index in range(count):
        item: dict[str, Any] = {"code": f"item_{index}", "text": {"ko": f"항목 {index}"}}
        if scoring == "weighted":
            item["weight"] = float(draw(WEIGHTS))
        if draw(st.booleans()):
            item["red_flag"] = draw(LEVELS)
        items.append(item)
    total = (
        sum(Decimal(str(i["weight"])) for i in items) if scoring == "weighted" else Decimal(count)
    )
    most_bands = min(len(ASSESSED_LEVELS), int(total * 100) + 1)
    levels = sorted(
        draw(st.sets(LEVELS, min_size=1, max_size=most_bands)), key=ASSESSED_LEVELS.index
    )
    cents: list[int] = []
    if len(levels) > 1:
        cents = sorted(
            draw(
                st.sets(
                    st.integers(min_value=1, max_value=int(total * 100)),
                    min_size=len(levels) - 1,
                    max_size=len(levels) - 1,
                )
            )
        )
    mins = [Decimal(0), *(Decimal(c) / 100 for c in cents)]
    bands = [{"level": lv, "min": float(m)} for lv, m in zip(levels, mins, strict=True)]
    definition = {
        "format": "onestop.risk.instrument/1",
        "code": "generated",
        "version": "1",
        "name": {"ko": "생성된 도구"},
        "mode": "scored",
        "scoring": scoring,
        "items": items,
        "bands": bands,
    }
    assert validate_pack(definition) == [], validate_pack(definition)
    return definition


@st.composite
def definition_and_answers(draw: st.DrawFn) -> tuple[dict[str, Any], set[str], set[str]]:
    definition = draw(definitions())
    codes = [item["code"] for item in definition["items"]]
    yes = draw(st.sets(st.sampled_from(codes)))
    unknown = draw(st.sets(st.sampled_from(codes))) - yes
    return definition, yes, unknown


def weight(definition: dict[str, Any], item: dict[str, Any]) -> Decimal:
    return Decimal(str(item.get("weight", 1)))


@given(definition_and_answers())
def test_the_score_is_the_sum_of_the_weights_answered_yes(case_):
    definition, yes, unknown = case_
    result = score_answers(definition, scored_answers(definition, yes, unknown))
    expected = sum(
        (weight(definition, i) for i in definition["items"] if i["code"] in yes), Decimal(0)
    )
    assert result.score == expected
    assert set(result.unknown) == unknown


@given(definition_and_answers(), st.data())
def test_more_yes_answers_never_lower_the_score_or_the_level(case_, data):
    definition, yes, unknown = case_
    codes = [item["code"] for item in definition["items"]]
    more = yes | data.draw(st.sets(st.sampled_from(codes)))
    fewer = score_answers(definition, scored_answers(definition, yes, unknown - more))
    most = score_answers(definition, scored_answers(definition, more, unknown - more))
    assert fewer.score is not None
    assert most.score is not None
    assert fewer.score <= most.score
    assert fewer.computed_level is not None
    assert most.computed_level is not None
    assert level_rank(fewer.computed_level) <= level_rank(most.computed_level)


@given(definition_and_answers())
def test_unknown_counts_like_no(case_):
    definition, yes, unknown = case_
    with_unknown = score_answers(definition, scored_answers(definition, yes, unknown))
    with_no = score_answers(definition, scored_answers(definition, yes))
    assert (with_unknown.score, with_unknown.computed_level) == (
        with_no.score,
        with_no.computed_level,
    )


@given(definitions(), st.integers(min_value=0, max_value=300_000))
def test_every_score_falls_in_exactly_one_band(definition, cents):
    score = Decimal(cents) / 100
    bands = definition["bands"]
    uppers = [Decimal(str(b["min"])) for b in bands[1:]] + [None]
    holding = [
        band
        for band, upper in zip(bands, uppers, strict=True)
        if Decimal(str(band["min"])) <= score and (upper is None or score < upper)
    ]
    assert len(holding) == 1
    assert band_for(definition, score) is holding[0]


@given(definitions())
def test_bands_are_contiguous_and_rise(definition):
    bands = definition["bands"]
    assert Decimal(str(bands[0]["min"])) == 0
    for below, above in itertools.pairwise(bands):
        top = Decimal(str(above["min"]))
        # the last score of the band below is right under the first score of the next
        assert band_for(definition, top - Decimal("0.01")) is below
        assert band_for(definition, top) is above
        assert level_rank(below["level"]) < level_rank(above["level"])
    assert (
        band_for(definition, max_score(definition))["level"]
        == max(
            (b for b in bands if Decimal(str(b["min"])) <= max_score(definition)),
            key=lambda b: Decimal(str(b["min"])),
        )["level"]
    )


@given(definition_and_answers())
def test_a_red_flag_answered_yes_sets_at_least_its_level(case_):
    definition, yes, unknown = case_
    result = score_answers(definition, scored_answers(definition, yes, unknown))
    assert result.computed_level is not None
    assert result.band_level is not None
    flags = [i for i in definition["items"] if i["code"] in yes and i.get("red_flag")]
    for item in flags:
        assert level_rank(result.computed_level) >= level_rank(item["red_flag"])
    assert set(result.red_flags) == {i["code"] for i in flags}
    # and the level is exactly the higher of the band and the floors
    expected = max([result.band_level, *(i["red_flag"] for i in flags)], key=level_rank)
    assert result.computed_level == expected


# --- the bundled instrument, by example ---------------------------------------------------------

BUNDLED = bundled_definition()


def level_for(*yes: str) -> tuple[Decimal, str]:
    result = score_answers(BUNDLED, scored_answers(BUNDLED, yes))
    assert result.score is not None
    assert result.computed_level is not None
    return result.score, result.computed_level


def test_the_bundled_instrument_scores_by_example():
    assert max_score(BUNDLED) == 33
    assert level_for() == (Decimal(0), "low")
    assert level_for("contact_escalating", "third_party_contact") == (Decimal(3), "low")
    assert level_for("contact_escalating", "following_approaching", "home_work_visits") == (
        Decimal(6),
        "medium",
    )
    # each red flag alone is at least high, whatever the score
    for code in ("threat_kill_harm", "strangulation", "weapon", "protective_breach"):
        assert level_for(code) == (Decimal(4), "high")
    three_flags = ("threat_kill_harm", "strangulation", "weapon")
    assert level_for(*three_flags) == (Decimal(12), "high")
    assert level_for(*three_flags, "past_violence", "victim_fear", "recent_separation") == (
        Decimal(20),
        "very_high",
    )
    everything = [item["code"] for item in BUNDLED["items"]]
    assert level_for(*everything) == (Decimal(33), "very_high")


@given(st.sets(st.sampled_from([item["code"] for item in BUNDLED["items"]])))
def test_the_bundled_instrument_is_monotone(yes):
    assume(yes)
    score, level = level_for(*yes)
    for code in yes:
        fewer_score, fewer_level = level_for(*(yes - {code}))
        assert fewer_score <= score
        assert level_rank(fewer_level) <= level_rank(level)
