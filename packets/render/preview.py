"""Proofs a clinic can open anywhere: a sample packet as one PNG per page plus a contact sheet.

The sample patient is fictional and has every optional detail filled in, so the
proof shows the fullest packet the clinic's branding and content will produce.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from packets.config.loading import LoadedClinic
from packets.files import make_missing_dirs, write_atomic
from packets.pdfium import pdfium
from packets.render.packet import render_packet
from packets.visits.samples import sample_visit

THUMB_WIDTH = 320
COLUMNS = 4
GAP = 24


@dataclass(frozen=True)
class Proof:
    pages: tuple[Path, ...]
    contact_sheet: Path
    dpi: int


def page_images(pdf: bytes, dpi: int) -> list[Image.Image]:
    with pdfium() as pypdfium2:
        document = pypdfium2.PdfDocument(pdf)
        try:
            return [page.render(scale=dpi / 72).to_pil().convert("RGB") for page in document]
        finally:
            document.close()


def contact_sheet(images: list[Image.Image]) -> Image.Image:
    """All pages side by side, four to a row, each labelled with its page number."""
    thumbs = [im.resize((THUMB_WIDTH, round(im.height * THUMB_WIDTH / im.width)), Image.Resampling.LANCZOS) for im in images]
    columns = min(COLUMNS, len(thumbs))
    rows = math.ceil(len(thumbs) / columns)
    cell_h = max(t.height for t in thumbs) + 20
    sheet = Image.new("RGB", (columns * (THUMB_WIDTH + GAP) + GAP, rows * (cell_h + GAP) + GAP), (200, 200, 200))
    draw = ImageDraw.Draw(sheet)
    for index, thumb in enumerate(thumbs):
        x = GAP + (index % columns) * (THUMB_WIDTH + GAP)
        y = GAP + (index // columns) * (cell_h + GAP)
        sheet.paste(thumb, (x, y))
        draw.text((x, y + thumb.height + 4), f"page {index + 1}", fill=(0, 0, 0))
    return sheet


def _png(image: Image.Image, dpi: int) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi), optimize=False)
    return out.getvalue()


def write_preview(loaded: LoadedClinic, out_dir: Path, dpi: int = 100, treatment: str | None = None,
                  large_print: bool = False, language: str | None = None) -> Proof:
    """Render the sample packet and write ``page-01.png``... and ``contact-sheet.png``."""
    pdf = render_packet(loaded, sample_visit(loaded, treatment, large_print, language=language))
    images = page_images(pdf, dpi)
    out_dir = make_missing_dirs(out_dir)
    for stale in out_dir.glob("page-*.png"):  # a shorter packet than last time
        stale.unlink()
    pages = []
    for number, image in enumerate(images, 1):
        path = out_dir / f"page-{number:02d}.png"
        write_atomic(path, _png(image, dpi))
        pages.append(path)
    sheet = out_dir / "contact-sheet.png"
    write_atomic(sheet, _png(contact_sheet(images), dpi))
    return Proof(tuple(pages), sheet, dpi)
