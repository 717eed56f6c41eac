"""The scoring engine: a validated instrument definition and a set of answers in, a result out.

Pure functions, no database. A scored instrument adds the weights of the items answered yes
(additive: each counts 1; "no" and "unknown" count nothing), finds the band the score falls in,
and lifts the level to the floor of every red-flag item answered yes. An SPJ instrument has no
score: the assessor judges the level (``risk.services`` records it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from onestop.risk.models import ASSESSED_LEVELS, Answer, InstrumentMode

Definition = Mapping[str, Any]
Answers = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Result:
    score: Decimal | None
    band_level: str | None
    computed_level: str | None  # None for SPJ: the assessor decides
    red_flags: tuple[str, ...]  # codes of red-flag items answered yes, in instrument order
    unknown: tuple[str, ...]  # codes of items answered "unknown" (or not answered)


def level_rank(level: str) -> int:
    """0 for low … 3 for very high."""
    return ASSESSED_LEVELS.index(level)


def highest(levels: Sequence[str]) -> str:
    return max(levels, key=level_rank)


def item_weight(definition: Definition, item: Mapping[str, Any]) -> Decimal:
    if definition.get("scoring") == "additive":
        return Decimal(1)
    return Decimal(str(item["weight"]))


def band_for(definition: Definition, score: Decimal) -> Mapping[str, Any]:
    """The band a score falls in: the last one whose ``min`` it reaches (bands start at 0 and
    rise, so every score >= 0 has exactly one)."""
    found = definition["bands"][0]
    for band in definition["bands"]:
        if score >= Decimal(str(band["min"])):
            found = band
    return found  # type: ignore[no-any-return]  # JSON of a validated pack


def max_score(definition: Definition) -> Decimal:
    return sum((item_weight(definition, item) for item in definition["items"]), Decimal(0))


def score_answers(definition: Definition, answers: Answers) -> Result:
    """The instrument's result for these answers (``{item code: {"answer": "yes", ...}}``;
    anything but "yes" counts as not present)."""
    unknown = tuple(
        item["code"]
        for item in definition["items"]
        if (answers.get(item["code"]) or {}).get("answer", Answer.UNKNOWN) == Answer.UNKNOWN
    )
    if definition["mode"] == InstrumentMode.SPJ:
        return Result(score=None, band_level=None, computed_level=None, red_flags=(), unknown=())
    yes = [
        item
        for item in definition["items"]
        if (answers.get(item["code"]) or {}).get("answer") == Answer.YES
    ]
    score = sum((item_weight(definition, item) for item in yes), Decimal(0))
    band_level = str(band_for(definition, score)["level"])
    red_flags = tuple(item["code"] for item in yes if item.get("red_flag"))
    floors = [str(item["red_flag"]) for item in yes if item.get("red_flag")]
    return Result(
        score=score,
        band_level=band_level,
        computed_level=highest([band_level, *floors]),
        red_flags=red_flags,
        unknown=unknown,
    )
