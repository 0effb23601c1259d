"""The fast path prints the very same paper as a whole render: 0 differing pixels at 100 dpi.

Rows differ in which optional fields they carry and in how many lines their boxes take
(a name of one or two lines, an escort over one to three lines of the patient box,
names in a font of their own: Vietnamese, Arabic, Thai, Devanagari),
for two treatments of two clinics, with and without a next visit (whose box sits
where a page or column may end).
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from pdfcheck import differing_pixels

from packets.config.loading import load_clinic
from packets.render.packet import render_packet_layers
from packets.render.renderer import Renderer
from packets.visits.model import Visit

DAY = datetime(2026, 12, 30, 9, 5)
LONG_NAME = "Maria Fernanda de los Angeles Gutierrez-Villanueva y Santisteban de la Cruz Hernandez Montoya"  # two lines
LONG_ESCORT = "Alejandro Sebastian Gutierrez-Villanueva de la Cruz Hernandez y Santisteban Montoya Rivera"  # three lines


@pytest.mark.parametrize(("clinic", "treatment"), [("sunrise-iv", "iv-ketamine"), ("harbor-spravato", "esketamine-nasal")])
def test_fast_path_is_pixel_identical_to_a_whole_render(clinic: str, treatment: str) -> None:
    loaded = load_clinic(clinic)
    renderer = Renderer()
    rows = [
        (Visit(name="Ana Lima", treatment=treatment, when=DAY), True),
        (Visit(name="Bo Wu", treatment=treatment, when=DAY.replace(hour=13, minute=40), date_of_birth=date(1975, 3, 9),
               session=2, series_length=6, provider="Dr. Ortiz", escort=LONG_ESCORT), True),
        (Visit(name=LONG_NAME, treatment=treatment, when=DAY.replace(hour=11), mrn="B-9", escort="Luis"), True),
        (Visit(name="Jo Li", treatment=treatment, when=DAY.replace(hour=15, minute=15),
               next_visit=datetime(2027, 1, 4, 10, 0)), True),
        # Names the body font cannot draw print in a font of their own (render.scripts), footer too.
        (Visit(name="Nguyễn Thị Minh Khai", treatment=treatment, when=DAY.replace(hour=13, minute=5), escort="فاطمة الزهراء",
               provider="अनन्या शर्मा"), True),
        (Visit(name="فاطمة الزهراء", treatment=treatment, when=DAY, escort="สมชาย ใจดี"), True),
    ]
    for visit, fast_expected in rows:
        fast, layers = render_packet_layers(loaded, visit, renderer=renderer)
        assert (layers is not None) == fast_expected, visit.name
        whole, _ = render_packet_layers(loaded, visit, renderer=Renderer(), fast=False)
        assert differing_pixels(fast, whole) == 0, visit.name
