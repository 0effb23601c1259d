"""Footer names shortened the way their owners write them: family names and particles kept.

A table of names from several cultures, as one string and in parts (as FHIR, HL7 and a
CSV's first/last columns give them), then one Spanish packet read back from the PDF.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from packets.config.loading import load_clinic
from packets.render.names import FOOTER_NAME_MAX, PARTICLES, footer_name
from packets.render.packet import render_packet
from packets.visits.model import Visit

from pdfcheck import Pdf

# name, family name apart (None: one string), packet language, footer
NAMES = [
    ("Jane Doe", None, "en", "Jane Doe"),  # short names print whole
    ("Madonna", None, "en", "Madonna"),  # a single name
    ("Z", None, "en", "Z"),
    ("María Guadalupe Hernández López", None, "es", "M. G. Hernández López"),  # two family names, both whole
    ("María Guadalupe Hernández López", None, "en", "M. G. Hernández López"),
    ("María Guadalupe Hernández López", "Hernández López", "es", "M. G. Hernández López"),
    ("Juan de la Cruz Hernández", None, "es", "J. de la Cruz Hernández"),  # particles never initialled
    ("María del Carmen Hernández Villanueva", None, "es", "M. del C. Hernández V."),  # the first family name stays whole
    ("María del Carmen Hernández Villanueva", "Hernández Villanueva", "en", "M. del C. Hernández V."),  # parts: any language
    ("María del Carmen Hernández Villanueva", None, "en", "M. del C. H. Villanueva"),  # one string, English: last word
    ("Xochitl Guadalupe de los Santos Ramírez", "de los Santos Ramírez", "es", "X. G. de los Santos R."),
    ("Maximiliana Alexandra Oyelaran-Vandenberghe-Castellanos Ruiz", None, "en", "M. A. O.-V.-C. Ruiz"),
    ("Maximiliana Oyelaran-Vandenberghe-Castellanos-Whitfield", None, "en", "M. Oyelaran-V.-C.-W."),  # hyphenated family
    ("Anne-Marie Elisabeth Van der Berghe-Lindqvist", None, "en", "A.-M. Van der Berghe-L."),  # hyphenated given, Dutch particles
    ("Wolfgang Amadeus von Habsburg-Lothringen", None, "en", "W. A. von Habsburg-L."),
    ("Muhammad Abdullah bin Abdul Rahman Al Saud", None, "en", "M. A. bin A. R. Al Saud"),
    ("Oluwaseun Adebayo Oyelaran-Vandenberghe", "Oyelaran-Vandenberghe", "en", "O. A. Oyelaran-V."),
    ("Christopher Bartholomew Featherstonehaugh", None, "en", "C. B. Featherstonehaugh"),
    ("Nguyen Thi Minh Khai Elizabeth", "Elizabeth", "en", "N. T. M. K. Elizabeth"),
    ("Kalanikupuaikalaninui Keoua Kamehameha", None, "en", "K. Keoua Kamehameha"),  # the last two whole when they fit
    ("Wanjiru Nyambura Kamau-Odhiambo Otieno", "Otieno", "en", "W. N. K.-O. Otieno"),  # parts: only the family name whole
    ("A" * 120, None, "en", "A" * 23 + "…"),  # nothing to shorten by: cut, with an ellipsis
]


@pytest.mark.parametrize(("name", "family", "language", "expected"), NAMES)
def test_footer_name(name: str, family: str | None, language: str, expected: str) -> None:
    short = footer_name(name, family, language=language)
    assert short == expected
    assert len(short) <= FOOTER_NAME_MAX
    tokens = short.split()
    for particle in (w for w in name.split()[1:-1] if w.casefold() in PARTICLES):  # printed as itself, or left out
        assert particle in tokens or f"{particle[0]}." not in tokens, (particle, short)


def test_a_family_name_that_is_not_the_end_of_the_name_is_ignored() -> None:
    assert footer_name("María Guadalupe Hernández López", "Ruiz", language="es") == "M. G. Hernández López"


def test_a_spanish_packet_footer_keeps_the_first_family_name() -> None:
    """Read back: every page's footer names the patient as "M. del C. Hernández V.", never "H. Villanueva"."""
    visit = Visit(name="María del Carmen Hernández Villanueva", family_name="Hernández Villanueva", treatment="iv-ketamine",
                  when=datetime(2026, 11, 21, 9, 30), language="es")
    texts = Pdf(render_packet(load_clinic("sunrise-iv"), visit)).page_texts()
    assert len(texts) >= 3
    for text in texts:
        assert "M. del C. Hernández V." in text
        assert "H. Villanueva" not in text and "d. C." not in text
