"""Nothing printed cut off: long names, every optional field, each example clinic, read back from the PDF."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from packets.config.loading import load_clinic
from packets.content.shared import build_content
from packets.errors import RenderError
from packets.render.cards import render_cards
from packets.render.context import CARD_MM, LARGE_CARD_MM
from packets.render.names import FOOTER_NAME_MAX, footer_name
from packets.render.packet import render_packet
from packets.visits.model import Visit

from pdfcheck import PT_PER_MM, Pdf

LONG_NAME = "Maximiliana Alexandra Oyelaran-Vandenberghe-Castellanos Ruiz"
EDGE_PT = 0.5  # rounding of character boxes

CASES = [(clinic, treatment, large) for clinic, treatments in
         (("sunrise-iv", ("iv-ketamine", "im-ketamine")), ("harbor-spravato", ("esketamine-nasal",)))
         for treatment in treatments for large in (False, True)]


def long_visit(treatment: str, large: bool) -> Visit:
    return Visit(
        name=LONG_NAME, treatment=treatment, when=datetime(2026, 11, 21, 14, 30), date_of_birth=date(1980, 1, 2),
        mrn="MRN-12345678", session=3, series_length=8, escort="Jonathan Wellington-Smythe",
        next_visit=datetime(2026, 11, 24, 10, 0), provider="Dr. Evangeline Montgomery-Hart", large_print=large,
    )


@pytest.fixture(scope="module", params=CASES, ids=lambda c: f"{c[0]}-{c[1]}-{'large' if c[2] else 'normal'}")
def packet(request):
    clinic, treatment, large = request.param
    loaded = load_clinic(clinic)
    return loaded, large, Pdf(render_packet(loaded, long_visit(treatment, large)))


def test_the_name_is_long() -> None:
    assert len(LONG_NAME) == 60 and "-" in LONG_NAME


def test_sheet_fits_one_sheet_of_paper_at_normal_size(packet) -> None:
    loaded, large, pdf = packet
    title = build_content(loaded).labels["tracking_title"]
    texts = pdf.page_texts()
    sheet = next(i for i, text in enumerate(texts) if title in text)
    if not large:
        assert sheet <= 2, f"discharge sheet is {sheet} pages"
    assert LONG_NAME.replace(" ", "") in texts[0].replace(" ", "")  # the patient box prints the name in full


def test_every_footer_shows_the_short_name_and_the_year(packet) -> None:
    _, _, pdf = packet
    short = footer_name(LONG_NAME)
    assert short == "M. A. O.-V.-C. Ruiz"
    for number, text in enumerate(pdf.page_texts(), 1):
        assert short in text and "2026" in text and f"Page {number} of" in text, (number, text[-200:])


def test_footer_name_is_one_line(packet) -> None:
    """The footer's left box holds two lines: the whole short name, then the date."""
    _, large, pdf = packet
    bottom = (26 if large else 13) * PT_PER_MM
    for number, ((width, _), chars) in enumerate(pdf.char_boxes(), 1):
        left = [c for c in chars if c[4] < bottom and c[3] < width * (0.29 if large else 0.26)]
        rows: list[list[tuple[str, float, float, float, float]]] = []
        for char in sorted(left, key=lambda c: -(c[2] + c[4]) / 2):
            middle = (char[2] + char[4]) / 2
            if not rows or (rows[-1][0][2] + rows[-1][0][4]) / 2 - middle > 6:  # a new line
                rows.append([])
            rows[-1].append(char)
        texts = ["".join(c[0] for c in sorted(row, key=lambda c: c[1])) for row in rows]
        assert len(texts) == 2 and texts[0] == footer_name(LONG_NAME).replace(" ", "") and "2026" in texts[1], (number, texts)


def test_no_character_outside_its_page_area(packet) -> None:
    _, _, pdf = packet
    for number, ((width, height), chars) in enumerate(pdf.char_boxes(), 1):
        outside = [c for c in chars if c[1] < -EDGE_PT or c[2] < -EDGE_PT or c[3] > width + EDGE_PT or c[4] > height + EDGE_PT]
        assert not outside, (number, outside[:5])


def test_no_character_outside_its_card(packet) -> None:
    loaded, large, pdf = packet
    card_w, card_h = (LARGE_CARD_MM if large else CARD_MM[loaded.clinic.card_size])
    last = len(pdf.page_texts()) - 1
    cards = [r for r in pdf.rectangles_at(last)
             if abs((r[2] - r[0]) - card_w * PT_PER_MM) < 1 and abs((r[3] - r[1]) - card_h * PT_PER_MM) < 1]
    assert len(cards) >= 2, "front and back of the fold-over card"
    low, high = min(r[1] for r in cards), max(r[3] for r in cards)
    band = 5 * PT_PER_MM  # text cut off at a card's edge would sit just past it
    chars = pdf.char_boxes()[last][1]
    near = [c for c in chars if c[4] > low - band and c[2] < high + band]
    assert len(near) > 50
    stray = [c for c in near if not any(r[0] - EDGE_PT <= c[1] and c[3] <= r[2] + EDGE_PT and r[1] - EDGE_PT <= c[2]
                                        and c[4] <= r[3] + EDGE_PT for r in cards)]
    assert not stray, stray[:8]


def test_footer_name_shortens_only_long_names() -> None:
    assert footer_name("Jane Doe") == "Jane Doe"
    assert footer_name("Maximiliana Oyelaran-Vandenberghe-Castellanos-Whitfield") == "M. Oyelaran-V.-C.-W."
    assert len(footer_name("A" * 120)) <= FOOTER_NAME_MAX and footer_name("A" * 120).endswith("…")
    assert footer_name("Z") == "Z"


def test_text_that_would_be_cut_off_is_refused_naming_the_box(clinic_copy) -> None:
    path = clinic_copy("harbor-spravato")
    text = path.read_text()
    long_link = "https://harbor-mh.example/" + "a" * 260
    path.write_text(text.replace("links:\n", f"links:\n  card: {long_link}\n"))
    with pytest.raises(RenderError) as info:
        render_cards(load_clinic(str(path)))
    message = str(info.value)
    assert "cut off" in message and "card back" in message and "links.card" in message, message


def test_a_footer_note_too_long_for_the_page_is_refused(clinic_copy) -> None:
    path = clinic_copy("harbor-spravato")
    path.write_text(path.read_text() + "footer_text: " + "Harbor" * 40 + "\n")
    loaded = load_clinic(str(path))
    with pytest.raises(RenderError) as info:
        render_packet(loaded, long_visit("esketamine-nasal", False), fast=False)
    assert "footer note" in str(info.value) and LONG_NAME not in str(info.value)


def test_a_long_footer_is_one_problem_with_the_number_of_characters_that_fit(clinic_copy) -> None:
    """The footer wraps on every page: one entry for all pages, with a limit the clinic can aim for."""
    import re

    path = clinic_copy("harbor-spravato")
    footer = " ".join(["Harbor Mental Health, 88 Pier Road, Bayview; open every day, call us with any question"] * 3)
    original = path.read_text()
    path.write_text(original + f"footer_text: {footer}\n")
    with pytest.raises(RenderError) as info:
        render_packet(load_clinic(str(path)), long_visit("esketamine-nasal", True), fast=False)
    message = str(info.value)
    assert "(and " not in message and message.count("the footer note") == 1, message
    found = re.search(r"pages 1-(\d+), the footer note: (\d+) lines? do(?:es)? not fit inside its box "
                      r"\(about (\d+) of its (\d+) characters fit\)", message)
    assert found, message
    fit, total = int(found[3]), int(found[4])
    assert 0 < fit < total and total >= len(footer)
    shorter = footer[: fit - (total - len(footer)) - 12].rsplit(" ", 1)[0]  # the stated room, less a word's slack
    path.write_text(original + f"footer_text: {shorter}\n")
    assert Pdf(render_packet(load_clinic(str(path)), long_visit("esketamine-nasal", True), fast=False)).page_texts()
