"""The fast path: lay out what patients share once, then draw each patient's own text on top.

A packet is about four pages, and laying them out is most of the cost of a render.
Almost all of it is the same for every patient of one clinic, treatment and day: only
the boxes the template marks ``data-personal`` (patient name, patient box, Today box,
next visit) and the footer name differ. So the shared pages are laid out once as a
*base*, and for each patient only those boxes and the footer are laid out, once, on
one small page (each box at its natural height, out of the flow), and each is drawn
onto its spot in the base (``moves``: a PDF form with a translation).

The paper is exactly a whole render's (0 differing pixels), because the base is
exact for the patient's *shape*: what lies around the boxes (optional fields that
change anything outside them: a named or unnamed escort only changes a hidden line,
so both share a base), which boxes hold nothing of the patient's (those are printed in the base), and each other box's
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

from packets.config.loading import LoadedClinic
from packets.content.shared import Content
from packets.errors import RenderError
from packets.render.base import build_base, group_key
from packets.render.base_store import cached_base
from packets.render.context import PacketContext, build_context
from packets.render.engine import MAX_SHEET_PAGES
from packets.render.markers import marker_visit, presence
from packets.render.moves import PT_PER_PX, draw_moved
from packets.render.overlay import Layers, around_boxes, cut_personal, layout_patient, patient_moves, shape_of, split_boxes
from packets.render.renderer import Renderer
from packets.visits.model import Visit


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
    marker_html, markers = renderer.bases.get((key, presence(visit), "markers"), lambda: _markers(
        renderer.templates.packet_html(loaded, build_context(loaded, marker_visit(visit), content))))
    shown = tuple(sorted(i for i, markup in cut.boxes.items() if markers.get(i) == markup))
    around = renderer.bases.get((key, presence(visit), shown, "around"), lambda: around_boxes(marker_html, shown))
    frames = [f for f in sizing.frames if f.id not in shown]
    document, placed, footer = layout_patient(renderer, loaded, cut.skeleton, frames, sizing, ctx)
    if len(document.pages) != 1 or len({f.id for f in placed}) != len(placed):
        return None  # a box broke even with a page to itself: render whole
    if any(f.collapses for f in placed):
        return None  # its height in the flow differs from its height alone
    shape = shape_of(around, shown, placed, sizing)
    base = cached_base(renderer, loaded, (key, shape), lambda: build_base(renderer, loaded, visit, content, shape))
    if base.pdf is None or (moves := patient_moves(base, frames, placed, footer)) is None:
        return None
    with renderer.engine.guarded(loaded.folder):
        boxes = split_boxes(document, [f.id for f in frames]).write_pdf()
    sizes = tuple((w * PT_PER_PX, h * PT_PER_PX) for w, h in base.page_sizes)
    return Layers(draw_moved(base.pdf, boxes, moves), (key, shape), boxes, tuple(moves), sizes)


def _markers(html: str) -> tuple[str, dict[str, str]]:
    """The marker packet's HTML and its personal boxes' markup (kept per group and presence of fields)."""
    return html, cut_personal(html).boxes
