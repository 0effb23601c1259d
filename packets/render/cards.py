"""A sheet of warning cards for card stock, at exact card size, on the clinic's paper.

Cards butt edge to edge in a grid centred on the page (the usual layout for
guillotine-cut card sheets: 10 business cards on Letter, 10 ID-1 cards on A4), with
crop marks outside the grid on every cut line. Fronts print on one page and backs on
the next; a back sits mirrored left to right, so it lands behind its front when the
sheet is printed on both sides (flip on the long edge).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from packets.config.loading import LoadedClinic
from packets.content.shared import build_content, for_treatment
from packets.errors import PacketsError
from packets.render.context import CARD_MM, PAPER_MM, PacketContext, build_context
from packets.render.floor import check_floor, packet_floor
from packets.render.renderer import Renderer, kept_or_new
from packets.visits.model import Visit

MARGIN_MM = 9.0  # room outside the grid for crop marks and the printer's unprintable edge
MARK_GAP_MM = 1.5  # crop marks stop short of the card edge
MARK_LEN_MM = 5.0
MARK_WEIGHT_MM = 0.15
MAX_CARDS = 1000


@dataclass(frozen=True)
class Slot:
    x: float  # mm from the page's left edge
    y: float  # mm from the page's top edge


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Side:
    name: str  # "front" or "back"
    slots: tuple[Slot, ...]
    note: str


@dataclass(frozen=True)
class CardSheet:
    """All the cards template sees: the card content and where each card goes."""

    p: PacketContext
    paper_mm: tuple[float, float]
    card_mm: tuple[float, float]
    columns: int
    rows: int
    sides: tuple[Side, ...]
    marks: tuple[Mark, ...]
    note_y: float

    @property
    def per_sheet(self) -> int:
        return self.columns * self.rows


def grid(paper_mm: tuple[float, float], card_mm: tuple[float, float]) -> tuple[int, int, float, float]:
    """Columns, rows and the grid's top-left corner (mm) for the most cards that fit."""
    columns = int((paper_mm[0] - 2 * MARGIN_MM) // card_mm[0])
    rows = int((paper_mm[1] - 2 * MARGIN_MM) // card_mm[1])
    x0 = round((paper_mm[0] - columns * card_mm[0]) / 2, 3)
    y0 = round((paper_mm[1] - rows * card_mm[1]) / 2, 3)
    return columns, rows, x0, y0


def crop_marks(columns: int, rows: int, x0: float, y0: float, card_mm: tuple[float, float]) -> tuple[Mark, ...]:
    """Short lines just outside the grid, in line with every cut."""
    w, h = card_mm
    right, bottom = x0 + columns * w, y0 + rows * h
    half = MARK_WEIGHT_MM / 2
    marks = []
    for c in range(columns + 1):
        x = round(x0 + c * w - half, 3)
        marks.append(Mark(x, round(y0 - MARK_GAP_MM - MARK_LEN_MM, 3), MARK_WEIGHT_MM, MARK_LEN_MM))
        marks.append(Mark(x, round(bottom + MARK_GAP_MM, 3), MARK_WEIGHT_MM, MARK_LEN_MM))
    for r in range(rows + 1):
        y = round(y0 + r * h - half, 3)
        marks.append(Mark(round(x0 - MARK_GAP_MM - MARK_LEN_MM, 3), y, MARK_LEN_MM, MARK_WEIGHT_MM))
        marks.append(Mark(round(right + MARK_GAP_MM, 3), y, MARK_LEN_MM, MARK_WEIGHT_MM))
    return tuple(marks)


def card_sheet(loaded: LoadedClinic, count: int | None = None, language: str | None = None) -> CardSheet:
    """Lay out ``count`` cards (default: one full sheet) in ``language`` (default: the clinic's) on as many sheets as needed."""
    clinic = loaded.clinic
    paper, card = PAPER_MM[clinic.paper], CARD_MM[clinic.card_size]
    columns, rows, x0, y0 = grid(paper, card)
    per_sheet = columns * rows
    if per_sheet == 0:
        raise PacketsError(f"a {clinic.card_size} card does not fit on {clinic.paper} paper with crop marks.")
    count = per_sheet if count is None else count
    if not 1 <= count <= MAX_CARDS:
        raise PacketsError(f"--count must be between 1 and {MAX_CARDS}.")
    content, kind = build_content(loaded, language), next(iter(clinic.treatments))
    # The card carries no patient data; a visit is only needed to build the shared context.
    p = build_context(loaded, Visit(name="-", treatment=kind, when=datetime(2000, 1, 1)), for_treatment(loaded, content, kind))
    sheets = math.ceil(count / per_sheet)
    sides = []
    for sheet in range(sheets):
        n = min(per_sheet, count - sheet * per_sheet)
        cells = [(i % columns, i // columns) for i in range(n)]
        where = {"sheet": sheet + 1, "sheets": sheets}  # the words around the numbers are the label's, in its language
        sides.append(Side("front", tuple(Slot(round(x0 + c * card[0], 3), round(y0 + r * card[1], 3)) for c, r in cells),
                          content.labels["cards_front_note"].format(**where)))
        sides.append(Side("back", tuple(Slot(round(x0 + (columns - 1 - c) * card[0], 3), round(y0 + r * card[1], 3)) for c, r in cells),
                          content.labels["cards_back_note"].format(**where)))
    return CardSheet(p, paper, card, columns, rows, tuple(sides), crop_marks(columns, rows, x0, y0, card),
                     note_y=round(max(2.0, y0 - MARK_GAP_MM - MARK_LEN_MM - 5), 3))


def render_cards(loaded: LoadedClinic, count: int | None = None, renderer: Renderer | None = None,
                 language: str | None = None) -> bytes:
    """The card sheet(s) as PDF bytes."""
    return render_sheet(loaded, card_sheet(loaded, count, language), renderer)


def render_sheet(loaded: LoadedClinic, sheet: CardSheet, renderer: Renderer | None = None) -> bytes:
    """PDF bytes for a sheet already laid out by ``card_sheet``."""
    with kept_or_new(renderer) as renderer, renderer.lock:
        html = renderer.templates.render(loaded, "cards.html", units=max(1, len(sheet.sides) // 2), sheet=sheet)  # budget per sheet
        with renderer.engine.guarded(loaded.folder) as fetcher:
            document = renderer.engine.layout(html, fetcher, title=f"{loaded.clinic.name}: wallet cards")
            check_floor(document, packet_floor(sheet.p, sheet=False), loaded.folder, loaded.clinic.branding.css)  # every card on the sheet
            pdf = document.write_pdf()
    return pdf
