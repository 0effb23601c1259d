"""Spanish content: the same rules as English per treatment kind, easy to read by Spanish measures, dates from CLDR."""

from __future__ import annotations

from datetime import datetime

import pytest

from packets.config.loading import load_clinic
from packets.content.readability import FERNANDEZ_HUERTA_MIN, SZIGRISZT_MIN, spanish_scores
from packets.content.shared import build_content, for_treatment, load_shared, section_units
from packets.render.datewords import DateWords

EXAMPLES = {"sunrise-iv": ("iv-ketamine", "im-ketamine"), "harbor-spravato": ("esketamine-nasal",),
            "willow-home": ("im-ketamine", "oral-ketamine")}
CASES = [(clinic, kind) for clinic, kinds in EXAMPLES.items() for kind in kinds]


def _shape(content) -> dict:
    """Everything but the words: ids, kinds, variants, keep/required flags, safety keys, tracking rows."""
    def items(seq):
        return [None if isinstance(i, str) else (i.kinds, i.keep) for i in seq]
    return {
        "labels": sorted(content.labels),
        "treatments": sorted(content.treatment_labels), "drugs": sorted(content.drug_names),
        "sections": [(s.id, s.kinds, s.required, items(s.items),
                      {k: (v.title is None, v.intro is None, items(v.items or ())) for k, v in s.variants.items()})
                     for s in content.sections],
        "tiers": [(t.id, t.label_key, t.phone, t.phone_note_key, t.cue_key, t.rule_key, len(t.signs), t.signs_need_review,
                   t.menu_988 is None)
                  for t in content.warning_tiers],
        "relapse": len(content.relapse_signs.items),
        "rows": [(r.id, len(r.choices), r.rule_key, r.needs, r.urgent, r.hint is None) for r in content.tracking_rows],
    }


def test_spanish_covers_everything_english_covers_per_treatment_kind() -> None:
    assert _shape(load_shared("es")) == _shape(load_shared("en"))


def test_one_suicide_rule_each_from_one_key_and_the_spanish_crisis_line() -> None:
    loaded = load_clinic("sunrise-iv")
    es = for_treatment(loaded, build_content(loaded, "es"), "iv-ketamine")
    assert es.labels["suicide_thoughts"] == ("Si piensa en el suicidio o en hacerse daño: "
                                             "llame o envíe un texto al 988\u00a0ya, y avísenos hoy.")
    assert "dañar a otros" in es.labels["suicide_plan"] and "la intención" in es.labels["suicide_plan"]
    assert es.labels["suicide_plan"].endswith("llame al 911\u00a0ya.")  # "ya" never alone on a line
    crisis = next(t for t in es.warning_tiers if t.id == "crisis")
    assert crisis.title == "Llame o envíe un texto al 988 a toda hora"
    # The grid and the tiers name the rule by key; no other text in the file speaks of suicide.
    assert [r.rule_key for r in es.tracking_rows if r.rule_key] == ["suicide_thoughts", "suicide_plan"]
    # The 988 Lifeline is named (its name says "suicide"); no rule is said outside the two keys.
    prose = [s.replace("Prevención del Suicidio", "") for block in section_units(es).values() for s in block]
    assert not any("suicid" in s.lower() for s in prose if s not in (es.labels["suicide_thoughts"], es.labels["suicide_plan"]))


@pytest.mark.parametrize("clinic,kind", CASES)
def test_spanish_reading_ease_as_printed(clinic: str, kind: str) -> None:
    """Every section, tier intro and tier list: Szigriszt-Pazos >= 65 and Fernández-Huerta >= 70."""
    loaded = load_clinic(clinic)
    printed = for_treatment(loaded, build_content(loaded, "es"), kind)
    for block, units in section_units(printed).items():
        s = spanish_scores(units)
        assert s.szigriszt_pazos >= SZIGRISZT_MIN and s.fernandez_huerta >= FERNANDEZ_HUERTA_MIN, (
            f"{clinic} {kind} {block}: Szigriszt-Pazos {s.szigriszt_pazos}, Fernández-Huerta {s.fernandez_huerta}")


def test_spanish_scores_count_bullets_as_sentences_and_hard_text_scores_lower() -> None:
    easy = spanish_scores(["Descanse hoy", "Tome agua", "Llámenos si se siente peor"])
    assert easy.sentences == 3 and easy.words == 9
    hard = spanish_scores(["La administración concomitante de benzodiacepinas disminuye considerablemente la efectividad terapéutica"])
    assert hard.szigriszt_pazos < SZIGRISZT_MIN < easy.szigriszt_pazos


def test_dates_and_times_come_from_cldr_per_language() -> None:
    when = datetime(2026, 11, 22, 14, 30)
    en, es = DateWords(load_shared("en"), "US"), DateWords(load_shared("es"), "US")
    assert (en.day(when.date()), en.clock(when), en.moment(when)) == ("Sunday, Nov 22", "2:30\u00a0PM", "2:30\u00a0PM, Sunday, Nov 22")
    assert (en.short_day(when.date()), en.full_date(when.date())) == ("Sun, Nov 22", "Nov 22, 2026")
    assert es.day(when.date()) == "domingo, 22 de noviembre"
    assert es.clock(when) in ("2:30\u00a0p.m.", "2:30\u00a0p.\u00a0m.")  # CLDR's es_US spelling (changed across CLDR versions)
    # No-break spaces: a line can never end between "2:30" and "PM".
    assert " " not in en.clock(when) + es.clock(when)
    assert es.moment(when) == f"las {es.clock(when)} del domingo, 22 de noviembre"  # the article agrees with the hour
    assert es.short_day_parts(when.date()) == ("dom", "22 nov")
    # A 24-hour country gets a 24-hour clock with no change to the content file.
    assert DateWords(load_shared("es"), "ES").clock(when) == "14:30"
