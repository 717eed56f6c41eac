"""Fixtures of the risk tests: a case, the bundled instrument, an imported SPJ instrument, and
answers built from the items answered yes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from onestop.accounts.models import Staff
from onestop.cases.models import Case
from onestop.risk.models import Instrument
from onestop.risk.services import instrument_import

PACKS = Path(__file__).resolve().parent / "packs"
BUNDLED = Path(__file__).resolve().parent.parent / "instruments" / "onestop-stalking-screen-v1.json"


def pack(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((PACKS / name).read_text("utf-8"))
    return loaded


def bundled_definition() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(BUNDLED.read_text("utf-8"))
    return loaded


def scored_answers(
    definition: dict[str, Any], yes: Iterable[str] = (), unknown: Iterable[str] = ()
) -> dict[str, dict[str, str]]:
    """Every item answered: yes for ``yes``, unknown for ``unknown``, no for the rest."""
    yes, unknown = set(yes), set(unknown)
    return {
        item["code"]: (
            {"answer": "yes", "source": "victim"}
            if item["code"] in yes
            else {"answer": "unknown", "source": ""}
            if item["code"] in unknown
            else {"answer": "no", "source": "staff"}
        )
        for item in definition["items"]
    }


@pytest.fixture
def case(manager: Staff, open_case: Callable[..., Any]) -> Case:
    made: Case = open_case(manager)
    return made


@pytest.fixture
def instrument(db: Any) -> Instrument:
    """The bundled instrument, loaded by the data migration."""
    return Instrument.objects.get(code="onestop-stalking-screen", version="1")


@pytest.fixture
def spj_instrument(db: Any) -> Instrument:
    made, _created = instrument_import(definition=pack("spj-example.json"))
    return made
