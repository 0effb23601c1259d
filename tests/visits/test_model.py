"""The visit model: every rule about a visit, checked once, the same for render and batch."""

from __future__ import annotations

import subprocess
from datetime import date, datetime, time
from pathlib import Path

import pytest

from packets.visits.model import (
    InputError,
    Visit,
    VisitError,
    initials,
    parse_session,
    parse_time,
)

from conftest import PACKETS

WHEN = datetime(2026, 11, 21, 14, 30)


@pytest.mark.parametrize("text, expected", [("14:30", time(14, 30)), ("2:30 PM", time(14, 30)), ("2 pm", time(14, 0)),
                                            ("12:05 a.m.", time(0, 5)), ("0:00", time(0, 0))])
def test_times(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "13 PM", "2:3", "noon", ""])
def test_bad_times(text: str) -> None:
    with pytest.raises(InputError):
        parse_time(text)


def test_sessions() -> None:
    assert parse_session("3/6") == parse_session("3 of 6") == (3, 6)
    with pytest.raises(InputError, match="out of range"):
        parse_session("7/6")


def test_initials_never_spell_the_name() -> None:
    assert initials("Jane Doe") == "JD"
    assert initials("Zoë") == "Z"
    assert initials("María José de la Cruz") == "MLC"
    assert initials("---") == "XX"


@pytest.mark.parametrize("change, field", [
    ({"date_of_birth": date(2030, 1, 1)}, "date_of_birth"),
    ({"date_of_birth": date(1850, 1, 1)}, "date_of_birth"),
    ({"next_visit": datetime(2020, 1, 1, 9, 0)}, "next_appointment"),
    ({"next_visit": datetime(2028, 1, 1, 9, 0)}, "next_appointment"),
    ({"when": datetime(9999, 12, 31, 9, 0)}, "date"),
    ({"session": 7, "series_length": 6}, "session_number"),
    ({"name": "   "}, "patient_name"),
    ({"name": "x" * 121}, "patient_name"),
    ({"escort": "李小龍"}, "escort_name"),
])
def test_visit_rules(change: dict, field: str) -> None:
    values = {"name": "Jane Doe", "treatment": "iv-ketamine", "when": WHEN, **change}
    with pytest.raises(VisitError) as caught:
        Visit(**values)
    assert caught.value.field == field


def _batch_error(tmp_path: Path, column: str, value: str) -> str:
    schedule = tmp_path / "day.csv"
    schedule.write_text(f"patient_name,time,treatment,{column}\nJane Doe,14:30,iv-ketamine,{value}\n")
    done = subprocess.run([*PACKETS, "batch", "--clinic", "sunrise-iv", "--schedule", str(schedule), "--date", "2026-11-21",
                           "--out", str(tmp_path / "out"), "--jobs", "1"], capture_output=True, text=True)
    assert done.returncode == 1
    line = next(line for line in done.stderr.splitlines() if "FAILED" in line)
    return line.split(f"column {column}: ", 1)[1]


@pytest.mark.parametrize("option, column, value", [("--dob", "date_of_birth", "2030-01-01"),
                                                    ("--next", "next_appointment", "2020-01-01 09:00")])
def test_render_refuses_what_batch_refuses_with_the_same_words(tmp_path: Path, option: str, column: str, value: str) -> None:
    out = tmp_path / "p.pdf"
    done = subprocess.run([*PACKETS, "render", "--clinic", "sunrise-iv", "--name", "Jane Doe", "--treatment", "iv-ketamine",
                           "--date", "2026-11-21", "--time", "14:30", option, value, "--out", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 1 and not out.exists()
    assert done.stderr.strip() == f"error: {column}: {_batch_error(tmp_path, column, value)}"
