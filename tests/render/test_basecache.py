"""Bases on disk: reused across renderers, laid out again when any input that shapes them changes."""

from __future__ import annotations

import re
import shutil
import stat
from datetime import datetime
from pathlib import Path

import pytest

from packets.assets.paths import templates_dir
from packets.config.loading import load_clinic
from packets.render import basecache, compose
from packets.render.packet import render_packet_layers
from packets.render.renderer import Renderer
from packets.visits.model import Visit

from pdfcheck import Pdf

VISIT = Visit(name="Ana Lima", treatment="iv-ketamine", when=datetime(2026, 12, 30, 9, 5))


@pytest.fixture
def builds(monkeypatch) -> list[int]:
    """Counts bases laid out (not read from memory or disk)."""
    calls: list[int] = []
    real = compose.build_base

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(compose, "build_base", counting)
    return calls


def test_bases_are_reused_from_disk_and_rebuilt_when_config_or_template_changes(clinic_copy, tmp_path: Path, builds) -> None:
    path = clinic_copy()
    cache = tmp_path / "bases"
    first, layers = render_packet_layers(load_clinic(str(path)), VISIT, renderer=Renderer(cache=cache))
    assert layers is not None and len(builds) == 2  # the sizing base and the patient's exact base
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    files = list(cache.iterdir())
    assert len(files) == 2 and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    # The name as a word, not three letters inside a base64 blob; file names are hashes too.
    assert not any(re.search(r"(?<![A-Za-z0-9+/])(Ana|Lima)(?![A-Za-z0-9+/=])", f.read_text()) for f in files)

    again, layers = render_packet_layers(load_clinic(str(path)), VISIT, renderer=Renderer(cache=cache))
    assert layers is not None and len(builds) == 2 and again == first  # a new process reads the disk

    (path.parent / "templates").mkdir()
    (path.parent / "templates" / "packet.html").write_text(
        '{% extends "!base/packet.html" %}{% block closing %}<p class="closing">We are glad you came.</p>{% endblock %}'
    )
    changed, layers = render_packet_layers(load_clinic(str(path)), VISIT, renderer=Renderer(cache=cache))
    assert layers is not None and len(builds) == 4
    assert "We are glad you came." in " ".join(Pdf(changed).page_texts())

    path.write_text(path.read_text().replace("Our therapy group meets on Tuesday evenings.",
                                             "Our therapy group meets on Thursday evenings."))
    changed, _ = render_packet_layers(load_clinic(str(path)), VISIT, renderer=Renderer(cache=cache))
    assert len(builds) == 6 and "Thursday evenings" in " ".join(Pdf(changed).page_texts())


def test_a_changed_content_file_or_font_changes_the_fingerprint(tmp_path: Path, monkeypatch) -> None:
    loaded = load_clinic("sunrise-iv")
    shipped = tmp_path / "templates"
    shutil.copytree(templates_dir(), shipped)
    monkeypatch.setattr(basecache, "templates_dir", lambda: shipped)
    before = basecache.fingerprint(loaded)
    assert basecache.fingerprint(loaded) == before
    content = next(p for p in sorted((shipped / "content").rglob("*")) if p.is_file())
    content.write_bytes(content.read_bytes() + b"\n# changed\n")
    assert basecache.fingerprint(loaded) != before


def test_a_malformed_cache_file_is_laid_out_again(tmp_path: Path, builds) -> None:
    loaded = load_clinic("sunrise-iv")
    cache = tmp_path / "bases"
    first, _ = render_packet_layers(loaded, VISIT, renderer=Renderer(cache=cache))
    for file in cache.iterdir():
        file.write_text('{"pdf": "not base64!"}')
    again, layers = render_packet_layers(loaded, VISIT, renderer=Renderer(cache=cache))
    assert layers is not None and again == first and len(builds) == 4


def test_bases_older_than_a_week_are_removed_when_a_base_is_written(tmp_path: Path) -> None:
    """A base serves one day (the day is in its key): the cache must not grow for as long as the tool is used."""
    import os
    import time

    folder = tmp_path / "bases"
    folder.mkdir(mode=0o700)
    now = time.time()
    ages = {"old.json": 8, "recent.json": 6, ".base-dead.part": 1, ".base-live.part": 0, "notes.txt": 30}
    for name, days in ages.items():
        (folder / name).write_text("{}")
        seconds = days * 86400 if days else 60
        os.utime(folder / name, (now - seconds, now - seconds))
    basecache.write(folder, "new.json", {"pdf": None})
    assert sorted(p.name for p in folder.iterdir()) == [".base-live.part", "new.json", "notes.txt", "recent.json"]
    assert basecache.read(folder, "new.json") == {"pdf": None}
