"""The fast path: lay out what patients share once, then draw each patient's own text on top.

A packet is about four pages, and laying them out is most of the cost of a render.
Almost all of it is the same for every patient of one clinic, treatment and day: only
the boxes the template marks ``data-personal`` (patient name, patient box, Today box,
next visit) and the footer name differ. So the shared pages are laid out once as a
*base*, and for each patient only those boxes and the footer are laid out, once, on
one small page (each box at its natural height, out of the flow), and each is drawn
onto its spot in the base (``moves``: a PDF form with a translation).

The paper is exactly a whole render's (0 differing pixels), because the base is
exact for the patient's *shape*: which optional fields the visit carries, which boxes
hold nothing of the patient's (those are printed in the base), and each other box's
height, read from that one small layout. The base is laid out with marker values
(never patient data) in the same fields, each box given the patient's height as its
minimum, so every line around the boxes falls where a whole render puts it; the base
draws each box's own frame (border, background: a row may stretch a box past its
content) and hides every letter in it; the patient layer draws the inside, which does
not depend on where the box sits or how tall it is. Bases are kept per shape; most
patients of a day share a few shapes.

The fast path checks itself and steps aside (the caller renders whole) rather than
print something different from a whole render: markers found in the base's text (a
template printing patient data outside the marked boxes); a box broken over pages
or columns, or starting a new page (a whole render might break it); a box whose
inner margins would collapse through it in the flow; marker text taller than the
patient's box; a box of another width than the base's, or stretched by its row while
its inside is not a plain top-down block (flex, grid, table: the inside would move).
Large print takes the fast path too when its boxes each fit on their page; where a
box runs over a page (the Today box of a long at-home packet) it renders whole.

The one-sheet limit for the discharge sheet is checked on the *sizing* base, the
fullest packet of the group (every field filled, long markers): it is a property of
the clinic's content, so it fails the same way for every patient. A patient whose
long name alone pushes the sheet over still gets a packet.
"""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, cast

import lxml.etree
import lxml.html
import pikepdf
from weasyprint.document import Document, Page
from weasyprint.formatting_structure.boxes import BlockBox

from packets.config.loading import LoadedClinic
from packets.content.shared import Content
from packets.errors import RenderError
from packets.pdfium import pdfium
from packets.render import basecache
from packets.render.context import PacketContext, build_context
from packets.render.engine import MAX_SHEET_PAGES, sheet_pages
from packets.render.floor import check_floor, packet_floor
from packets.render.moves import PT_PER_PX, Move, draw_moved, patient_layer
from packets.render.renderer import Renderer
from packets.visits.model import Visit

PERSONAL = "data-personal"
TOLERANCE_PX = 0.5
EXACT_PX = 0.01  # an exact base and the overlay agree to layout rounding, far below a pixel
BASE_FORMAT = "bases-4"  # in every base's key: bases drawn by older code are never reused (bump when drawing changes)

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
SHELL = "data-packets-shell"  # marks the hidden copies of a patient box's ancestors in its layer
PLACED = "data-packets-placed"  # on each patient box in its layer; the value is the box's id
_ANCESTOR_STYLE = (
    "position: static !important; visibility: hidden !important; break-before: auto !important; page: auto !important; "
    "break-after: auto !important; transform: none !important; float: none !important; columns: auto !important"
)
# Overlay layer: only the personal boxes and the footer name; nothing the base draws.
# Other margin boxes get no content, so they are not laid out at all.
OVERLAY_CSS = (
    "html, body { background: none !important; margin: 0 !important; padding: 0 !important; border: none !important; }\n"
    "@page { background: none !important; "
    + " ".join(f"{box} {{ content: none !important; }}" for box in _MARGIN_BOXES if box != "@bottom-left")
    + " }\n"
    + f"[{SHELL}] {{ {_ANCESTOR_STYLE} }}\n"  # one rule, parsed once, rather than a style attribute on each
    # Each patient box out of the flow at the top of the page; its own border and
    # background are the base's (``decorations_css``). Where across: ``placement_css``.
    + f"[{PLACED}] {{ position: absolute !important; top: 0 !important; margin: 0 !important;"
    " box-sizing: border-box !important; visibility: visible !important; border-color: transparent !important;"
    " background: transparent none !important; outline-color: transparent !important }\n"
)

# Marker values for laying out a base. They are as long as typical real values, and
# found in the base's text only if a template prints patient data outside a marked box.
MARKERS = ("Qzx", "QZX", "11:58", "1999")
_MARK_TIME = time(23, 58)
_MARK_DOB = date(1999, 12, 29)
_SHORT_TIME = time(1, 11)  # the exact bases' time: as short as a time gets


@dataclass(frozen=True)
class Frame:
    """Where a personal box sits: page index and border box in CSS px."""

    id: str
    page: int
    x: float
    y: float
    width: float
    height: float
    inner: float = 0.0  # padding and border, top plus bottom
    border_box: bool = False  # the template's box-sizing: what its min-height measures
    filled: float = 0.0  # how much of the content box its content takes
    collapses: bool = False  # a child's margin meets the box's edge: in the flow it would collapse through
    unbreakable: bool = False  # break-inside: avoid: a whole render moves it whole, as the base does
    plain_block: bool = False  # a block in the normal flow: its content does not depend on its height


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
        # Without a known end the Today lines say "about" and count hours: the longer wording.
        dose_ended=None,
        # Printed ahead: the Today box names the dose's day, longer than "Today".
        printed_on=visit.when.date() - timedelta(days=1),
    )


OPTIONAL_FIELDS = ("date_of_birth", "mrn", "session", "series_length", "escort", "next_visit", "provider", "dose_ended")


def presence(visit: Visit) -> tuple[bool, ...]:
    """Which optional fields the visit carries: boxes and lines come and go with them."""
    return tuple(getattr(visit, name) is not None for name in OPTIONAL_FIELDS)


def marker_visit(visit: Visit) -> Visit:
    """Short marker values in exactly the fields this visit carries (no patient data at all).

    An exact base is laid out from it: the same boxes and lines exist as in the
    patient's own packet, and each box is then given the patient's height as its
    minimum. Values are as short as real ones get, so the hidden marker text does
    not make a box taller than the patient's (``build_base`` checks it did not).
    """
    day = visit.when.date()
    short = replace(
        visit, name="Qzx", when=datetime.combine(day, _SHORT_TIME), date_of_birth=date(1999, 1, 1), mrn="QZX",
        session=1, series_length=1 if visit.series_length is not None else None, escort="Qzx",
        next_visit=datetime.combine(_short_next_day(day), _SHORT_TIME), provider="Qzx",
        dose_ended=datetime.combine(day, _SHORT_TIME),
    )
    absent: dict[str, Any] = {name: None for name, present in zip(OPTIONAL_FIELDS, presence(visit)) if not present}
    return replace(short, **absent)


def _short_next_day(day: date) -> date:
    """A near day with a one-digit date and a short weekday name (Monday, Friday, Sunday)."""
    candidate = day + timedelta(days=1)
    while candidate.day > 9 or candidate.weekday() not in (0, 4, 6):
        candidate += timedelta(days=1)
    return candidate


def _longest_next_day(day: date) -> date:
    """A Wednesday (the longest weekday name) within a year after ``day``: a next visit the visit rules accept."""
    candidate = day + timedelta(days=300)
    return candidate + timedelta(days=(2 - candidate.weekday()) % 7)


def find_frames(document: Document, shown: Iterable[str] = ()) -> list[Frame]:
    """Personal boxes that have an id (except ``shown`` ones): one Frame per piece.

    A box broken over two pages or columns gives two Frames with one id, which the
    callers refuse: the patient layer cannot break a box the way a whole render does.
    """
    shown = set(shown)
    frames: list[Frame] = []

    def walk(box, index: int) -> None:
        element = getattr(box, "element", None)
        frame_id = element.get("id") if element is not None and element.get(PERSONAL) is not None else None
        if frame_id and frame_id not in shown:
            frames.append(Frame(frame_id, index, box.border_box_x(), box.border_box_y(), box.border_width(), box.border_height(),
                                box.border_height() - box.height, box.style["box_sizing"] == "border-box", _filled(box), _collapses(box),
                                str(box.style["break_inside"]).startswith("avoid"), _plain_block(box)))
            return
        for child in getattr(box, "children", ()):
            walk(child, index)

    for index, page in enumerate(document.pages):
        walk(page._page_box, index)
    return frames


def _plain_block(box) -> bool:
    """A block box laying its children out top-down (not flex, grid or table): a taller box moves nothing inside."""
    return isinstance(box, BlockBox) and tuple(box.style["display"])[:2] in (("block", "flow"), ("block", "flow-root"))


def _collapses(box) -> bool:
    """Whether a margin inside the box meets its top or bottom edge (no padding or border between).

    Laid out alone (positioned), such a box keeps the margin inside; in the flow of a
    whole render the margin collapses through it: their heights differ.
    """
    if "flow-root" in box.style["display"]:
        return False  # its own formatting context: nothing collapses through it
    return _margin_meets(box, first=True) or _margin_meets(box, first=False)


def _margin_meets(box, first: bool) -> bool:
    edge = (box.padding_top + box.border_top_width) if first else (box.padding_bottom + box.border_bottom_width)
    if edge:
        return False
    blocks = [c for c in getattr(box, "children", ()) if isinstance(c, BlockBox)]
    if not blocks:
        return False
    child = blocks[0] if first else blocks[-1]
    return bool(child.margin_top if first else child.margin_bottom) or _margin_meets(child, first)


def _filled(box) -> float:
    """Height the box's content takes from the top of its content box."""
    bottoms = [c.position_y + c.margin_height() for c in getattr(box, "children", ()) if hasattr(c, "margin_height")]
    return max(bottoms, default=box.content_box_y()) - box.content_box_y()


def _pdf_text(pdf: bytes) -> str:
    with pdfium() as pypdfium2:
        document = pypdfium2.PdfDocument(pdf)
        try:
            return "\n".join(page.get_textpage().get_text_bounded() for page in document)
        finally:
            document.close()


# presence of optional fields, boxes printed in the base (nothing of the patient's in them), (box id, min-height)
Shape = tuple[tuple[bool, ...], tuple[str, ...], tuple[tuple[str, str], ...]]


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


@dataclass(frozen=True)
class Cut:
    """A packet's personal boxes, cut out of its HTML once (lxml: a C parser) for the overlays.

    ``skeleton``: the document with only the personal boxes and their ancestors left;
    ``boxes``: each personal box with an id, as markup (to find boxes holding nothing
    of the patient's, which the base then prints).
    """

    skeleton: str
    boxes: dict[str, str]


def cut_personal(html: str) -> Cut:
    """The packet's personal boxes and what holds them; everything else goes."""
    root = lxml.html.document_fromstring(html)
    boxes = {str(e.get("id")): lxml.html.tostring(e, encoding="unicode", with_tail=False) for e in root.iter()
             if isinstance(e.tag, str) and e.get(PERSONAL) is not None and e.get("id")}
    body = root.find("body")
    if body is not None:
        _prune(body)
    return Cut("<!DOCTYPE html>" + lxml.html.tostring(root, encoding="unicode", method="html"), boxes)


def _prune(element) -> bool:
    """Drop the subtrees of ``element`` without personal boxes; whether anything is left."""
    if element.get(PERSONAL) is not None:
        return True
    element.text = None
    for child in list(element):
        if not isinstance(child.tag, str) or not _prune(child):
            element.remove(child)
        else:
            child.tail = None
    return len(element) > 0


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
                page_sizes=sizes, footers=tuple(_footer(p._page_box) for p in document.pages))


FOOTER_BOX = "@bottom-left"  # the page margin box that prints the patient's name


def _footer(page_box) -> tuple[float, float, float, float] | None:
    """Where the page's footer name box is (border box, CSS px), if the page has one."""
    for child in page_box.children:
        if getattr(child, "at_keyword", None) == FOOTER_BOX:
            return (child.border_box_x(), child.border_box_y(), child.border_width(), child.border_height())
    return None


def patient_html(skeleton: str, frames: list[Frame]) -> str:
    """The patient's boxes, each at the top of the first page, out of the flow; and the footer's source.

    Each box keeps its width and its hidden ancestors (so every rule that styles it
    still applies) but is taken out of the flow, so it gets its natural height; its
    own border and background are left to the base (``decorations_css``). The boxes
    overlap: ``split_boxes`` then gives each a page of its own.
    """
    root = lxml.html.document_fromstring(skeleton)
    body = root.find("body")
    assert body is not None, "a skeleton always has a body: lxml adds one"
    children = list(body)
    for child in children:
        body.remove(child)
    kept = [k for box in (None, *frames) for k in (_keep_personal(c, box) for c in children) if k is not None]
    container = lxml.etree.SubElement(body, "div")
    container.set("style", "position: relative; margin: 0; padding: 0; height: 1px")
    container.extend(kept)
    return "<!DOCTYPE html>" + lxml.html.tostring(root, encoding="unicode", method="html")


def split_boxes(document: Document, ids: list[str]) -> Document:
    """The one laid-out page as 1 + len(ids) pages: the footer name alone, then each box alone.

    Each page then becomes a form XObject of its own (``moves``), holding its words
    once, so a PDF reader's text is the patient's text, once. Laying each box out on
    a page of its own would give the same drawing at several times the cost.
    """
    page = document.pages[0]._page_box
    footer = [c for c in page.children if getattr(c, "at_keyword", None) == FOOTER_BOX]
    pages = [page.copy_with_children(footer)]
    for box_id in ids:
        kept = [k for k in (_only(child, box_id) for child in page.children) if k is not None]
        pages.append(page.copy_with_children(kept))
    return document.copy([Page(p) for p in pages])


def _only(box, box_id: str):
    """A copy of ``box`` holding only the path down to the patient box ``box_id``, or None."""
    element = getattr(box, "element", None)
    if element is not None and element.get(PERSONAL) is not None and element.get("id") == box_id:
        return box
    for child in getattr(box, "children", ()):
        if (kept := _only(child, box_id)) is not None:
            return box.copy_with_children([kept])
    return None


def _keep_personal(element, box: Frame | None):
    """The patient box ``box`` placed at the top of its page, within hidden shells of its ancestors.

    ``box`` None: the footer's source instead (the personal element without an id).
    """
    if element.get(PERSONAL) is not None:
        if element.get("id") != (box.id if box else None):
            return None
        if box is None:
            return element
        element.set(PLACED, box.id)
        return element
    kept = [k for k in (_keep_personal(c, box) for c in list(element) if isinstance(c.tag, str)) if k is not None]
    if not kept:
        return None
    shell = lxml.html.Element(element.tag, {k: v for k, v in element.attrib.items() if k not in ("id", PLACED)})
    shell.set(SHELL, "")
    shell.extend(kept)
    return shell


def placement_css(frames: list[Frame], origin: tuple[float, float]) -> str:
    """Each box's left edge and width as in the base, by its id (a stylesheet parsed once per group).

    The id is matched as an attribute value, a CSS string: any id a template uses is safe here.
    """
    def string(text: str) -> str:
        return '"' + "".join(c if c.isalnum() or c in "-_" else f"\\{ord(c):x} " for c in text) + '"'
    return "".join(f"[{PLACED}={string(f.id)}] {{ left: {f.x - origin[0]:.6f}px !important; width: {f.width:.6f}px !important }}\n"
                   for f in frames)


def layout_patient(renderer: Renderer, loaded: LoadedClinic, skeleton: str, frames: list[Frame],
                   sizing: Base, ctx: PacketContext) -> tuple[Document, list[Frame], tuple[float, float, float, float] | None]:
    """Lay the patient's boxes out once (``patient_html``): the document, the boxes, the footer name box."""
    engine = renderer.engine
    with engine.guarded(loaded.folder) as fetcher:
        document = engine.layout(patient_html(skeleton, frames), fetcher,
                                 (engine.css(OVERLAY_CSS), engine.css(placement_css(frames, sizing.origin))))
        check_floor(document, packet_floor(ctx), loaded.folder, loaded.clinic.branding.css, layer=True)
    return document, find_frames(document), _footer(document.pages[0]._page_box)


def patient_moves(base: Base, frames: list[Frame], placed: list[Frame],
                  footer: tuple[float, float, float, float] | None) -> list[Move] | None:
    """Where each laid-out box goes in the packet; None when that would not be exactly a whole render.

    Exact means: every box as wide as the base's, no taller, on the base's page; a box
    the base shows taller (stretched by its row) only if its content does not depend
    on its height (a plain block); the footer name box the same size on every page.
    """
    source = {f.id: index + 1 for index, f in enumerate(frames)}  # pages of ``split_boxes``: the footer's first
    by_id = {f.id: f for f in placed}
    if ({f.id for f in base.frames} != set(source) or len(placed) != len(frames) or set(by_id) != set(source)
            or any(f.page != 0 for f in placed)):
        return None
    moves = []
    for want in base.frames:
        got = by_id[want.id]
        if abs(got.width - want.width) > EXACT_PX or got.height > want.height + EXACT_PX:
            return None
        if want.height > got.height + EXACT_PX and not want.plain_block:
            return None
        moves.append(Move(want.page, source[want.id], want.x - got.x, want.y - got.y))
    for page, spot in enumerate(base.footers):
        if spot is None:
            continue
        if footer is None or any(abs(a - b) > EXACT_PX for a, b in zip(spot[2:], footer[2:])):
            return None
        moves.append(Move(page, 0, spot[0] - footer[0], spot[1] - footer[1]))
    return moves


def shape_of(visit: Visit, shown: tuple[str, ...], placed: Iterable[Frame], sizing: Base) -> Shape:
    """The layout shape of a patient's boxes: which fields are there, which boxes hold
    nothing of the patient's, how tall each other box is.

    Heights are as the template's min-height reads them (border or content box).
    """
    border_box = {f.id: f.border_box for f in sizing.frames}
    return presence(visit), shown, tuple(sorted(
        (f.id, f"{f.height if border_box.get(f.id) else f.height - f.inner:.6f}") for f in placed))


@dataclass(frozen=True)
class Layers:
    """A packet made by the fast path, with what it was made of (a print run reuses the base)."""

    pdf: bytes
    base_key: tuple
    boxes: bytes  # the patient's boxes as laid out, one per page (``split_boxes``)
    moves: tuple[Move, ...]
    page_sizes: tuple[tuple[float, float], ...]  # the packet's pages, points

    @property
    def overlay(self) -> bytes:
        """The patient's layer alone, one page per packet page: what a print run draws over the shared base."""
        return patient_layer(self.boxes, list(self.moves), list(self.page_sizes))


def cached_base(renderer: Renderer, loaded: LoadedClinic, key: tuple, build: Callable[[], Base]) -> Base:
    """The base for ``key``: from memory, else from the renderer's disk cache, else laid out (and stored)."""
    if key in renderer.bases or renderer.cache is None:
        return renderer.bases.get(key, build)
    name = basecache.entry_name(renderer.fingerprint(loaded), key)
    if (data := basecache.read(renderer.cache, name)) is not None:
        try:
            return renderer.bases.put(key, _base_from(data))
        except (KeyError, TypeError, ValueError):
            pass  # malformed: lay it out again
    base = renderer.bases.put(key, build())
    basecache.write(renderer.cache, name, _base_to(base))
    return base


def stored_base(cache: Path, name: str) -> Base | None:
    """A base kept on disk under ``name`` (``basecache.entry_name``), or None: for a print run."""
    data = basecache.read(cache, name)
    try:
        return _base_from(data) if data is not None else None
    except (KeyError, TypeError, ValueError):
        return None


def _base_to(base: Base) -> dict:
    return {"pdf": base64.b64encode(base.pdf).decode() if base.pdf is not None else None,
            "frames": [asdict(f) for f in base.frames], "pages": base.pages, "origin": list(base.origin),
            "reason": base.reason, "sheet_pages": base.sheet_pages, "page_sizes": [list(p) for p in base.page_sizes],
            "footers": [list(f) if f is not None else None for f in base.footers]}


def _base_from(data: dict) -> Base:
    """A base read back from disk; ValueError unless its PDF has the pages its record says."""
    pdf = base64.b64decode(data["pdf"], validate=True) if data["pdf"] is not None else None
    base = Base(pdf, tuple(Frame(**f) for f in data["frames"]), int(data["pages"]),
                (float(data["origin"][0]), float(data["origin"][1])), str(data["reason"]), int(data["sheet_pages"]),
                tuple((float(w), float(h)) for w, h in data["page_sizes"]),
                tuple(cast("tuple[float, float, float, float]", tuple(float(v) for v in f)) if f is not None else None
                      for f in data["footers"]))
    if pdf is not None:  # a packet's page count is taken from page_sizes: it must be the PDF's
        try:
            with pikepdf.open(io.BytesIO(pdf)) as document:
                count = len(document.pages)
        except pikepdf.PdfError as exc:
            raise ValueError(f"unreadable base PDF: {exc}") from None
        if not count == base.pages == len(base.page_sizes) == len(base.footers):
            raise ValueError("base record and PDF disagree on the page count")
    return base


def render_composed(renderer: Renderer, loaded: LoadedClinic, visit: Visit, ctx: PacketContext,
                    content: Content) -> Layers | None:
    """The packet by the fast path, or None when it must be rendered whole.

    The patient's boxes are laid out once, each alone on a page (at its natural
    height): that gives the shape, hence the exact base, and the drawing of each box,
    which is then moved to the base's spot for it (``moves``).
    """
    key = group_key(loaded, visit, content.language)
    sizing = cached_base(renderer, loaded, key, lambda: build_base(renderer, loaded, visit, content))
    if sizing.sheet_pages > MAX_SHEET_PAGES and not visit.large_print:  # large print is meant to run longer
        raise RenderError(
            f"the discharge sheet is {sizing.sheet_pages} pages for a patient with every detail filled in; it must fit "
            f"on {MAX_SHEET_PAGES} (one sheet, both sides). Shorten or hide sections under 'content' in {loaded.path}."
        )
    if sizing.pdf is None:
        return None
    html = renderer.templates.packet_html(loaded, ctx)
    cut = cut_personal(html)
    markers = renderer.bases.get((key, presence(visit), "boxes"), lambda: cut_personal(
        renderer.templates.packet_html(loaded, build_context(loaded, marker_visit(visit), content))).boxes)
    shown = tuple(sorted(i for i, markup in cut.boxes.items() if markers.get(i) == markup))
    frames = [f for f in sizing.frames if f.id not in shown]
    document, placed, footer = layout_patient(renderer, loaded, cut.skeleton, frames, sizing, ctx)
    if len(document.pages) != 1 or len({f.id for f in placed}) != len(placed):
        return None  # a box broke even with a page to itself: render whole
    if any(f.collapses for f in placed):
        return None  # its height in the flow differs from its height alone
    shape = shape_of(visit, shown, placed, sizing)
    base = cached_base(renderer, loaded, (key, shape), lambda: build_base(renderer, loaded, visit, content, shape))
    if base.pdf is None or (moves := patient_moves(base, frames, placed, footer)) is None:
        return None
    with renderer.engine.guarded(loaded.folder):
        boxes = split_boxes(document, [f.id for f in frames]).write_pdf()
    sizes = tuple((w * PT_PER_PX, h * PT_PER_PX) for w, h in base.page_sizes)
    return Layers(draw_moved(base.pdf, boxes, moves), (key, shape), boxes, tuple(moves), sizes)
