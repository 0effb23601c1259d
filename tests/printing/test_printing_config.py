"""The printing: section of clinic.yaml, and the job settings made from it (no CUPS needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from packets.config.loading import load_clinic
from packets.errors import ConfigError
from packets.printing import PrintError, job_settings, pdf_paper

SECTION = """
printing:
  packets:
    queue: front-desk
  cards:
    queue: card-printer
    media_type: cardstock
    tray: by-pass-tray
  wait_seconds: 90
"""


def _with(clinic_copy, clinic_id: str, section: str) -> tuple[Path, int]:
    config = clinic_copy(clinic_id)
    text = config.read_text()
    config.write_text(text + section)
    return config, text.count("\n") + 2  # line of "printing:"


def test_settings_follow_the_clinic(clinic_copy) -> None:
    config, _ = _with(clinic_copy, "harbor-spravato", SECTION)
    loaded = load_clinic(str(config))
    packet = job_settings("packet", loaded)
    assert (packet.queue, packet.media, packet.sides, packet.print_scaling) == (
        "front-desk", "iso_a4_210x297mm", "two-sided-long-edge", None)
    assert packet.wait_seconds == 90 and packet.title == "harbor-spravato packets"
    cards = job_settings("cards", loaded, copies=3)
    assert (cards.queue, cards.media, cards.print_scaling, cards.media_type, cards.tray, cards.sides, cards.copies) == (
        "card-printer", "iso_a4_210x297mm", "none", "cardstock", "by-pass-tray", "two-sided-long-edge", 3)
    assert job_settings("packet", loaded, queue="other").queue == "other"


def test_letter_clinic_names_letter_media(clinic_copy) -> None:
    config, _ = _with(clinic_copy, "sunrise-iv", SECTION)
    assert job_settings("cards", load_clinic(str(config))).media == "na_letter_8.5x11in"


@pytest.mark.parametrize(("section", "key", "expected"), [
    ("printing:\n  packets:\n    queue: Front Desk\n", "printing.packets.queue", "is not a CUPS queue name"),
    ("printing:\n  packets:\n    queue: a/b\n", "printing.packets.queue", "is not a CUPS queue name"),
    ("printing:\n  packets:\n    queue: q\n    duplex: true\n", "printing.packets.duplex", "unknown key 'duplex'"),
    ("printing:\n  packets: {}\n", "printing.packets.queue", "required key 'queue' is missing"),
    ("printing:\n  cards:\n    queue: q\n    media_type: Card Stock\n", "printing.cards.media_type", "is not a printer keyword"),
    ("printing:\n  cards:\n    queue: q\n    sides: two-sided-short-edge\n", "printing.cards.sides", "is not allowed here"),
    ("printing:\n  wait_seconds: 1\n", "printing.wait_seconds", "greater than or equal to 5"),
    ("printing:\n  card:\n    queue: q\n", "printing.card", "Did you mean 'cards'?"),
])
def test_bad_printing_config_is_one_clear_line(clinic_copy, section: str, key: str, expected: str) -> None:
    config, line = _with(clinic_copy, "sunrise-iv", "\n" + section)
    with pytest.raises(ConfigError) as info:
        load_clinic(str(config))
    [problem] = info.value.problems
    assert problem.where == key and expected in problem.message, str(problem)
    assert problem.line is not None and problem.line >= line


def test_no_queue_anywhere(clinic_copy) -> None:
    loaded = load_clinic(str(clinic_copy("sunrise-iv")))
    with pytest.raises(PrintError, match=r"has no printing\.cards\.queue; add it .* or give --printer QUEUE"):
        job_settings("cards", loaded)
    with pytest.raises(PrintError, match="give --printer QUEUE"):
        job_settings("packet")


def test_pdf_paper_reads_the_page_size(tmp_path: Path) -> None:
    import pikepdf

    for name, size, expected in (("a4.pdf", (595.28, 841.89), "a4"), ("letter.pdf", (612, 792), "letter")):
        pdf = pikepdf.new()
        pdf.add_blank_page(page_size=size)
        pdf.save(tmp_path / name)
        assert pdf_paper(tmp_path / name) == expected
    odd = pikepdf.new()
    odd.add_blank_page(page_size=(300, 300))
    odd.save(tmp_path / "odd.pdf")
    with pytest.raises(PrintError, match="neither Letter nor A4"):
        pdf_paper(tmp_path / "odd.pdf")


def test_print_missing_or_broken_file_is_one_line(tmp_path: Path) -> None:
    import subprocess

    from conftest import PACKETS

    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"not a pdf")
    for path, expected in ((tmp_path / "none.pdf", "no such file"), (broken, "cannot read this PDF")):
        done = subprocess.run([*PACKETS, "print", str(path), "--printer", "front-desk"], capture_output=True, text=True)
        assert done.returncode == 1
        assert done.stderr.count("\n") == 1 and expected in done.stderr and "Traceback" not in done.stderr
