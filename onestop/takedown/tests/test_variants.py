"""Variant banking: the edits PDQ alone misses still match — the corpus' own letterboxed copy,
a mirror, a 5% crop, a caption band — and the variants of one picture do not match another."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

from onestop.takedown.hashing import distance, pdq_of_image, prepared
from onestop.takedown.variants import (
    DIHEDRAL,
    banking_variants,
    centre_crop,
    query_variants,
    unletterboxed,
    without_caption,
)

IMAGES = Path(__file__).resolve().parents[3].parent / "shared" / "corpora" / "pdq" / "images"


def photo(name: str) -> Image.Image:
    return prepared((IMAGES / name).read_bytes())


def nearest(queries: list[str], banked: list[str]) -> int:
    return min(distance(q, b) for q in queries for b in banked)


def test_a_banked_picture_has_its_variants_once_each() -> None:
    variants = banking_variants(photo("sample-b.jpg"))
    names = [name for name, _h in variants]
    assert set(DIHEDRAL) <= set(names)
    assert {"crop5", "crop10", "half"} <= set(names)
    assert len({h.hex for _n, h in variants}) == len(variants)


def test_the_corpus_letterboxed_copy_matches_only_without_its_borders() -> None:
    banked = [h.hex for _n, h in banking_variants(photo("sample-b.jpg"))]
    copy = photo("letterboxed_sample-b.jpg")
    assert distance(pdq_of_image(copy).hex, pdq_of_image(photo("sample-b.jpg")).hex) > 31
    assert unletterboxed(copy) is not None
    assert nearest([h.hex for _n, h in query_variants(copy)], banked) <= 31


def test_a_mirror_and_a_crop_match_through_the_banked_variants() -> None:
    original = photo("sample-b.jpg")
    plain = pdq_of_image(original).hex
    banked = [h.hex for _n, h in banking_variants(original)]
    for edited in (
        original.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
        centre_crop(original, 0.05),
    ):
        found = pdq_of_image(edited).hex
        assert distance(found, plain) > 31  # PDQ alone misses it
        assert nearest([found], banked) <= 31


def test_a_caption_band_is_found_and_cut() -> None:
    original = photo("labelme/q2821.jpg")
    band = 40
    captioned = Image.new("RGB", (original.width, original.height + band), "white")
    captioned.paste(original, (0, 0))
    draw = ImageDraw.Draw(captioned)
    for x in range(10, original.width - 10, 11):
        draw.rectangle((x, original.height + 14, x + 5, original.height + 26), "black")
    cut = without_caption(captioned)
    assert cut is not None
    assert abs(cut.height - original.height) <= 2
    assert without_caption(original) is None  # a photo without a band is left alone
    banked = [h.hex for _n, h in banking_variants(original)]
    assert nearest([h.hex for _n, h in query_variants(captioned)], banked) <= 31


def test_the_variants_of_one_picture_do_not_match_another() -> None:
    banked = [h.hex for _n, h in banking_variants(photo("sample-b.jpg"))]
    for other in ("labelme/q0122.jpg", "labelme/q2821.jpg", "rgb.jpeg", "c.png"):
        queries = [h.hex for _n, h in query_variants(photo(other))]
        assert nearest(queries, banked) > 52
