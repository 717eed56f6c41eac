"""Pack validation: every problem at once, each with its JSON path and an exact message; the
bundled instrument and the example packs pass; the data migration's digest is the packs'."""

from __future__ import annotations

import copy
import importlib
from typing import Any

import pytest

from onestop.risk.packs import PackInvalid, pack_check, pack_digest, pack_parse, validate_pack
from onestop.risk.tests.conftest import bundled_definition, pack


def problems(data: Any) -> list[str]:
    return [f"{error.field}: {error.message}" for error in validate_pack(data)]


def changed(**changes: Any) -> dict[str, Any]:
    data = bundled_definition()
    data.update(changes)
    return data


def test_the_bundled_instrument_and_the_examples_are_valid():
    assert problems(bundled_definition()) == []
    assert problems(pack("spj-example.json")) == []
    assert problems(pack("additive-example.json")) == []


def test_a_pack_must_be_an_object():
    assert problems([1, 2]) == ["$: must be an object"]


def test_every_problem_is_listed_with_its_path():
    data = bundled_definition()
    data["format"] = "v2"
    data["code"] = "Bad Code"
    del data["version"]
    data["name"] = {"en": "", "fr": "Outil"}
    data["scoring"] = "multiplied"
    data["colour"] = "red"
    data["items"][3]["weight"] = -1
    data["items"][4]["weight"] = "4"
    data["items"][5]["weight"] = 1.005
    data["items"][6]["code"] = "contact_escalating"
    data["items"][7]["red_flag"] = "extreme"
    data["items"][8]["wieght"] = 1
    del data["items"][9]["text"]
    data["items"][10]["text"] = {"ko": "  "}
    assert problems(data) == [
        "colour: unknown key",
        "version: is required",
        'format: must be "onestop.risk.instrument/1"',
        "code: must be 2-80 characters: lowercase letters, digits, '-', '_', '.'",
        "name.ko: is required",
        "name.en: must be a non-empty string",
        'name.fr: unknown language (use "ko" or "en")',
        "scoring: must be one of: weighted, additive",
        # with no valid scoring, weights cannot be judged; everything else is
        'items[6].code: duplicate item code "contact_escalating" (see items[0])',
        "items[7].red_flag: must be one of: low, medium, high, very_high",
        "items[8].wieght: unknown key",
        "items[9].text: is required",
        "items[10].text.ko: must be a non-empty string",
    ]
    data["scoring"] = "weighted"
    assert problems(data)[7:] == [
        "items[3].weight: must be a number >= 0",
        "items[4].weight: must be a number >= 0",
        "items[5].weight: must have at most 2 decimal places",
        'items[6].code: duplicate item code "contact_escalating" (see items[0])',
        "items[7].red_flag: must be one of: low, medium, high, very_high",
        "items[8].wieght: unknown key",
        "items[9].text: is required",
        "items[10].text.ko: must be a non-empty string",
    ]


def test_bands_must_start_at_zero_rise_and_be_reachable():
    data = changed(
        bands=[
            {"level": "medium", "min": 1},
            {"level": "low", "min": 5},
            {"level": "high", "min": 5},
            {"level": "very_high", "min": 40, "label": {"ko": "매우 높음"}},
            {"level": "unknown", "min": 50},
        ]
    )
    assert problems(data) == [
        "bands[0].min: must be 0 (every score needs a band)",
        'bands[1].level: must be higher than the band before it ("medium")',
        "bands[2].min: must be greater than bands[1].min",
        "bands[3].min: unreachable: the highest possible score is 33",
        "bands[4].level: must be one of: low, medium, high, very_high",
        "bands[4].min: unreachable: the highest possible score is 33",
    ]


def test_the_mode_decides_what_an_item_may_have():
    additive = pack("additive-example.json")
    additive["items"][0]["weight"] = 2
    assert problems(additive) == ["items[0].weight: must be 1 in additive scoring (or left out)"]

    weighted = bundled_definition()
    del weighted["items"][0]["weight"]
    assert problems(weighted) == ["items[0].weight: is required in weighted scoring"]

    spj = pack("spj-example.json")
    spj["scoring"] = "weighted"
    spj["items"][0]["weight"] = 2
    spj["items"][1]["red_flag"] = "high"
    spj["bands"][0]["min"] = 0
    assert problems(spj) == [
        "scoring: not allowed in spj mode",
        "items[0].weight: not allowed in spj mode",
        "items[1].red_flag: not allowed in spj mode",
        "bands[0].min: not allowed in spj mode",
    ]

    scored = bundled_definition()
    del scored["scoring"]
    del scored["bands"][1]["min"]
    assert problems(scored) == [
        "scoring: is required in scored mode",
        "bands[1].min: is required in scored mode",
    ]


def test_missing_parts_and_wrong_shapes():
    assert problems({"format": "onestop.risk.instrument/1"}) == [
        "code: is required",
        "version: is required",
        "name: is required",
        "mode: is required",
        "items: is required",
        "bands: is required",
    ]
    assert problems(changed(mode="auto", items=[], bands={})) == [
        "mode: must be one of: scored, spj",
        "items: must be a non-empty list",
        "bands: must be a non-empty list",
    ]
    assert problems(changed(items=["x"], name="도구")) == [
        'name: must be an object with text for "ko" (and optionally "en")',
        "items[0]: must be an object",
    ]
    assert problems(changed(version="1 beta", publisher=7)) == [
        "version: must be 1-40 characters: letters, digits, '-', '_', '.'",
        "publisher: must be a string of at most 500 characters",
    ]


def test_booleans_and_non_finite_numbers_are_not_weights():
    data = bundled_definition()
    data["items"][0]["weight"] = True
    assert problems(data) == ["items[0].weight: must be a number >= 0"]
    with pytest.raises(PackInvalid) as caught:
        pack_parse('{"weight": NaN}')
    assert caught.value.lines() == ["$: not valid JSON: NaN is not allowed"]


def test_a_file_that_is_not_json_says_where():
    with pytest.raises(PackInvalid) as caught:
        pack_parse('{"code": "x",\n "items": [}')
    assert caught.value.lines() == ["$: not valid JSON: Expecting value at line 2"]


def test_pack_check_raises_with_every_problem():
    data = copy.deepcopy(bundled_definition())
    data["items"][3]["weight"] = -1
    data["bands"][0]["min"] = 2
    with pytest.raises(PackInvalid) as caught:
        pack_check(data)
    assert caught.value.lines() == [
        "items[3].weight: must be a number >= 0",
        "bands[0].min: must be 0 (every score needs a band)",
    ]


def test_the_digest_ignores_key_order_and_spacing_and_matches_the_migrations():
    data = bundled_definition()
    reordered = copy.deepcopy(dict(reversed(list(data.items()))))
    assert pack_digest(data) == pack_digest(reordered)
    migration = importlib.import_module("onestop.risk.migrations.0002_bundled_instrument")
    assert migration.digest(data) == pack_digest(data)
    data["items"][0]["weight"] = 3
    assert pack_digest(data) != pack_digest(reordered)
