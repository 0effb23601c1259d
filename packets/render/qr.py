"""QR codes as inline SVG: vector, nothing written to disk, nothing fetched.

Print rules from the content brief: error correction M, a quiet zone of 4 modules,
never Micro QR, and the payload is a clinic URL or phone number, never patient data.
"""

from __future__ import annotations

import base64
from functools import lru_cache

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M

QUIET_ZONE = 4


@lru_cache(maxsize=256)
def qr_data_uri(payload: str) -> str:
    """An ``image/svg+xml`` data URI for ``payload``; the SVG scales to its box."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE, box_size=10)
    code.add_data(payload)
    code.make(fit=True)
    svg = code.make_image(image_factory=qrcode.image.svg.SvgPathFillImage).to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


@lru_cache(maxsize=256)
def qr_modules(payload: str) -> int:
    """Modules across the symbol including the quiet zone (to check print size)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(payload)
    code.make(fit=True)
    return code.modules_count + 2 * QUIET_ZONE
