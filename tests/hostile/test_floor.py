"""The safety floor holds whatever a clinic changes, proven on the printed page.

Each row is a change a clinic might make that a medical director would never sign:
`validate` must refuse it, naming the file and line (or key) and the reason, and
`render` must print nothing. The CSS and template rows are only visible once laid
out, so they also prove that the check reads the paper, not the config.
"""

from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from packets.checks.validate import validate
from packets.config.loading import load_clinic
from packets.errors import PacketsError
from packets.render.packet import render_packet
from packets.visits.model import Visit

from conftest import PACKETS
from hostile_tools import refused, run
from pdfcheck import Pdf

VISIT = {"iv-ketamine": Visit(name="Ann Qwertyuiop", treatment="iv-ketamine", when=datetime(2026, 11, 21, 14, 30)),
         "im-ketamine": Visit(name="Ann Qwertyuiop", treatment="im-ketamine", when=datetime(2026, 11, 21, 14, 30))}


def _edit(path: Path, old: str, new: str) -> int:
    """Replace ``old`` once; the 1-based line where it was."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


CLINIC_SIGNS = "  warning_signs:\n    clinic:\n      - en: A new rash\n        es: Un sarpullido nuevo en la piel\n"

# (id, old text in sunrise-iv's clinic.yaml, new text, key the error names, words of the reason, line offset)
CONFIG_ROWS = [
    ("emergency-411", 'emergency: "911"', 'emergency: "411"', "contacts.emergency", "411 is not the emergency number in US", 0),
    ("crisis-is-the-office", 'crisis: "988"', 'crisis: "(503) 555-0100"', "contacts.crisis", "is one of your clinic's own numbers", 0),
    ("crisis-outdated", 'crisis: "988"', 'crisis: "1-800-273-8255"', "contacts.crisis", "not the national crisis line in US", 0),
    ("after-hours-is-the-office", 'after_hours: "(503) 555-0190"', 'after_hours: "(503) 555-0100"', "contacts.after_hours",
     "same number as main", 0),
    ("iv-monitoring-0", "monitoring_minutes: 45", "monitoring_minutes: 0", "treatments.iv-ketamine.monitoring_minutes",
     "0 minutes of monitoring is below the floor of 15", 0),
    ("iv-driving-1h", "driving: 24", "driving: 1", "treatments.iv-ketamine.driving", "driving after 1 hours is below the floor of 12", 0),
    ("im-driving-2h", "driving: next-day\n    alcohol_free_hours: 24\n    escort: [driver",
     "driving: 2\n    alcohol_free_hours: 24\n    escort: [driver", "treatments.im-ketamine.driving",
     "driving after 2 hours is below the floor of 12", 0),
    ("alcohol-0", "alcohol_free_hours: 24", "alcohol_free_hours: 0", "treatments.iv-ketamine.alcohol_free_hours",
     "no alcohol for the rest of the day only is below the floor of 24 hours", 0),
    ("alcohol-1", "alcohol_free_hours: 24", "alcohol_free_hours: 1", "treatments.iv-ketamine.alcohol_free_hours",
     "1 hours without alcohol is below the floor of 24 hours", 0),
    ("no-driver-after-iv", "    escort: driver\n", "    escort: companion\n    escort_hours: 4\n", "treatments.iv-ketamine.escort",
     "a patient treated at the clinic needs a driver home", 0),
    ("sedatives-1h", "sedative_free_hours: 4", "sedative_free_hours: 1", "treatments.iv-ketamine.sedative_free_hours",
     "1 hours without sedatives is below the floor of 4", 0),
    ("wine-tonight",
     "        - en: Our therapy group meets on Tuesday evenings.\n          es: Nuestro grupo de terapia se reúne los martes por la noche.",
     "        - en: You can have one glass of wine tonight.\n          es: Puede tomar una copa de vino esta noche.",
     "content.sections.first-week.add.0", "contradicts the packet's alcohol rule", 0),
    ("drive-yourself",
     "        - en: Our therapy group meets on Tuesday evenings.\n          es: Nuestro grupo de terapia se reúne los martes por la noche.",
     "        - en: It is fine to drive yourself home if you feel well.\n          es: Si se siente bien, puede manejar a su casa.",
     "content.sections.first-week.add.0", "contradicts the packet's driving rule", 0),
    ("chest-pain-under-call-us", CLINIC_SIGNS, CLINIC_SIGNS + "      - en: Chest pain\n        es: Dolor en el pecho\n",
     "content.warning_signs.clinic.1", "is a danger to life, but it is under clinic", 4),
    ("suicide-under-call-us", CLINIC_SIGNS, CLINIC_SIGNS + "      - en: Thoughts of suicide\n        es: Piensa en el suicidio\n",
     "content.warning_signs.clinic.1", "is about suicide or harm, but it is under clinic", 4),
]


@pytest.mark.parametrize(("old", "new", "key", "reason", "offset"), [row[1:] for row in CONFIG_ROWS], ids=[row[0] for row in CONFIG_ROWS])
def test_a_config_change_below_the_floor_is_refused_by_validate_and_render(clinic_copy, old, new, key, reason, offset) -> None:
    path = clinic_copy(languages=True)
    line = _edit(path, old, new) + offset
    errors = [p for p in validate(str(path)) if p.severity == "error"]
    assert [p.where for p in errors][:1] == [key], errors
    assert reason in errors[0].message and errors[0].line == line, (errors[0].line, line, errors[0].message)
    kind = key.split(".")[1] if key.startswith("treatments.") else "iv-ketamine"
    with pytest.raises(PacketsError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        render_packet(load_clinic(str(path)), VISIT[kind])


def test_render_on_the_command_line_prints_nothing_for_a_false_emergency_number(clinic_copy, tmp_path: Path) -> None:
    path = clinic_copy()
    line = _edit(path, 'emergency: "911"', 'emergency: "411"')
    out = tmp_path / "out" / "x.pdf"
    done = run("render", "--clinic", str(path), "--name", "Ann Qwertyuiop", "--treatment", "iv-ketamine", "--out", str(out))
    refused(done, f"{path}:{line}: contacts.emergency: 411 is not the emergency number in US. Set emergency: \"911\".")
    assert not out.exists()


# Layout-only changes: each hides, fades, shrinks, covers or removes part of the floor.
CSS_ROWS = [
    ("display-none", ".warnings, .tier-rule, .urgent-note, .card-rules { display: none; }", "'When to get help' heading does not print"),
    ("visibility", ".tier-emergency { visibility: hidden; }", "the EMERGENCY tier (911) would not be seen: it is hidden (visibility)"),
    ("opacity", ".tier-crisis { opacity: 0.15; }",
     "the CRISIS tier (988) would not be seen: its contrast with the background is 1.4:1, under 4.5:1 (it is faded: opacity 0.15)"),
    ("white-text", ".tier-rule { color: #fdfdfd; }", "would not be seen: its contrast with the background is 1.0:1"),
    ("tiny-text", ".tier-clinic li { font-size: 4pt; }", "the CALL US tier ((503) 555-0190) would not be seen: its font is 4.0 pt"),
    ("transform", ".warnings { transform: scale(0.3); }", "would not be seen: it is moved or scaled by a CSS transform"),
    ("covered", (".warnings { position: relative; } .warnings::after { content: ''; position: absolute; top: 0; left: 0; "
                 "right: 0; bottom: 0; background: #fff; }"), "would not be seen: another box is drawn over it"),
    ("today-hidden", ".today li { visibility: hidden; }", "the Today box's rules (driving, alcohol, sedatives, who stays with you)"),
    ("grid-actions", ".grid .urgent-note { display: none; }",
     "the grid's 'Any thoughts of suicide or of hurting yourself?' row does not print"),
    ("card-rules", ".card-rules { display: none; }", "the suicide rule on the wallet card does not print"),
]


@pytest.mark.parametrize(("css", "reason"), [row[1:] for row in CSS_ROWS], ids=[row[0] for row in CSS_ROWS])
def test_clinic_css_that_hides_the_floor_is_refused_by_validate_and_render(clinic_copy, css: str, reason: str) -> None:
    path = clinic_copy()
    _edit(path, "branding:\n", "branding:\n  css: extra.css\n")
    (path.parent / "extra.css").write_text("/* the clinic's own styles */\nh2 { letter-spacing: 0.01em; }\n" + css + "\n")
    errors = [p for p in validate(str(path)) if p.severity == "error"]
    assert errors, "validate said OK"
    assert "the safety floor would not print" in errors[0].message and reason in errors[0].message, errors[0].message
    assert errors[0].file == str(path.parent / "extra.css") and errors[0].line == 3, errors[0]  # the rule, not the harmless line 2
    with pytest.raises(PacketsError, match="the safety floor would not print") as caught:
        render_packet(load_clinic(str(path)), VISIT["iv-ketamine"])
    assert reason in str(caught.value) and "Ann" not in str(caught.value)  # never quotes the patient's text


TEMPLATE_ROWS = [
    ("packet.html", ('{% extends "!base/packet.html" %}\n{% block sections %}{{ super() }}{% endblock %}\n'
                     '{% block warnings %}{% endblock %}\n'),
     "'When to get help' heading does not print: the template has no box marked data-floor=\"tiers\"", 3),
    ("packet.html", ('{% extends "!base/packet.html" %}\n{% block warnings %}\n<div class="warnings" data-floor="tiers">'
                     "<h2>{{ p.labels.warning_title }}</h2><p>Call us with any questions.</p></div>\n{% endblock %}\n"),
     "the EMERGENCY tier (911) does not print as the safety rules require", 2),
    ("card_faces.html", "{% macro front() %}<div class=\"card\">Our card</div>{% endmacro %}\n{% macro back() %}{% endmacro %}\n",
     "the wallet card's numbers does not print: the template has no box marked data-floor=\"card-front\"", 1),
]


@pytest.mark.parametrize(("name", "body", "reason", "line"), TEMPLATE_ROWS, ids=["warnings-emptied", "warnings-replaced", "cards-emptied"])
def test_a_template_override_that_drops_the_floor_is_refused(clinic_copy, name: str, body: str, reason: str, line: int) -> None:
    path = clinic_copy()
    (path.parent / "templates").mkdir()
    (path.parent / "templates" / name).write_text(body)
    errors = [p for p in validate(str(path)) if p.severity == "error"]
    assert errors and reason in errors[0].message, errors
    assert (errors[0].file, errors[0].line) == (str(path.parent / "templates" / name), line)
    out = path.parent / "x.pdf"
    refused(run("render", "--clinic", str(path), "--name", "Ann Qwertyuiop", "--treatment", "iv-ketamine", "--out", str(out)), reason)
    assert not out.exists()


def test_restyling_the_floor_is_allowed(clinic_copy) -> None:
    """A clinic keeps its brand: other colours, borders and backgrounds that keep the text readable."""
    path = clinic_copy()
    _edit(path, "branding:\n", "branding:\n  css: extra.css\n")
    (path.parent / "extra.css").write_text(
        ".tier { border-radius: 2mm; } .tier-rule { color: #1a1a6e; } .tier-clinic { background: #f4f4ff; }\n"
        ".today { background: #fff8e6; } .grid .urgent-note { color: #5a0000; } .card-rules p { color: #222; }\n")
    assert [p for p in validate(str(path)) if p.severity == "error"] == []
    assert "When to get help" in Pdf(render_packet(load_clinic(str(path)), VISIT["iv-ketamine"])).page_texts()[0]


def test_a_signed_exception_is_listed_by_validate_and_printed_on_the_packet(clinic_copy) -> None:
    path = clinic_copy()
    exception = ("    driving: 8\n    floor_exceptions:\n      - rule: driving\n"
                 "        reason: Our infusions end with a 2-hour recovery stay.\n"
                 "        approved_by: Dr. Maria Chen, Medical Director\n        date: 2026-10-01\n")
    line = _edit(path, "    driving: 24\n", exception)
    done = subprocess.run([*PACKETS, "validate", str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert (f"{path}:{line}: treatments.iv-ketamine.driving: warning: exception to the safety floor: driving after 8 hours is below "
            "the floor of 12 hours.") in done.stderr
    assert "Approved by Dr. Maria Chen, Medical Director on 2026-10-01" in done.stderr and "expires on 2027-10-01" in done.stderr
    pdf = Pdf(render_packet(load_clinic(str(path)), VISIT["iv-ketamine"]))
    assert all("Approved protocol exceptions" in page for page in pdf.page_texts())  # every page's footer
    assert "No driving or machines for 8 hours (until about 11:30 PM, Saturday, Nov 21)." in pdf.page_texts()[0]


def test_an_exception_cannot_lower_a_rems_rule_or_outlive_its_year(clinic_copy) -> None:
    path = clinic_copy("harbor-spravato")
    line = _edit(path, "monitoring_minutes: 120\n", "monitoring_minutes: 60\n    floor_exceptions:\n      - rule: monitoring\n"
                 "        reason: staff shortage\n        approved_by: Dr. A\n        date: 2026-10-01\n")
    errors = [p for p in validate(str(path)) if p.severity == "error"]
    assert [(p.where, p.line) for p in errors] == [("treatments.esketamine-nasal.floor_exceptions.0", line + 2)]
    assert "This rule allows no exception" in errors[0].message and "REMS" in errors[0].message
    path = clinic_copy()
    _edit(path, "    driving: 24\n", "    driving: 8\n    floor_exceptions:\n      - rule: driving\n        reason: recovery stay\n"
          "        approved_by: Dr. Maria Chen\n        date: 2025-10-01\n")
    errors = [p for p in validate(str(path)) if p.severity == "error"]
    assert "expired on 2026-10-01" in errors[0].message


def test_a_batch_with_hiding_css_fails_every_row_with_the_reason(clinic_copy, tmp_path: Path) -> None:
    """The fast path's bases and patient layers are checked too: no row slips through on a shared layout."""
    path = clinic_copy()
    _edit(path, "branding:\n", "branding:\n  css: extra.css\n")
    (path.parent / "extra.css").write_text(".tier-rule { visibility: hidden; }\n")
    schedule = tmp_path / "day.csv"
    schedule.write_text("patient_name,time,treatment,escort_name\nAnn Lee,09:00,iv-ketamine,Bo Lee\n"
                        "Cy Park,09:30,iv-ketamine,Di Park\nEd Fox,10:00,im-ketamine,Flo Fox\n")
    out = tmp_path / "out"
    done = run("batch", "--clinic", str(path), "--schedule", str(schedule), "--date", "2026-11-21", "--out", str(out))
    assert done.returncode == 1, done.stderr
    failed = [line for line in done.stderr.splitlines() if "FAILED" in line]
    assert len(failed) == 3 and all("the safety floor would not print" in line and "it is hidden (visibility)" in line for line in failed)
    assert not list(out.rglob("*.pdf")) if out.exists() else True


def test_every_floor_rule_a_stylesheet_breaks_is_named(clinic_copy) -> None:
    """Two broken parts, two names in the one message: the clinic fixes both in one go, not one per run."""
    path = clinic_copy()
    _edit(path, "branding:\n", "branding:\n  css: extra.css\n")
    (path.parent / "extra.css").write_text(".tier-emergency { visibility: hidden; }\n.tier-crisis { opacity: 0.15; }\n")
    with pytest.raises(PacketsError) as caught:
        render_packet(load_clinic(str(path)), VISIT["iv-ketamine"])
    message = str(caught.value)
    assert "the EMERGENCY tier (911) would not be seen" in message and "the CRISIS tier (988) would not be seen" in message, message
    assert "(and " not in message and "(also: " in message
