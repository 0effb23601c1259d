"""A third language is a content file and no code: a pseudo-locale (every string accented) prints a whole packet
with no run of plain English words left, so no English is hard-coded in templates, CSS or code."""

from __future__ import annotations

import re
import shutil
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from packets.assets.paths import content_dir
from packets.config.languages import per_language_values, said_texts
from packets.config.loading import load_clinic
from packets.content import shared
from packets.render.packet import render_packet
from packets.visits.model import Visit

from pdfcheck import Pdf

ACCENTS = str.maketrans("aceginorsuyzACEGINORSUYZ", "åçéĝíñöŕšüýžÅÇÉĜÍÑÖŔŠÜÝŽ")
PLACEHOLDER = re.compile(r"(\{[a-z_]+\})")
# Keys whose values are words a patient reads; everything else (ids, kinds, keys, skeletons) stays.
PROSE_KEYS = {"title", "intro", "menu_988", "text", "label", "hint", "signs", "items", "choices"}
PROSE_MAPS = {"labels", "treatment_labels", "drug_names"}


def pseudo(text: str) -> str:
    """Accent every letter outside placeholders: readable, and never plain English."""
    return "".join(p if PLACEHOLDER.fullmatch(p) else p.translate(ACCENTS) for p in PLACEHOLDER.split(text))


def _prose(value):
    if isinstance(value, str):
        return pseudo(value)
    if isinstance(value, list):
        return [_prose(v) for v in value]
    if isinstance(value, dict):
        return {k: (_prose(v) if k in PROSE_KEYS else _walk(v)) for k, v in value.items()}
    return value


def _walk(value):
    if isinstance(value, list):
        return [_walk(v) for v in value]
    if isinstance(value, dict):
        return {k: (_prose(v) if k in PROSE_KEYS else _walk(v)) for k, v in value.items()}
    return value


def pseudo_content() -> dict:
    data = yaml.safe_load((content_dir() / "en.yaml").read_text(encoding="utf-8"))
    out = _walk(data)
    for key in PROSE_MAPS:
        out[key] = {k: pseudo(v) for k, v in data[key].items()}
    out["language"] = "qps"  # ISO 639 private-use code
    out["formats"] = {**data["formats"], "locale": "fi"}  # dates in a CLDR language that is plainly not English
    return out


def _set(data: dict, keys: tuple, value: str) -> None:
    for key in keys[:-1]:
        data = data[key]
    data[keys[-1]] = value


@pytest.fixture
def pseudo_clinic(tmp_path: Path, monkeypatch):
    """Sunrise in the pseudo-locale: a content file beside the real ones, the clinic's own texts accented too."""
    contents = tmp_path / "content"
    shutil.copytree(content_dir(), contents)
    (contents / "qps.yaml").write_text(yaml.safe_dump(pseudo_content(), allow_unicode=True, sort_keys=False), encoding="utf-8")
    monkeypatch.setattr(shared, "content_dir", lambda: contents)
    shared.load_shared.cache_clear()
    folder = tmp_path / "sunrise-iv"
    shutil.copytree(load_clinic("sunrise-iv").folder, folder)
    path = folder / "clinic.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for keys, value in said_texts(load_clinic(str(path)).clinic):
        _set(data, keys, pseudo(value["en"] if isinstance(value, dict) else value))
    for keys, value in per_language_values(load_clinic(str(path)).clinic):  # links and names: the English ones, plain
        _set(data, keys, value["en"] if isinstance(value, dict) else value)
    data["language"] = "qps"
    data.pop("languages", None)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    yield load_clinic(str(path))
    shared.load_shared.cache_clear()


@pytest.mark.parametrize("kind", ["iv-ketamine", "im-ketamine"])
def test_pseudo_locale_packet_has_no_plain_english(pseudo_clinic, kind: str) -> None:
    loaded = pseudo_clinic
    visit = Visit(name="Jane Doe", treatment=kind, when=datetime(2026, 11, 21, 14, 30), date_of_birth=datetime(1980, 5, 1).date(),
                  mrn="A-1", session=3, escort="Sam Doe", next_visit=datetime(2026, 11, 24, 10, 0), provider="Dr. Chen")
    pdf = Pdf(render_packet(loaded, visit))
    text = re.sub(r"\s+", " ", pdf.text())
    c = loaded.clinic
    # Patient data, and the clinic's own names, numbers and addresses, are not words to translate.
    for value in (visit.name, visit.escort, visit.provider, visit.mrn, c.name, *c.address, c.contacts.on_call_name or "",
                  c.contacts.email or "", c.contacts.portal or "", c.links.aftercare, c.links.tracking_form or "", c.links.card or ""):
        text = text.replace(value.removeprefix("https://"), " ").replace(value, " ")
    assert len(pdf.page_texts()) == 4
    assert "sunnuntai" in text  # the grid's days, from CLDR in the content file's locale
    text = re.sub(r"\S*(sunrise-|\.example)\S*", " ", text)  # web addresses, wrapped across lines
    english = re.findall(r"(?<![\w-])[A-Za-z]{2,}(?:[ ,.:]+[A-Za-z]{2,})+(?![\w-])", text)
    assert english == []
