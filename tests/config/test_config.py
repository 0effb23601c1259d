"""Broken configs give one clear message each, with the right file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from packets.checks.validate import validate
from packets.config.loading import load_clinic
from packets.errors import ConfigError


def _break(path: Path, old: str, new: str) -> int:
    """Replace ``old`` with ``new`` in the file; return the 1-based line changed."""
    text = path.read_text()
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1))
    return line


def _problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_clinic(str(path))
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize("clinic_id", ["sunrise-iv", "harbor-spravato", "willow-home"])
def test_examples_validate_clean(clinic_id: str) -> None:
    problems = validate(clinic_id)
    # The examples are fictional: their .example links are stand-ins, so they warn (and print marked SAMPLE).
    assert [p for p in problems if p.severity != "info" and "stand-in" not in p.message] == []
    assert all("stand-in address" in p.message or "stand-in number" in p.message for p in problems if p.severity == "warning")
    assert any("stand-in number" in p.message for p in problems)  # 555-01xx only: a copy stays SAMPLE until its numbers are real
    assert all("reading grade" in p.message or "are read as" in p.message for p in problems if p.severity == "info")  # notes only
    assert any("dates like 05/06/2026 are read as May 6, 2026 (month first, from country: US)" in p.message for p in problems)


@pytest.mark.parametrize(
    ("old", "new", "key", "expected"),
    [
        ("  after_hours:", "  after_hour:", "contacts.after_hour", ["unknown key 'after_hour'", "after_hours"]),
        ('main: "(503) 555-0100"', "main: +15035550100", "contacts.main", ["put this value in quotes"]),
        ('"(503) 555-0190"', '"(503) 555-01"', "contacts.after_hours", ["not a valid phone number"]),
    ],
    ids=["unknown-key", "unquoted-phone", "bad-phone"],
)
def test_bad_value_names_line_key_and_fix(clinic_copy, old: str, new: str, key: str, expected: list[str]) -> None:
    path = clinic_copy()
    line = _break(path, old, new)
    problems = _problems(path)
    assert any(f"clinic.yaml:{line}: {key}:" in p and all(e in p for e in expected) for p in problems), problems


def test_alias_refused(clinic_copy) -> None:
    path = clinic_copy()
    line = _break(path, "  on_call: \"(503) 555-0195\"", "  on_call: &x \"(503) 555-0195\"\n  main2: *x")
    problems = _problems(path)
    assert len(problems) == 1 and f":{line}:" in problems[0] and "anchors and aliases" in problems[0]


def test_missing_required_field(clinic_copy) -> None:
    path = clinic_copy("harbor-spravato")
    _break(path, "    alcohol_free_hours: 24\n", "")
    problems = _problems(path)
    line = path.read_text().splitlines().index("  esketamine-nasal:") + 1
    assert any(f":{line}: treatments.esketamine-nasal.alcohol_free_hours: required key" in p for p in problems), problems


def test_every_problem_in_one_pass(clinic_copy) -> None:
    path = clinic_copy()
    _break(path, "paper: letter", "paper: legal")
    _break(path, "  after_hours:", "  after_hour:")
    _break(path, "monitoring_minutes: 45", "monitoring_minutes: soon")
    problems = _problems(path)
    assert len(problems) >= 3
    assert any("'legal' is not allowed" in p for p in problems)


def test_non_utf8_and_large_files(tmp_path: Path) -> None:
    bad = tmp_path / "clinic.yaml"
    bad.write_bytes("name: Caf\xe9\n".encode("latin-1"))
    assert "not UTF-8" in _problems(bad)[0]
    bad.write_text("# pad\n" * 200_000)
    assert "at most 1 MB" in _problems(bad)[0]


def test_unknown_section_id_is_an_error(clinic_copy) -> None:
    path = clinic_copy("harbor-spravato")
    line = _break(path, "content:\n", "content:\n  hide:\n    - medicine\n") + 2
    problems = [str(p) for p in validate(str(path))]
    assert any(f":{line}: content.hide.0: no section 'medicine'" in p for p in problems), problems


def test_missing_review_is_a_warning(clinic_copy) -> None:
    path = clinic_copy("harbor-spravato")
    text = path.read_text()
    path.write_text(text[: text.index("\nreview:")] + text[text.index("\nschedule:"):])  # the review block only
    problems = [p for p in validate(str(path)) if p.severity != "info" and "stand-in" not in p.message]
    assert [p.severity for p in problems] == ["warning"] and "no content review" in problems[0].message


def test_colour_read_as_a_comment_says_to_quote_it(clinic_copy) -> None:
    path = clinic_copy("harbor-spravato")
    line = _break(path, '  primary: "#0b5563"', "  primary: #1F4E79")
    problems = [str(p) for p in validate(str(path))]
    assert any(f":{line}: branding.primary:" in p and 'Put colours in quotes: primary: "#1F4E79"' in p for p in problems), problems


def test_wide_logo_warns_and_wordmark_layout_quiets_it(clinic_copy) -> None:
    path = clinic_copy("harbor-spravato")
    (path.parent / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100" viewBox="0 0 300 100">'
                                          '<rect width="300" height="100" fill="#0b5563"/></svg>')
    warnings = [p.message for p in validate(str(path)) if p.severity == "warning" and p.where == "logo"]
    assert len(warnings) == 1 and "3.0:1" in warnings[0] and "logo_layout: wordmark" in warnings[0]
    path.write_text(path.read_text().replace("branding:\n", "branding:\n  logo_layout: wordmark\n"))
    assert not [p for p in validate(str(path)) if p.where == "logo"]
