"""Benchmark: recall of variant banking (issue 7).

Every usable photo of the shared PDQ corpus (and the quarters of the large ones, as further
distinct pictures) is banked, then edited as re-uploaders edit: centre crops of 5% and 10%, a
caption bar, letterboxing, a mirror, JPEG quality 50, half size. Each edited copy is looked up
(distance <= 31) against the bank: with the original hash only on both sides (PDQ as is), and
with the banking and query variants. Printed: recall per edit both ways, and false matches (an
edited copy matching another picture's banked hashes) both ways.

Run:  .venv/bin/python bench/bench_variants.py
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.config.settings")

from PIL import Image, ImageDraw

from onestop.takedown.hashing import distance, pdq_of_image, prepared
from onestop.takedown.variants import banking_variants, query_variants

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "pdq" / "images"
# (the corpus' bridge photo is sample-b.jpg again, so it is left out)
PHOTOS = ["sample-b.jpg", "c.png", "rgb.jpeg", "LA.png", "wee.jpg",
          *(f"labelme/q{n}.jpg" for n in ("0122", "0291", "0746", "1050", "2821"))]  # fmt: skip


def pictures() -> list[tuple[str, Image.Image]]:
    out = []
    for name in PHOTOS:
        image = Image.open(CORPUS / name).convert("RGB")
        out.append((name, image))
        if min(image.size) >= 600:  # its quarters are pictures of their own
            w, h = image.width // 2, image.height // 2
            for qx, qy in ((0, 0), (1, 0), (0, 1), (1, 1)):
                quarter = image.crop((qx * w, qy * h, qx * w + w, qy * h + h))
                out.append((f"{name}#q{qx}{qy}", quarter))
    return out


def caption(image: Image.Image) -> Image.Image:
    band = round(image.height * 0.12)
    out = Image.new("RGB", (image.width, image.height + band), "white")
    out.paste(image, (0, 0))
    draw = ImageDraw.Draw(out)
    # a line of text on the band: letters 6 px wide, a space every few letters
    for n, x in enumerate(range(12, image.width - 12, 11)):
        if n % 6 != 5:
            draw.rectangle(
                (x, image.height + band // 3, x + 5, image.height + 2 * band // 3), "black"
            )
    return out


def letterbox(image: Image.Image) -> Image.Image:
    bar = round(image.height * 0.12)
    out = Image.new("RGB", (image.width, image.height + 2 * bar), "black")
    out.paste(image, (0, bar))
    return out


def jpeg50(image: Image.Image) -> Image.Image:
    data = io.BytesIO()
    image.save(data, format="JPEG", quality=50)
    return Image.open(io.BytesIO(data.getvalue())).convert("RGB")


def crop(share: float) -> Callable[[Image.Image], Image.Image]:
    def edit(image: Image.Image) -> Image.Image:
        dx, dy = round(image.width * share / 2), round(image.height * share / 2)
        return image.crop((dx, dy, image.width - dx, image.height - dy))

    return edit


EDITS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "crop 5%": crop(0.05),
    "crop 10%": crop(0.10),
    "caption bar": caption,
    "letterbox": letterbox,
    "mirror": lambda image: image.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    "JPEG q=50": jpeg50,
    "0.5x resize": lambda image: image.resize((image.width // 2, image.height // 2)),
}


def as_found(image: Image.Image) -> Image.Image:
    """An edited copy as a platform would serve it: saved, then prepared like any upload."""
    data = io.BytesIO()
    image.save(data, format="PNG")
    return prepared(data.getvalue())


def main() -> None:
    bank_plain: dict[str, list[str]] = {}
    bank_variants: dict[str, list[str]] = {}
    originals = {}
    for name, image in pictures():
        ready = as_found(image)
        found = pdq_of_image(ready)
        if found.quality < 50:
            continue  # too featureless to bank for automatic matching
        originals[name] = image
        bank_plain[name] = [found.hex]
        bank_variants[name] = [h.hex for _n, h in banking_variants(ready)]
    print(f"pictures banked: {len(originals)}; hashes per picture with variants: "
          f"{sum(map(len, bank_variants.values())) / len(bank_variants):.1f}")  # fmt: skip
    print(f"{'edit':14} {'PDQ alone':>10} {'variants':>10}")
    false_plain = false_variants = trials = 0
    for edit_name, edit in EDITS.items():
        hits_plain = hits_variants = 0
        for name, image in originals.items():
            copy = as_found(edit(image))
            plain = pdq_of_image(copy).hex
            queries = [h.hex for _n, h in query_variants(copy)]
            trials += 1
            hits_plain += min(distance(plain, b) for b in bank_plain[name]) <= 31
            hits_variants += min(distance(q, b) for q in queries for b in bank_variants[name]) <= 31
            for other in originals:
                if other == name:
                    continue
                false_plain += min(distance(plain, b) for b in bank_plain[other]) <= 31
                false_variants += (
                    min(distance(q, b) for q in queries for b in bank_variants[other]) <= 31
                )
        total = len(originals)
        print(f"{edit_name:14} {hits_plain / total:10.0%} {hits_variants / total:10.0%}")
    print(f"false matches to other pictures: PDQ alone {false_plain}, variants {false_variants} "
          f"(of {trials * (len(originals) - 1)} comparisons)")  # fmt: skip


if __name__ == "__main__":
    main()
