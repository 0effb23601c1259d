"""The language notice: a footer line, in the other language, saying the packet is printed in it too."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from packets.config.loading import load_clinic
from packets.render.packet import render_packet, render_packet_layers
from packets.render.renderer import Renderer
from packets.visits.model import Visit

from conftest import PACKETS, SAMPLE_WHEN
from pdfcheck import Pdf, differing_pixels

SPANISH_LINE = "Pida este folleto en español en la recepción."
ENGLISH_LINE = "Ask at the front desk for this packet in English."


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _with_notice(clinic_copy, codes: str) -> Path:
    path = clinic_copy("sunrise-iv", languages=True)
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^(languages: .*\n)", rf"\1language_notice: [{codes}]\n", text, count=1), encoding="utf-8")
    return path


def test_english_packet_names_spanish_in_spanish_and_back(clinic_copy) -> None:
    loaded = load_clinic(str(_with_notice(clinic_copy, "en, es")))
    english = Pdf(render_packet(loaded, Visit(name="Ana Lima", treatment="iv-ketamine", when=SAMPLE_WHEN)))
    pages = [_flat(t) for t in english.page_texts()]
    assert all(SPANISH_LINE in t for t in pages)  # every page's footer
    assert ENGLISH_LINE not in " ".join(pages)  # a packet never offers its own language
    assert "Page 1 of 4" in pages[0] and "Content reviewed by" in pages[0]  # the footer note still prints
    spanish = _flat(Pdf(render_packet(loaded, Visit(name="Ana Lima", treatment="iv-ketamine", when=SAMPLE_WHEN, language="es"))).text())
    assert ENGLISH_LINE in spanish and SPANISH_LINE not in spanish


def test_no_notice_unless_the_clinic_turns_it_on() -> None:
    loaded = load_clinic("sunrise-iv")
    assert loaded.clinic.language_notice == []
    text = _flat(Pdf(render_packet(loaded, Visit(name="Ana Lima", treatment="iv-ketamine", when=SAMPLE_WHEN))).text())
    assert SPANISH_LINE not in text and "Content reviewed by" in text


def test_a_notice_for_a_language_not_offered_fails_validate(clinic_copy) -> None:
    path = _with_notice(clinic_copy, "es, fr")
    done = subprocess.run([*PACKETS, "validate", str(path)], capture_output=True, text=True)
    assert done.returncode == 1
    assert "language_notice: 'fr' is not a language this clinic prints packets in (languages: en, es)" in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_fast_path_prints_the_notice_exactly_as_a_whole_render() -> None:
    loaded = load_clinic("willow-home")  # the example clinic with the notice on
    assert loaded.clinic.language_notice == ["en", "es"]
    visit = Visit(name="Nguyễn Thị Minh Khai", treatment="im-ketamine", when=SAMPLE_WHEN, escort="Sam Doe")
    fast, layers = render_packet_layers(loaded, visit, renderer=Renderer())
    whole, _ = render_packet_layers(loaded, visit, renderer=Renderer(), fast=False)
    assert layers is not None
    assert SPANISH_LINE in _flat(Pdf(fast).text())
    assert differing_pixels(fast, whole) == 0
