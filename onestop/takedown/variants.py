"""Hashes that survive the edits re-uploaders make.

PDQ alone misses a mirror, a rotation, even a 5% crop, a caption bar or black borders. So a
banked image is hashed as it is and as those edits would leave it (``banking_variants``): its 8
rotations and flips, centre crops of 5% and 10%, half its size, and — when it has them —
without its borders (letterbox) or its caption band. A copy found online is hashed as it is and
without its own borders or caption band (``query_variants``), since those are added, not
removed, by whoever re-posts it. Every variant of a banked item counts as that item."""

from __future__ import annotations

import numpy as np
from PIL import Image

from onestop.takedown.hashing import PdqHash, pdq_of_image

DIHEDRAL = ("original", "rot90", "rot180", "rot270", "flip_h", "flip_v", "transpose", "transverse")
_TRANSPOSES = {
    "rot90": Image.Transpose.ROTATE_90,
    "rot180": Image.Transpose.ROTATE_180,
    "rot270": Image.Transpose.ROTATE_270,
    "flip_h": Image.Transpose.FLIP_LEFT_RIGHT,
    "flip_v": Image.Transpose.FLIP_TOP_BOTTOM,
    "transpose": Image.Transpose.TRANSPOSE,
    "transverse": Image.Transpose.TRANSVERSE,
}
CROPS = (0.05, 0.10)
# A border row or column: nearly one colour (letterbox bars are black, white or grey).
BORDER_SPREAD = 12
# A caption band: plain rows of one colour at the top or bottom, with lines of text between
# them, reaching between 4% and 30% of the height.
PLAIN = 0.9
BAND_MIN, BAND_MAX = 0.04, 0.30


def _flat(lines: np.ndarray) -> np.ndarray:
    """For each row of ``lines`` (rows, width, 3): whether it is one colour, give or take."""
    spread = lines.max(axis=1).astype(np.int16) - lines.min(axis=1).astype(np.int16)
    return np.asarray(spread.max(axis=1) <= BORDER_SPREAD)


def _run(flags: np.ndarray) -> int:
    """How many leading entries are true."""
    falses = np.nonzero(~flags)[0]
    return int(falses[0]) if len(falses) else len(flags)


def unletterboxed(image: Image.Image) -> Image.Image | None:
    """The image without plain borders on any side, or None when it has none (or is all
    border)."""
    pixels = np.asarray(image)
    height, width = pixels.shape[:2]
    top = _run(_flat(pixels))
    bottom = _run(_flat(pixels[::-1]))
    left = _run(_flat(pixels.transpose(1, 0, 2)))
    right = _run(_flat(pixels.transpose(1, 0, 2)[::-1]))
    if top + bottom >= height - 8 or left + right >= width - 8:
        return None
    if max(top, bottom) < 2 and max(left, right) < 2:
        return None
    return image.crop((left, top, width - right, height - bottom))


def _dominant(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row: its most common colour (quantised) and the share of the row it covers."""
    quantised = (pixels // 16).astype(np.int32)
    keys = (quantised[..., 0] << 8) | (quantised[..., 1] << 4) | quantised[..., 2]
    colours = np.empty(len(keys), dtype=np.int32)
    shares = np.empty(len(keys))
    for row, values in enumerate(keys):
        counts = np.bincount(values, minlength=4096)
        colours[row] = counts.argmax()
        shares[row] = counts[colours[row]] / len(values)
    return colours, shares


def _band_height(colours: np.ndarray, shares: np.ndarray, limit: int) -> int:
    """How far a caption band reaches from the edge (row 0): the farthest row, within
    ``limit``, that is plain and of the edge row's colour — the rows of text between count as
    band. 0 when the edge row is not plain."""
    if not len(shares) or shares[0] < PLAIN:
        return 0
    same = np.nonzero((colours[:limit] == colours[0]) & (shares[:limit] >= PLAIN))[0]
    return int(same.max()) + 1


def without_caption(image: Image.Image) -> Image.Image | None:
    """The image without a caption band at its top or bottom, or None when it has none."""
    pixels = np.asarray(image)
    height = pixels.shape[0]
    limit = int(BAND_MAX * height)
    colours, shares = _dominant(pixels)
    top = _band_height(colours, shares, limit)
    bottom = _band_height(colours[::-1], shares[::-1], limit)
    cut_top = top if top >= BAND_MIN * height else 0
    cut_bottom = bottom if bottom >= BAND_MIN * height else 0
    if not cut_top and not cut_bottom:
        return None
    return image.crop((0, cut_top, image.width, height - cut_bottom))


def centre_crop(image: Image.Image, share: float) -> Image.Image:
    dx, dy = round(image.width * share / 2), round(image.height * share / 2)
    return image.crop((dx, dy, image.width - dx, image.height - dy))


def _normalised(image: Image.Image) -> list[tuple[str, Image.Image]]:
    shapes = [("original", image)]
    if (bare := unletterboxed(image)) is not None:
        shapes.append(("unletterboxed", bare))
    if (plain := without_caption(image)) is not None:
        shapes.append(("uncaptioned", plain))
    return shapes


def banking_variants(image: Image.Image) -> list[tuple[str, PdqHash]]:
    """The hashes banked for one image (prepared by ``hashing.prepared``): as it is, its other
    7 rotations and flips, its centre crops, at half size, and without borders or a caption
    band if it has them. Names say which; duplicates (a variant equal to another) are kept
    once."""
    out: list[tuple[str, PdqHash]] = [("original", pdq_of_image(image))]
    for name, transpose in _TRANSPOSES.items():
        out.append((name, pdq_of_image(image.transpose(transpose))))
    for share in CROPS:
        out.append((f"crop{round(share * 100)}", pdq_of_image(centre_crop(image, share))))
    if min(image.size) >= 64:  # a thumbnail-sized copy hashes differently from a full one
        half = image.resize((image.width // 2, image.height // 2), Image.Resampling.BILINEAR)
        out.append(("half", pdq_of_image(half)))
    for name, shape in _normalised(image)[1:]:
        out.append((name, pdq_of_image(shape)))
    seen: set[str] = set()
    unique = []
    for name, found in out:
        if found.hex not in seen:
            seen.add(found.hex)
            unique.append((name, found))
    return unique


def query_variants(image: Image.Image) -> list[tuple[str, PdqHash]]:
    """The hashes a found copy is looked up by: as it is, and without borders or a caption band
    (which re-uploaders add)."""
    return [(name, pdq_of_image(shape)) for name, shape in _normalised(image)]
