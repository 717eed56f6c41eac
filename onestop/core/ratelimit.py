"""A fixed-window rate limit on Django's cache: Redis in production (one count shared by every
app server), process memory on the embedded default (one server process)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.core.cache import caches


@dataclass(frozen=True)
class Rate:
    """``limit`` hits per ``window`` seconds, written ``"120/60"``."""

    limit: int
    window: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        count, _, seconds = text.partition("/")
        rate = cls(limit=int(count), window=int(seconds or "60"))
        if rate.limit < 1 or rate.window < 1:
            raise ValueError(f"a rate needs a positive limit and window, not {text!r}")
        return rate


def rate_limit_hit(*, bucket: str, rate: Rate, now: float | None = None) -> int | None:
    """Count one hit in ``bucket``. Returns the seconds to wait before the next hit is allowed
    when this one is over the limit (for ``Retry-After``), else ``None``."""
    cache = caches["default"]
    moment = time.time() if now is None else now
    window_start = int(moment // rate.window) * rate.window
    key = f"ratelimit:{bucket}:{window_start}"
    count = 1
    for _attempt in range(3):
        if cache.add(key, 1, timeout=rate.window + 1):
            break
        try:
            count = cache.incr(key)
            break
        except ValueError:  # expired between add and incr: start the window again
            continue
    if count > rate.limit:
        return max(1, math.ceil(window_start + rate.window - moment))
    return None
