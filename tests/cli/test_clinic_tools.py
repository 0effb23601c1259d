"""What a clinic does without touching code: scaffold, brand, override, check, proof."""

from __future__ import annotations

import os
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from PIL import Image

from packets.assets.paths import templates_dir
from packets.checks.validate import validate
from packets.config.branding import contrast
from packets.config.loading import load_clinic
from packets.config.scaffold import init_clinic
from packets.errors import ConfigError, RenderError
from packets.render.packet import render_packet
from packets.render.preview import write_preview
from packets.visits.model import Visit

from conftest import PACKETS
from pdfcheck import Pdf

VISIT = Visit(name="Jane Doe", treatment="iv-ketamine", when=datetime(2026, 11, 21, 14, 30))


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*PACKETS, *args], capture_output=True, text=True)


# ---- init-clinic ---------------------------------------------------------------


def test_scaffolded_clinic_validates_and_renders(tmp_path: Path) -> None:
    done = _run("init-clinic", "lakeside-ketamine", "--dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    config = tmp_path / "lakeside-ketamine" / "clinic.yaml"
    assert (tmp_path / "lakeside-ketamine" / "logo.svg").is_file()
    text = config.read_text()
    for key in ("id:", "name:", "address:", "logo:", "country:", "paper:", "card_size:", "language:", "contacts:",
                "on_call:", "email:", "portal:", "links:", "tracking_form:", "treatments:", "monitoring_minutes:",
                "driving:", "alcohol_free_hours:", "escort:", "escort_hours:", "series_length:", "instructions:",
                "before_next_visit:", "content:", "hide:", "sections:", "warning_signs:", "branding:", "primary:",
                "accent:", "font:", "css:", "review:", "footer_text:"):
        line = next(line for line in text.splitlines() if key in line)
        assert "#" in line or line.strip().endswith(":"), f"{key} needs a comment: {line}"
    checked = _run("validate", str(config))
    assert checked.returncode == 0, checked.stderr
    assert "555-0100 is a stand-in number" in checked.stderr and "stand-in address" in checked.stderr
    pdf = Pdf(render_packet(load_clinic(str(config)), VISIT))
    assert "Lakeside Ketamine" in pdf.page_texts()[0] and len(pdf.page_texts()) == 4


def test_init_clinic_refuses_bad_or_existing_ids(tmp_path: Path) -> None:
    assert "is not a clinic id" in _run("init-clinic", "Bad Name", "--dir", str(tmp_path)).stderr
    init_clinic("twice", tmp_path)
    again = _run("init-clinic", "twice", "--dir", str(tmp_path))
    assert again.returncode == 1 and "already exists" in again.stderr


BUNDLE = """{"resourceType": "Bundle", "type": "searchset", "entry": [
 {"fullUrl": "https://ehr.example/fhir/Patient/p1",
  "resource": {"resourceType": "Patient", "id": "p1", "name": [{"family": "Quill", "given": ["Jane"]}]}},
 {"fullUrl": "https://ehr.example/fhir/Appointment/a1",
  "resource": {"resourceType": "Appointment", "id": "a1", "status": "booked", "appointmentType": {"text": "iv-ketamine"},
   "start": "2026-11-21T17:30:00Z", "participant": [{"actor": {"reference": "Patient/p1"}, "status": "accepted"}]}}]}
"""


@pytest.mark.parametrize("how, zone, local", [
    (("--time-zone", "America/Chicago"), None, "11:30 AM"),  # 17:30 UTC is 11:30 in Chicago (CST, UTC-6)
    ((), "America/Los_Angeles", "9:30 AM"),  # no flag: this computer's zone ($TZ), PST is UTC-8
])
def test_a_scaffolded_clinic_prints_an_offset_export_in_its_own_zone(tmp_path: Path, how, zone, local) -> None:
    env = {**os.environ, **({"TZ": zone} if zone else {})}
    made = subprocess.run([*PACKETS, "init-clinic", "lakeside-ketamine", "--dir", str(tmp_path), *how],
                          capture_output=True, text=True, env=env)
    assert made.returncode == 0, made.stderr
    config = tmp_path / "lakeside-ketamine" / "clinic.yaml"
    zone_line = next(line for line in config.read_text().splitlines() if "time_zone:" in line)
    assert zone_line.startswith(f"  time_zone: {zone or 'America/Chicago'}  # "), zone_line
    checked = _run("validate", str(config))
    assert checked.returncode == 0 and "time_zone" not in checked.stderr, checked.stderr
    (tmp_path / "day.json").write_text(BUNDLE)
    done = _run("batch", "--clinic", str(config), "--schedule", str(tmp_path / "day.json"), "--date", "2026-11-21",
                "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    [packet] = (tmp_path / "out" / "lakeside-ketamine" / "2026-11-21").glob("*-row02-JQ.pdf")
    assert packet.name == f"{local.split()[0].replace(':', '').zfill(4)}-row02-JQ.pdf"
    first = Pdf(packet.read_bytes()).page_texts()[0]
    assert f"Nov 21, 2026, {local}" in first and "hours count from the end of your dose, about" in first


def test_validate_warns_without_a_zone_or_with_utc(tmp_path: Path, monkeypatch) -> None:
    """No zone (the computer's could not be told) leaves the section commented out; it still loads."""
    monkeypatch.setattr("packets.config.scaffold.machine_time_zone", lambda: None)
    config = init_clinic("lakeside-ketamine", tmp_path)
    assert "  # time_zone: America/Chicago   # could not tell" in config.read_text()
    none = _run("validate", str(config))
    assert none.returncode == 0, none.stderr
    assert "schedule: warning: no schedule.time_zone: a FHIR export" in none.stderr
    config.write_text(config.read_text().replace("  # time_zone: America/Chicago", "  time_zone: Etc/UTC", 1))
    utc = _run("validate", str(config))
    assert utc.returncode == 0, utc.stderr
    assert "schedule.time_zone: warning: 'Etc/UTC' is UTC, a computer's default rather than a clinic's zone" in utc.stderr


def test_init_clinic_refuses_a_zone_that_does_not_exist(tmp_path: Path) -> None:
    done = _run("init-clinic", "lakeside-ketamine", "--dir", str(tmp_path), "--time-zone", "Mars/Olympus")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "--time-zone: 'Mars/Olympus' is not a time zone name. Use an IANA name" in done.stderr
    assert not (tmp_path / "lakeside-ketamine").exists()


def test_the_example_clinics_name_their_zones() -> None:
    zones = {clinic: load_clinic(clinic).clinic.schedule.time_zone for clinic in ("harbor-spravato", "sunrise-iv", "willow-home")}
    assert zones == {"harbor-spravato": "America/New_York", "sunrise-iv": "America/Los_Angeles",
                     "willow-home": "America/Chicago"}


# ---- branding --------------------------------------------------------------------


def test_contrast_ratio_matches_wcag_examples() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_low_contrast_colour_fails_with_measured_ratio(clinic_copy) -> None:
    path = clinic_copy()
    path.write_text(path.read_text().replace('accent: "#8a4b00"', 'accent: "#f0a040"'))
    done = _run("validate", str(path))
    assert done.returncode == 1
    assert "branding.accent: '#f0a040' on white paper has a contrast of 2.14:1; text needs at least 4.5:1" in done.stderr
    assert "Use a darker colour, for example '#" in done.stderr
    rendered = _run("render", "--clinic", str(path), "--name", "Jane Doe", "--treatment", "iv-ketamine",
                    "--out", str(path.parent / "x.pdf"))
    assert rendered.returncode == 1 and not (path.parent / "x.pdf").exists()


def test_logo_over_25_megapixels_is_refused(clinic_copy) -> None:
    path = clinic_copy()
    Image.new("1", (6000, 5000)).save(path.parent / "big.png")  # 30 MP, a few KB on disk
    path.write_text(path.read_text().replace("logo: logo.svg", "logo: big.png"))
    with pytest.raises(ConfigError, match=r"logo: 'big.png' is 6000 x 5000 pixels \(30.0 megapixels\); a logo may be at most 25"):
        load_clinic(str(path))


def test_logo_over_5_mb_and_wrong_type_are_refused(clinic_copy) -> None:
    path = clinic_copy()
    (path.parent / "huge.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(5 * 1024 * 1024))
    path.write_text(path.read_text().replace("logo: logo.svg", "logo: huge.png"))
    with pytest.raises(ConfigError, match=r"'huge.png' is 5.0 MB; a logo may be at most 5 MB"):
        load_clinic(str(path))
    (path.parent / "logo.gif").write_bytes(b"GIF89a")
    path.write_text(path.read_text().replace("logo: huge.png", "logo: logo.gif"))
    with pytest.raises(ConfigError, match="is not a PNG, JPEG or SVG file"):
        load_clinic(str(path))


def test_png_logo_prints(clinic_copy) -> None:
    path = clinic_copy()
    Image.new("RGB", (240, 240), (31, 78, 121)).save(path.parent / "logo.png")
    path.write_text(path.read_text().replace("logo: logo.svg", "logo: logo.png"))
    pdf = render_packet(load_clinic(str(path)), VISIT)
    assert b"/Subtype /Image" in pdf or b"/Subtype/Image" in pdf


# ---- overrides ---------------------------------------------------------------------


def _override(path: Path, body: str) -> None:
    (path.parent / "templates").mkdir(exist_ok=True)
    (path.parent / "templates" / "packet.html").write_text('{% extends "!base/packet.html" %}\n' + body)


def test_one_block_override_changes_that_block_and_keeps_the_rest(clinic_copy) -> None:
    path = clinic_copy()
    _override(path, '{% block closing %}<p class="closing">Questions? Call {{ p.contacts[0].value }} any time.</p>{% endblock %}\n')
    text = Pdf(render_packet(load_clinic(str(path)), VISIT)).text()
    assert "Questions? Call (503) 555-0100 any time." in text
    assert "This sheet does not replace advice" not in text  # the built-in closing is gone
    for kept in ("Patient: Jane Doe", "No driving or machines for 24 hours (until about 3:30 PM, Sunday, Nov 22).",
                 "When to get help", "How are you feeling?", "Get help fast"):
        assert kept in text


def test_sandbox_escape_is_refused_with_file_and_line(clinic_copy) -> None:
    path = clinic_copy()
    _override(path, "{% block closing %}\n<p>{{ ''.__class__.__mro__ }}</p>\n{% endblock %}\n")
    template = path.parent / "templates" / "packet.html"
    with pytest.raises(RenderError, match=rf"{template}:3: blocked by the sandbox: access to attribute '__class__'"):
        render_packet(load_clinic(str(path)), VISIT)
    problems = validate(str(path))
    assert any(p.file == str(template) and p.line == 3 and "sandbox" in p.message and p.severity == "error" for p in problems)


def test_template_syntax_error_names_file_and_line(clinic_copy) -> None:
    path = clinic_copy()
    _override(path, "{% block closing %}\n\n<p>{{ p.labels. }}</p>\n{% endblock %}\n")
    done = _run("validate", str(path))
    assert done.returncode == 1
    assert f"{path.parent / 'templates' / 'packet.html'}:4: template syntax error" in done.stderr


# ---- review record and plain language -------------------------------------------------


def test_review_prints_in_footer_and_old_review_warns(clinic_copy) -> None:
    pdf = Pdf(render_packet(load_clinic("harbor-spravato"), Visit(name="Ana Lima", treatment="esketamine-nasal", when=VISIT.when)))
    assert all("Content reviewed by Dr. Aaron Patel, Psychiatrist, Dec 8, 2026" in t for t in pdf.page_texts())
    problems = validate("harbor-spravato", today=date(2028, 12, 8))
    assert any(p.where == "review.date" and "over 24 months ago" in p.message and p.severity == "warning" for p in problems)


def test_reading_grade_reported_and_hard_text_warned(clinic_copy) -> None:
    path = clinic_copy()
    hard = ("Patients experiencing persistent dissociative phenomenology should contact the "
            "institutional multidisciplinary psychopharmacology consultation service immediately.")
    path.write_text(path.read_text().replace("    sedative_free_hours: 4\n",
                                             f"    sedative_free_hours: 4\n    instructions:\n      - {hard}\n", 1))
    problems = validate(str(path))
    hard_one = next(p for p in problems if p.where == "treatments.iv-ketamine.instructions")
    assert hard_one.severity == "warning" and "above 8" in hard_one.message
    assert float(hard_one.message.split("reading grade ")[1].split(",")[0]) > 8
    easy = next(p for p in problems if p.where == "content.sections.first-week")
    first_week = next(n for n, line in enumerate(path.read_text().splitlines(), 1) if line == "    first-week:")
    assert easy.severity == "info" and "reading grade" in easy.message and easy.line == first_week


# ---- black and white -------------------------------------------------------------


def test_warning_tiers_are_told_apart_by_label_and_shape_not_colour() -> None:
    text = Pdf(render_packet(load_clinic("sunrise-iv"), VISIT)).page_texts()
    sheet, card = " ".join(text[:2]), text[3]
    for page in (sheet, card):
        assert page.index("EMERGENCY") < page.index("CRISIS") < page.index("CALL US")
    css = (templates_dir() / "packet.css").read_text()
    assert ".tier-emergency { border: 1.2mm solid #000; }" in css and ".tier-crisis { border: 1.2mm double #000; }" in css
    assert ".tier-clinic { border: 0.6mm dashed #000; }" in css and "rotate(45deg)" in css and "border-radius: 50%" in css


# ---- preview ------------------------------------------------------------------------


def test_preview_writes_a_png_per_page_and_a_contact_sheet(tmp_path: Path) -> None:
    loaded = load_clinic("harbor-spravato")
    proof = write_preview(loaded, tmp_path / "proof", dpi=60)
    assert [p.name for p in proof.pages] == ["page-01.png", "page-02.png", "page-03.png", "page-04.png"]
    for page in proof.pages:
        with Image.open(page) as image:
            assert image.size == pytest.approx((210 / 25.4 * 60, 297 / 25.4 * 60), abs=1)  # A4 at 60 dpi
            assert round(image.info["dpi"][0]) == 60
            assert image.getextrema() != ((255, 255), (255, 255), (255, 255))  # not blank
    with Image.open(proof.contact_sheet) as sheet:
        assert sheet.width > 4 * 300 and sheet.height > 400
    done = _run("preview", "--clinic", "sunrise-iv", "--out", str(tmp_path / "cli"), "--dpi", "50")
    assert done.returncode == 0 and "wrote 4 page(s) at 50 dpi" in done.stdout
    assert (tmp_path / "cli" / "contact-sheet.png").is_file()
