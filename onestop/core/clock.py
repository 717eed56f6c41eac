"""One place that says what time it is, and what day it is in Seoul."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

SEOUL = ZoneInfo("Asia/Seoul")


def now() -> dt.datetime:
    return timezone.now()


def today_in_seoul() -> dt.date:
    return now().astimezone(SEOUL).date()
