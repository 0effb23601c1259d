"""`validate` lays out real packets: what would fail `render` or `batch` fails `validate`, naming the cause."""

from __future__ import annotations

from pathlib import Path

from packets.checks.validate import validate


def _errors(path: Path) -> list[str]:
    return [str(p) for p in validate(str(path)) if p.severity == "error"]


def test_example_clinics_prove_clean() -> None:
    for clinic in ("sunrise-iv", "harbor-spravato"):
        assert _errors(Path(clinic)) == [], clinic


def test_fourteen_extra_bullets_fail_with_the_sheet_length_and_the_content_key(clinic_copy) -> None:
    path = clinic_copy("harbor-spravato")
    # Fourteen were enough in the first layout; Harbor's A4 sheet now has room for them,
    # so thirty make sure the sheet runs over.
    bullets = "".join(f"        - {{en: 'Tip {n}. Rest, drink water, and call us if you feel unwell.', "
                      f"es: 'Consejo {n}. Descanse, tome agua y llámenos si se siente mal.'}}\n" for n in range(30))
    anchor = "          es: Su próxima dosis es parte de un plan. Trate de no faltar a ninguna cita.\n"
    assert anchor in path.read_text()  # the example clinic's own added bullet: the extra ones go after it
    path.write_text(path.read_text().replace(anchor, anchor + bullets))
    errors = _errors(path)
    assert len(errors) == 1, errors
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("content:"))
    assert f"clinic.yaml:{line}: content:" in errors[0] and "discharge sheet is 3 pages" in errors[0], errors


def test_a_web_image_in_a_clinic_template_fails_naming_the_template_line(clinic_copy) -> None:
    path = clinic_copy("harbor-spravato")
    (path.parent / "templates").mkdir()
    (path.parent / "templates" / "packet.html").write_text(
        '{% extends "!base/packet.html" %}\n{% block closing %}\n<img src="https://cdn.example.net/badge.png" alt="">\n{% endblock %}\n')
    errors = _errors(path)
    assert errors and all("blocked a resource" in e for e in errors), errors
    assert "templates/packet.html:3:" in errors[0] and "https://cdn.example.net/badge.png" in errors[0], errors


def test_text_cut_off_on_the_card_fails_naming_the_key(clinic_copy) -> None:
    path = clinic_copy("harbor-spravato")
    path.write_text(path.read_text().replace("links:\n", "links:\n  card: https://harbor-mh.example/" + "a" * 260 + "\n"))
    errors = _errors(path)
    assert any("links.card" in e and "cut off" in e for e in errors), errors
