from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from onestop.tests.browsing import launched_chromium


@pytest.fixture
def chromium() -> Iterator[Any]:
    yield from launched_chromium()
