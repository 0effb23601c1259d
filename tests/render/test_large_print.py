"""Large print: 18 pt or more for every body glyph, read back from the PDF."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import SAMPLE_WHEN
from pdfcheck import Pdf

from packets.config.loading import load_clinic
from packets.render.context import LARGE_CARD_MM
from packets.render.packet import render_packet
from packets.visits.model import Visit

FOOTER_MM = 26  # the large-print page's bottom margin holds the footer (name, date, page X of Y), at 12 pt


@pytest.fixture(scope="module", params=["sunrise-iv", "harbor-spravato"])
def large(request):
    loaded = load_clinic(request.param)
    treatment = next(iter(loaded.clinic.treatments))
    visit = Visit(name="Ruth Okafor", treatment=treatment, when=SAMPLE_WHEN, escort="Ben Okafor", session=2, large_print=True)
    return loaded, visit, Pdf(render_packet(loaded, visit))


def test_no_body_glyph_under_18pt(large) -> None:
    _, _, pdf = large
    pages = pdf.glyph_sizes()
    body = [(page, ch, size) for page, glyphs in enumerate(pages, 1) for ch, size, y in glyphs if y > FOOTER_MM]
    assert len(body) > 2000
    too_small = [(page, ch, size) for page, ch, size in body if size < 17.95]
    assert not too_small, too_small[:10]


def test_normal_print_is_smaller_so_the_check_can_fail(large) -> None:
    loaded, visit, _ = large
    normal = Pdf(render_packet(loaded, replace(visit, large_print=False))).glyph_sizes()
    sizes = [size for glyphs in normal for _, size, y in glyphs if y > FOOTER_MM]
    assert min(sizes) < 12 and max(sizes) < 20


def test_large_print_keeps_every_part_and_the_card_grows(large) -> None:
    loaded, visit, pdf = large
    text = pdf.text()
    for phrase in ("Patient: Ruth Okafor", "Ben Okafor takes you home" if loaded.clinic.treatments[visit.treatment].escort == "driver" else "Ben Okafor",
                   "When to get help", "How are you feeling?", "Get help fast", "Thoughts of suicide"):
        assert phrase in text, phrase
    codes = [c for page in pdf.qr_codes() for c in page]
    assert loaded.clinic.links.aftercare in codes
    # the card's two panels are drawn at 92 x 130 mm: under half a page tall
    panels = [r for r in pdf.rectangles_mm(page=len(pdf.page_texts()) - 1) if r == pytest.approx(LARGE_CARD_MM, abs=0.1)]
    assert len(panels) >= 2
    assert LARGE_CARD_MM[1] < pdf.page_sizes_mm()[0][1] / 2
