"""``onestop bank add`` and ``onestop match`` (``shared/contracts/hashing.md``): a banked picture
is found again after the edits re-uploaders make, named by its bank item and its case's
reference only; hashes are sealed in the database and the file is not kept; banking the same
file twice is one item; a featureless picture only ever goes to review; the bank's reading is
audited; videos match by their frames."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from contextlib import redirect_stderr
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from PIL import Image

from onestop.accounts.models import Staff
from onestop.audit.models import AuditEntry
from onestop.cases.models import Case
from onestop.takedown.models import BankHash, BankItem

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpora" / "pdq"
try:
    import vpdq  # type: ignore[import-not-found,unused-ignore]  # noqa: F401  (optional build)

    HAVE_VPDQ = True
except ImportError:
    HAVE_VPDQ = False


def run(*argv: str) -> tuple[list[dict[str, Any]], int]:
    out = io.StringIO()
    status = 0
    with redirect_stderr(io.StringIO()):
        try:
            call_command(*argv, stdout=out)
        except SystemExit as exit_:
            status = int(exit_.code or 0)
    return [json.loads(line) for line in out.getvalue().splitlines()], status


@pytest.fixture
def case(open_case: Callable[..., Case], manager: Staff) -> Case:
    return open_case(manager)


def edited(tmp_path: Path, name: str, edit: Callable[[Image.Image], Image.Image]) -> Path:
    path = tmp_path / f"{name}.jpg"
    edit(Image.open(CORPUS / "images" / "sample-b.jpg").convert("RGB")).save(path, quality=80)
    return path


def test_a_banked_picture_is_found_after_common_edits_and_only_its_case_is_named(
    case: Case, tmp_path: Path
) -> None:
    (line,), status = run(
        "bank", "add", "--case", case.reference, str(CORPUS / "images" / "sample-b.jpg")
    )
    assert status == 0
    item = str(line["item"])
    assert line["kind"] == "image"
    mirror = edited(tmp_path, "mirror", lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    cropped = edited(tmp_path, "crop", lambda im: im.crop((40, 25, im.width - 40, im.height - 25)))
    lines, status = run(
        "match", str(mirror), str(cropped), str(CORPUS / "images" / "letterboxed_sample-b.jpg"),
        str(CORPUS / "images" / "labelme" / "q2821.jpg"),
    )  # fmt: skip
    assert status == 0
    for found in lines[:3]:
        matches = found["matches"]
        assert isinstance(matches, list)
        assert [(m["item"], m["case"], m["verdict"]) for m in matches] == [
            (item, case.reference, "match")
        ]
        assert matches[0]["distance"] <= 31
    assert lines[3]["matches"] == []  # another picture
    text = json.dumps(lines)
    assert case.victim.name not in text
    entry = AuditEntry.objects.filter(action="takedown.match").get()
    assert entry.data == {"files": 4, "matches": 3}


def test_hashes_are_sealed_the_file_is_not_kept_and_banking_twice_is_one_item(
    case: Case, tmp_path: Path
) -> None:
    source = CORPUS / "images" / "sample-b.jpg"
    before = {p.name for p in tmp_path.iterdir()}
    first, _ = run("bank", "add", "--case", case.reference, str(source))
    again, _ = run("bank", "add", "--case", case.reference, str(source))
    assert first[0]["item"] == again[0]["item"]
    assert BankItem.objects.count() == 1
    hashes = BankHash.objects.filter(item_id=first[0]["item"])
    assert hashes.count() >= 11  # the picture and its variants
    values = {h.pdq for h in hashes}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pdq FROM takedown_bankhash")
        stored = [str(row[0]) for row in cursor.fetchall()]
    assert len(stored) == len(values)
    assert not any(value in raw for value in values for raw in stored)  # sealed at rest
    assert {p.name for p in tmp_path.iterdir()} == before
    entry = AuditEntry.objects.get(action="takedown.bank_add")
    assert not any(value in json.dumps(entry.data) for value in values)


def test_a_featureless_picture_goes_to_review_never_to_a_match(case: Case) -> None:
    (line,), _ = run("bank", "add", "--case", case.reference, str(CORPUS / "images" / "I16.png"))
    item = BankItem.objects.get(pk=line["item"])
    assert item.quality == 36
    assert item.needs_review
    (found,), _ = run("match", str(CORPUS / "images" / "I16.png"))
    assert [m["verdict"] for m in found["matches"]] == ["review"]


def test_files_that_cannot_be_banked_get_error_lines(case: Case, tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("no picture here")
    lines, status = run(
        "bank", "add", "--case", case.reference, str(text), str(CORPUS / "images" / "LA.png")
    )
    assert status == 1
    assert lines[0] == {"file": str(text), "error": "unsupported_media"}
    assert "item" in lines[1]
    assert BankItem.objects.count() == 1


@pytest.mark.skipif(not HAVE_VPDQ, reason="vpdq is not built (scripts/setup.sh)")
def test_a_banked_video_matches_by_its_frames(case: Case) -> None:
    clip = CORPUS / "video" / "chair-20-sd-bar.mp4"
    (line,), status = run("bank", "add", "--case", case.reference, str(clip))
    assert status == 0
    assert line["kind"] == "video"
    lines, _ = run("match", str(clip), str(CORPUS / "video" / "pattern-hd-no-bar.mp4"))
    assert [(m["item"], m["verdict"]) for m in lines[0]["matches"]] == [(line["item"], "match")]
    assert lines[1]["matches"] == []
