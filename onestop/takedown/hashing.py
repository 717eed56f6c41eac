"""Content hashes for deletion support (``shared/contracts/hashing.md``): PDQ for images, vPDQ
for video, SHA-256 and MD5 for exact copies. Pure functions: bytes in, hashes out.

Every image goes through one preparation, here and nowhere else, so that a banked hash and a
hash of a copy found online are made the same way: EXIF orientation applied, converted to RGB
by Pillow (16-bit greyscale clipped, as the reference does), and — when a side is longer
than 512 px — shrunk to fit 512 x 512 with one fixed filter (bilinear), keeping the aspect."""

from __future__ import annotations

import hashlib
import io
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pdqhash
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

MAX_SIDE = 512
RESAMPLE = Image.Resampling.BILINEAR
MAX_PIXELS = 100_000_000  # a decompression bomb is refused, not decoded
MATCH_DISTANCE = 31  # PDQ's own threshold: a match
REVIEW_DISTANCE = 52  # 32..52: a candidate for a person to look at
MIN_QUALITY = 50  # below: too featureless to match automatically


class MediaError(Exception):
    """The file is not a readable image (``code``: unsupported_media, unreadable, too_large)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


_STRICT = threading.Lock()


@contextmanager
def _truncated_refused() -> Iterator[None]:
    """Decode with Pillow refusing a file cut short. WeasyPrint (our PDFs) switches Pillow's
    process-wide ``LOAD_TRUNCATED_IMAGES`` on when it is imported; a cut file would then hash as
    whatever part of it arrived, in some processes and not others. The switch is Pillow's module
    global, so it is turned off for the decode under a lock and put back."""
    with _STRICT:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


@dataclass(frozen=True)
class PdqHash:
    hex: str  # 64 hex digits, the reference's bit order
    quality: int


def prepared(data: bytes) -> Image.Image:
    """The image as PDQ sees it (see the module's docstring)."""
    try:
        with warnings.catch_warnings():  # our own ceiling (MAX_PIXELS) is checked below
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:  # over Pillow's own ceiling: refused unread
        raise MediaError("too_large") from exc
    except UnidentifiedImageError as exc:  # not an image format Pillow knows
        raise MediaError("unsupported_media") from exc
    except (OSError, ValueError) as exc:  # an image, cut short or damaged
        raise MediaError("unreadable") from exc
    if opened.width * opened.height > MAX_PIXELS:
        raise MediaError("too_large")
    try:
        with _truncated_refused():
            opened.load()  # (decoding is lazy: a truncated file fails here, not later)
        # in place, and no conversion of what is already RGB: the same pixels without two copies
        ImageOps.exif_transpose(opened, in_place=True)
        image: Image.Image = opened if opened.mode == "RGB" else opened.convert("RGB")
        if max(image.size) > MAX_SIDE:
            image.thumbnail((MAX_SIDE, MAX_SIDE), RESAMPLE)
    except (OSError, ValueError) as exc:
        raise MediaError("unreadable") from exc
    return image


def bits_to_hex(bits: np.ndarray) -> str:
    packed = np.packbits(np.asarray(bits, dtype=np.uint8))
    return packed.tobytes().hex()


def pdq_of_image(image: Image.Image) -> PdqHash:
    bits, quality = pdqhash.compute(np.asarray(image))
    return PdqHash(hex=bits_to_hex(bits), quality=int(quality))


def pdq(data: bytes) -> PdqHash:
    return pdq_of_image(prepared(data))


def exact(data: bytes) -> dict[str, str]:
    return {
        "sha256": hashlib.sha256(data).hexdigest(),
        "md5": hashlib.md5(data, usedforsecurity=False).hexdigest(),
    }


def distance(a: str, b: str) -> int:
    """Hamming distance of two PDQ hashes (hex)."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def verdict(found: int, *, quality: int = 100) -> str | None:
    """``match``, ``review`` or None (too far) for a distance; a low-quality hash never matches
    automatically."""
    if found > REVIEW_DISTANCE:
        return None
    return "match" if found <= MATCH_DISTANCE and quality >= MIN_QUALITY else "review"


# --- video ----------------------------------------------------------------------------------------

MAX_VIDEO_BYTES = 2 * 1024**3


def is_video(data: bytes) -> bool:
    """MP4/MOV/3GP (``ftyp``), Matroska/WebM, AVI, FLV, MPEG-TS: judged from the bytes."""
    head = data[:16]
    return (
        head[4:8] == b"ftyp"
        or head.startswith(b"\x1a\x45\xdf\xa3")
        or (head.startswith(b"RIFF") and head[8:12] == b"AVI ")
        or head.startswith(b"FLV")
        or (len(data) > 376 and data[0] == 0x47 and data[188] == 0x47 and data[376] == 0x47)
    )


@dataclass(frozen=True)
class VideoFrame:
    frame: int
    quality: int
    pdq: str
    seconds: float


class VideoHashingUnavailable(RuntimeError):
    """vPDQ is not installed here (``scripts/setup.sh`` builds it when FFmpeg's libraries are
    there)."""


def vpdq_frames(path: str) -> list[VideoFrame]:
    """Every frame's PDQ hash, as the vPDQ reference computes them (one per frame)."""
    try:
        import vpdq  # type: ignore[import-not-found,unused-ignore]  # built from source, optional
    except ImportError as exc:
        raise VideoHashingUnavailable(
            "video hashing needs vpdq (scripts/setup.sh builds it with FFmpeg's libraries)"
        ) from exc
    try:
        features = vpdq.computeHash(path, seconds_per_hash=0)
    except Exception as exc:  # the binding raises a bare ValueError/RuntimeError on bad input
        raise MediaError("unreadable") from exc
    if not features:
        raise MediaError("unreadable")
    return [
        VideoFrame(
            frame=int(f.frame_number),
            quality=int(f.quality),
            pdq=str(f.hex),
            seconds=round(float(f.timestamp), 3),
        )
        for f in features
    ]
