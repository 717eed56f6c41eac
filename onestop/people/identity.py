"""Normalising names for lookup, and the blind indexes built from them."""

from __future__ import annotations

import unicodedata

from onestop.core.crypto import key_ring


def normalize_name(name: str) -> str:
    """Case, width and spacing do not make another person: ``김 지영`` is ``김지영``."""
    text = unicodedata.normalize("NFKC", name)
    return "".join(text.split()).casefold()


def phone_index(e164: str) -> str:
    return key_ring().blind_index(e164, purpose="phone") if e164 else ""


def name_birth_index(name: str, birth_year: int | None) -> str:
    if not name.strip() or birth_year is None:
        return ""
    return key_ring().blind_index(f"{normalize_name(name)}|{birth_year}", purpose="name_birth")


def mask_name(name: str) -> str:
    """``김지영`` → ``김*영``; ``이수`` → ``이*``: enough to confirm with a caller, no more."""
    name = name.strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
