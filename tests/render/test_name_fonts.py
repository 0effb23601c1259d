"""Patient text prints whole in one font: Vietnamese, Arabic, Thai names read back exactly."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from markupsafe import Markup

from packets.assets.fonts import OWN_FONTS, font_faces, undrawable
from packets.config.loading import load_clinic
from packets.render.packet import render_packet
from packets.render.scripts import direction, patient_text
from packets.visits.model import Visit

from conftest import PACKETS, SAMPLE_WHEN
from pdfcheck import Pdf

BODY = "Atkinson Hyperlegible"
VIETNAMESE = "Nguyễn Thị Minh Khai"
ARABIC = "فاطمة الزهراء"
THAI = "สมชาย ใจดี"


@pytest.fixture(scope="module")
def vietnamese_packet() -> Pdf:
    visit = Visit(name=VIETNAMESE, treatment="iv-ketamine", when=SAMPLE_WHEN, escort=THAI)
    return Pdf(render_packet(load_clinic("sunrise-iv"), visit))


def test_a_vietnamese_name_prints_in_one_font_and_copies_whole(vietnamese_packet: Pdf) -> None:
    # In the patient line and in the page footer, every letter from one font: no gap, no split word.
    assert vietnamese_packet.fonts_of(VIETNAMESE) == [{"Fira-Sans"}, {"Fira-Sans"}]
    assert "Patient: " + VIETNAMESE in vietnamese_packet.page_texts()[0]  # pypdf: no space where the font changed
    # The rest of the page keeps the body font.
    assert vietnamese_packet.fonts_of("No driving or machines") == [{"Atkinson-Hyperlegible-Bold"}]


def test_an_escort_name_in_a_sentence_keeps_its_own_font(vietnamese_packet: Pdf) -> None:
    assert vietnamese_packet.fonts_of(THAI) == [{"Sarabun-Bold"}]
    assert vietnamese_packet.fonts_of(" takes you home.") == [{"Atkinson-Hyperlegible-Bold"}]


def test_an_arabic_name_prints_in_the_arabic_font_in_reading_order() -> None:
    pdf = Pdf(render_packet(load_clinic("sunrise-iv"), Visit(name=ARABIC, treatment="iv-ketamine", when=SAMPLE_WHEN, language="es")))
    found = pdf.fonts_of(ARABIC)  # logical order: the first letter typed is the first read back
    assert found and all(fonts == {"IBM-Plex-Sans-Arabic"} for fonts in found)


def test_a_script_no_bundled_font_has_is_refused_naming_the_field(tmp_path: Path) -> None:
    out = tmp_path / "p.pdf"
    done = subprocess.run([*PACKETS, "render", "--clinic", "sunrise-iv", "--name", "ⵜⴰⵎⴰⵣⵉⵖⵜ Ali", "--treatment", "iv-ketamine",
                           "--date", "2026-11-21", "--time", "14:30", "--out", str(out)], capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr.count("\n") <= 2 and "patient_name: has characters the bundled fonts cannot print (U+2D30" in done.stderr
    assert "ⵜ" not in done.stderr + done.stdout and "Traceback" not in done.stderr
    assert not out.exists()


def test_a_word_needing_two_fonts_is_refused_but_two_words_may_differ() -> None:
    assert undrawable("สมฟاط") != []  # Thai and Arabic letters inside one word: no one font draws it
    assert undrawable(f"{THAI} {ARABIC}") == []
    marked = patient_text(f"{THAI} {ARABIC}", BODY)
    assert isinstance(marked, Markup) and "'Sarabun'" in marked and "'IBM Plex Sans Arabic'" in marked


def test_body_font_text_is_left_alone_and_markup_is_escaped() -> None:
    assert patient_text("Zoë Brontë", BODY) == "Zoë Brontë" and not isinstance(patient_text("Zoë Brontë", BODY), Markup)
    marked = patient_text("Nguyễn <b>Bold</b>", BODY)
    assert "&lt;b&gt;" in marked and "<b>" not in marked
    assert direction(ARABIC) == "rtl" and direction(VIETNAMESE) == "ltr" and direction("12 " + ARABIC) == "rtl"


def test_fallback_fonts_are_static_except_the_last_resort() -> None:
    # A variable font is re-instanced in every PDF that uses it; the fonts names normally fall back to are not.
    for face in font_faces():
        if face.family in OWN_FONTS[:-1]:
            with TTFont(face.path, lazy=True) as font:
                assert "fvar" not in font, face.path.name
