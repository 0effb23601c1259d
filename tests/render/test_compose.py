"""The fast path (shared base + patient layer) prints what a whole render prints."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from packets.config.loading import load_clinic
from packets.content.shared import packet_content
from packets.errors import RenderError
from packets.render.base import build_base
from packets.render.markers import MARKERS
from packets.render.packet import render_packet, render_packet_layers
from packets.render.renderer import Renderer
from packets.visits.model import Visit

from pdfcheck import Pdf

FULL = Visit(
    name="Jane Doe", treatment="iv-ketamine", when=datetime(2026, 11, 21, 14, 30), date_of_birth=date(1980, 5, 1),
    mrn="A-12345", session=3, escort="Sam Doe", next_visit=datetime(2026, 11, 24, 10, 0), provider="Dr. Chen",
)


def test_fast_path_prints_the_same_text_as_a_whole_render() -> None:
    loaded = load_clinic("sunrise-iv")
    renderer = Renderer()
    fast = Pdf(render_packet(loaded, FULL, renderer=renderer))
    whole = Pdf(render_packet(loaded, FULL, fast=False))
    assert next(iter(renderer.bases.items()))[1].pdf is not None  # the fast path was taken
    # Same words on every page (the patient layer is drawn last, so the order differs).
    assert [sorted(t.split()) for t in fast.page_texts()] == [sorted(t.split()) for t in whole.page_texts()]
    assert fast.qr_codes() == whole.qr_codes()


def test_base_has_empty_boxes_and_no_marker_text() -> None:
    loaded = load_clinic("harbor-spravato")
    visit = Visit(name="Ana Lima", treatment="esketamine-nasal", when=datetime(2026, 12, 31, 9, 5))
    base = build_base(Renderer(), loaded, visit, packet_content(loaded, None, visit.treatment))
    assert base.pdf is not None and {f.id for f in base.frames} == {"patient-name", "patient", "today"}
    text = " ".join(Pdf(base.pdf).page_texts())
    assert not any(marker in text for marker in MARKERS)
    assert "Patient:" not in text and "No driving or machines" not in text
    assert "When to get help" in text and "Page 1 of 4" in text


def test_a_long_name_gets_its_packet_with_every_detail() -> None:
    loaded = load_clinic("sunrise-iv")
    long_name = "Maria Fernanda de los Angeles Gutierrez-Villanueva y Santisteban de la Cruz Hernandez"
    visit = replace(FULL, name=long_name)  # every field filled, and a name that wraps to three lines
    renderer = Renderer()
    pdf, layers = render_packet_layers(loaded, visit, renderer=renderer)
    # boxes take the patient's height (test_compose_exact); fast path or whole, the same paper
    assert next(iter(renderer.bases.items()))[1].pdf is not None
    texts = Pdf(pdf).page_texts()
    assert ("Gutierrez-Villanueva" in texts[0]
            and "No driving or machines for 24 hours (until about 3:30 PM, Sunday, Nov 22)." in " ".join(texts))
    # the name may push the sheet to a third page; the packet still prints, whole
    assert len(texts) >= 4 and "How are you feeling?" in " ".join(texts)


def test_template_printing_a_name_outside_the_marked_boxes_is_rendered_whole(clinic_copy) -> None:
    path = clinic_copy()
    (path.parent / "templates").mkdir()
    (path.parent / "templates" / "packet.html").write_text(
        '{% extends "!base/packet.html" %}{% block closing %}<p class="closing">Take care, {{ p.patient_name }}.</p>{% endblock %}'
    )
    loaded = load_clinic(str(path))
    renderer = Renderer()
    pdf = Pdf(render_packet(loaded, FULL, renderer=renderer))
    assert "outside the marked boxes" in next(iter(renderer.bases.items()))[1].reason
    text = " ".join(pdf.page_texts())
    assert "Take care, Jane Doe." in text
    assert not any(marker in text for marker in MARKERS)


def test_clinic_content_longer_than_one_sheet_is_refused(clinic_copy) -> None:
    path = clinic_copy()
    extra = "\n".join(f"        - Extra clinic advice line number {i} that takes up room on the sheet." for i in range(40))
    anchor = "          es: Nuestro grupo de terapia se reúne los martes por la noche."  # the example's added bullet (en, es)
    text = path.read_text().replace(anchor, anchor + "\n" + extra)
    path.write_text(text)
    loaded = load_clinic(str(path))
    for fast in (True, False):
        with pytest.raises(RenderError, match=r"discharge sheet is \d pages.*Shorten or hide sections under 'content'"):
            render_packet(loaded, FULL, fast=fast)
    # large print is exempt: it is meant to run longer
    assert len(Pdf(render_packet(loaded, replace(FULL, large_print=True))).page_texts()) > 6
