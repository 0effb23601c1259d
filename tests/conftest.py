"""Shared fixtures: sample packets are rendered once per test module."""

from __future__ import annotations

import shutil
import sys
from datetime import datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from packets.config import CLINICS_DIR  # noqa: E402

SAMPLE_WHEN = datetime(2026, 11, 21, 14, 30)


@pytest.fixture
def clinic_copy(tmp_path: Path):
    """Copy an example clinic to a temp folder so a test can break it."""

    def make(clinic_id: str = "sunrise-iv") -> Path:
        target = tmp_path / clinic_id
        shutil.copytree(CLINICS_DIR / clinic_id, target)
        return target / "clinic.yaml"

    return make
