"""Stand-in numbers and links never print silently: every page and card says SAMPLE."""

from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path

from packets.config.loading import load_clinic
from packets.config.scaffold import init_clinic
from packets.config.standins import is_sample, stand_ins
from packets.render.cards import card_sheet, render_cards
from packets.render.packet import render_packet
from packets.visits.model import Visit

from conftest import PACKETS
from pdfcheck import Pdf

MARK = "SAMPLE — not for patient use"
VISIT = Visit(name="Jane Doe", treatment="iv-ketamine", when=datetime(2026, 11, 21, 14, 30))


def _scaffold(tmp_path: Path) -> Path:
    return init_clinic("lakeside-ketamine", tmp_path)


def test_scaffolded_packet_is_marked_on_every_page(tmp_path: Path) -> None:
    loaded = load_clinic(str(_scaffold(tmp_path)))
    assert is_sample(loaded)
    for large in (False, True):
        texts = Pdf(render_packet(loaded, Visit(**{**VISIT.__dict__, "large_print": large}))).page_texts()
        assert len(texts) >= 4
        for number, text in enumerate(texts, 1):
            assert MARK in text, (large, number)


def test_scaffolded_card_sheet_is_marked_on_every_card(tmp_path: Path) -> None:
    loaded = load_clinic(str(_scaffold(tmp_path)))
    sheet = card_sheet(loaded)
    texts = Pdf(render_cards(loaded)).page_texts()
    for side, text in zip(sheet.sides, texts):
        # one mark on each card, and one in the sheet's note
        assert text.count(MARK) == len(side.slots) + 1, (side.name, text.count(MARK))


def test_example_clinics_are_samples_and_say_why() -> None:
    for clinic in ("sunrise-iv", "harbor-spravato"):
        loaded = load_clinic(clinic)
        found = stand_ins(loaded)
        assert is_sample(loaded) and {s.kind for s in found} == {"address", "number"}
        # Every number is fiction (555-01xx): a copy that only changes its web addresses still prints SAMPLE.
        assert {s.keys[1] for s in found if s.kind == "number"} >= {"main", "after_hours"}


def test_a_real_config_prints_no_mark(clinic_copy) -> None:
    path = clinic_copy("harbor-spravato")
    text = path.read_text().replace("harbor-mh.example", "harbor-mh.org")
    path.write_text(text.replace("(617) 555-0110", "(617) 442-3100").replace("(617) 555-0119", "(617) 442-3199"))
    loaded = load_clinic(str(path))
    assert not is_sample(loaded)
    pdf = Pdf(render_packet(loaded, Visit(name="Ana Lima", treatment="esketamine-nasal", when=datetime(2026, 11, 21, 9, 5))))
    assert "SAMPLE" not in pdf.text()
    assert "SAMPLE" not in Pdf(render_cards(loaded)).text()


def test_cli_says_so_on_stderr(tmp_path: Path) -> None:
    config = _scaffold(tmp_path)
    done = subprocess.run([*PACKETS, "cards", "--clinic", str(config), "--out", str(tmp_path / "cards.pdf")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "stand-in" in done.stderr and MARK in done.stderr
    done = subprocess.run([*PACKETS, "render", "--clinic", str(config), "--name", "Jane Doe", "--treatment", "iv-ketamine",
                           "--out", str(tmp_path / "p.pdf")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and MARK in done.stderr
    assert "no --time given" in done.stderr  # and which time the "until" times count from
