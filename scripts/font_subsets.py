"""Split the bundled Pretendard Regular into small files by Unicode range, for the victim portal.

A cheap phone has Korean system fonts and downloads nothing; a device without them (the test
machine) would otherwise download the whole 750 KB font for one page. With the subsets the
browser fetches only the pieces whose characters are on the page: the non-Hangul piece, the
Hangul syllables this project's own text uses (most of every portal page), and a piece of the
rest only when her own text has a rarer syllable.

Run after changing the portal's text a lot (``.venv/bin/python scripts/font_subsets.py``); it
rewrites ``onestop/static/onestop/fonts/portal/`` and ``portal-fonts.css`` there."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[1]
FONTS = ROOT / "onestop" / "static" / "onestop" / "fonts"
SOURCE = FONTS / "Pretendard-Regular.woff2"
OUT = FONTS / "portal"
HANGUL = range(0xAC00, 0xD7A4)
REST_CHUNK = 400  # syllables per piece of the rarer ones
FREQUENT = 700  # the most frequent syllables of general Korean text beyond the project's own
# Latin, punctuation and the few symbols every page has (middle dot, dashes, arrows, won
# sign, CJK brackets, wave dash)
BASIC = (
    range(0x0000, 0x0100),
    range(0x2010, 0x2028),
    range(0x2030, 0x203B),
    range(0x20A9, 0x20AA),
    range(0x2190, 0x2194),
    range(0x3000, 0x3012),
    range(0xFF5E, 0xFF5F),
)


def project_syllables() -> set[int]:
    """Every Hangul syllable in the project's templates and Python sources (not tests)."""
    found: set[int] = set()
    for pattern in ("templates/**/*.html", "**/*.py"):
        for path in (ROOT / "onestop").glob(pattern):
            if "/tests/" in str(path) or "/migrations/" in str(path):
                continue
            text = path.read_text(encoding="utf-8", errors="ignore")
            found.update(ord(ch) for ch in re.findall(r"[\uac00-\ud7a3]", text))
    return found


def general_frequencies() -> Counter[int]:
    """Syllable counts in general Korean text at hand: the Korean translations shipped with the
    installed packages (Django's among them) and the news articles in ``shared/seeds``."""
    counts: Counter[int] = Counter()
    texts = [*(ROOT / ".venv").glob("lib/python3*/site-packages/**/ko/LC_MESSAGES/*.po")]
    texts += [*(ROOT.parent / "shared" / "seeds").glob("*.txt")]
    for path in texts:
        text = path.read_text(encoding="utf-8", errors="ignore")
        counts.update(ord(ch) for ch in re.findall(r"[\uac00-\ud7a3]", text))
    return counts


def ranges(points: list[int]) -> str:
    """``U+AC00-AC05, U+AC10`` for sorted code points."""
    parts = []
    start = prev = points[0]
    for point in [*points[1:], None]:
        if point is not None and point == prev + 1:
            prev = point
            continue
        parts.append(f"U+{start:X}" if start == prev else f"U+{start:X}-{prev:X}")
        if point is not None:
            start = prev = point
    return ", ".join(parts)


def write_subset(name: str, points: list[int]) -> int:
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = TTFont(SOURCE)
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=points)
    subsetter.subset(font)
    path = OUT / f"{name}.woff2"
    font.flavor = "woff2"
    font.save(path)
    return path.stat().st_size


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for old in OUT.glob("*.woff2"):
        old.unlink()
    cmap = TTFont(SOURCE).getBestCmap()
    covered = sorted(cmap)
    common = sorted(p for p in project_syllables() if p in cmap)
    common_set = set(common)
    basic = [p for p in covered if p not in HANGUL and any(p in r for r in BASIC)]
    other = [p for p in covered if p not in HANGUL and not any(p in r for r in BASIC)]
    ranked = [p for p, _n in general_frequencies().most_common() if p in cmap]
    frequent = sorted([p for p in ranked if p not in common_set][:FREQUENT])
    known = common_set | set(frequent)
    rest = [p for p in covered if p in HANGUL and p not in known]
    pieces: list[tuple[str, list[int], list[int]]] = []  # name, points, declared range
    for index in range(0, len(rest), REST_CHUNK):
        chunk = rest[index : index + REST_CHUNK]
        # declared as one contiguous range (short CSS); the common piece, declared last, wins
        # for the syllables it has
        pieces.append((f"hangul-{index // REST_CHUNK:02d}", chunk, [chunk[0], chunk[-1]]))
    pieces.append(("symbols", other, other))
    pieces.append(("basic", basic, basic))
    if frequent:
        pieces.append(("hangul-frequent", frequent, frequent))
    pieces.append(("hangul-common", common, common))
    css = [
        "/* Pretendard 1.3.9 Regular (SIL Open Font License 1.1, see ../Pretendard-LICENSE.txt),",
        "   split by scripts/font_subsets.py: a browser fetches only the pieces a page needs.",
        "   Later rules win where ranges overlap: the project's own syllables come from one",
        "   piece. */",
    ]
    total = 0
    for name, points, declared in pieces:
        size = write_subset(name, points)
        total += size
        if name.startswith("hangul-") and name != "hangul-common":
            declared_range = f"U+{declared[0]:X}-{declared[1]:X}"
        else:
            declared_range = ranges(declared)
        css.append(
            '@font-face { font-family: "Pretendard"; font-weight: 400; font-display: swap; '
            f'src: local("Pretendard Regular"), url("{name}.woff2") format("woff2"); '
            f"unicode-range: {declared_range}; }}"
        )
        print(f"{name:16} {len(points):6d} glyphs {size / 1024:7.1f} KB")  # noqa: T201
    (OUT / "portal-fonts.css").write_text("\n".join(css) + "\n", encoding="utf-8")
    print(f"total {total / 1024:.0f} KB in {len(pieces)} pieces; common syllables: {len(common)}")  # noqa: T201


if __name__ == "__main__":
    main()
