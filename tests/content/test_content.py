"""Shared content: plain language as printed, per treatment, and clinic overrides that merge as documented."""

from __future__ import annotations

import pytest

from packets.config.loading import load_clinic
from packets.content.readability import scores
from packets.content.shared import build_content, for_treatment, load_shared, section_units
from packets.errors import ConfigError

EXAMPLES = {"sunrise-iv": ("iv-ketamine", "im-ketamine"), "harbor-spravato": ("esketamine-nasal",),
            "willow-home": ("im-ketamine", "oral-ketamine")}
CASES = [(clinic, kind) for clinic, kinds in EXAMPLES.items() for kind in kinds]


def _printed(clinic: str, kind: str):
    loaded = load_clinic(clinic)
    return for_treatment(loaded, build_content(loaded), kind)


def test_examples_cover_every_treatment_kind() -> None:
    assert {kind for _, kind in CASES} == set(load_shared("en").drug_names)


@pytest.mark.parametrize("clinic,kind", CASES)
def test_reading_level_as_printed(clinic: str, kind: str) -> None:
    """Every section, tier intro and tier list: FK grade <= 6 and SMOG <= 8, each bullet one sentence."""
    for block, units in section_units(_printed(clinic, kind)).items():
        s = scores(units)
        assert s.fk_grade <= 6 and s.smog <= 8, f"{clinic} {kind} {block}: FK {s.fk_grade}, SMOG {s.smog}, Dale-Chall {s.dale_chall}"


def test_readability_counts_each_bullet_as_one_sentence_and_adds_nothing() -> None:
    bullets = ["Rest today", "Drink water", "Call us if you feel worse"]
    s = scores(bullets)
    assert s.sentences == 3 and s.words == 10
    # One long unpunctuated passage is one sentence, and scores harder than the same words as bullets.
    assert scores([" ".join(bullets)]).fk_grade > s.fk_grade
    assert scores(["Rest. Drink water."]).sentences == 2


def test_clinic_overrides_for_all_treatments_and_for_one() -> None:
    harbor = _printed("harbor-spravato", "esketamine-nasal")
    days = next(s for s in harbor.sections if s.id == "days-1-3")
    assert days.items[-1] == "Your next dose is part of a plan. Try not to miss a visit."
    assert any(s.id == "medicines" for s in harbor.sections)
    sunrise = _printed("sunrise-iv", "iv-ketamine")
    clinic_tier = next(t for t in sunrise.warning_tiers if t.id == "clinic")
    assert clinic_tier.signs[-1] == "A new rash"
    assert clinic_tier.title == "Call us the same day: (503) 555-0100. Nights, weekends, and holidays: (503) 555-0190"
    diary = "Write down the time of each dose in your dose diary."
    oral = next(s for s in _printed("willow-home", "oral-ketamine").sections if s.id == "your-doses")
    assert oral.items[-1] == diary
    assert all(diary not in s.items for s in _printed("willow-home", "im-ketamine").sections)


def test_sections_differ_by_kind() -> None:
    oral = {s.id: s for s in _printed("willow-home", "oral-ketamine").sections}
    im = {s.id: s for s in _printed("willow-home", "im-ketamine").sections}
    assert "getting-home" not in oral and {"sitter", "your-doses"} <= set(oral)
    assert "getting-home" in im and "sitter" not in im
    assert oral["right-after"].title != im["right-after"].title
    assert im["right-after"].intro == "We watch you for at least 1 hour before you go home."
    eske = _printed("harbor-spravato", "esketamine-nasal")
    assert next(s for s in eske.sections if s.id == "right-after").intro == "We watch you for at least 2 hours before you go home."


def test_medicines_cannot_be_hidden_and_keeps_its_sedative_rule(clinic_copy) -> None:
    path = clinic_copy()
    text = path.read_text()
    path.write_text(text.replace("content:\n", "content:\n  hide: [medicines]\n", 1))
    with pytest.raises(ConfigError, match=r"content\.hide\.0: the 'medicines' section cannot be hidden"):
        build_content(load_clinic(str(path)))
    path.write_text(text.replace("content:\n  sections:\n",
                                 "content:\n  sections:\n    medicines:\n      items: [Bring your pill bottles to each visit.]\n", 1))
    loaded = load_clinic(str(path))
    meds = next(s for s in for_treatment(loaded, build_content(loaded), "iv-ketamine").sections if s.id == "medicines")
    assert meds.items[0] == "Bring your pill bottles to each visit."
    assert any("opioids" in item and "for 4 hours after your dose" in item for item in meds.items)
