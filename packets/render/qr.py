"""QR codes as inline SVG: vector, nothing written to disk, nothing fetched.

Print rules from the content brief: error correction M, a quiet zone of 4 modules,
never Micro QR, and the payload is a clinic URL or phone number, never patient data.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import lru_cache

import qrcode
import qrcode.image.svg
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
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE, box_size=10)
    code.add_data(payload)
    code.make(fit=True)
    svg = code.make_image(image_factory=qrcode.image.svg.SvgPathFillImage).to_string()
    return Symbol("data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii"), code.modules_count + 2 * QUIET_ZONE)
