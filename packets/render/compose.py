"""The fast path: lay out what patients share once, then draw each patient's own text on top.

A packet is about four pages, and laying them out is most of the cost of a render.
Almost all of it is the same for every patient of one clinic, treatment and day: only
the patient box, the Today box and the footer name differ. So for each such group we
lay out a *base* once, with those boxes left empty but at their full size, and for
each patient we lay out a tiny *overlay* holding just those boxes and the footer, at
the base's positions, and stack it on the base (pikepdf, as a form XObject).

The fast path checks itself and steps aside rather than print something different
from a whole render: the template marks personal boxes with ``data-personal``; the
base is laid out with marker values and its text is searched for them (a clinic
template that prints a name outside a marked box would otherwise print the marker);
each overlay box must land where the base box is and fit inside it. When any check
fails, the caller renders the whole packet instead. Large print always renders whole.

The one-sheet limit for the discharge sheet is checked here, on the fullest packet
of the group: it is a property of the clinic's content, so it fails the same way for
every patient. A patient whose long name alone pushes the sheet over still gets a packet.
"""

from __future__ import annotations

import hashlib
import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Iterable

import pikepdf
import pypdfium2
import tinyhtml5
from weasyprint.document import Document

from packets.config.loading import LoadedClinic
from packets.content.shared import Content
from packets.render.context import PacketContext, build_context
from packets.visits.model import Visit
from packets.errors import RenderError
from packets.render.engine import MAX_SHEET_PAGES, guarded, sheet_pages
from packets.render.renderer import Renderer

PERSONAL = "data-personal"
TOLERANCE_PX = 0.5

# Base layer: personal boxes keep their size but draw nothing; the footer name is
# laid out but not drawn, so the other footer boxes sit exactly where they do in a whole render.
BASE_CSS = """
[data-personal], [data-personal] * { visibility: hidden !important; }
@page { @bottom-left { visibility: hidden !important; } }
"""
_MARGIN_BOXES = [f"@{v}-{h}" for v in ("top", "bottom") for h in ("left", "center", "right")] + [
    "@top-left-corner", "@top-right-corner", "@bottom-left-corner", "@bottom-right-corner",
    *[f"@{s}-{p}" for s in ("left", "right") for p in ("top", "middle", "bottom")],
]
# Overlay layer: only the personal boxes and the footer name; nothing the base draws.
OVERLAY_CSS = (
    "html, body { background: none !important; margin: 0 !important; padding: 0 !important; border: none !important; }\n"
    "@page { background: none !important; "
    + " ".join(f"{box} {{ visibility: hidden !important; }}" for box in _MARGIN_BOXES if box != "@bottom-left")
    + " }\n"
)
_ANCESTOR_STYLE = (
    "position: static !important; visibility: hidden !important; break-before: auto !important; "
    "break-after: auto !important; transform: none !important; float: none !important; columns: auto !important"
)

# Marker values for laying out a base. They are as long as typical real values, and
# found in the base's text only if a template prints patient data outside a marked box.
MARKERS = ("Qzx", "QZX", "11:58", "1999")
_MARK_TIME = time(23, 58)
_MARK_DOB = date(1999, 12, 29)


@dataclass(frozen=True)
class Frame:
    """Where a personal box sits: page index and border box in CSS px."""

    id: str
    page: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Base:
    """The shared layer of one group's packets, or why there is none."""

    pdf: bytes | None
    frames: tuple[Frame, ...] = ()
    pages: int = 0
    origin: tuple[float, float] = (0.0, 0.0)  # page content box, CSS px
    reason: str = ""
    sheet_pages: int = 0  # discharge sheet length of the fullest packet of the group


def group_key(loaded: LoadedClinic, visit: Visit, language: str) -> tuple:
    """Packets in one group share every page except the personal boxes."""
    clinic = hashlib.sha256(loaded.clinic.model_dump_json().encode()).hexdigest()
    return (str(loaded.path), clinic, language, visit.treatment, visit.when.date(), visit.large_print)


def sizing_visit(visit: Visit) -> Visit:
    """A visit with every optional field filled, with marker values.

    Boxes are sized for the fullest packet, so one base serves every patient of the
    group: a patient with fewer details gets a little space to spare in the box.
    """
    return replace(
        visit,
        # The name has the page's width to itself: 66 characters take the line, as two
        # lines of the old half-width box did. Every name up to that length fits the budget.
        name="Qzx Sizingplaceholder Reserving-Room-For-Long Qzxmarker-Hyphenname",
        when=datetime.combine(visit.when.date(), _MARK_TIME),
        date_of_birth=_MARK_DOB,
        mrn="QZX-00000000",
        session=3,
        series_length=6,
        escort="Qzxmarker Escortname-Longerfamily",
        next_visit=datetime.combine(_longest_next_day(visit.when.date()), _MARK_TIME),
        provider="Dr. Qzxmarker Providername-Longfamily",
    )


def _longest_next_day(day: date) -> date:
    """A Wednesday (the longest weekday name) within a year after ``day``: a next visit the visit rules accept."""
    candidate = day + timedelta(days=300)
    return candidate + timedelta(days=(2 - candidate.weekday()) % 7)


def find_frames(document: Document) -> list[Frame]:
    """Personal boxes that have an id: one Frame per page each appears on."""
    frames: list[Frame] = []
    for index, page in enumerate(document.pages):
        seen: set[str] = set()
        for box in page._page_box.descendants():  # noqa: SLF001 - WeasyPrint has no public box API
            element = getattr(box, "element", None)
            if element is None or element.get(PERSONAL) is None or not element.get("id"):
                continue
            frame_id = element.get("id")
            if frame_id in seen:
                continue
            seen.add(frame_id)
            frames.append(Frame(frame_id, index, box.border_box_x(), box.border_box_y(), box.border_width(), box.border_height()))
    return frames


def _pdf_text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return "\n".join(page.get_textpage().get_text_bounded() for page in document)
    finally:
        document.close()


def build_base(renderer: Renderer, loaded: LoadedClinic, visit: Visit, content: Content) -> Base:
    """Lay out the group's shared layer once; say why not when it cannot be shared."""
    ctx = build_context(loaded, sizing_visit(visit), content)
    html = renderer.templates.packet_html(loaded, ctx)
    with guarded(loaded.folder) as fetcher:
        document = renderer.engine.layout(html, fetcher, (renderer.engine.css(BASE_CSS),), title=ctx.title)
        sheet = sheet_pages(document)
        frames = find_frames(document)
        pdf = document.write_pdf()
    ids = [f.id for f in frames]
    if not frames or len(set(ids)) != len(ids):
        return Base(None, reason="personal boxes are missing or split across pages", sheet_pages=sheet)
    text = _pdf_text(pdf)
    if any(marker in text for marker in MARKERS):
        return Base(None, reason="the template prints patient data outside the marked boxes", sheet_pages=sheet)
    page = document.pages[0]._page_box  # noqa: SLF001
    return Base(pdf, tuple(frames), len(document.pages), (page.content_box_x(), page.content_box_y()), sheet_pages=sheet)


def overlay_html(html: str, base: Base) -> str:
    """This patient's packet, cut down to its personal boxes placed at the base's spots."""
    root = tinyhtml5.parse(html, namespace_html_elements=False)
    body = root.find("body")
    assert body is not None  # tinyhtml5 always makes one
    frames = {f.id: f for f in base.frames}
    pages: list[list[ET.Element]] = [[] for _ in range(base.pages)]
    for child in list(body):
        body.remove(child)
        kept = _keep_personal(child, frames)
        if kept is not None:
            pages[_page_of(kept, frames)].append(kept)
    x0, y0 = base.origin
    for element in (node for elements in pages for kept in elements for node in kept.iter()):
        if element.get("id") in frames and element.get(PERSONAL) is not None:
            f = frames[element.get("id")]
            element.set("style", (element.get("style") or "") + (
                f"; position: absolute !important; left: {f.x - x0:.3f}px; top: {f.y - y0:.3f}px;"
                f" width: {f.width:.3f}px; min-height: {f.height:.3f}px; margin: 0 !important;"
                " box-sizing: border-box !important; visibility: visible !important"
            ))
    for index, elements in enumerate(pages):
        container = ET.SubElement(body, "div")
        last = index == len(pages) - 1
        container.set("style", "position: relative; margin: 0; padding: 0; height: 1px;" + ("" if last else " break-after: page"))
        container.extend(elements)
    return "<!DOCTYPE html>" + ET.tostring(root, encoding="unicode", method="html")


def _keep_personal(element: ET.Element, frames: dict[str, Frame]) -> ET.Element | None:
    """``element`` if it is personal; a hidden shell of it if it holds personal boxes."""
    if element.get(PERSONAL) is not None:
        return element
    kept_children = [k for k in (_keep_personal(c, frames) for c in list(element)) if k is not None]
    if not kept_children:
        return None
    shell = ET.Element(element.tag, dict(element.attrib))
    shell.attrib.pop("id", None)
    shell.set("style", _ANCESTOR_STYLE)
    shell.extend(kept_children)
    return shell


def _page_of(element: ET.Element, frames: dict[str, Frame]) -> int:
    for node in element.iter():
        if node.get("id") in frames:
            return frames[node.get("id")].page
    return 0


def _fits(base: Base, placed: Iterable[Frame]) -> bool:
    placed = list(placed)
    if len(placed) != len(base.frames):
        return False
    by_id = {f.id: f for f in placed}
    for want in base.frames:
        got = by_id.get(want.id)
        if got is None or got.page != want.page:
            return False
        if any(abs(a - b) > TOLERANCE_PX for a, b in ((got.x, want.x), (got.y, want.y), (got.width, want.width), (got.height, want.height))):
            return False
    return True


def render_overlay(renderer: Renderer, loaded: LoadedClinic, ctx: PacketContext, base: Base) -> bytes | None:
    """The patient's layer, or None when a box would not fit the base's space."""
    html = overlay_html(renderer.templates.packet_html(loaded, ctx), base)
    with guarded(loaded.folder) as fetcher:
        document = renderer.engine.layout(html, fetcher, (renderer.engine.css(OVERLAY_CSS),))
        fits = len(document.pages) == base.pages and _fits(base, find_frames(document))
        pdf = document.write_pdf() if fits else None
    return pdf




def stack(base_pdf: bytes, overlay_pdf: bytes) -> bytes:
    """Draw each overlay page over the matching base page. Metadata stays the base's.

    Done by hand rather than with ``Page.add_overlay``, which names the form with a
    random token: the same packet must give the same bytes every time. WeasyPrint
    shares one resource dictionary between pages, so each page's form gets its own
    name (one fixed name would make every page draw the last page's layer).
    """
    with pikepdf.open(io.BytesIO(base_pdf)) as base, pikepdf.open(io.BytesIO(overlay_pdf)) as over:
        for index, (page, top) in enumerate(zip(base.pages, over.pages)):
            name = pikepdf.Name(f"/PacketsPatientLayer{index + 1}")
            form = base.copy_foreign(top.as_form_xobject())
            page.add_resource(form, pikepdf.Name.XObject, name=name, replace_existing=False)
            page.contents_add(b"q\n", prepend=True)
            page.contents_add(b"Q\nq " + bytes(name.unparse()) + b" Do Q\n", prepend=False)
            page.contents_coalesce()
        out = io.BytesIO()
        base.save(out, deterministic_id=True)
    return out.getvalue()


@dataclass(frozen=True)
class Layers:
    """A packet made by the fast path, with its layers (a print run reuses the base)."""

    pdf: bytes
    base_key: tuple
    overlay: bytes


def render_composed(renderer: Renderer, loaded: LoadedClinic, visit: Visit, ctx: PacketContext,
                    content: Content) -> Layers | None:
    """The packet by the fast path, or None when it must be rendered whole."""
    if visit.large_print:
        return None
    key = group_key(loaded, visit, content.language)
    base = renderer.bases.get(key, lambda: build_base(renderer, loaded, visit, content))
    if base.sheet_pages > MAX_SHEET_PAGES:
        raise RenderError(
            f"the discharge sheet is {base.sheet_pages} pages for a patient with every detail filled in; it must fit "
            f"on {MAX_SHEET_PAGES} (one sheet, both sides). Shorten or hide sections under 'content' in {loaded.path}."
        )
    if base.pdf is None:
        return None
    overlay = render_overlay(renderer, loaded, ctx, base)
    if overlay is None:
        return None
    return Layers(stack(base.pdf, overlay), key, overlay)
