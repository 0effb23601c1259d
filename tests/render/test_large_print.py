"""Large print: 18 pt or more for every body glyph, read back from the PDF."""

from __future__ import annotations

from dataclasses import replace

import pytest

from packets.config.languages import in_language
from packets.config.loading import load_clinic
from packets.render.context import LARGE_CARD_MM
from packets.render.packet import render_packet
from packets.visits.model import Visit

from conftest import SAMPLE_WHEN
from pdfcheck import Pdf

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
    for phrase in ("Patient: Ruth Okafor",
                   "Ben Okafor takes you home" if loaded.clinic.treatments[visit.treatment].escort == "driver" else "Ben Okafor",
                   "When to get help", "How are you feeling?", "Get help fast", "Thoughts of suicide"):
        assert phrase in text, phrase
    codes = [c for page in pdf.qr_codes() for c in page]
    assert in_language(loaded, None).clinic.links.aftercare in codes
    # the card's two panels are drawn at 92 x 130 mm: under half a page tall
    panels = [r for r in pdf.rectangles_mm(page=len(pdf.page_texts()) - 1) if r == pytest.approx(LARGE_CARD_MM, abs=0.1)]
    assert len(panels) >= 2
    assert LARGE_CARD_MM[1] < pdf.page_sizes_mm()[0][1] / 2


def test_footer_is_at_least_12pt_with_the_short_name(large) -> None:
    _, visit, pdf = large
    for glyphs in pdf.glyph_sizes():
        footer = [(ch, size) for ch, size, y in glyphs if y < FOOTER_MM]
        assert footer and min(size for _, size in footer) >= 11.95, footer[:5]
    assert all(visit.name in text for text in pdf.page_texts())  # a short name prints whole


def _lines(glyphs, size: float, top: float, bottom: float) -> list[float]:
    """Baselines (mm) of lines of ``size`` pt between two heights, top down."""
    return sorted({round(y, 1) for _, s, y in glyphs if abs(s - size) < 0.1 and bottom < y < top}, reverse=True)


def test_who_to_call_lines_are_one_and_a_half_spaced(large) -> None:
    """Baseline to baseline at least 1.45 x the text size, read back from the PDF."""
    loaded, _, pdf = large
    page = next(i for i, text in enumerate(pdf.page_texts()) if "Who to call" in text)
    text = pdf.reader.pages[page].extract_text()
    assert "Clinic:" in text and "After hours" in text
    glyphs = pdf.glyph_sizes()[page]
    ys = [y for ch, s, y in glyphs if abs(s - 18) < 0.1]
    # the contact lines are 18 pt: every gap between neighbouring 18 pt lines is >= 1.45 x 18 pt
    baselines = sorted({round(y, 1) for y in ys}, reverse=True)
    gaps = [(a - b) * 72 / 25.4 for a, b in zip(baselines, baselines[1:])]
    assert gaps and min(gaps) >= 1.45 * 18 - 0.5, sorted(gaps)[:3]


def test_tracking_title_is_one_line_across_the_page(large) -> None:
    loaded, _, pdf = large
    from packets.content.shared import build_content
    title = build_content(loaded).labels["tracking_title"]
    page = next(i for i, text in enumerate(pdf.page_texts()) if title in text)
    big = [(ch, y) for ch, size, y in pdf.glyph_sizes()[page] if abs(size - 24) < 0.1]
    assert "".join(ch for ch, _ in big) == title.replace(" ", "")
    assert len({round(y, 1) for _, y in big}) == 1  # one line
