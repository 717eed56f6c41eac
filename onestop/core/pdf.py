"""Printing HTML to PDF (WeasyPrint, imported only when a PDF is made), with Korean in the
bundled Pretendard font and nothing else fetched: the renderer may load the two font files and
no other URL (no network, no other file).

Reading a WOFF2 font costs WeasyPrint seconds (the Brotli-packed glyphs are rebuilt in Python),
so each one is unpacked once into a TrueType copy under ``var/cache/fonts`` (named by the WOFF2's
digest: a new font is a new copy) and the copy is what the renderer loads."""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils.safestring import SafeString, mark_safe

FONT_FILES = {400: "Pretendard-Regular.woff2", 700: "Pretendard-Bold.woff2"}

logger = logging.getLogger(__name__)


def font_path(name: str) -> Path:
    found = finders.find(f"onestop/fonts/{name}")
    if isinstance(found, str):
        return Path(found)
    return Path(settings.BASE_DIR) / "onestop" / "static" / "onestop" / "fonts" / name


def _cache_dir() -> Path:
    var = getattr(settings, "VAR_DIR", Path(settings.BASE_DIR) / "var")
    return Path(var) / "cache" / "fonts"


@functools.cache
def _truetype_copy(woff2: Path, digest: str) -> Path:
    """The font unpacked to TrueType, made once (atomically: two renderers may race)."""
    target = _cache_dir() / f"{woff2.stem}-{digest[:16]}.ttf"
    if not target.exists():
        from fontTools.ttLib import TTFont  # type: ignore[import-untyped]  # (no type hints)

        target.parent.mkdir(parents=True, exist_ok=True)
        font = TTFont(str(woff2))
        font.flavor = None
        partial = target.with_name(f"{target.name}.{uuid.uuid4().hex}.part")
        font.save(str(partial))
        os.replace(partial, target)
    return target


def font_for_rendering(name: str) -> tuple[Path, str]:
    """The file the renderer loads for a bundled font, and its CSS format."""
    woff2 = font_path(name).resolve()
    try:
        digest = hashlib.sha256(woff2.read_bytes()).hexdigest()
        return _truetype_copy(woff2, digest), "truetype"
    except OSError:  # a read-only deployment: the packed font works, only slower
        logger.warning("font cache unavailable, rendering from WOFF2", exc_info=True)
        return woff2, "woff2"


def font_faces() -> tuple[SafeString, set[str]]:
    """The ``@font-face`` rules, and the URLs they may fetch."""
    rules, urls = [], set()
    for weight, name in FONT_FILES.items():
        path, kind = font_for_rendering(name)
        url = path.as_uri()
        if any(ch in url for ch in "\"'<>\\"):  # a URL that could break out of the CSS string
            raise ValueError(f"unexpected character in the font path {url}")
        urls.add(url)
        rules.append(
            f"@font-face {{ font-family: 'Pretendard'; font-weight: {weight}; "
            f"src: url('{url}') format('{kind}'); }}"
        )
    return mark_safe("\n".join(rules)), urls  # noqa: S308  (built here, checked above)


def html_to_pdf(html: str, *, allowed: set[str]) -> bytes:
    """Print ``html``; it may fetch the ``allowed`` URLs (the fonts) and nothing else."""
    # weasyprint ships no type hints
    from weasyprint import HTML  # type: ignore[import-untyped]
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    class FontsOnly(URLFetcher):  # type: ignore[misc]  # (an untyped base class)
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url not in allowed:
                raise ValueError(f"the document may not load {url}")
            return super().fetch(url, headers)

    pdf: bytes = HTML(string=html, url_fetcher=FontsOnly()).write_pdf()
    return pdf
