"""QR codes as inline SVG: vector, nothing written to disk, nothing fetched.

Print rules from the content brief: error correction M, a quiet zone of 4 modules,
never Micro QR, and the payload is a clinic URL or phone number, never patient data.

The dark modules are drawn as rectangles, each covering a block of them, rather than
one square per module (qrcode's own SVG writer): WeasyPrint parses and draws SVG
paths in Python, number by number: a packet's three codes took about 56 ms to draw,
and merged (2/5 of the numbers) about half that. The drawing is the same squares.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import lru_cache

import qrcode
from qrcode.constants import ERROR_CORRECT_M

QUIET_ZONE = 4


@dataclass(frozen=True)
class Symbol:
    """A QR code ready to print: an ``image/svg+xml`` data URI that scales to its box, and its
    width in modules including the quiet zone (to check its print size)."""

    src: str
    modules: int


@lru_cache(maxsize=256)
def qr_symbol(payload: str) -> Symbol:
    """The code for ``payload``, made once (choosing the version and mask is the slow part, about 9 ms)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(payload)
    code.make(fit=True)
    matrix = code.get_matrix()  # quiet zone included
    size = len(matrix)
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}mm" height="{size}mm" viewBox="0 0 {size} {size}">'
           f'<rect fill="white" x="0" y="0" width="{size}" height="{size}"/>'
           f'<path fill="black" d="{module_path(matrix)}"/></svg>')
    return Symbol("data:image/svg+xml;base64," + base64.b64encode(svg.encode("ascii")).decode("ascii"), size)


def module_path(matrix: list[list[bool]]) -> str:
    """SVG path data covering exactly the dark modules, as rectangles that do not overlap.

    Row by row, each dark module not yet covered starts a rectangle: as wide as the run
    of uncovered dark modules from it, then as tall as the rows below keep that whole run dark.
    """
    size = len(matrix)
    covered = [[False] * size for _ in range(size)]
    parts = []
    for y, row in enumerate(matrix):
        for x in range(size):
            if not row[x] or covered[y][x]:
                continue
            width = 1
            while x + width < size and row[x + width] and not covered[y][x + width]:
                width += 1
            height = 1
            while y + height < size and all(matrix[y + height][i] and not covered[y + height][i] for i in range(x, x + width)):
                height += 1
            for j in range(y, y + height):
                covered[j][x:x + width] = [True] * width
            parts.append(f"M{x},{y}h{width}v{height}h-{width}z")
    return "".join(parts)
