"""A translation stays tied to its English: each section records the English it followed, and a change is named."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from packets.assets.paths import content_dir
from packets.checks.validate import validate
from packets.content import translation
from packets.content.translation import stale_sections, translated_languages, translation_status

from conftest import PACKETS

BULLET = "      - Stay in your seat until staff say you can stand.\n"


@pytest.fixture
def contents(tmp_path: Path) -> Path:
    """A copy of the shipped content files, to change."""
    folder = tmp_path / "content"
    shutil.copytree(content_dir(), folder)
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.parametrize("language", translated_languages())
def test_every_shipped_translation_is_current_with_the_english(language: str) -> None:
    """CI fails here when an English section changed after its translation was reviewed."""
    status = translation_status(language)
    assert len(status) >= 20  # every section has a record, not a handful
    stale = [s.problem() for s in status if not s.is_current]
    assert stale == [], "\n".join(stale)
    assert all(s.reviewed_by and s.reviewed_on for s in status)


def test_changing_one_english_bullet_names_the_spanish_section(contents: Path) -> None:
    _edit(contents / "en.yaml", BULLET, BULLET.replace("can stand.", "say you can stand up."))
    stale = stale_sections("es", contents)
    assert [s.section for s in stale] == ["sections.right-after"]
    problem = stale[0].problem()
    assert problem.startswith("sections.right-after: the English changed after this was translated")
    assert f"record it: sections.right-after: {{source: {stale[0].current}, reviewed_by: NAME" in problem
    assert stale[0].recorded != stale[0].current


def test_a_comment_or_a_key_order_change_keeps_the_translation_current(contents: Path) -> None:
    _edit(contents / "en.yaml", BULLET, "      # a note for translators\n" + BULLET)
    _edit(contents / "en.yaml", "    title: Right after your treatment\n    intro:", "    intro:")
    _edit(contents / "en.yaml", "\n    items:\n      - You may feel spacey",
          "\n    title: Right after your treatment\n    items:\n      - You may feel spacey")
    assert stale_sections("es", contents) == []


def test_a_new_section_and_a_removed_one_are_named(contents: Path) -> None:
    en, es = contents / "en.yaml", contents / "es.yaml"
    _edit(en, "  - id: right-after\n", "  - id: brand-new\n    title: New\n    items: [One new line.]\n  - id: right-after\n")
    text = es.read_text(encoding="utf-8")
    es.write_text(text + "    sections.gone: {source: 0123456789ab, reviewed_by: A. Reviewer, reviewed_on: 2026-12-01}\n",
                  encoding="utf-8")
    problems = {s.section: s.problem() for s in stale_sections("es", contents)}
    assert set(problems) == {"sections.brand-new", "sections.gone"}
    assert "no record of the English it was translated from" in problems["sections.brand-new"]
    assert "the English has no such section any more" in problems["sections.gone"]


def test_validate_warns_a_clinic_that_prints_the_language_behind(contents: Path, monkeypatch) -> None:
    _edit(contents / "en.yaml", BULLET, BULLET.replace("can stand.", "say you can stand up."))
    monkeypatch.setattr(translation, "content_dir", lambda: contents)
    warnings = [p for p in validate("sunrise-iv", render=False) if p.where == "languages"]
    assert len(warnings) == 1 and warnings[0].severity == "warning"
    assert "Spanish text (templates/content/es.yaml) is out of date with the English in 1 section(s): sections.right-after" \
        in warnings[0].message


def test_translations_command_reports_current_and_refuses_the_source_language() -> None:
    done = subprocess.run([*PACKETS, "translations"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"es: all {len(translation_status('es'))} sections current with the English"
    bad = subprocess.run([*PACKETS, "translations", "--language", "en"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "check one of: es." in bad.stderr and "Traceback" not in bad.stderr
