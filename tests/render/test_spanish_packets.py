"""Packets in Spanish, read back from the PDF: Spanish words and dates only, per clinic and treatment; one language per packet."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from datetime import datetime

import pytest

from packets.checks.validate import validate
from packets.config.languages import in_language
from packets.config.loading import load_clinic
from packets.content.shared import build_content, for_treatment, section_units
from packets.errors import ConfigError
from packets.render.packet import render_packet
from packets.visits.model import Visit

from conftest import PACKETS, SAMPLE_WHEN
from pdfcheck import Pdf

CASES = [("sunrise-iv", "iv-ketamine"), ("sunrise-iv", "im-ketamine"), ("harbor-spravato", "esketamine-nasal"),
         ("willow-home", "im-ketamine"), ("willow-home", "oral-ketamine")]
NEXT_SUNDAY = datetime(2026, 11, 29, 10, 0)
# The 988 Lifeline's Spanish routes as it publishes them (988lifeline.org/get-help/what-to-expect):
# press 2 on a call, text AYUDA, chat at 988lineadevida.org.
SPANISH_988_SHEET = "En español: al llamar, oprima 2; por texto, envíe AYUDA; o chatee en 988lineadevida.org."
SPANISH_988_CARD = "llame (oprima 2) o envíe AYUDA por texto"


def _visit(kind: str, language: str | None) -> Visit:
    return Visit(name="Jane Doe", treatment=kind, when=SAMPLE_WHEN, date_of_birth=datetime(1980, 5, 1).date(), mrn="A-1",
                 session=3, escort="Sam Doe", next_visit=NEXT_SUNDAY, provider="Dr. Chen", language=language)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _squeeze(text: str) -> str:
    """Text without spaces, line breaks and hyphens: a web address wraps where the layout breaks it."""
    return re.sub(r"[\s\-\ufffe\u00ad]", "", text)


def printed_strings(loaded, kind: str, language: str) -> set[str]:
    """Every string of the content and of the clinic's own text as a packet in ``language`` prints it."""
    content = for_treatment(loaded, build_content(loaded, language), kind)
    own = in_language(loaded, language).clinic
    strings = {u for units in section_units(content).values() for u in units}
    # The language notice is, by design, in another language (one line naming that language in it).
    strings |= {v for k, v in content.labels.items() if "{" not in v and k != "language_notice"}
    strings |= {t for r in content.tracking_rows for t in (r.label, r.hint) if t}
    strings |= {content.relapse_signs.intro, *content.relapse_signs.items}
    proto = own.treatments[kind]  # type: ignore[index]
    strings |= set(proto.instructions) | set(proto.before_next_visit)
    return strings


@pytest.fixture(scope="module", params=CASES, ids=[f"{c}-{k}" for c, k in CASES])
def spanish(request):
    clinic, kind = request.param
    loaded = load_clinic(clinic)
    return loaded, kind, Pdf(render_packet(loaded, _visit(kind, "es")))


def test_spanish_dates_pages_and_crisis_line(spanish) -> None:
    loaded, kind, pdf = spanish
    texts = [_flat(t) for t in pdf.page_texts()]
    assert len(texts) == 4
    assert "Su próxima cita: domingo, 29 de noviembre, a las 10:00" in " ".join(texts[:2])
    assert all(f"Página {n} de 4" in t for n, t in enumerate(texts, 1))
    assert "Llame o envíe un texto al 988 a toda hora" in texts[0]
    # 988's own Spanish routes (the clinics are in the US): by call, by text and by chat, on the sheet...
    assert SPANISH_988_SHEET in texts[0]
    # ...and on the wallet card, by call and by text
    assert SPANISH_988_CARD in texts[3]
    # The three tiers, whole, on page 1: the last sign of the CALL US tier is there, not on page 2
    clinic_tier = next(t for t in for_treatment(loaded, build_content(loaded, "es"), kind).warning_tiers if t.id == "clinic")
    assert _flat(clinic_tier.signs[-1]) in texts[0] and _flat(clinic_tier.signs[-1]) not in texts[1]
    assert ("Si piensa en el suicidio o en hacerse daño: llame o envíe un texto al 988 ya, "
            "y avísenos hoy." in texts[2])  # the grid, word for word
    assert "¿Cómo se siente? Días 1 a 3" in texts[2] and "Ayuda rápida" in texts[3]


@pytest.mark.parametrize(("clinic", "kind"), CASES, ids=[f"{c}-{k}" for c, k in CASES])
def test_large_print_spanish_keeps_the_988_routes_and_the_tiers_together(clinic: str, kind: str) -> None:
    loaded = load_clinic(clinic)
    visit = replace(_visit(kind, "es"), large_print=True)
    texts = [_flat(t) for t in Pdf(render_packet(loaded, visit)).page_texts()]
    tiers = for_treatment(loaded, build_content(loaded, "es"), kind).warning_tiers
    first, last = _flat(tiers[0].title), _flat(tiers[-1].signs[-1])
    page = next(i for i, t in enumerate(texts) if first in t)
    assert last in texts[page], "the three tiers part across pages"
    assert SPANISH_988_SHEET in texts[page] and SPANISH_988_CARD in texts[-1]


def test_no_english_content_in_a_spanish_packet(spanish) -> None:
    loaded, kind, pdf = spanish
    text = _flat(pdf.text())
    english = printed_strings(loaded, kind, "en") - printed_strings(loaded, kind, "es")  # names and addresses read the same
    leaked = sorted(s for s in english if len(s.split()) >= 2 and _flat(s) in text)
    assert leaked == []
    for word in ("Page ", "Sunday", "Monday", " PM", " AM", "Call ", "Text "):
        assert word not in text, word


def test_spanish_qr_codes_decode(spanish) -> None:
    """Each QR holds the clinic's Spanish page where it gave one; otherwise the caption says the page is in English."""
    loaded, _, pdf = spanish
    codes, texts = pdf.qr_codes(), [_squeeze(t) for t in pdf.page_texts()]
    links = loaded.clinic.links
    for value, page, caption in ((links.aftercare, 0, "esta hoja en línea:"), (links.card, 3, "ayuda en línea:")):
        if value is None:
            continue
        spanish_page = isinstance(value, dict) and "es" in value
        link = value["es"] if spanish_page else value["en"] if isinstance(value, dict) else value
        assert link in codes[page]
        shown = _squeeze(link.removeprefix("https://"))
        after = texts[page][texts[page].index(shown) + len(shown):][:20]
        assert after.startswith("(páginaeninglés)") != spanish_page, (caption, after)
    if not isinstance(links.card, str | dict):
        assert any(c.startswith("tel:") for c in codes[3])


def test_per_language_links_and_names(clinic_copy) -> None:
    """sunrise-iv gives Spanish pages for the sheet and the card, not for the form: read back in both languages."""
    loaded = load_clinic("sunrise-iv")
    es, en = (Pdf(render_packet(loaded, _visit("iv-ketamine", lang))) for lang in ("es", "en"))
    assert "https://sunrise-infusion.example/es/aftercare" in es.qr_codes()[0]
    assert "https://sunrise-infusion.example/aftercare" in en.qr_codes()[0]
    es_text, en_text = _flat(es.text()), _flat(en.text())
    assert "example/track(páginaeninglés)" in _squeeze(es_text)  # the form exists in English only
    assert es_text.count("(página en inglés)") == 1 and "(page in" not in en_text
    assert "De guardia (Dra. Maria Chen)" in es_text and "On call (Dr. Maria Chen)" in en_text and "Dra." not in en_text
    # A per-language value needs the main language's: other languages fall back to it.
    path = clinic_copy(languages=True)
    path.write_text(path.read_text().replace("aftercare: {en: https://sunrise-infusion.example/aftercare, es:",
                                             "aftercare: {es:"))
    problems = [p for p in validate(str(path), render=False) if p.severity == "error"]
    assert [p.where for p in problems] == ["links.aftercare"]
    assert "no English ('en') value" in problems[0].message


def test_english_packet_of_a_bilingual_clinic_is_all_english() -> None:
    loaded = load_clinic("sunrise-iv")
    text = _flat(Pdf(render_packet(loaded, _visit("iv-ketamine", None))).text())
    assert "No solid food for 6 hours before your visit." in text and "Page 1 of 4" in text
    assert "No coma nada" not in text and "Página" not in text


def test_english_only_clinic_text_fails_validate_when_spanish_is_offered(clinic_copy) -> None:
    path = clinic_copy(languages=True)
    text = path.read_text()
    path.write_text(text.replace("    series_length: 6\n", "    series_length: 6\n    instructions: [Wear loose clothes.]\n", 1))
    problems = [p for p in validate(str(path), render=False) if p.severity == "error"]
    assert [(p.where, p.line) for p in problems] == [("treatments.iv-ketamine.instructions.0", 38)]
    assert "no Spanish ('es') text" in problems[0].message and "{en: ..., es: ...}" in problems[0].message
    # The English packet still prints; the Spanish one names the key and the language.
    loaded = load_clinic(str(path))
    render_packet(loaded, _visit("iv-ketamine", "en"))
    with pytest.raises(ConfigError, match=r"treatments\.iv-ketamine\.instructions\.0: no Spanish \('es'\) text"):
        render_packet(loaded, _visit("iv-ketamine", "es"))


def test_a_language_the_clinic_does_not_offer_is_refused(clinic_copy, tmp_path) -> None:
    path = clinic_copy()  # English only
    done = subprocess.run([*PACKETS, "render", "--clinic", str(path), "--name", "Jane Doe", "--treatment", "iv-ketamine",
                           "--language", "Español", "--out", str(tmp_path / "p.pdf")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "does not print packets in Spanish ('es'). Offered: en." in done.stderr
    assert not (tmp_path / "p.pdf").exists()


def test_mixed_language_schedule_gives_each_row_its_language(tmp_path) -> None:
    schedule = tmp_path / "day.csv"
    schedule.write_text("Patient Name,Time,Treatment,Language\n"
                        "Ana Uno,9:00 AM,iv-ketamine,Español\n"
                        "Bea Dos,9:30 AM,iv-ketamine,\n"
                        "Cy Tres,10:00 AM,im-ketamine,es-US\n"
                        "Di Cuatro,10:30 AM,im-ketamine,English\n", encoding="utf-8")
    done = subprocess.run([*PACKETS, "batch", "--clinic", "sunrise-iv", "--schedule", str(schedule), "--date", "2026-11-21",
                           "--out", str(tmp_path / "out"), "--jobs", "1"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "out" / "sunrise-iv" / "2026-11-21"
    pages = {p.name.split("-")[1]: _flat(Pdf(p.read_bytes()).text()) for p in folder.glob("*-row*.pdf")}
    assert sorted(pages) == ["row02", "row03", "row04", "row05"]
    for row, spanish in (("row02", True), ("row03", False), ("row04", True), ("row05", False)):
        assert ("Página 1 de 4" in pages[row]) is spanish and ("Page 1 of 4" in pages[row]) is not spanish, row
