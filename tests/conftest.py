"""Shared fixtures: sample packets are rendered once per test module."""

from __future__ import annotations

import os
import re
import shutil
import sys
from datetime import datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


SAMPLE_WHEN = datetime(2026, 11, 21, 14, 30)
REPO = Path(__file__).resolve().parent.parent
CLINICS_DIR = REPO / "clinics"  # the example clinics
PACKETS = [sys.executable, "-m", "packets"]  # the installed package, never whatever is on PATH

# Example clinic ids resolve wherever a test runs (tests may change the folder), in
# this process and in the commands it starts.
os.environ["PACKETS_CLINICS"] = str(CLINICS_DIR)


@pytest.fixture
def clinic_copy(tmp_path: Path):
    """Copy an example clinic to a temp folder so a test can break it."""

    def make(clinic_id: str = "sunrise-iv", languages: bool = False) -> Path:
        """``languages=False``: the copy prints in English only (its `languages:` and
        `language_notice:` lines removed), so text a test adds in plain English is complete;
        its Spanish texts stay, unused."""
        target = tmp_path / clinic_id
        shutil.copytree(CLINICS_DIR / clinic_id, target)
        path = target / "clinic.yaml"
        if not languages:
            path.write_text(re.sub(r"(?m)^(languages|language_notice): .*\n", "", path.read_text(encoding="utf-8")), encoding="utf-8")
        return path

    return make


from cups_stack import cups  # noqa: E402,F401 - the CUPS test stack: one per session, for printing and station tests
