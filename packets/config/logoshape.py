"""Will the logo be readable at the header's size? A warning for wide or tall logos.

The header gives a logo an 18 mm square. A 3:1 wordmark shrunk into it prints 6 mm
tall, too small to read, and nothing else would say so. ``validate`` warns when the
logo is that far from square and the clinic has not chosen
``branding.logo_layout: wordmark``, which gives it up to 64 mm of the header's width.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from packets.config.loading import LoadedClinic
from packets.errors import Problem

SQUARE_MM = 18.0
MAX_RATIO = 2.0  # wider (or taller) than 2:1 prints under 9 mm in the square
_NUMBER = re.compile(r"^\s*([0-9.]+)")


def _svg_size(path: Path) -> tuple[float, float] | None:
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError):
        return None
    box = (root.get("viewBox") or "").replace(",", " ").split()
    if len(box) == 4:
        try:
            return float(box[2]), float(box[3])
        except ValueError:
            pass
    width, height = (_NUMBER.match(root.get(k) or "") for k in ("width", "height"))
    return (float(width[1]), float(height[1])) if width and height else None


def logo_size(path: Path) -> tuple[float, float] | None:
    """Width and height in the image's own units (pixels, or SVG user units)."""
    if path.suffix.lower() == ".svg":
        return _svg_size(path)
    try:
        with Image.open(path) as image:
            return image.size
    except (UnidentifiedImageError, OSError):
        return None


def logo_warnings(loaded: LoadedClinic) -> list[Problem]:
    """A warning when the logo would print too small to read in the header's square."""
    clinic = loaded.clinic
    if not clinic.logo or clinic.branding.logo_layout == "wordmark":
        return []
    size = logo_size(loaded.folder / clinic.logo)
    if not size or not all(size):
        return []
    ratio = max(size[0] / size[1], size[1] / size[0])
    if ratio <= MAX_RATIO:
        return []
    printed = SQUARE_MM / ratio
    shape = "wide" if size[0] > size[1] else "tall"
    return [loaded.problem(("logo",), (
        f"'{clinic.logo}' is {ratio:.1f}:1 {shape}; in the header's {SQUARE_MM:g} mm square it prints only "
        f"{printed:.0f} mm {'tall' if shape == 'wide' else 'wide'}, too small to read. For a wide logo set "
        "branding.logo_layout: wordmark (up to 64 mm across the header), or use a square version."), "warning")]
