"""The fast path prints the very same paper as a whole render: 0 differing pixels at 100 dpi.

Rows differ in which optional fields they carry and in how many lines their boxes take
(a name of one or two lines, an escort over one to three lines of the patient box,
names in a font of their own: Vietnamese, Arabic, Thai, Devanagari),
for two treatments of two clinics, with and without a next visit (whose box sits
where a page or column may end).
"""

from __future__ import annotations

from datetime import date, datetime

import pypdfium2
import pytest

from packets.config.loading import load_clinic
from packets.render.packet import render_packet_layers
from packets.render.renderer import Renderer
from packets.visits.model import Visit

from pdfcheck import differing_pixels

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


def test_a_box_whose_inside_moves_with_its_height_is_rendered_whole(clinic_copy) -> None:
    """The patient box is stretched by its row; centred content would sit lower in a whole render."""
    path = clinic_copy()
    (path.parent / "templates").mkdir()
    (path.parent / "templates" / "packet.html").write_text(
        '{% extends "!base/packet.html" %}{% block styles %}<style>'
        ".row { display: flex; gap: 4mm; } .tall { flex: 0 0 30mm; height: 45mm; border: 1px solid #000; }"
        ".patient { flex: 1; display: grid; align-content: center; }</style>{% endblock %}"
        '{% block patient %}<div class="row"><div class="patient" id="patient" data-personal>'
        "{% for label, value in p.patient_lines %}<div>{{ value }}</div>{% endfor %}</div>"
        '<div class="tall"></div></div>{% endblock %}'
    )
    loaded = load_clinic(str(path))
    visit = Visit(name="Ana Lima", treatment="iv-ketamine", when=DAY)
    fast, layers = render_packet_layers(loaded, visit, renderer=Renderer())
    assert layers is None
    whole, _ = render_packet_layers(loaded, visit, renderer=Renderer(), fast=False)
    assert differing_pixels(fast, whole) == 0


def test_the_patient_text_is_found_once_as_in_a_whole_render() -> None:
    """Each box is its own form on its own page: a reader copying the text gets each word once."""
    loaded = load_clinic("sunrise-iv")
    visit = Visit(name="Quorra Vantablack", treatment="iv-ketamine", when=DAY, escort="Ximena Oyelaran")
    fast, layers = render_packet_layers(loaded, visit, renderer=Renderer())
    assert layers is not None
    whole, _ = render_packet_layers(loaded, visit, renderer=Renderer(), fast=False)
    for pdf in (fast, whole):
        document = pypdfium2.PdfDocument(pdf)
        try:
            texts = [page.get_textpage().get_text_bounded() for page in document]
        finally:
            document.close()
        assert texts[0].count("Quorra Vantablack") == 2  # the name line and the footer
        assert [t.count("Quorra Vantablack") for t in texts[1:]] == [1, 1, 1]  # footers
        assert texts[0].count("Ximena Oyelaran") == 1


INSTRUCTIONS = "".join(f"\n      - Extra rule number {n} for the rest of today, from the clinic." for n in range(1, 9))


@pytest.mark.parametrize(("clinic", "treatment", "fast_expected"), [
    ("harbor-spravato", "esketamine-nasal", True),  # its large-print boxes each fit on their page
    ("willow-home", "oral-ketamine", True),
    ("long-today", "oral-ketamine", False),  # eight more Today lines: the box runs over a page, so it is rendered whole
])
def test_large_print_takes_the_fast_path_when_it_can_be_exact(clinic_copy, clinic: str, treatment: str, fast_expected: bool) -> None:
    if clinic == "long-today":
        path = clinic_copy("willow-home")
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("    unreal_call_hours: 6\n", "    unreal_call_hours: 6\n    instructions:" + INSTRUCTIONS + "\n"),
                        encoding="utf-8")
        clinic = str(path)
    loaded = load_clinic(clinic)
    visit = Visit(name="Bo Wu", treatment=treatment, when=DAY.replace(hour=13, minute=40), date_of_birth=date(1975, 3, 9),
                  escort="Sam Lee", next_visit=datetime(2027, 1, 4, 10, 0), large_print=True)
    fast, layers = render_packet_layers(loaded, visit, renderer=Renderer())
    assert (layers is not None) == fast_expected
    whole, _ = render_packet_layers(loaded, visit, renderer=Renderer(), fast=False)
    assert differing_pixels(fast, whole) == 0


def test_patients_whose_fields_differ_only_inside_their_boxes_share_one_base() -> None:
    """A named and an unnamed escort change a line inside the hidden Today box, nothing around it: one base, still exact."""
    loaded = load_clinic("sunrise-iv")
    renderer = Renderer()
    _, first = render_packet_layers(loaded, Visit(name="Ana Lima", treatment="iv-ketamine", when=DAY, escort="Sam Lee"),
                                    renderer=renderer)
    laid_out = renderer.bases_laid_out
    second = Visit(name="Ben Okafor", treatment="iv-ketamine", when=DAY.replace(hour=10))  # "A sober adult must drive you..."
    fast, layers = render_packet_layers(loaded, second, renderer=renderer)
    assert first is not None and layers is not None
    assert layers.base_key == first.base_key and renderer.bases_laid_out == laid_out  # no base laid out for the second
    whole, _ = render_packet_layers(loaded, second, renderer=Renderer(), fast=False)
    assert differing_pixels(fast, whole) == 0
