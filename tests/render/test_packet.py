"""Read the rendered packet back and check what a patient would see."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from pypdf import PdfReader

from packets.config.languages import in_language
from packets.config.loading import load_clinic
from packets.config.phones import tel_uri
from packets.render.context import CARD_MM, PAPER_MM
from packets.render.packet import render_packet
from packets.visits.model import Visit

from conftest import SAMPLE_WHEN
from pdfcheck import Pdf

CASES = {
    "sunrise-iv": Visit(
        name="Jane Doe", treatment="iv-ketamine", when=SAMPLE_WHEN, date_of_birth=date(1980, 5, 1),
        mrn="A-12345", session=3, escort="Sam Doe", next_visit=datetime(2026, 11, 24, 10, 0), provider="Dr. Chen",
    ),
    "harbor-spravato": Visit(name="Ana Lima", treatment="esketamine-nasal", when=datetime(2026, 12, 31, 9, 5)),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def packet(request):
    loaded = load_clinic(request.param)
    visit = CASES[request.param]
    return loaded, visit, Pdf(render_packet(loaded, visit))


def test_patient_name_and_details(packet) -> None:
    loaded, visit, pdf = packet
    first = pdf.page_texts()[0]
    assert f"Patient: {visit.name}" in first
    if visit.mrn:
        assert visit.mrn in first and "May 1, 1980" in first and "Treatment 3 of 6" in first


def test_computed_times(packet) -> None:
    loaded, visit, pdf = packet
    text = pdf.page_texts()[0]
    if loaded.clinic.id == "sunrise-iv":  # 24 h rule from 2:30 PM Saturday
        # The infusion ends about an hour after the 2:30 PM slot (dose_minutes 60): 24 hours from 3:30 PM.
        assert "No driving or machines for 24 hours (until about 3:30 PM, Sunday, Nov 22)." in text
        assert "No alcohol, cannabis, or street drugs for 24 hours (until about 3:30 PM, Sunday, Nov 22)." in text
        assert "Sam Doe takes you home." in text
        assert "Your next visit: Tuesday, Nov 24, 10:00 AM" in text
    else:  # next-day rule, across a year end
        assert "No driving or machines until Friday, Jan 1, after a full night's sleep." in text
        assert "No alcohol, cannabis, or street drugs for 24 hours (until about 9:20 AM, Friday, Jan 1)." in text
        assert "A sober adult (no alcohol or drugs) must drive you home." in text


def test_every_configured_phone_number_printed(packet) -> None:
    loaded, _, pdf = packet
    c = loaded.clinic.contacts
    first_sheet = " ".join(pdf.page_texts()[:2])
    card = pdf.page_texts()[-1]
    for number in filter(None, [c.main, c.after_hours, c.on_call, c.crisis, c.emergency]):
        assert number in first_sheet, number
    for number in (c.emergency, c.crisis, c.after_hours):
        assert number in card, number


def test_page_count_and_size(packet) -> None:
    loaded, _, pdf = packet
    sizes = pdf.page_sizes_mm()
    assert len(sizes) == 4  # two-page sheet, tracking grid, card page
    width, height = PAPER_MM[loaded.clinic.paper]
    assert set(sizes) == {(round(width, 1), round(height, 1))}


def test_footer_on_every_page(packet) -> None:
    _, visit, pdf = packet
    texts = pdf.page_texts()
    for number, text in enumerate(texts, 1):
        assert visit.name in text and f"Page {number} of {len(texts)}" in text
        assert f"Treatment {visit.when:%b} {visit.when.day}, {visit.when.year}" in text


def test_tracking_grid_has_real_dates(packet) -> None:
    """Each column head reads "Day 1" then its date, and the date never splits across lines."""
    loaded, _, pdf = packet
    grid = pdf.page_texts()[2]
    lines = [" ".join(line.split()) for line in pdf.reader.pages[2].extract_text().splitlines()]
    dates = ["Sun, Nov 22", "Mon, Nov 23", "Tue, Nov 24"] if loaded.clinic.id == "sunrise-iv" else [
        "Fri, Jan 1", "Sat, Jan 2", "Sun, Jan 3"]
    for n, day in enumerate(dates, 1):
        assert f"Day {n}" in grid
        assert any(day in line for line in lines), (day, lines[:8])
    for label in ("Mood", "Energy", "Sleep", "Any thoughts of suicide or of hurting yourself?",
                  "A plan or intent to act on them, or to hurt someone else?",
                  "Thoughts of suicide or of hurting yourself: call or text 988 now, and tell us today."):
        assert label in grid


def test_qr_codes_decode_to_configured_links(packet) -> None:
    loaded, _, pdf = packet
    links, region = in_language(loaded, None).clinic.links, loaded.clinic.country  # the packet's (main) language
    pages = pdf.qr_codes()
    assert links.aftercare in pages[0]
    if links.tracking_form:
        assert pages[2] == [links.tracking_form]
    assert pages[3] == [links.card or tel_uri(loaded.clinic.contacts.after_hours, region)]
    every = [payload for page in pages for payload in page]
    assert len(every) == 2 + bool(links.tracking_form)


def test_metadata_carries_no_patient_data(packet) -> None:
    loaded, visit, pdf = packet
    meta = PdfReader(io.BytesIO(pdf.data)).metadata
    assert meta.title == f"{loaded.clinic.name}: Aftercare after your treatment"
    assert visit.name.split()[0] not in repr(dict(meta))


def test_same_input_gives_identical_bytes(packet) -> None:
    loaded, visit, pdf = packet
    assert render_packet(loaded, visit) == pdf.data


def test_card_is_exact_size(packet) -> None:
    """Each card panel is drawn as a rectangle of exactly the card size (0.1 mm)."""
    loaded, _, pdf = packet
    want = CARD_MM[loaded.clinic.card_size]
    rects = pdf.rectangles_mm(page=3)
    assert sum(1 for w, h in rects if abs(w - want[0]) <= 0.1 and abs(h - want[1]) <= 0.1) >= 2, rects
