"""Bases kept between packets and runs: in the renderer's memory, then on disk as JSON.

``basecache`` names the files and writes them safely; this module says what a base's
record holds and checks one read back (a PDF whose page count disagrees with its
record is laid out again, never trusted).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import cast

import pikepdf

from packets.config.loading import LoadedClinic
from packets.render import basecache
from packets.render.base import Base
from packets.render.frames import Frame
from packets.render.renderer import Renderer


def cached_base(renderer: Renderer, loaded: LoadedClinic, key: tuple, build: Callable[[], Base]) -> Base:
    """The base for ``key``: from memory, else from the renderer's disk cache, else laid out (and stored).

    Each base actually laid out is counted in ``renderer.bases_laid_out``.
    """
    def lay_out() -> Base:
        renderer.bases_laid_out += 1
        return build()

    if key in renderer.bases or renderer.cache is None:
        return renderer.bases.get(key, lay_out)
    name = basecache.entry_name(renderer.fingerprint(loaded), key)
    if (data := basecache.read(renderer.cache, name)) is not None:
        try:
            return renderer.bases.put(key, base_from_record(data))
        except (KeyError, TypeError, ValueError):
            pass  # malformed: lay it out again
    base = renderer.bases.put(key, lay_out())
    basecache.write(renderer.cache, name, base_record(base))
    return base


def stored_base(cache: Path, name: str) -> Base | None:
    """A base kept on disk under ``name`` (``basecache.entry_name``), or None: for a print run."""
    data = basecache.read(cache, name)
    try:
        return base_from_record(data) if data is not None else None
    except (KeyError, TypeError, ValueError):
        return None


def base_record(base: Base) -> dict:
    return {"pdf": base64.b64encode(base.pdf).decode() if base.pdf is not None else None,
            "frames": [asdict(f) for f in base.frames], "pages": base.pages, "origin": list(base.origin),
            "reason": base.reason, "sheet_pages": base.sheet_pages, "page_sizes": [list(p) for p in base.page_sizes],
            "footers": [list(f) if f is not None else None for f in base.footers]}


def base_from_record(data: dict) -> Base:
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
