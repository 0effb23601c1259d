"""The patient's layer: their boxes and footer name, laid out once on one small page.

The packet's HTML is cut down to the personal boxes and hidden copies of their
ancestors (so every rule that styles a box still applies); each box is laid out out
of the flow at its base width, then split to a page of its own and moved onto its
spot in the base (``moves``). ``patient_moves`` refuses anything that would not be
exactly a whole render, and the caller then renders whole.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import lxml.etree
import lxml.html
from weasyprint.document import Document, Page

from packets.config.loading import LoadedClinic
from packets.render.base import Base, Shape
from packets.render.context import PacketContext
from packets.render.floor import check_floor, packet_floor
from packets.render.frames import EXACT_PX, FOOTER_BOX, PERSONAL, Frame, find_frames, footer_box
from packets.render.moves import Move, patient_layer
from packets.render.renderer import Renderer

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


def around_boxes(html: str, shown: Iterable[str]) -> str:
    """A digest of what a base lays out around the personal boxes: the HTML with every box emptied, and the shown boxes whole.

    Two patients whose marker packets agree here, with the same box heights, share one
    base: their optional fields differ only inside boxes the base hides (a named or an
    unnamed escort), so everything the base draws falls in the same place.
    """
    keep = set(shown)
    root = lxml.html.document_fromstring(html)
    for element in [e for e in root.iter() if isinstance(e.tag, str) and e.get(PERSONAL) is not None and e.get("id")]:
        if element.get("id") not in keep:
            element.text = None
            for child in list(element):
                element.remove(child)
    return hashlib.sha256(lxml.html.tostring(root, encoding="utf-8", method="html")).hexdigest()


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
    return document, find_frames(document), footer_box(document.pages[0]._page_box)


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


def shape_of(around: str, shown: tuple[str, ...], placed: Iterable[Frame], sizing: Base) -> Shape:
    """The layout shape of a patient's boxes: what is around them (``around_boxes`` of the
    marker packet), which boxes hold nothing of the patient's, how tall each other box is.

    Heights are as the template's min-height reads them (border or content box).
    """
    border_box = {f.id: f.border_box for f in sizing.frames}
    return around, shown, tuple(sorted(
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
