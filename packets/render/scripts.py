"""Patient text in one font: a name the body font cannot draw prints whole in one that can.

Left to the CSS font list, WeasyPrint takes each missing letter from the next font:
"Nguyễn Thị" then prints "ị" from another font than "Th", with a gap beside it, and the
word copies out of the PDF in two pieces. So the choice is made here, per field, from
the fonts' character maps (``assets.fonts.font_for``): a field the body font draws is
printed as is; any other field is wrapped in a span naming the one family that draws
all of it, with its writing direction (Arabic runs right to left).

Only patient-typed values go through here (name, escort, provider, record number); the
content files are checked to print in the body font.
"""

from __future__ import annotations

import re
import unicodedata

from markupsafe import Markup, escape

from packets.assets.fonts import font_for

_RTL = frozenset({"R", "AL"})
_LTR = frozenset({"L"})


def direction(text: str) -> str:
    """``rtl`` when the first strongly directed letter is right to left (Arabic, Hebrew), else ``ltr``."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in _RTL:
            return "rtl"
        if kind in _LTR:
            return "ltr"
    return "ltr"


def own_font(text: str, body: str) -> str | None:
    """The family ``text`` must print in when it is not ``body``; None when the body font draws it."""
    family = font_for(text, body)
    return None if family == body else family


def _span(text: str, family: str) -> Markup:
    return Markup('<span class="own-font" style="font-family: \'{}\'" dir="{}">{}</span>').format(
        family, direction(text), text)


def patient_text(text: str, body: str) -> str | Markup:
    """``text`` as it should go into the page: itself, or wrapped in a span of its own font.

    A field no single font draws whole (Thai and Arabic words side by side) gets a span
    per word; a word no font draws never gets here (the visit refuses it).
    """
    family = font_for(text, body)
    if family == body:
        return text
    if family is not None:
        return _span(text, family)
    pieces = []
    for piece in re.split(r"(\s+)", text):
        word_font = font_for(piece, body) if piece.strip() else body
        pieces.append(escape(piece) if word_font in (body, None) else _span(piece, word_font))
    return Markup("").join(pieces)


def with_patient_text(template: str, body: str, **values: str) -> str | Markup:
    """``template.format(**values)`` with each value in its own font where it needs one.

    The template (a content label such as "{name} drives you home") is escaped as text.
    """
    marked = {key: patient_text(value, body) for key, value in values.items()}
    if not any(isinstance(v, Markup) for v in marked.values()):
        return template.format(**values)
    return escape(template).format(**marked)
