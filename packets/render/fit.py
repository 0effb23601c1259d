"""Nothing printed clipped: after layout, every piece of text must sit inside its boxes.

WeasyPrint lays out what it is given and then draws it, clipped where a box has
``overflow: hidden`` (a wallet card) and cut off where the paper ends. A phone number
pushed past a card's edge or a footer that wraps below the page would print half
there, and nothing would say so. So after every layout we walk the laid-out boxes
and check that each text run and image lies inside every block that contains it
(the card, the Today box, the footer's margin box, ...) and inside the page.
A packet that fails is refused with a message naming the box, never printed.

Uses WeasyPrint's box tree (``page._page_box``), which is private API: the version
is pinned in pyproject.toml, and ``frames.find_frames`` walks it the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from weasyprint.document import Document
from weasyprint.formatting_structure import boxes as wb
from weasyprint.layout.absolute import AbsolutePlaceholder

from packets.errors import RenderError

TOLERANCE_PX = 1.0  # about 0.26 mm: rounding in the layout, invisible on paper
PERSONAL = "data-personal"

# Boxes by the class on their element, most specific first: how a message names them,
# and what the clinic can change to make them fit.
BOX_NAMES: tuple[tuple[str, str, str], ...] = (
    ("card-url", "the card's link line", "use a shorter card link (links.card)"),
    ("cc-value", "a number on the card back", "shorten the contact (contacts)"),
    ("card-number", "a number on the card front", "use a shorter number (contacts)"),
    ("card-clinic", "the clinic name on the card", "shorten the clinic name (name)"),
    ("card-front", "card front", "shorten the text on it"),
    ("card-back", "card back", "shorten the contacts or the card link (contacts, links.card)"),
    ("patient", "the patient box", "shorten the patient's details"),
    ("today", "the Today box", "shorten the treatment's instructions (treatments)"),
    ("contacts", "the Who to call box", "shorten the contacts (contacts)"),
    ("clinic", "the page header", "shorten the clinic name or address (name, address)"),
    ("tier", "a When to get help box", "shorten the warning signs (content.warning_signs)"),
    ("section", "a content section", "shorten the section (content.sections)"),
    ("tracking", "the tracking page", "shorten the tracking text"),
    ("sheet-note", "the card sheet's note", "use a smaller card count"),
)
MARGIN_NAMES = {"@bottom-left": "the footer's name and date", "@bottom-center": "the footer note",
                "@bottom-right": "the page number", "@top-center": "the sample mark"}


@dataclass(frozen=True)
class Overflow:
    """One piece of text (or an image) that lies outside a box that holds it."""

    page: int  # from 1
    box: str  # what the reader would call the box
    fix: str
    text: str | None  # the text that does not fit, unless it may be patient data
    outside: str  # "the page" or the box it sticks out of
    image: bool = False
    room: tuple[int, int] | None = None  # a margin line: (characters that fit, characters it has)

    def message(self, pages: list[int] | None = None, count: int = 1) -> str:
        """One problem, or ``count`` alike ones on ``pages`` (the same footer on every page)."""
        if self.outside.startswith("the band"):  # the grid is drawn whole, but where the card is cut out
            return f"{_pages(pages or [self.page])}, {self.box} runs into {self.outside}; {self.fix}."
        what = f"'{self.text}'" if self.text else "an image" if self.image else "a line"
        if count > 1 and not self.text:
            what = f"{count} images" if self.image else f"{count} lines"
        plural = count > 1 and not self.text
        if self.outside == "the page":
            where = "run off the page" if plural else "runs off the page"
        else:
            where = f"do not fit inside {self.outside}" if plural else f"does not fit inside {self.outside}"
        limit = (f" (about {self.room[0]} of its {self.room[1]} characters fit)"
                 if self.room is not None and self.room[0] < self.room[1] else "")
        return f"{_pages(pages or [self.page])}, {self.box}: {what} {where}{limit}; {self.fix}, or use a shorter value."


def _pages(numbers: list[int]) -> str:
    """``page 3``, ``pages 1-9`` or ``pages 1, 3 and 5``."""
    numbers = sorted(set(numbers))
    if len(numbers) == 1:
        return f"page {numbers[0]}"
    if numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"pages {numbers[0]}-{numbers[-1]}"
    return "pages " + ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"


def _classes(box: wb.Box) -> set[str]:
    element = getattr(box, "element", None)
    if element is None or not hasattr(element, "get"):
        return set()
    return set((element.get("class") or "").split())


def _name(ancestors: list[wb.Box]) -> tuple[str, str]:
    for box in reversed(ancestors):
        if isinstance(box, wb.MarginBox):
            return MARGIN_NAMES.get(box.at_keyword, f"the page margin ({box.at_keyword})"), \
                "shorten the footer text (footer_text, review)"
        classes = _classes(box)
        for cls, name, fix in BOX_NAMES:
            if cls in classes:
                return name, fix
    return "the page", "shorten the text"


def _personal(ancestors: list[wb.Box]) -> bool:
    """Patient data may be in this text: messages must not quote it."""
    for box in ancestors:
        if isinstance(box, wb.MarginBox):
            return True
        element = getattr(box, "element", None)
        if element is not None and hasattr(element, "get") and element.get(PERSONAL) is not None:
            return True
    return False


def _rect(box: wb.Box) -> tuple[float, float, float, float]:
    if isinstance(box, wb.PageBox):
        return 0.0, 0.0, box.margin_width(), box.margin_height()
    return box.border_box_x(), box.border_box_y(), box.border_box_x() + box.border_width(), \
        box.border_box_y() + box.border_height()


def _holds(box: wb.Box) -> bool:
    """Boxes whose edge text must not cross: blocks, flex boxes, cells, margins, the page."""
    return isinstance(box, (wb.BlockContainerBox, wb.FlexContainerBox, wb.PageBox)) and not isinstance(box, wb.LineBox)


def _clips(box: wb.Box) -> bool:
    """The page, its margin boxes, and boxes that cut off what sticks out (a card)."""
    return isinstance(box, (wb.PageBox, wb.MarginBox)) or box.style["overflow"] != "visible"


def _out_of_flow(box: wb.Box) -> bool:
    return box.style["float"] != "none" or box.style["position"] in ("absolute", "fixed")


def _walk(box: wb.Box, ancestors: list[wb.Box], line: wb.LineBox | None = None
          ) -> Iterator[tuple[wb.Box, list[wb.Box], wb.LineBox | None]]:
    if isinstance(box, AbsolutePlaceholder):  # where a positioned box left the flow: check the box
        box = box._box
    if getattr(box, "style", None) is not None and box.style["visibility"] != "visible":
        return  # hidden boxes draw nothing (the fast path's base hides the patient's boxes)
    tag = getattr(box, "element_tag", "") or ""
    if tag.endswith("::marker"):
        return  # list bullets sit in the list's padding, outside the item by design
    if isinstance(box, (wb.TextBox, wb.ReplacedBox)):
        yield box, ancestors, line
        return
    if isinstance(box, wb.ParentBox):
        if _out_of_flow(box):
            # A float or a positioned box may legitimately stick out of its parent (a
            # QR code floated beside a line); it must still stay inside any box that
            # clips it (a card) and inside the page.
            ancestors = [a for a in ancestors if _clips(a)]
        inner = ancestors + [box] if _holds(box) else ancestors
        if isinstance(box, wb.LineBox):
            line = box
        elif _holds(box):
            line = None  # an inline-block starts its own lines
        for child in box.children:
            yield from _walk(child, inner, line)


def _inside(inner: tuple[float, float, float, float], outer: tuple[float, float, float, float]) -> bool:
    return (inner[0] >= outer[0] - TOLERANCE_PX and inner[1] >= outer[1] - TOLERANCE_PX
            and inner[2] <= outer[2] + TOLERANCE_PX and inner[3] <= outer[3] + TOLERANCE_PX)


def overflows(document: Document) -> list[Overflow]:
    """Every text run or image that sticks out of a box that holds it, page by page."""
    found: list[Overflow] = []
    for number, page in enumerate(document.pages, 1):
        root = page._page_box
        for leaf, ancestors, line in _walk(root, []):
            if isinstance(leaf, wb.TextBox):
                if not leaf.text.strip():
                    continue
                # Across: the text itself. Down: its line box, which is what line-height
                # makes of it (glyph ascent and descent may poke out of a tight line).
                top, bottom = (line.position_y, line.position_y + line.height) if line is not None else \
                    (leaf.position_y, leaf.position_y + leaf.height)
                rect = (leaf.position_x, top, leaf.position_x + leaf.width, bottom)
            else:
                rect = _rect(leaf)
            for holder in reversed(ancestors):
                if not _inside(rect, _rect(holder)):
                    box, fix = _name(ancestors)
                    quoted = None if _personal(ancestors) or not isinstance(leaf, wb.TextBox) else leaf.text.strip()[:60]
                    outside = "the page" if isinstance(holder, wb.PageBox) else (
                        "its box" if holder is ancestors[-1] else _name(ancestors[: ancestors.index(holder) + 1])[0])
                    margin = next((a for a in ancestors if isinstance(a, wb.MarginBox)), None)
                    found.append(Overflow(number, box, fix, quoted, outside, not isinstance(leaf, wb.TextBox),
                                          _room(margin) if margin is not None else None))
                    break
        if "tracking" in page.anchors and (into := _into_card_band(root)) is not None:  # only the grid's page has the band
            found.append(Overflow(number, "the tracking grid", "leave out the blood pressure row (home_blood_pressure), "
                                  "use the smaller card (card_size: business) or A4 paper (paper: a4, taller than Letter)", None,
                                  f"the band kept empty behind the wallet card (by {into:.0f} mm)"))
    return found


def _into_card_band(root: wb.PageBox) -> float | None:
    """How far (mm) the tracking grid reaches into the band behind the wallet card, if it does.

    Printed on both sides, the card is cut out of the back of this band: a grid row
    there would be cut in half with it. Both are drawn, so the overlap is not "cut off"
    text; it is measured here.
    """
    band_top, grid_bottom = None, None
    stack: list[wb.Box] = [root]
    while stack:
        box = stack.pop()
        if isinstance(box, AbsolutePlaceholder):
            box = box._box
        classes = _classes(box)
        if "card-shadow" in classes:
            band_top = box.border_box_y()
        elif "grid" in classes and isinstance(box, wb.Box) and not isinstance(box, wb.InlineBox):
            grid_bottom = max(grid_bottom or 0.0, box.border_box_y() + box.border_height())
        if isinstance(box, wb.ParentBox):
            stack.extend(box.children)
    if band_top is None or grid_bottom is None or grid_bottom <= band_top + TOLERANCE_PX:
        return None
    return (grid_bottom - band_top) * 25.4 / 96


def _room(margin: wb.MarginBox) -> tuple[int, int]:
    """How many of a margin box's characters lie inside it, of how many: the limit a message can state.

    A footer that is too long wraps onto lines below its box; counting the characters
    on the lines that fit gives the clinic a number to aim for, for this paper and print size.
    """
    inside = total = 0
    for leaf, _, line in _walk(margin, []):
        if isinstance(leaf, wb.TextBox) and line is not None:
            size = len(leaf.text.strip())
            total += size
            top, bottom = line.position_y, line.position_y + line.height
            if _inside((leaf.position_x, top, leaf.position_x + leaf.width, bottom), _rect(margin)):
                inside += size
    return inside, total


def grouped(problems: list[Overflow]) -> list[tuple[Overflow, list[int], int]]:
    """Alike problems together, in the order first seen: (the first, its pages, the most on one page)."""
    groups: dict[tuple[str, str, str | None, str, bool], tuple[Overflow, list[int]]] = {}
    for problem in problems:
        key = (problem.box, problem.fix, problem.text, problem.outside, problem.image)
        groups.setdefault(key, (problem, []))[1].append(problem.page)
    return [(first, pages, max(pages.count(p) for p in pages)) for first, pages in groups.values()]


def check_fit(document: Document) -> None:
    """Refuse a layout in which any text or image would print cut off or off the page."""
    problems = grouped(overflows(document))
    if problems:
        listed = [first.message(pages, count) for first, pages, count in problems]
        head = "text would be cut off on paper, so nothing was printed"
        if len(listed) == 1:
            raise RenderError(f"{head}: {listed[0]}")
        raise RenderError(f"{head}, in {len(listed)} places: " + " ".join(f"({n}) {m}" for n, m in enumerate(listed, 1)))
