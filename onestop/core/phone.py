"""Korean phone numbers: every common way of writing one becomes one E.164 form.

People write the same number as ``010-1234-5678``, ``01012345678``, ``+82 10 1234 5678``,
``+82 (0)10-1234-5678``, ``0082-10-1234-5678``, ``(010) 1234.5678`` or in full-width digits.
Duplicate detection hashes the normalised form, so all of those must meet; anything that is not a
Korean mobile, geographic or internet-phone number is refused with a clear message.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext_lazy as _

from onestop.core.errors import DomainError

MOBILE_PREFIXES = ("010", "011", "016", "017", "018", "019")
AREA_CODES = (
    "031", "032", "033", "041", "042", "043", "044",
    "051", "052", "053", "054", "055", "061", "062", "063", "064",
)  # fmt: skip
# Spaces, dots, slashes, brackets and every dash people paste (U+2010 to U+2015).
SEPARATORS = re.compile(r"[\s\-\u2010-\u2015.\u00b7/()]")


class InvalidPhone(DomainError):
    code = "invalid_phone"


def _national_digits(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).strip()
    text = text.replace("(0)", "")
    international = False
    if text.startswith("+"):
        international, text = True, text[1:]
    digits = SEPARATORS.sub("", text)
    if not digits.isdigit():
        raise InvalidPhone(_("전화번호에는 숫자만 쓸 수 있습니다."), field="phone")
    if digits.startswith("0082"):
        international, digits = True, digits[4:]
    elif international or (digits.startswith("82") and not digits.startswith("0")):
        if not digits.startswith("82"):
            raise InvalidPhone(_("한국(+82) 전화번호만 받을 수 있습니다."), field="phone")
        international, digits = True, digits[2:]
    if international:
        digits = digits.removeprefix("0")
        digits = "0" + digits
    return digits


def _is_valid_national(digits: str) -> bool:
    rest_len = len(digits)
    if digits.startswith("010"):
        return rest_len == 11
    if digits.startswith(MOBILE_PREFIXES):
        return rest_len in (10, 11)
    if digits.startswith("02"):
        return rest_len in (9, 10)
    if digits.startswith(AREA_CODES):
        return rest_len in (10, 11)
    if digits.startswith("070"):
        return rest_len == 11
    if re.match(r"050[2-8]", digits):
        return rest_len in (11, 12)
    return False


def normalize_phone(raw: str) -> str:
    """Return the number in E.164 (``+821012345678``), or raise ``InvalidPhone``."""
    if not raw or not raw.strip():
        raise InvalidPhone(_("전화번호를 입력하세요."), field="phone", code="required")
    digits = _national_digits(raw)
    if not _is_valid_national(digits):
        raise InvalidPhone(_("올바른 한국 전화번호가 아닙니다 (예: 010-1234-5678)."), field="phone")
    return "+82" + digits[1:]


def format_phone(e164: str) -> str:
    """The usual national way of writing an E.164 Korean number: ``010-1234-5678``."""
    digits = "0" + e164.removeprefix("+82")
    if digits.startswith("02"):
        head, rest = digits[:2], digits[2:]
    elif re.match(r"050[2-8]", digits):
        head, rest = digits[:4], digits[4:]
    else:
        head, rest = digits[:3], digits[3:]
    middle = len(rest) - 4
    return f"{head}-{rest[:middle]}-{rest[middle:]}"


def mask_phone(e164: str) -> str:
    """Only the last four digits, for confirming a match with a caller: ``***-****-5678``."""
    return "***-****-" + e164[-4:]
