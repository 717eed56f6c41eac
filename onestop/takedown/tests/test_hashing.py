"""PDQ hashes agree with Meta's reference on every row of the shared conformance corpus
(``shared/corpora/pdq/expected.csv``: within the row's bit tolerance, and the same quality where
one is given); one preparation for every image (EXIF orientation, RGB, 512 px with one filter);
files that are not images are refused with the contract's codes; the match / review verdicts."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from onestop.takedown.hashing import (
    MAX_SIDE,
    MediaError,
    distance,
    exact,
    pdq,
    prepared,
    verdict,
)

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpora" / "pdq"
with (CORPUS / "expected.csv").open(encoding="utf-8") as table:
    ROWS = list(csv.DictReader(table))


def test_the_corpus_is_there() -> None:
    assert len(ROWS) == 33


@pytest.mark.parametrize("row", ROWS, ids=[row["file"] for row in ROWS])
def test_every_reference_hash_is_reproduced(row: dict[str, str]) -> None:
    found = pdq((CORPUS / row["file"]).read_bytes())
    assert distance(found.hex, row["expected_pdq"]) <= int(row["max_bits_off"])
    if row["expected_quality"]:
        assert found.quality == int(row["expected_quality"])


def jpeg(image: Image.Image, **save: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=95, **save)
    return out.getvalue()


def test_exif_orientation_is_applied_before_hashing() -> None:
    upright = Image.open(CORPUS / "images" / "dihedral" / "bridge-1-original.jpg").convert("RGB")
    stored_sideways = upright.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # "turn 90 degrees clockwise to view": the camera stored it turned
    as_shown = pdq(jpeg(stored_sideways, exif=exif.tobytes()))
    assert distance(as_shown.hex, pdq(jpeg(upright)).hex) <= 16
    # without the tag it is another picture
    assert distance(pdq(jpeg(stored_sideways)).hex, pdq(jpeg(upright)).hex) > 31


def test_large_images_are_shrunk_to_512_keeping_their_shape() -> None:
    image = prepared((CORPUS / "images" / "c.png").read_bytes())  # 1432 x 812, RGBA
    assert image.mode == "RGB"
    assert max(image.size) == MAX_SIDE
    assert image.size == (512, 290)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"%PDF-1.7 not an image", "unsupported_media"),
        (b"", "unsupported_media"),
        ((CORPUS / "images" / "rgb.jpeg").read_bytes()[:400], "unreadable"),
    ],
)
def test_files_that_are_not_readable_images_are_refused_with_the_contract_s_code(
    data: bytes, code: str
) -> None:
    with pytest.raises(MediaError) as refused:
        pdq(data)
    assert refused.value.code == code


def test_exact_hashes() -> None:
    assert exact(b"abc") == {
        "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "md5": "900150983cd24fb0d6963f7d28e17f72",
    }


@given(st.integers(0, 256), st.integers(0, 100))
def test_verdicts_follow_the_contract(found: int, quality: int) -> None:
    said = verdict(found, quality=quality)
    if found <= 31 and quality >= 50:
        assert said == "match"
    elif found <= 52:
        assert said == "review"
    else:
        assert said is None


@given(st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32))
def test_distance_counts_the_differing_bits(a: bytes, b: bytes) -> None:
    expected = sum(bin(x ^ y).count("1") for x, y in zip(a, b, strict=True))
    assert distance(a.hex(), b.hex()) == expected
    assert distance(a.hex(), a.hex()) == 0
