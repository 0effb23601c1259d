"""`packets cards`: a card-stock sheet of warning cards at exact size, with crop marks."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from packets.config.languages import in_language
from packets.config.loading import load_clinic
from packets.config.phones import tel_uri
from packets.render.cards import MARK_LEN_MM, MARK_WEIGHT_MM, card_sheet, render_cards
from packets.render.context import CARD_MM, PAPER_MM

from conftest import PACKETS
from pdfcheck import Pdf

CASES = {"sunrise-iv": ("letter", "business", 10), "harbor-spravato": ("a4", "id-1", 10)}


@pytest.fixture(scope="module", params=sorted(CASES))
def sheet(request):
    loaded = load_clinic(request.param)
    return loaded, Pdf(render_cards(loaded, count=13))


def test_pages_and_paper(sheet) -> None:
    loaded, pdf = sheet
    paper, _, _ = CASES[loaded.clinic.id]
    assert len(pdf.page_texts()) == 4  # 13 cards at 10 a sheet: two sheets, fronts and backs
    for size in pdf.page_sizes_mm():
        assert size == pytest.approx(PAPER_MM[paper], abs=0.1)


def test_every_card_is_exact_card_size(sheet) -> None:
    loaded, pdf = sheet
    _, card, per_sheet = CASES[loaded.clinic.id]
    for page, expected in ((0, per_sheet), (1, per_sheet), (2, 3), (3, 3)):
        cards = [r for r in pdf.rectangles_mm(page) if r == pytest.approx(CARD_MM[card], abs=0.1)]
        assert len(cards) == expected, (page, pdf.rectangles_mm(page)[:5])


def test_crop_marks_on_every_cut_line(sheet) -> None:
    loaded, pdf = sheet
    layout = card_sheet(loaded)
    expected = 2 * (layout.columns + 1) + 2 * (layout.rows + 1)
    marks = [r for r in pdf.rectangles_mm(0) if sorted(r) == pytest.approx(sorted((MARK_LEN_MM, MARK_WEIGHT_MM)), abs=0.05)]
    assert len(marks) == expected


def test_front_and_back_text_and_qr(sheet) -> None:
    loaded, pdf = sheet
    texts = pdf.page_texts()
    c = loaded.clinic.contacts
    assert texts[0].count("Get help fast") == 10 and texts[0].count("EMERGENCY") == 10
    assert texts[1].count(loaded.clinic.name) == 10
    codes = pdf.qr_codes()
    assert codes[0] == []
    payload = in_language(loaded, "en").clinic.links.card or tel_uri(c.after_hours, loaded.clinic.country)
    assert codes[1] == [payload] * 10
    assert codes[3] == [payload] * 3


def test_backs_are_mirrored_behind_their_fronts() -> None:
    layout = card_sheet(load_clinic("sunrise-iv"), count=3)
    front, back = layout.sides
    width = layout.paper_mm[0]
    for f, b in zip(front.slots, back.slots):
        # flipped on the long edge, a back's left edge lands where its front's right edge was
        assert b.x == pytest.approx(width - (f.x + layout.card_mm[0]), abs=0.01) and b.y == f.y


def test_cli_writes_private_file_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "new" / "cards.pdf"
    done = subprocess.run([*PACKETS, "cards", "--clinic", "harbor-spravato", "--out", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "10 id-1 card(s), 10 per sheet, 1 sheet(s) = 2 pages" in done.stdout
    assert oct(out.stat().st_mode & 0o777) == "0o600" and oct(out.parent.stat().st_mode & 0o777) == "0o700"
    bad = subprocess.run([*PACKETS, "cards", "--clinic", "harbor-spravato", "--count", "0"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--count" in bad.stderr


def test_cli_prints_spanish_cards_with_the_spanish_link(tmp_path: Path) -> None:
    """`packets cards --language es`: Spanish fronts and backs, the clinic's Spanish card link in the QR, sheet notes in Spanish."""
    out = tmp_path / "cards-es.pdf"
    done = subprocess.run([*PACKETS, "cards", "--clinic", "sunrise-iv", "--language", "Spanish", "--count", "2", "--out", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    pdf = Pdf(out.read_bytes())
    front, back = (" ".join(t.split()) for t in pdf.page_texts())
    assert front.count("Ayuda rápida") == 2 and "EMERGENCIA" in front and "Get help fast" not in front
    assert "llame (oprima 2) o envíe AYUDA por texto" in front  # 988's Spanish routes, by call and by text
    assert "hoja 1 de 1" in front and " of " not in front
    assert back.count("De guardia (Dra. Maria Chen)") == 2 and "Dr. Maria" not in back  # the on-call name in Spanish
    spanish_link = load_clinic("sunrise-iv").clinic.links.card["es"]  # type: ignore[index]
    assert pdf.qr_codes()[1] == [spanish_link] * 2
    bad = subprocess.run([*PACKETS, "cards", "--clinic", "sunrise-iv", "--language", "fr", "--out", str(tmp_path / "fr.pdf")],
                         capture_output=True, text=True)
    assert bad.returncode == 1 and bad.stderr.strip().endswith("Available: en, es.") and "Traceback" not in bad.stderr
    assert not (tmp_path / "fr.pdf").exists()
