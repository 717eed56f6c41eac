"""Resident registration numbers (주민등록번호) are never accepted: no law lets this system
process them. This finds text that looks like one — written whole, with or without the hyphen,
or masked after the gender digit (``950101-2******``) — so that it can be refused before it is
stored anywhere."""

from __future__ import annotations

import re
import unicodedata

RRN_PATTERN = re.compile(
    r"(?<![\d])"
    r"\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"  # YYMMDD
    r"\s*[-\u2010-\u2015\u2212]?\s*"  # hyphens, dashes, the minus sign
    r"[1-8]"  # the gender/century digit
    r"(?:\d{6}|[\d*xX●•]{6})(?![\d*●•])"  # six digits or mask marks, and no more
)


def looks_like_rrn(text: str) -> bool:
    # Width variants fold to ASCII (NFKC), and invisible format characters (soft hyphen,
    # zero-width space: Unicode category Cf) cannot hide a number between its digits.
    folded = unicodedata.normalize("NFKC", text)
    visible = "".join(ch for ch in folded if unicodedata.category(ch) != "Cf")
    return bool(RRN_PATTERN.search(visible))
