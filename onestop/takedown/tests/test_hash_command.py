"""``onestop hash`` as ``shared/contracts/hashing.md`` says: one JSON line per file in the order
given; images with PDQ (agreeing with the reference corpus), quality, SHA-256 and MD5; videos
with every frame's vPDQ hash (agreeing with the reference clips frame by frame, same quality);
error lines for what is not a readable image or video, the others still hashed, exit status 1."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from contextlib import redirect_stderr
from pathlib import Path

import pytest
from django.core.management import call_command

from onestop.takedown.hashing import distance

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpora" / "pdq"
try:
    import vpdq  # type: ignore[import-not-found,unused-ignore]  # noqa: F401  (optional build)

    HAVE_VPDQ = True
except ImportError:
    HAVE_VPDQ = False
NEEDS_VPDQ = pytest.mark.skipif(not HAVE_VPDQ, reason="vpdq is not built (scripts/setup.sh)")


def run(*paths: Path) -> tuple[list[dict[str, object]], int]:
    out = io.StringIO()
    status = 0
    with redirect_stderr(io.StringIO()):
        try:
            call_command("hash", *[str(p) for p in paths], stdout=out)
        except SystemExit as exit_:
            status = int(exit_.code or 0)
    return [json.loads(line) for line in out.getvalue().splitlines()], status


def test_images_get_the_reference_hashes_in_order() -> None:
    with (CORPUS / "expected.csv").open(encoding="utf-8") as table:
        rows = list(csv.DictReader(table))[:6]
    lines, status = run(*(CORPUS / row["file"] for row in rows))
    assert status == 0
    assert [line["file"] for line in lines] == [str(CORPUS / row["file"]) for row in rows]
    for line, row in zip(lines, rows, strict=True):
        assert line["kind"] == "image"
        assert distance(str(line["pdq"]), row["expected_pdq"]) <= int(row["max_bits_off"])
        if row["expected_quality"]:
            assert line["quality"] == int(row["expected_quality"])
        data = (CORPUS / row["file"]).read_bytes()
        assert line["sha256"] == hashlib.sha256(data).hexdigest()
        assert line["md5"] == hashlib.md5(data, usedforsecurity=False).hexdigest()


def test_what_cannot_be_hashed_gets_an_error_line_and_the_rest_is_still_hashed(
    tmp_path: Path,
) -> None:
    text = tmp_path / "c.txt"
    text.write_text("not a picture")
    cut = tmp_path / "cut.jpg"
    cut.write_bytes((CORPUS / "images" / "rgb.jpeg").read_bytes()[:400])
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    lines, status = run(text, CORPUS / "images" / "LA.png", cut, empty, tmp_path / "missing.jpg")
    assert status == 1
    assert [line.get("error") for line in lines] == [
        "unsupported_media",
        None,
        "unreadable",
        "unreadable",
        "unreadable",
    ]
    assert lines[1]["pdq"] == "accb6d39648035f8125c8ce6ba65007de7b54c67a2d93ef7b8f33b0611306715"


@NEEDS_VPDQ
@pytest.mark.parametrize("clip", ["chair-20-sd-bar", "chair-22-sd-grey-bar", "pattern-hd-no-bar"])
def test_videos_get_the_reference_frame_hashes(clip: str) -> None:
    expected = [
        line.split(",")
        for line in (CORPUS / "video" / f"{clip}.txt").read_text().splitlines()
        if line.strip()
    ]
    (line,), status = run(CORPUS / "video" / f"{clip}.mp4")
    assert status == 0
    assert line["kind"] == "video"
    assert line["frames"] == len(expected)
    frames = line["vpdq"]
    assert isinstance(frames, list)
    for frame, (number, quality, pdq, seconds) in zip(frames, expected, strict=True):
        assert frame["frame"] == int(number)
        assert frame["quality"] == int(quality)
        assert distance(frame["pdq"], pdq) <= 16
        assert abs(frame["seconds"] - float(seconds)) < 0.002


@NEEDS_VPDQ
def test_the_corpus_empty_clip_is_unreadable() -> None:
    (line,), status = run(CORPUS / "video" / "chair-orig-22-hd-no-bar.mp4")
    assert line["error"] == "unreadable"
    assert status == 1


def png_header_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims a picture of ``width`` x ``height`` with almost no data: what
    a decompression bomb looks like before it is decoded."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("side", [11_000, 20_000])  # over our 100 Mpx; over Pillow's ceiling too
def test_a_picture_too_big_to_decode_is_refused_unread(tmp_path: Path, side: int) -> None:
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_header_claiming(side, side))
    lines, status = run(bomb, CORPUS / "images" / "LA.png")
    assert status == 1
    assert lines[0] == {"file": str(bomb), "error": "too_large"}
    assert "pdq" in lines[1]


def test_a_cut_picture_is_unreadable_even_after_weasyprint_loosened_pillow(tmp_path: Path) -> None:
    """Importing WeasyPrint (the PDFs) turns on Pillow's LOAD_TRUNCATED_IMAGES for the whole
    process; hashing still refuses a file cut short, and leaves WeasyPrint's setting as it was."""
    import weasyprint  # type: ignore[import-untyped]  # noqa: F401  (its import sets the flag)
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES
    cut = tmp_path / "cut.jpg"
    cut.write_bytes((CORPUS / "images" / "rgb.jpeg").read_bytes()[:400])
    lines, status = run(cut)
    assert status == 1
    assert lines == [{"file": str(cut), "error": "unreadable"}]
    assert ImageFile.LOAD_TRUNCATED_IMAGES
