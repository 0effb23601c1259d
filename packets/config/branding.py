"""Branding checks run when a clinic config loads: readable colours and a sane logo.

A colour that prints headings too pale to read, or a 40-megapixel logo that makes
every render slow, is refused with the measured figure and the key to change,
before anything is printed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, UnidentifiedImageError

from packets.assets.images import image_problem, strict_pillow

if TYPE_CHECKING:
    from packets.config.schema import Branding

# What a check found: the config keys it is about, and the message. The loader turns
# it into a Problem with the file and line, so this module needs nothing from it.
Finding = tuple[tuple[str, ...], str]

MIN_CONTRAST = 4.5  # WCAG 2 AA for normal-size text
PAPER = "#ffffff"
MAX_LOGO_BYTES = 5 * 1024 * 1024
MAX_LOGO_PIXELS = 25_000_000
LOGO_TYPES = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".svg": "SVG"}
# Where each colour is used for text, so the message says what would be hard to read.
TEXT_USES = {
    "primary": "the clinic name, headings and the card title",
    "accent": "the Today box heading and its labels",
}


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio between two colours, 1 to 21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def darker(colour: str, target: float = MIN_CONTRAST, on: str = PAPER) -> str:
    """The same hue, darkened in steps until it reaches ``target`` contrast on ``on``."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    for step in range(100, -1, -2):
        candidate = f"#{r * step // 100:02x}{g * step // 100:02x}{b * step // 100:02x}"
        if contrast(candidate, on) >= target:
            return candidate
    return "#000000"


def contrast_problems(branding: Branding) -> list[Finding]:
    """Text colours on white paper must reach 4.5:1."""
    problems: list[Finding] = []
    for key, use in TEXT_USES.items():
        colour = getattr(branding, key)
        ratio = contrast(colour, PAPER)
        if ratio < MIN_CONTRAST:
            problems.append((
                ("branding", key),
                f"'{colour}' on white paper has a contrast of {ratio:.2f}:1; text needs at least {MIN_CONTRAST}:1 "
                f"(WCAG AA). It is used for {use}. Use a darker colour, for example '{darker(colour)}'.",
            ))
    return problems


def logo_problems(path: Path) -> list[Finding]:
    """PNG, JPEG or SVG; at most 5 MB; a raster image at most 25 megapixels."""
    keys = ("logo",)
    kind = LOGO_TYPES.get(path.suffix.lower())
    if kind is None:
        return [(keys, f"'{path.name}' is not a PNG, JPEG or SVG file. Save the logo in one of those formats.")]
    size = path.stat().st_size
    if size > MAX_LOGO_BYTES:
        return [(keys, f"'{path.name}' is {size / 1048576:.1f} MB; a logo may be at most 5 MB. "
                               "Save a smaller copy (a 600 px wide PNG is plenty).")]
    if kind == "SVG":
        head = path.read_bytes()[:2048].lower()
        if b"<svg" not in head and b"<?xml" not in head:
            return [(keys, f"'{path.name}' does not look like an SVG file. Export the logo again as SVG, PNG or JPEG.")]
        return []
    try:
        with strict_pillow(), Image.open(path) as image:  # reads the header only
            found, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError):
        return [(keys, f"'{path.name}' is not a readable image. Export the logo again as PNG or JPEG.")]
    if found != kind:
        return [(keys, f"'{path.name}' is really a {found} file; rename it to match, or save it as {kind}.")]
    if width * height > MAX_LOGO_PIXELS:
        return [(keys, f"'{path.name}' is {width} x {height} pixels ({width * height / 1e6:.1f} megapixels); "
                       "a logo may be at most 25 megapixels. Save a smaller copy (a 600 px wide PNG is plenty).")]
    if problem := image_problem(path.name, path.read_bytes()):  # decodes it all: a cut-short PNG prints half grey
        return [(keys, problem + ".")]
    return []
