"""Renderers hold all render state: threads and repeated renders do not disturb each other."""

from __future__ import annotations

import threading
from datetime import datetime

import weasyprint

from packets.config.loading import load_clinic
from packets.render.frames import find_frames
from packets.render.packet import render_packet
from packets.render.renderer import Renderer
from packets.visits.model import Visit

from conftest import SAMPLE_WHEN

JOBS = [
    ("sunrise-iv", Visit(name="Jane Doe", treatment="iv-ketamine", when=SAMPLE_WHEN)),
    ("harbor-spravato", Visit(name="Ana Lima", treatment="esketamine-nasal", when=datetime(2026, 12, 31, 9, 5))),
]


def test_two_threads_rendering_different_clinics_give_the_same_bytes_as_one_at_a_time() -> None:
    loaded = {clinic: load_clinic(clinic) for clinic, _ in JOBS}
    sequential = [render_packet(loaded[clinic], visit, renderer=Renderer()) for clinic, visit in JOBS]
    results: dict[int, bytes] = {}
    errors: list[BaseException] = []

    def work(index: int) -> None:
        clinic, visit = JOBS[index]
        try:
            results[index] = render_packet(loaded[clinic], visit, renderer=Renderer())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(JOBS))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert [results[i] for i in range(len(JOBS))] == sequential


def test_a_shared_renderer_takes_turns_and_keeps_its_bases() -> None:
    renderer = Renderer()
    clinic, visit = JOBS[0]
    loaded = load_clinic(clinic)
    first = render_packet(loaded, visit, renderer=renderer)
    kept = len(renderer.bases.items())
    assert kept >= 1  # the group's bases (sizing, this shape's) are kept for the next patient
    assert render_packet(loaded, visit, renderer=renderer) == first
    assert len(renderer.bases.items()) == kept  # nothing laid out again


def test_the_private_weasyprint_api_the_fast_path_needs_is_there() -> None:
    """The fast path walks ``page._page_box``; pinned to WeasyPrint 70. Fails loudly if it moves."""
    assert weasyprint.__version__.split(".")[0] == "70"
    document = weasyprint.HTML(string='<p id="x" data-personal>hi</p>').render()
    assert hasattr(document.pages[0], "_page_box")
    frames = find_frames(document)
    assert [f.id for f in frames] == ["x"] and frames[0].width > 0
