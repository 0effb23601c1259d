"""Shared content: plain language, and clinic overrides that merge as documented."""

from __future__ import annotations

import pytest
import textstat

from packets.config.loading import load_clinic
from packets.content.shared import build_content, load_shared, section_texts

SHARED = section_texts(load_shared("en"))


@pytest.mark.parametrize("section", sorted(SHARED))
def test_reading_grade_at_most_6(section: str) -> None:
    grade = textstat.flesch_kincaid_grade(SHARED[section])
    assert grade <= 6, f"{section}: grade {grade:.1f}"


def test_clinic_overrides_hide_and_add() -> None:
    harbor = build_content(load_clinic("harbor-spravato"))
    ids = [s.id for s in harbor.sections]
    assert "medicines" not in ids and len(ids) == len(load_shared("en").sections) - 1
    days = next(s for s in harbor.sections if s.id == "days-1-3")
    assert days.items[-1] == "Your next dose is part of a plan. Try not to miss a visit."
    sunrise = build_content(load_clinic("sunrise-iv"))
    clinic_tier = next(t for t in sunrise.warning_tiers if t.id == "clinic")
    assert clinic_tier.signs[-1] == "A rash, or swelling of the face or lips"
    assert clinic_tier.title == "Call us: (503) 201-4477. At night: (503) 201-4490"
