"""Hostile clinic templates: no file outside the clinic, no runaway loops, no value in a message or in metadata."""

from __future__ import annotations

import base64
import io
import os
from datetime import datetime
from pathlib import Path

import pikepdf
import pytest
from PIL import Image
from test_configs import huge_png

from packets.batch.run import run_batch
from packets.config.loading import load_clinic
from packets.errors import RenderError
from packets.render import templating
from packets.render.packet import render_packet
from packets.visits.model import Visit
from packets.visits.schedule import read_schedule

from hostile_tools import refused, run, snapshot

NAME = "Ann Qwertyuiop"
VISIT = Visit(name=NAME, treatment="iv-ketamine", when=datetime(2026, 11, 21, 14, 30))


def _override(path: Path, body: str, block: str = "contacts") -> Path:
    (path.parent / "templates").mkdir(exist_ok=True)
    template = path.parent / "templates" / "packet.html"
    template.write_text('{% extends "!base/packet.html" %}\n{% block ' + block + ' %}\n' + body + '\n{% endblock %}\n')
    return template


def test_a_template_linked_outside_the_clinic_folder_is_never_read(clinic_copy, tmp_path: Path) -> None:
    path = clinic_copy()
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-CONTENT")
    template = _override(path, '{% include "notes.html" %}')
    os.symlink(secret, path.parent / "templates" / "notes.html")
    out = tmp_path / "out" / "x.pdf"
    before = snapshot(tmp_path, skip=tmp_path / "out")
    done = run("render", "--clinic", str(path), "--name", NAME, "--treatment", "iv-ketamine", "--out", str(out))
    refused(done, f"{template}:3: template not found: templates/notes.html leads outside the clinic folder")
    assert "TOPSECRET" not in done.stderr + done.stdout and not out.exists()
    assert snapshot(tmp_path, skip=tmp_path / "out") == before


@pytest.mark.parametrize("body, message", [
    ("{{ {}[p.patient_name] }}", "template error: 'dict object' has no attribute '[value]'."),
    ("{{ p.patient_name + 1 }}", "template error: TypeError"),
    ("{{ 10**(10**10) }}", "template error: a power is too large to print"),
    ("{{ 'x' * 10**9 }}", "template error: a repeated text or list is too large to print"),
    ("{{ range(10**9)|list }}", "template error: a width or count is too large to print"),
    ("{{ 'x'|center(10**9) }}", "template error: a width or count is too large to print"),
    ("{{ '%0999999999d' % 1 }}", "template error: a format width is too large to print"),
    ("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", "the template calls itself without end"),
    ("{% for i in range(99999) %}{% for j in range(99999) %}xxxxxxxxxx{% endfor %}{% endfor %}",
     "the template makes more than 1 MB of text"),
])
def test_runaway_or_failing_templates_stop_with_file_and_no_value(clinic_copy, body: str, message: str) -> None:
    path = clinic_copy()
    template = _override(path, body)
    with pytest.raises(RenderError) as caught:
        render_packet(load_clinic(str(path)), VISIT, fast=False)
    text = str(caught.value)
    assert text.startswith(str(template)) and message in text, text
    assert "Qwertyuiop" not in text and len(text) < 400


def test_an_extends_loop_is_one_error(clinic_copy) -> None:
    path = clinic_copy()
    (path.parent / "templates").mkdir()
    (path.parent / "templates" / "packet.html").write_text('{% extends "loop.html" %}')
    (path.parent / "templates" / "loop.html").write_text('{% extends "packet.html" %}')
    with pytest.raises(RenderError, match="the template calls itself without end"):
        render_packet(load_clinic(str(path)), VISIT, fast=False)


def test_a_loop_that_prints_nothing_stops_at_the_time_budget(clinic_copy, monkeypatch) -> None:
    monkeypatch.setattr(templating, "TIME_BUDGET", 0.5)
    path = clinic_copy()
    _override(path, "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}")
    with pytest.raises(RenderError, match=r"packet.html:3: the template ran for more than 0.5 seconds"):
        render_packet(load_clinic(str(path)), VISIT, fast=False)


def test_pdf_metadata_is_set_by_the_tool_alone(clinic_copy, tmp_path: Path) -> None:
    path = clinic_copy()
    _override(path, '<meta name="author" content="{{ p.patient_name }}"><meta name="keywords" content="{{ p.patient_name }}">'
                    '<meta name="description" content="{{ p.patient_name }}"><meta name="generator" content="{{ p.patient_name }}">',
              block="styles")
    loaded = load_clinic(str(path))
    schedule_file = tmp_path / "day.csv"
    schedule_file.write_text(f"patient_name,time,treatment\n{NAME},9:00,iv-ketamine\nBo Qwertyuiop,9:30,iv-ketamine\n")
    result = run_batch(loaded, read_schedule(schedule_file, loaded, None), tmp_path / "out", jobs=1)  # fast path: sizing placeholder
    pdfs = [render_packet(loaded, VISIT, fast=False)] + [p.read_bytes() for p in result.folder.glob("*.pdf")]
    assert len(pdfs) == 4
    for data in pdfs:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            info = {str(k): str(v) for k, v in pdf.docinfo.items()}
        assert not {"/Author", "/Keywords", "/Subject"} & set(info), info
        assert all("Qwertyuiop" not in v and "Placeholder" not in v for v in info.values()), info
        assert info["/Title"].startswith("Sunrise Infusion Center")


def test_every_image_the_render_loads_has_the_logo_limits(clinic_copy) -> None:
    path = clinic_copy()
    (path.parent / "huge.png").write_bytes(huge_png(13_000, 13_000))  # 169 megapixels, a 20 KB file
    (path.parent / "extra.css").write_text(".sheet { background: url(huge.png); }")
    text = path.read_text().replace('branding:\n', 'branding:\n  css: extra.css\n', 1)
    path.write_text(text)
    with pytest.raises(RenderError, match=r"image huge.png is 13000 x 13000 pixels \(169 megapixels\)"):
        render_packet(load_clinic(str(path)), VISIT, fast=False)
    inline = "data:image/png;base64," + base64.b64encode(huge_png(13_000, 13_000)).decode()
    (path.parent / "extra.css").write_text(f".sheet {{ background: url({inline}); }}")
    with pytest.raises(RenderError, match=r"image written inline \(data: URI\) is 13000 x 13000 pixels"):
        render_packet(load_clinic(str(path)), VISIT, fast=False)
    path = clinic_copy("harbor-spravato")  # a fresh clinic: template environments are cached per folder
    Image.new("RGB", (400, 300), (31, 78, 121)).save(path.parent / "cut.png")
    data = (path.parent / "cut.png").read_bytes()
    (path.parent / "cut.png").write_bytes(data[: len(data) // 2])
    _override(path, f'<img src="{(path.parent / "cut.png").as_uri()}" alt="">')
    nasal = Visit(name=NAME, treatment="esketamine-nasal", when=datetime(2026, 11, 21, 14, 30))
    with pytest.raises(RenderError, match=r"image cut.png is damaged or cut short"):
        render_packet(load_clinic(str(path)), nasal, fast=False)
