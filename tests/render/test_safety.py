"""Bad input never reaches paper: escaping, blocked fetches, undrawable names."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from packets.cli.main import main
from packets.config.loading import load_clinic
from packets.errors import RenderError
from packets.render.packet import render_packet
from packets.visits.model import Visit, VisitError

from conftest import SAMPLE_WHEN
from pdfcheck import Pdf


def _visit(name: str = "Jane Doe") -> Visit:
    return Visit(name=name, treatment="iv-ketamine", when=SAMPLE_WHEN)


def test_html_and_jinja_in_name_print_literally() -> None:
    name = "<b>x</b> {{ 7*7 }}"
    pdf = Pdf(render_packet(load_clinic("sunrise-iv"), _visit(name)))
    texts = pdf.page_texts()
    assert f"Patient: {name}" in texts[0]
    assert all(name in t for t in texts)  # footer on every page too
    assert "x</b> 49" not in texts[0]


def _with_logo(clinic_copy, logo_markup: str) -> Path:
    """A clinic whose SVG logo points somewhere it must not."""
    path = clinic_copy()
    (path.parent / "logo.svg").write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">{logo_markup}</svg>'
    )
    return path


def test_logo_reaching_outside_files_fails(clinic_copy) -> None:
    path = _with_logo(clinic_copy, '<image href="file:///etc/hostname" width="10" height="10"/>')
    with pytest.raises(RenderError, match="outside the project and clinic folders"):
        render_packet(load_clinic(str(path)), _visit())


def test_logo_config_pointing_outside_folder_is_a_config_error(clinic_copy) -> None:
    path = clinic_copy()
    path.write_text(path.read_text().replace("logo: logo.svg", "logo: /etc/hostname"))
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1 and "outside the clinic folder" in result.output


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_network_logo_fails_and_server_gets_no_request(clinic_copy) -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        path = _with_logo(clinic_copy, f'<image href="http://127.0.0.1:{port}/logo.png" width="10" height="10"/>')
        with pytest.raises(RenderError, match="web addresses are not fetched"):
            render_packet(load_clinic(str(path)), _visit())
        css = path.parent / "extra.css"
        css.write_text(f"body {{ background: url(http://127.0.0.1:{port}/bg.png); }}")
        path.write_text(path.read_text().replace("branding:\n", "branding:\n  css: extra.css\n"))
        (path.parent / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>')
        with pytest.raises(RenderError, match="web addresses are not fetched"):
            render_packet(load_clinic(str(path)), _visit())
    finally:
        server.shutdown()
    assert _Recorder.hits == []


def test_undrawable_name_fails_naming_the_field() -> None:
    # The visit itself refuses it, so render, batch and preview all say the same.
    with pytest.raises(VisitError, match=r"^patient_name: has characters the bundled fonts cannot print \(U\+5C0F"):
        _visit("李小龍")


def test_accented_and_vietnamese_names_print() -> None:
    name = "Nguyễn Thị Ánh Đào-Müller"
    pdf = Pdf(render_packet(load_clinic("harbor-spravato"), Visit(name=name, treatment="esketamine-nasal", when=SAMPLE_WHEN)))
    # The whole name in one font (render.scripts), so it reads back as typed.
    assert "Patient: " + name in pdf.page_texts()[0]


def test_failed_render_leaves_no_file(tmp_path: Path) -> None:
    out = tmp_path / "p.pdf"
    result = CliRunner().invoke(main, ["render", "--clinic", "sunrise-iv", "--name", "李小龍", "--treatment", "iv-ketamine",
                                       "--date", "2026-11-21", "--time", "14:30", "--out", str(out)])
    assert result.exit_code == 1
    assert "patient_name: has characters" in result.output and "李" not in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("uri", ["data:image/png;base64,abc", "data:image/png"])
def test_broken_data_uri_image_fails_in_one_line(uri: str) -> None:
    """A data: URI (in a clinic template's <img>) that does not decode stops the render with a message."""
    from packets.render.engine import Engine

    engine = Engine()
    with pytest.raises(RenderError, match="could not load a resource"):
        with engine.guarded(Path(__file__).parent) as fetcher:
            engine.layout(f'<img src="{uri}" alt="">', fetcher)


def test_data_uri_stylesheet_keeps_its_charset() -> None:
    """A data: URI's charset is honoured: Latin-1 bytes print as the letters they stand for."""
    from packets.render.engine import Engine

    engine = Engine()
    css = 'data:text/css;charset=iso-8859-1,.x::after{content:%22caf%E9%22}'
    with engine.guarded(Path(__file__).parent) as fetcher:
        document = engine.layout(f'<link rel="stylesheet" href="{css}"><p class="x"></p>', fetcher)
        text = Pdf(document.write_pdf()).page_texts()[0]
    assert "café" in text
