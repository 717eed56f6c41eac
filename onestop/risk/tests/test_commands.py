"""``onestop risk import`` and ``onestop risk list``: a pack is stored once; the same pack again
changes nothing; other content under a stored version is refused; a bad pack lists every problem
and stores nothing."""

from __future__ import annotations

import importlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from onestop.audit.models import AuditEntry
from onestop.risk.models import Instrument, InstrumentOrigin
from onestop.risk.tests.conftest import BUNDLED, PACKS, pack

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("risk", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def counts() -> tuple[int, int]:
    return Instrument.objects.count(), AuditEntry.objects.count()


def refused(*args: str) -> str:
    before = counts()
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert caught.value.returncode == 2
    assert counts() == before, "a refused import wrote something"
    return str(caught.value)


def write(tmp_path: Path, data: Any, name: str = "pack.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return str(path)


def test_every_installation_has_the_bundled_instrument():
    bundled = Instrument.objects.get(code="onestop-stalking-screen")
    assert (bundled.version, bundled.mode, bundled.origin) == ("1", "scored", "bundled")
    assert len(bundled.definition["items"]) == 12


def test_the_data_migration_is_idempotent():
    from django.apps import apps

    migration = importlib.import_module("onestop.risk.migrations.0002_bundled_instrument")
    before = counts()
    migration.load(apps, None)
    migration.load(apps, None)
    assert counts() == before


def test_importing_the_bundled_file_again_changes_nothing():
    before = counts()
    assert run("import", str(BUNDLED)) == (
        "unchanged: onestop-stalking-screen version 1 is already stored with this content\n"
    )
    assert counts() == before


def test_import_stores_a_pack_once_and_audits_it():
    output = run("import", str(PACKS / "spj-example.json"))
    assert output == (
        "imported example-spj-stalking version 2024.1 "
        "(예시 구조화된 전문가 판단 도구; spj, 3 items)\n"
    )
    stored = Instrument.objects.get(code="example-spj-stalking", version="2024.1")
    assert stored.origin == InstrumentOrigin.IMPORTED
    assert stored.definition == pack("spj-example.json")
    entry = AuditEntry.objects.get(action="risk.instrument.import")
    assert entry.data["code"] == "example-spj-stalking"
    assert entry.data["digest"] == stored.digest

    before = counts()
    assert run("import", str(PACKS / "spj-example.json")).startswith("unchanged:")
    assert counts() == before


def test_other_content_under_a_stored_version_is_refused(tmp_path):
    data = pack("spj-example.json")
    run("import", write(tmp_path, data, "first.json"))
    data["items"][0]["text"]["ko"] = "바뀐 문구"
    message = refused("import", write(tmp_path, data, "changed.json"))
    assert message.endswith(
        "example-spj-stalking version 2024.1 is already stored with other content; versions "
        "never change: give the changed instrument a new version"
    )
    stored = Instrument.objects.get(code="example-spj-stalking")
    assert stored.definition["items"][0]["text"]["ko"] != "바뀐 문구"

    data["version"] = "2024.2"
    assert run("import", write(tmp_path, data, "next.json")).startswith(
        "imported example-spj-stalking version 2024.2"
    )
    assert Instrument.objects.filter(code="example-spj-stalking").count() == 2


def test_a_bad_pack_lists_every_problem_and_stores_nothing(tmp_path):
    data = pack("additive-example.json")
    data["items"][1]["text"] = "항목 B"
    data["bands"][1]["min"] = 9
    path = write(tmp_path, data)
    assert refused("import", path) == (
        f"{path}: 2 problem(s), nothing imported:\n"
        'items[1].text: must be an object with text for "ko" (and optionally "en")\n'
        "bands[1].min: unreachable: the highest possible score is 3"
    )


def test_a_file_that_is_not_json_or_not_there(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{", "utf-8")
    assert refused("import", str(path)).endswith(
        "1 problem(s), nothing imported:\n$: not valid JSON: Expecting property name enclosed "
        "in double quotes at line 1"
    )
    missing = tmp_path / "missing.json"
    assert refused("import", str(missing)) == f"{missing}: cannot read: No such file or directory"


def test_list_shows_every_version():
    run("import", str(PACKS / "spj-example.json"))
    lines = run("list").splitlines()
    assert [line.split("\t")[:6] for line in lines] == [
        ["example-spj-stalking", "2024.1", "spj", "3 items", "0 assessments", "imported"],
        ["onestop-stalking-screen", "1", "scored", "12 items", "0 assessments", "bundled"],
    ]
    assert lines[1].endswith("스토킹 위험 선별 도구 (OneStop)")
