"""A one-off `render`: whole when its group has no base on disk (no base laid out), the fast path when it has one."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from packets import facade
from packets.config.loading import load_clinic
from packets.render import compose, packet
from packets.render.packet import render_packet_layers
from packets.render.renderer import Renderer
from packets.visits.model import Visit

from pdfcheck import Pdf, differing_pixels

VISIT = Visit(name="Ana Lima", treatment="iv-ketamine", when=datetime(2026, 12, 30, 9, 5), escort="Sam Lee",
              next_visit=datetime(2027, 1, 2, 10, 0))


@pytest.fixture
def layouts(monkeypatch) -> dict[str, int]:
    """Counts bases laid out and packets laid out whole."""
    counts = {"base": 0, "whole": 0}
    real_base, real_full = compose.build_base, packet.render_full

    def base(*args, **kwargs):
        counts["base"] += 1
        return real_base(*args, **kwargs)

    def whole(*args, **kwargs):
        counts["whole"] += 1
        return real_full(*args, **kwargs)

    monkeypatch.setattr(compose, "build_base", base)
    monkeypatch.setattr(packet, "render_full", whole)
    return counts


def test_one_off_render_without_a_cached_base_is_whole_and_prints_what_the_fast_path_prints(
        tmp_path: Path, monkeypatch, layouts) -> None:
    loaded = load_clinic("sunrise-iv")
    monkeypatch.chdir(tmp_path)  # render_one keeps bases in ./output/<clinic>/.bases
    written = facade.render_one(loaded, VISIT, tmp_path / "one.pdf")
    assert layouts == {"base": 0, "whole": 1}
    assert not (tmp_path / "output").exists()  # nothing laid out for later, nothing stored
    assert written.pages == 4

    fast, layers = render_packet_layers(loaded, VISIT, renderer=Renderer())
    assert layers is not None
    whole = (tmp_path / "one.pdf").read_bytes()
    words = lambda pdf: [sorted(text.split()) for text in Pdf(pdf).page_texts()]  # noqa: E731 - layers read in another order
    assert words(whole) == words(fast)
    assert differing_pixels(fast, whole) == 0


def test_one_off_render_uses_the_groups_bases_on_disk(tmp_path: Path, monkeypatch, layouts) -> None:
    loaded = load_clinic("sunrise-iv")
    monkeypatch.chdir(tmp_path)
    cache = facade.base_cache_folder(loaded)
    fast, layers = render_packet_layers(loaded, VISIT, renderer=Renderer(cache=cache))  # a batch or the station
    assert layers is not None and layouts == {"base": 2, "whole": 0}

    facade.render_one(loaded, VISIT, tmp_path / "one.pdf")
    assert layouts == {"base": 2, "whole": 0}  # read from disk: no layout but the patient's boxes
    assert (tmp_path / "one.pdf").read_bytes() == fast


def test_a_kept_renderer_lays_out_bases_for_the_next_packet(tmp_path: Path, monkeypatch, layouts) -> None:
    loaded = load_clinic("sunrise-iv")
    renderer = facade.new_renderer(tmp_path / "bases")  # the station keeps one
    facade.render_one(loaded, VISIT, tmp_path / "one.pdf", renderer)
    assert layouts == {"base": 2, "whole": 0}
