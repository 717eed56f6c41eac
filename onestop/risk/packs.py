"""Instrument packs: the JSON an organisation loads to add a risk instrument, and its validation.

A pack is one version of one instrument. Validation reports every problem at once, each with its
JSON path (``items[3].weight: must be a number >= 0``), so a pack is fixed in one round; nothing
is stored unless it passes. The format (``onestop.risk.instrument/1``)::

    {
      "format": "onestop.risk.instrument/1",
      "code": "acme-stalking", "version": "2.1",
      "name": {"ko": "...", "en": "..."},          # "ko" required, "en" optional
      "description": {"ko": "...", "en": "..."},   # optional
      "publisher": "...", "licence": "...",        # optional
      "mode": "scored" | "spj",
      "scoring": "weighted" | "additive",          # scored only
      "items": [{"code": "threat", "text": {...}, "help": {...},
                 "weight": 4,                      # weighted: required; additive: 1 or left out
                 "red_flag": "high"}],             # scored only: a yes sets at least this level
      "bands": [{"level": "low", "min": 0, "label": {...}}, ...]
    }

Scored bands start at 0 and rise: each covers its ``min`` up to the next band's, the last has no
upper end, so every score falls in exactly one band. SPJ bands have no ``min``: they are the
levels the assessor may choose. Levels are ``cases.RiskGrade`` codes (low … very_high); labels
may be the instrument's own.

Messages here are for the operator running ``onestop risk import`` and stay in English, the
language of the JSON keys they point at."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from onestop.core.errors import DomainError, ValidationFailed
from onestop.risk.errors import InvalidPack
from onestop.risk.models import ASSESSED_LEVELS, InstrumentMode

FORMAT = "onestop.risk.instrument/1"
LANGUAGES = ("ko", "en")
SCORINGS = ("weighted", "additive")
MAX_ITEMS = 200
MAX_WEIGHT = Decimal(1000)
MAX_TEXT = 1000
MAX_HELP = 2000

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,79}$")
ITEM_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_]{0,59}$")
VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")

TOP_KEYS = {
    "format",
    "code",
    "version",
    "name",
    "description",
    "publisher",
    "licence",
    "mode",
    "scoring",
    "items",
    "bands",
}
ITEM_KEYS = {"code", "text", "help", "weight", "red_flag"}
BAND_KEYS = {"level", "min", "label"}


class PackInvalid(ValidationFailed):
    """A pack that cannot be stored, with every problem found."""

    def lines(self) -> list[str]:
        return [f"{error.field}: {error.message}" for error in self.errors]


def pack_parse(text: str) -> Any:
    """The JSON of a pack file, or ``PackInvalid`` naming where it stops being JSON."""

    def no_constants(name: str) -> Any:
        raise ValueError(f"{name} is not allowed")

    try:
        return json.loads(text, parse_constant=no_constants)
    except json.JSONDecodeError as exc:
        raise PackInvalid(
            [InvalidPack(f"not valid JSON: {exc.msg} at line {exc.lineno}", field="$")]
        ) from exc
    except ValueError as exc:
        raise PackInvalid([InvalidPack(f"not valid JSON: {exc}", field="$")]) from exc


def pack_digest(definition: Any) -> str:
    """SHA-256 of the pack's canonical JSON (keys sorted, no spacing): the same content, however
    its keys were ordered or spaced in the file, has the same digest."""
    canonical = json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def as_decimal(value: Any) -> Decimal | None:
    """A JSON number as a Decimal (``None`` for anything else, booleans included)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


class _Check:
    """Collects problems while walking a pack."""

    def __init__(self) -> None:
        self.errors: list[DomainError] = []

    def add(self, path: str, message: str) -> None:
        self.errors.append(InvalidPack(message, field=path))

    def keys(self, obj: Mapping[str, Any], allowed: set[str], path: str) -> None:
        for key in obj:
            if key not in allowed:
                self.add(f"{path}.{key}" if path else str(key), "unknown key")

    def string(self, value: Any, path: str, *, pattern: re.Pattern[str], rule: str) -> None:
        if not isinstance(value, str):
            self.add(path, "must be a string")
        elif not pattern.fullmatch(value):
            self.add(path, f"must be {rule}")

    def localized(self, value: Any, path: str, *, limit: int) -> None:
        if not isinstance(value, dict):
            self.add(path, 'must be an object with text for "ko" (and optionally "en")')
            return
        if "ko" not in value:
            self.add(f"{path}.ko", "is required")
        for language, text in value.items():
            where = f"{path}.{language}"
            if language not in LANGUAGES:
                self.add(where, 'unknown language (use "ko" or "en")')
            elif not isinstance(text, str) or not text.strip():
                self.add(where, "must be a non-empty string")
            elif len(text) > limit:
                self.add(where, f"must be at most {limit} characters")

    def number(self, value: Any, path: str) -> Decimal | None:
        number = as_decimal(value)
        if number is None or number < 0:
            self.add(path, "must be a number >= 0")
            return None
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -2:
            self.add(path, "must have at most 2 decimal places")
            return None
        if number > MAX_WEIGHT * MAX_ITEMS:
            self.add(path, "is too large")
            return None
        return number

    def level(self, value: Any, path: str) -> str | None:
        if value not in ASSESSED_LEVELS:
            self.add(path, "must be one of: " + ", ".join(ASSESSED_LEVELS))
            return None
        return str(value)


def validate_pack(data: Any) -> list[DomainError]:
    """Every problem of a pack, in document order; empty when it may be stored."""
    check = _Check()
    if not isinstance(data, dict):
        check.add("$", "must be an object")
        return check.errors
    check.keys(data, TOP_KEYS, "")
    for required in ("format", "code", "version", "name", "mode", "items", "bands"):
        if required not in data:
            check.add(required, "is required")
    if "format" in data and data["format"] != FORMAT:
        check.add("format", f'must be "{FORMAT}"')
    if "code" in data:
        check.string(
            data["code"],
            "code",
            pattern=CODE_RE,
            rule="2-80 characters: lowercase letters, digits, '-', '_', '.'",
        )
    if "version" in data:
        check.string(
            data["version"],
            "version",
            pattern=VERSION_RE,
            rule="1-40 characters: letters, digits, '-', '_', '.'",
        )
    if "name" in data:
        check.localized(data["name"], "name", limit=200)
    if "description" in data:
        check.localized(data["description"], "description", limit=MAX_HELP)
    for key in ("publisher", "licence"):
        if key in data and (not isinstance(data[key], str) or len(data[key]) > 500):
            check.add(key, "must be a string of at most 500 characters")

    mode = data.get("mode")
    if "mode" in data and mode not in InstrumentMode.values:
        check.add("mode", "must be one of: " + ", ".join(InstrumentMode.values))
        mode = None
    scoring = data.get("scoring")
    if mode == InstrumentMode.SPJ and "scoring" in data:
        check.add("scoring", "not allowed in spj mode")
    elif mode == InstrumentMode.SCORED:
        if "scoring" not in data:
            check.add("scoring", "is required in scored mode")
        elif scoring not in SCORINGS:
            check.add("scoring", "must be one of: " + ", ".join(SCORINGS))
            scoring = None

    max_score = _check_items(check, data.get("items"), mode=mode, scoring=scoring)
    if "bands" in data:
        _check_bands(check, data["bands"], mode=mode, max_score=max_score)
    return check.errors


def _check_items(check: _Check, items: Any, *, mode: Any, scoring: Any) -> Decimal | None:
    """Checks the items; returns the highest possible score (``None`` when unknowable)."""
    if items is None:
        return None
    if not isinstance(items, list) or not items:
        check.add("items", "must be a non-empty list")
        return None
    if len(items) > MAX_ITEMS:
        check.add("items", f"must have at most {MAX_ITEMS} items")
    total: Decimal | None = Decimal(0)
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        path = f"items[{index}]"
        if not isinstance(item, dict):
            check.add(path, "must be an object")
            total = None
            continue
        check.keys(item, ITEM_KEYS, path)
        if "code" not in item:
            check.add(f"{path}.code", "is required")
        else:
            check.string(
                item["code"],
                f"{path}.code",
                pattern=ITEM_CODE_RE,
                rule="1-60 characters: lowercase letters, digits, '_'",
            )
            code = item["code"]
            if isinstance(code, str):
                if code in seen:
                    check.add(
                        f"{path}.code", f'duplicate item code "{code}" (see items[{seen[code]}])'
                    )
                else:
                    seen[code] = index
        if "text" not in item:
            check.add(f"{path}.text", "is required")
        else:
            check.localized(item["text"], f"{path}.text", limit=MAX_TEXT)
        if "help" in item:
            check.localized(item["help"], f"{path}.help", limit=MAX_HELP)
        weight = _check_weight(check, item, path, mode=mode, scoring=scoring)
        total = None if total is None or weight is None else total + weight
        if "red_flag" in item:
            if mode == InstrumentMode.SPJ:
                check.add(f"{path}.red_flag", "not allowed in spj mode")
            else:
                check.level(item["red_flag"], f"{path}.red_flag")
    return total if mode == InstrumentMode.SCORED and scoring in SCORINGS else None


def _check_weight(
    check: _Check, item: Mapping[str, Any], path: str, *, mode: Any, scoring: Any
) -> Decimal | None:
    where = f"{path}.weight"
    if mode == InstrumentMode.SPJ:
        if "weight" in item:
            check.add(where, "not allowed in spj mode")
        return Decimal(0)
    if scoring == "additive":
        if "weight" in item and as_decimal(item["weight"]) != 1:
            check.add(where, "must be 1 in additive scoring (or left out)")
            return None
        return Decimal(1)
    if scoring == "weighted":
        if "weight" not in item:
            check.add(where, "is required in weighted scoring")
            return None
        number = check.number(item["weight"], where)
        if number is not None and number > MAX_WEIGHT:
            check.add(where, f"must be at most {MAX_WEIGHT}")
            return None
        return number
    return None


def _check_bands(check: _Check, bands: Any, *, mode: Any, max_score: Decimal | None) -> None:
    if not isinstance(bands, list) or not bands:
        check.add("bands", "must be a non-empty list")
        return
    previous_level: tuple[int, str] | None = None
    previous_min: Decimal | None = None
    for index, band in enumerate(bands):
        path = f"bands[{index}]"
        if not isinstance(band, dict):
            check.add(path, "must be an object")
            previous_level = previous_min = None
            continue
        check.keys(band, BAND_KEYS, path)
        if "level" not in band:
            check.add(f"{path}.level", "is required")
            level = None
        else:
            level = check.level(band["level"], f"{path}.level")
        if level is not None:
            rank = ASSESSED_LEVELS.index(level)
            if previous_level is not None and rank <= previous_level[0]:
                check.add(
                    f"{path}.level",
                    f'must be higher than the band before it ("{previous_level[1]}")',
                )
            previous_level = (rank, level)
        if "label" in band:
            check.localized(band["label"], f"{path}.label", limit=200)
        if mode == InstrumentMode.SPJ:
            if "min" in band:
                check.add(f"{path}.min", "not allowed in spj mode")
            continue
        if mode != InstrumentMode.SCORED:
            continue
        if "min" not in band:
            check.add(f"{path}.min", "is required in scored mode")
            previous_min = None
            continue
        minimum = check.number(band["min"], f"{path}.min")
        if minimum is None:
            previous_min = None
            continue
        if index == 0 and minimum != 0:
            check.add(f"{path}.min", "must be 0 (every score needs a band)")
        elif previous_min is not None and minimum <= previous_min:
            check.add(f"{path}.min", f"must be greater than bands[{index - 1}].min")
        elif max_score is not None and minimum > max_score:
            check.add(f"{path}.min", f"unreachable: the highest possible score is {max_score}")
        previous_min = minimum


def pack_check(data: Any) -> dict[str, Any]:
    """The pack, if it may be stored; else ``PackInvalid`` with every problem."""
    errors = validate_pack(data)
    if errors:
        raise PackInvalid(errors)
    assert isinstance(data, dict)  # noqa: S101  (validate_pack refused anything else)
    return data
