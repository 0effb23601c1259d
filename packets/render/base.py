"""A group's base: the shared pages of a fast-path packet, laid out once with marker values.

The *sizing* base (every field at its fullest) checks the sheet length and tells
where each personal box goes; an *exact* base, one per shape, is laid out with each
box forced to the patient's height so every line around the boxes falls where a
whole render puts it. The base draws each box's frame and hides every letter in it;
``overlay`` draws the inside. ``compose`` explains the whole path.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import lxml.html

from packets.config.loading import LoadedClinic
from packets.content.shared import Content
from packets.pdfium import pdfium
from packets.render.context import build_context
from packets.render.engine import sheet_pages
from packets.render.floor import check_floor, packet_floor
from packets.render.frames import EXACT_PX, PERSONAL, Frame, find_frames, footer_box
from packets.render.markers import MARKERS, marker_visit, sizing_visit
from packets.render.renderer import Renderer
from packets.visits.model import Visit

TOLERANCE_PX = 0.5


BASE_FORMAT = "bases-4"  # in every base's key: bases drawn by older code are never reused (bump when drawing changes)


# Base layer: personal boxes keep their size but draw nothing; the footer name is
# laid out but not drawn, so the other footer boxes sit exactly where they do in a whole render.
BASE_CSS = """
[data-personal], [data-personal] * { visibility: hidden !important; }
@page { @bottom-left { visibility: hidden !important; } }
"""


@dataclass(frozen=True)
class Base:
    """The shared layer of one group's packets, or why there is none."""

    pdf: bytes | None
    frames: tuple[Frame, ...] = ()
    pages: int = 0
    origin: tuple[float, float] = (0.0, 0.0)  # page content box, CSS px
    reason: str = ""
    sheet_pages: int = 0  # discharge sheet length of the fullest packet of the group
    page_sizes: tuple[tuple[float, float], ...] = ()  # each page's width and height, CSS px
    footers: tuple[tuple[float, float, float, float] | None, ...] = ()  # each page's footer name box (x, y, w, h)


def group_key(loaded: LoadedClinic, visit: Visit, language: str) -> tuple:
    """Packets in one group share every page except the personal boxes."""
    clinic = hashlib.sha256(repr(loaded.files).encode() + loaded.clinic.model_dump_json().encode()).hexdigest()
    return (BASE_FORMAT, str(loaded.path), clinic, language, visit.treatment, visit.when.date(), visit.large_print)


# digest of what is around the boxes (``overlay.around_boxes``), boxes printed in the base (nothing of the
# patient's in them), (box id, min-height)
Shape = tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]]


def forced_heights_css(heights: Iterable[tuple[str, str]]) -> str:
    """CSS giving each hidden personal box the patient's natural height as its minimum.

A box may end taller than that where its container stretches it (the patient box
beside the contacts), exactly as in a whole render.
"""
    return "\n".join(
        f"#{box_id}[data-personal] {{ min-height: {height}px !important; }}" for box_id, height in heights
    )


def shown_css(shown: Iterable[str]) -> str:
    """Personal boxes whose text is the same for every patient of the shape: printed in the base."""
    return "".join(f"#{box_id}[data-personal], #{box_id}[data-personal] * {{ visibility: visible !important; }}\n"
                   for box_id in shown)


def decorations_css(ids: Iterable[str]) -> str:
    """The patient boxes' own border and background, drawn by the base; their content is not.

    The base lays a box out at its full height in the page (a flex row may stretch it
    past its content), so it draws the box's frame; the patient layer draws only what
    is inside, which does not depend on the box's height.
    """
    return "".join(
        f"#{box_id}[data-personal] {{ visibility: visible !important; }}\n"
        f"#{box_id}[data-personal]::before, #{box_id}[data-personal]::after, #{box_id}[data-personal]::marker"
        f" {{ visibility: hidden !important; }}\n" for box_id in ids)


TEXT_WRAPPER = "packets-text"  # an element no stylesheet names: an inline box, as the bare text was


def wrap_loose_text(html: str) -> str:
    """Put each patient box's own text (not inside a child element) in an element of its own.

    Visibility applies to elements, so this is what lets the base show a box's frame
    while hiding every letter in it (``decorations_css``).
    """
    root = lxml.html.document_fromstring(html)
    for element in [e for e in root.iter() if isinstance(e.tag, str) and e.get(PERSONAL) is not None and e.get("id")]:
        if element.text and element.text.strip():
            wrapper = lxml.html.Element(TEXT_WRAPPER)
            wrapper.text, element.text = element.text, None
            element.insert(0, wrapper)
        for child in list(element):
            if child.tail and child.tail.strip() and child.tag != TEXT_WRAPPER:
                wrapper = lxml.html.Element(TEXT_WRAPPER)
                wrapper.text, child.tail = child.tail, None
                child.addnext(wrapper)
    return "<!DOCTYPE html>" + lxml.html.tostring(root, encoding="unicode", method="html")


def _pdf_text(pdf: bytes) -> str:
    with pdfium() as pypdfium2:
        document = pypdfium2.PdfDocument(pdf)
        try:
            return "\n".join(page.get_textpage().get_text_bounded() for page in document)
        finally:
            document.close()


def build_base(renderer: Renderer, loaded: LoadedClinic, visit: Visit, content: Content,
               shape: Shape | None = None) -> Base:
    """Lay out the group's shared layer once; say why not when it cannot be shared.

    Without ``shape``: the sizing base (every field, fullest boxes), which checks the
    sheet length and tells where boxes go. With it: an exact base, laid out with the
    patient's optional fields present (as markers) and each personal box forced to
    the patient's height, so everything around the boxes sits where a whole render puts it.
    """
    marked = sizing_visit(visit) if shape is None else marker_visit(visit)
    ctx = build_context(loaded, marked, content)
    html = renderer.templates.packet_html(loaded, ctx)
    shown = shape[1] if shape is not None else ()
    if shape is None:
        extra = BASE_CSS
    else:
        html = wrap_loose_text(html)
        extra = BASE_CSS + shown_css(shown) + forced_heights_css(shape[2]) + decorations_css(i for i, _ in shape[2])
    with renderer.engine.guarded(loaded.folder) as fetcher:
        document = renderer.engine.layout(html, fetcher, (renderer.engine.css(extra),), title=ctx.title)
        if shape is not None:
            # The floor on the shared pages of the patient's exact base (the sizing base, with
            # every box at its fullest, is no one's packet); the patient's boxes, hidden
            # here, are checked in their layer.
            check_floor(document, packet_floor(ctx), loaded.folder, loaded.clinic.branding.css, base=True)
        sheet = sheet_pages(document)
        frames = find_frames(document, shown)
        pdf = document.write_pdf()
    ids = [f.id for f in frames]
    if not frames:
        return Base(None, reason="personal boxes are missing", sheet_pages=sheet)
    if len(set(ids)) != len(ids):
        if shape is not None:  # the patient layer cannot break a box as a whole render does
            return Base(None, reason="a patient box is split across pages or columns", sheet_pages=sheet)
        frames = [f for i, f in enumerate(frames) if f.id not in ids[:i]]  # sizing: widths of the first pieces
    text = _pdf_text(pdf)
    if any(marker in text for marker in MARKERS):
        return Base(None, reason="the template prints patient data outside the marked boxes", sheet_pages=sheet)
    page = document.pages[0]._page_box
    if shape is not None:
        wanted = dict(shape[2])
        for f in frames:
            room = float(wanted.get(f.id, "0")) - (f.inner if f.border_box else 0.0)
            if f.id not in wanted or f.filled > room + EXACT_PX:
                return Base(None, reason="the marker text needs more room than the patient's box", sheet_pages=sheet)
            if f.page > 0 and abs(f.y - page.content_box_y()) < TOLERANCE_PX and not f.unbreakable:
                # pushed to a new page whole; a whole render might have broken it over the two
                return Base(None, reason="a patient box starts a page", sheet_pages=sheet)
    sizes = tuple((p._page_box.margin_width(), p._page_box.margin_height()) for p in document.pages)
    return Base(pdf, tuple(frames), len(document.pages), (page.content_box_x(), page.content_box_y()), sheet_pages=sheet,
                page_sizes=sizes, footers=tuple(footer_box(p._page_box) for p in document.pages))
