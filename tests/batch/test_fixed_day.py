"""A fixed day's packets and print runs are byte-identical to the recorded ones.

Reproducible output is a property of the project: the same config, content and
schedule give the same bytes. This test pins them, so a refactor that should not
change a packet (splitting a module, moving a function) proves it did not. A change
that is meant to alter what prints updates the record, visibly in the diff:

    PACKETS_RECORD_HASHES=1 python -m pytest tests/batch/test_fixed_day.py

The bytes also depend on WeasyPrint, pydyf and fontTools (layout, PDF writing, font
subsets). When an install has other versions than the record, the test says so and
skips instead of failing on bytes our code did not choose.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib.metadata import version
from pathlib import Path

import pytest

from conftest import CLINICS_DIR, PACKETS, REPO

RECORD = Path(__file__).parent / "data" / "fixed-day.sha256.json"
DAY = "2030-01-07"  # a Monday far ahead: what prints does not depend on the day the test runs
TOOLS = ("weasyprint", "pydyf", "fonttools")
SCHEDULES = {
    "sunrise-iv": "patient_name,time,treatment,date_of_birth,mrn,escort_name,language,large_print\n"
                  "Jane Doe,09:30,iv-ketamine,1980-05-01,A-100,Sam Doe,,\n"
                  "Omar Haddad,10:15,im-ketamine,,A-101,,es,\n"
                  "Lou Large,11:00,iv-ketamine,,A-102,,,yes\n",
    "harbor-spravato": "patient_name,time,treatment,mrn,escort_name,language\n"
                       "Ana Lima,09:00,esketamine-nasal,H-1,Rui Lima,\n"
                       "Bea Cruz,13:30,esketamine-nasal,H-2,,es\n",
    "willow-home": "patient_name,time,treatment,mrn,escort_name\n"
                   "Cy Diaz,08:45,im-ketamine,W-1,Dee Diaz\n"
                   "Eli Park,16:00,oral-ketamine,W-2,Fay Park\n",
}


def _tools() -> dict[str, str]:
    return {name: version(name) for name in TOOLS}


@pytest.fixture(scope="module")
def hashes(tmp_path_factory) -> dict[str, str]:
    """sha256 of every packet and print run of the fixed day, by path under the output folder."""
    import subprocess

    out = tmp_path_factory.mktemp("fixed-day")
    found: dict[str, str] = {}
    for clinic, rows in SCHEDULES.items():
        schedule = out / f"{clinic}.csv"
        schedule.write_text(rows, encoding="utf-8")
        done = subprocess.run([*PACKETS, "batch", "--clinic", clinic, "--clinics", str(CLINICS_DIR), "--schedule", str(schedule),
                               "--date", DAY, "--out", str(out / "packets")], capture_output=True, text=True, cwd=REPO)
        assert done.returncode == 0, done.stderr
    for pdf in sorted((out / "packets").rglob("*.pdf")):
        found[str(pdf.relative_to(out / "packets"))] = hashlib.sha256(pdf.read_bytes()).hexdigest()
    return found


def test_the_fixed_day_prints_the_recorded_bytes(hashes: dict[str, str]) -> None:
    assert len(hashes) == 10  # 7 packets and 3 print runs
    if os.environ.get("PACKETS_RECORD_HASHES"):
        RECORD.parent.mkdir(exist_ok=True)
        RECORD.write_text(json.dumps({"tools": _tools(), "files": hashes}, indent=2) + "\n", encoding="utf-8")
    recorded = json.loads(RECORD.read_text(encoding="utf-8"))
    if recorded["tools"] != _tools():
        pytest.skip(f"recorded with {recorded['tools']}, this install has {_tools()}: the bytes are theirs to change")
    assert hashes == recorded["files"]
