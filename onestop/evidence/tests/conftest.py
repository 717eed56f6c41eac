from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def evidence_path(settings: Any, tmp_path: Path) -> Path:
    """Each test keeps its sealed files in its own directory."""
    settings.ONESTOP_EVIDENCE_DIR = tmp_path / "evidence"
    return Path(settings.ONESTOP_EVIDENCE_DIR)
