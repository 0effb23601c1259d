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


def not_a_sample(config_text: str) -> str:
    """An example clinic's config with every stand-in made real-looking, so it prints without the SAMPLE mark.

    The examples use 555-01xx numbers (fiction) and .example addresses; a test that prints
    for real needs neither (its numbers are never dialled: the printer is a test one).
    """
    return re.sub(r"555-01(\d\d)", r"201-44\1", config_text).replace(".example", ".clinic")
