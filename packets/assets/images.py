"""Limits for every raster image a packet may print, at config time and at render time.

The same rule for the logo (checked when a clinic loads) and for any image the render
loads (CSS ``url()``, template ``<img>``): at most 5 MB, at most 25 megapixels read
from the header before any pixel is decoded, and the file must decode completely.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image, ImageFile

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = 25_000_000
# File signatures of the raster formats Pillow (and so WeasyPrint) can decode.
RASTER_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"RIFF", b"BM", b"II*\x00", b"MM\x00*", b"\x00\x00\x01\x00")


@contextmanager
def strict_pillow() -> Iterator[None]:
    """Pillow as these checks need it, for the duration of one check.

    WeasyPrint turns on ``LOAD_TRUNCATED_IMAGES`` for the whole process (a cut-short
    image would decode as grey), and Pillow's own bomb check raises on open, before
    the size can be reported; both are set back afterwards.
    """
    truncated, pixels = ImageFile.LOAD_TRUNCATED_IMAGES, Image.MAX_IMAGE_PIXELS
    ImageFile.LOAD_TRUNCATED_IMAGES, Image.MAX_IMAGE_PIXELS = False, None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES, Image.MAX_IMAGE_PIXELS = truncated, pixels


def image_problem(name: str, data: bytes) -> str | None:
    """Why a raster image must not be printed (too big, too many pixels, broken), or None."""
    if len(data) > MAX_IMAGE_BYTES:
        return f"image {name} is {len(data) / 1048576:.1f} MB; images may be at most 5 MB. Save a smaller copy"
    try:
        with strict_pillow():
            with Image.open(io.BytesIO(data)) as image:  # reads the header only
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    return (f"image {name} is {width} x {height} pixels ({width * height / 1e6:.0f} megapixels); "
                            "images may be at most 25 megapixels. Save a smaller copy")
                image.load()  # decodes every pixel: a truncated file fails here
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError):
        return f"image {name} is damaged or cut short (it does not decode completely). Export it again"
    return None
