"""The QR codes' drawing: the rectangles cover exactly the code's dark modules."""

from __future__ import annotations

import base64
import re

import pytest
import qrcode
import zxingcpp
from PIL import Image, ImageDraw
from qrcode.constants import ERROR_CORRECT_M

from packets.render.qr import QUIET_ZONE, module_path, qr_symbol

PAYLOADS = ["tel:+15035550123", "https://sunrise.example/aftercare", "https://harbor.example/" + "a1b2c3/" * 30]


def _painted(path: str, size: int) -> list[list[int]]:
    """How many rectangles of ``path`` cover each module."""
    counts = [[0] * size for _ in range(size)]
    rects = re.findall(r"M(\d+),(\d+)h(\d+)v(\d+)h-(\d+)z", path)
    assert "".join(f"M{x},{y}h{w}v{h}h-{w2}z" for x, y, w, h, w2 in rects) == path, "only closed rectangles"
    for x, y, w, h, w2 in rects:
        assert w == w2
        for j in range(int(y), int(y) + int(h)):
            for i in range(int(x), int(x) + int(w)):
                counts[j][i] += 1
    return counts


@pytest.mark.parametrize("payload", PAYLOADS)
def test_rectangles_cover_each_dark_module_once_and_nothing_else(payload: str) -> None:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(payload)
    code.make(fit=True)
    matrix = code.get_matrix()
    painted = _painted(module_path(matrix), len(matrix))
    assert painted == [[1 if dark else 0 for dark in row] for row in matrix]
    assert len(re.findall("M", module_path(matrix))) < sum(map(sum, matrix)) / 2  # merged, not one per module


def _svg(symbol) -> str:
    return base64.b64decode(symbol.src.removeprefix("data:image/svg+xml;base64,")).decode()


def _drawn(symbol) -> list[list[int]]:
    """Each module of the symbol's own path: how many rectangles cover it."""
    return _painted(re.search(r' d="([^"]*)"', _svg(symbol)).group(1), symbol.modules)


def test_symbol_is_svg_with_quiet_zone_and_white_ground() -> None:
    symbol = qr_symbol(PAYLOADS[1])
    svg = _svg(symbol)
    size = symbol.modules
    assert f'viewBox="0 0 {size} {size}"' in svg and f'<rect fill="white" x="0" y="0" width="{size}" height="{size}"/>' in svg
    painted = _drawn(symbol)
    border = [painted[j][i] for j in range(size) for i in range(size)
              if min(i, j) < QUIET_ZONE or max(i, j) >= size - QUIET_ZONE]
    assert border and not any(border)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_symbol_decodes_to_its_payload_at_error_correction_m(payload: str) -> None:
    """The code as drawn (its rectangles, 8 px a module) reads back as the payload, level M, a full QR code."""
    symbol = qr_symbol(payload)
    scale = 8
    image = Image.new("L", (symbol.modules * scale,) * 2, 255)
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(_drawn(symbol)):
        for x, count in enumerate(row):
            if count:
                draw.rectangle([x * scale, y * scale, (x + 1) * scale - 1, (y + 1) * scale - 1], fill=0)
    found = zxingcpp.read_barcodes(image)
    assert [(r.text, r.format, r.ec_level) for r in found] == [(payload, zxingcpp.BarcodeFormat.QRCode, "M")]
