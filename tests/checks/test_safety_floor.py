"""`packets validate` holds each protocol to a safety floor and says where the rule comes from."""

from __future__ import annotations

import subprocess
from pathlib import Path

from packets.checks.validate import validate

from conftest import PACKETS


def _edit(path: Path, old: str, new: str) -> int:
    """Replace ``old`` once; return the 1-based line of the change."""
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))
    return text[: text.index(old)].count("\n") + 1


def _validate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*PACKETS, "validate", str(path)], capture_output=True, text=True)


def test_esketamine_with_15_minutes_of_monitoring_fails_naming_rems_and_line(clinic_copy) -> None:
    path = clinic_copy("harbor-spravato")
    line = _edit(path, "monitoring_minutes: 120", "monitoring_minutes: 15")
    done = _validate(path)
    assert done.returncode == 1
    assert (f"{path}:{line}: treatments.esketamine-nasal.monitoring_minutes: 15 minutes of monitoring is below the floor of 120. "
            "Source: Spravato (esketamine) REMS") in done.stderr


def test_render_refuses_a_protocol_below_the_floor(clinic_copy) -> None:
    path = clinic_copy("harbor-spravato")
    _edit(path, "monitoring_minutes: 120", "monitoring_minutes: 15")
    out = path.parent / "x.pdf"
    done = subprocess.run([*PACKETS, "render", "--clinic", str(path), "--name", "Ana Lima", "--treatment", "esketamine-nasal",
                           "--out", str(out)], capture_output=True, text=True)
    assert done.returncode == 1 and "below the floor of 120" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()


def test_esketamine_driving_after_hours_fails(clinic_copy) -> None:
    path = clinic_copy("harbor-spravato")
    line = _edit(path, "driving: next-day", "driving: 2")
    problems = [p for p in validate(str(path)) if p.severity == "error"]
    assert [(p.where, p.line) for p in problems] == [("treatments.esketamine-nasal.driving", line)]
    assert "REMS" in problems[0].message and "Set driving: next-day" in problems[0].message


def test_config_hiding_medicines_fails_with_its_line(clinic_copy) -> None:
    path = clinic_copy("harbor-spravato")
    line = _edit(path, "content:\n", "content:\n  hide: [medicines]\n") + 1
    done = _validate(path)
    assert done.returncode == 1
    assert f"{path}:{line}: content.hide.0: the 'medicines' section cannot be hidden" in done.stderr
    assert "Traceback" not in done.stderr


def test_oral_protocol_without_a_sitter_fails(clinic_copy) -> None:
    path = clinic_copy("willow-home")
    line = _edit(path, "    escort: sitter ", "    escort: driver ")
    done = _validate(path)
    assert done.returncode == 1
    assert f"{path}:{line}: treatments.oral-ketamine.escort: an at-home dose needs a sitter. Source: at-home ketamine safety" in done.stderr


def test_short_iv_driving_ban_fails_naming_the_floor_and_the_way_to_sign_an_exception(clinic_copy) -> None:
    path = clinic_copy()
    line = _edit(path, "    driving: 24", "    driving: 6")
    done = _validate(path)
    assert done.returncode == 1
    assert (f"{path}:{line}: treatments.iv-ketamine.driving: driving after 6 hours is below the floor of 12 hours. "
            "Source: usual IV and IM ketamine practice") in done.stderr
    assert "add a floor_exceptions entry (rule: driving, reason, approved_by, date)" in done.stderr


def test_emergency_sign_in_a_lower_tier_fails_naming_the_right_tier(clinic_copy) -> None:
    path = clinic_copy()
    rash = "        es: Un sarpullido nuevo en la piel"  # the example's added sign, in English and Spanish
    line = _edit(path, rash, rash + "\n      - Swelling of the lips or throat")
    problems = [p for p in validate(str(path)) if p.severity == "error"]
    assert [(p.where, p.line) for p in problems] == [("content.warning_signs.clinic.1", line + 1)]
    assert "is a danger to life, but it is under clinic" in problems[0].message
    assert "Move it to warning_signs.emergency" in problems[0].message


def test_review_older_than_the_shared_content_warns_and_lists_the_signs(clinic_copy) -> None:
    path = clinic_copy()
    _edit(path, "  date: 2026-12-08", "  date: 2026-01-05")
    problems = [p for p in validate(str(path)) if p.severity == "warning" and "stand-in" not in p.message]
    assert len(problems) == 1 and problems[0].where == "review.date"
    assert "the shared aftercare text changed on" in problems[0].message and "after your review on 2026-01-05" in problems[0].message
    assert "Swelling of the face, lips, tongue, or throat" in problems[0].message  # the defaults that need sign-off


def test_escort_rules_combine(clinic_copy) -> None:
    from datetime import datetime

    from packets.config.loading import load_clinic
    from packets.render.packet import render_packet
    from packets.visits.model import Visit

    from pdfcheck import Pdf

    pdf = Pdf(render_packet(load_clinic("willow-home"), Visit(name="Jo Roe", treatment="im-ketamine", when=datetime(2026, 11, 21, 9, 0))))
    first = pdf.page_texts()[0]
    assert "A sober adult (no alcohol or drugs) must drive you home. Do not drive yourself." in first
    assert "Have a sober adult stay near you for 12 hours." in first
