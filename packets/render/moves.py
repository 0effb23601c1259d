"""The patient's layer of a fast-path packet, made by moving laid-out boxes into place.

The fast path lays a patient's boxes out once, each alone at the top of a page of its
own, and the footer name on a page of its own (``overlay.layout_patient``). Laying
them out again at their places in the packet would give the same drawing, only
shifted: a box's content depends on its width, not on where it sits. So each of those
pages becomes a form XObject drawn on its page of the packet with a translation (PDF
``cm``), which costs microseconds where a second layout costs tens of milliseconds.
Each page holds one box only, so a PDF reader extracting the text finds each word
once. Coordinates are CSS pixels, top-down, as WeasyPrint lays out; the PDF's are
points, bottom-up: 1 px = 0.75 pt.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pikepdf

PT_PER_PX = 0.75


@dataclass(frozen=True)
class Move:
    """Draw page ``source`` of the laid-out boxes on page ``page`` of the packet, shifted by ``dx``, ``dy`` (CSS px)."""

    page: int
    source: int
    dx: float
    dy: float


def _operators(move: Move, source_height_pt: float, page_height_pt: float) -> bytes:
    tx = move.dx * PT_PER_PX
    ty = page_height_pt - source_height_pt - move.dy * PT_PER_PX
    return f"q 1 0 0 1 {tx:.6f} {ty:.6f} cm /PacketsPatient{move.source} Do Q\n".encode()


def patient_layer(boxes_pdf: bytes, moves: list[Move], page_sizes: list[tuple[float, float]]) -> bytes:
    """A PDF with one page per packet page (sizes in points), each drawing its boxes moved into place.

    Fonts are shared by the forms, so each is stored once.
    """
    with pikepdf.open(io.BytesIO(boxes_pdf)) as boxes, pikepdf.new() as layer:
        heights = [float(page.mediabox[3]) - float(page.mediabox[1]) for page in boxes.pages]
        sources = sorted({m.source for m in moves})
        # one copy of all the forms: what they share (fonts) is copied once
        copied = layer.copy_foreign(boxes.make_indirect(pikepdf.Array(
            [boxes.make_indirect(boxes.pages[i].as_form_xobject()) for i in sources])))
        forms = dict(zip(sources, copied))
        for index, (page_width, page_height) in enumerate(page_sizes):
            page = layer.add_blank_page(page_size=(page_width, page_height))
            mine = [m for m in moves if m.page == index]
            page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(
                {f"/PacketsPatient{m.source}": forms[m.source] for m in mine}))
            page.obj.Contents = layer.make_stream(b"".join(_operators(m, heights[m.source], page_height) for m in mine))
        out = io.BytesIO()
        layer.save(out, deterministic_id=True)
    return out.getvalue()


def draw_moved(base_pdf: bytes, boxes_pdf: bytes, moves: list[Move]) -> bytes:
    """The base with the laid-out boxes drawn on it, in one pass (no layer PDF in between).

    Each page's own drawing is wrapped in ``q``/``Q`` so nothing it leaves set (a
    clip, a colour, a transformation) reaches the boxes. WeasyPrint shares one
    resource dictionary between a document's pages; each box's form has a name of
    its own, the same on every page it is drawn on. Metadata stays the base's.
    """
    with pikepdf.open(io.BytesIO(base_pdf)) as base, pikepdf.open(io.BytesIO(boxes_pdf)) as boxes:
        heights = [float(page.mediabox[3]) - float(page.mediabox[1]) for page in boxes.pages]
        sources = sorted({m.source for m in moves})
        copied = base.copy_foreign(boxes.make_indirect(pikepdf.Array(
            [boxes.make_indirect(boxes.pages[i].as_form_xobject()) for i in sources])))
        forms = dict(zip(sources, copied))
        for index, page in enumerate(base.pages):
            mine = [m for m in moves if m.page == index]
            if not mine:
                continue
            height = float(page.mediabox[3]) - float(page.mediabox[1])
            for m in mine:
                page.add_resource(forms[m.source], pikepdf.Name.XObject, name=pikepdf.Name(f"/PacketsPatient{m.source}"))
            page.contents_add(b"q\n", prepend=True)
            page.contents_add(b"Q\n" + b"".join(_operators(m, heights[m.source], height) for m in mine), prepend=False)
        out = io.BytesIO()
        base.save(out, deterministic_id=True)
    return out.getvalue()
