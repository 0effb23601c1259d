"""Spanish says "a la 1:00" but "a las 2:00": the article agrees with the hour on the clock."""

from __future__ import annotations

from datetime import datetime

import pytest
from pydantic import ValidationError

from packets.config.loading import load_clinic
from packets.content.shared import Formats, packet_content
from packets.render.context import build_context
from packets.visits.model import Visit


def _context(hour: int, language: str):
    when = datetime(2026, 11, 21, hour, 5)  # the dose ended at this time (exact: no "about")
    visit = Visit(name="Ana Lima", treatment="iv-ketamine", when=when, language=language,
                  next_visit=datetime(2026, 11, 24, hour, 0), dose_ended=when)
    loaded = load_clinic("sunrise-iv")
    return build_context(loaded, visit, packet_content(loaded, language, visit.treatment))


@pytest.mark.parametrize(("hour", "article"), [(1, "la"), (13, "la"), (14, "las"), (12, "las"), (0, "las"), (11, "las")])
def test_spanish_time_article_agrees_with_the_hour(hour: int, article: str) -> None:
    p = _context(hour, "es")
    clock = f"{hour % 12 or 12}:05"
    assert f", a {article} {clock}" in p.today_from
    assert p.today[0].startswith(f"No maneje ni use máquinas hasta {article} {clock}")
    assert f", a {article} {hour % 12 or 12}:00\u00a0" in p.next_visit_line  # a no-break space before a.m./p.m.
    assert " las 1:" not in p.today_from + " ".join(p.today) + p.next_visit_line


def test_english_times_have_no_article() -> None:
    p = _context(13, "en")
    assert p.today_from == "(hours count from the end of your dose at 1:05\u00a0PM)"
    assert p.today[0] == "No driving or machines until 1:05\u00a0PM, Sunday, Nov 22."


def test_time_phrases_need_an_other_form_with_the_time() -> None:
    with pytest.raises(ValidationError, match="'other' phrase"):
        Formats(at_time={"one": "la {time}"})
    with pytest.raises(ValidationError, match="no {time}"):
        Formats(at_time={"other": "las"})
