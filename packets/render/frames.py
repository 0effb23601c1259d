"""Where a laid-out packet's personal boxes and footer name sit, read from WeasyPrint's boxes.

A *frame* is one piece of a box the template marks ``data-personal`` with an id: its
page, border box, and the properties that decide whether the fast path can draw it
exactly as a whole render would (how full it is, whether a margin collapses through
it, whether its inside is a plain top-down block).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from weasyprint.document import Document
from weasyprint.formatting_structure.boxes import BlockBox

PERSONAL = "data-personal"


EXACT_PX = 0.01  # an exact base and the overlay agree to layout rounding, far below a pixel


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


FOOTER_BOX = "@bottom-left"  # the page margin box that prints the patient's name


def footer_box(page_box) -> tuple[float, float, float, float] | None:
    """Where the page's footer name box is (border box, CSS px), if the page has one."""
    for child in page_box.children:
        if getattr(child, "at_keyword", None) == FOOTER_BOX:
            return (child.border_box_x(), child.border_box_y(), child.border_width(), child.border_height())
    return None
