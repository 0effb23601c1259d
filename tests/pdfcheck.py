"""Read a PDF back the way a patient sees it: text, pages, sizes, QR codes."""

from __future__ import annotations

import ctypes
import io
import math
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import zxingcpp
from pypdf import PdfReader

PT_PER_MM = 72 / 25.4


@dataclass
class Pdf:
    data: bytes

    @property
    def reader(self) -> PdfReader:
        return PdfReader(io.BytesIO(self.data))

    def page_texts(self) -> list[str]:
        return [" ".join((page.extract_text() or "").split()) for page in self.reader.pages]

    def text(self) -> str:
        return " ".join(self.page_texts())

    def page_sizes_mm(self) -> list[tuple[float, float]]:
        return [(round(float(p.mediabox.width) / PT_PER_MM, 1), round(float(p.mediabox.height) / PT_PER_MM, 1)) for p in self.reader.pages]

    def qr_codes(self, dpi: int = 150) -> list[list[str]]:
        """Decoded QR payloads, per page, from a rasterized render."""
        doc = pdfium.PdfDocument(self.data)
        found = []
        for page in doc:
            image = page.render(scale=dpi / 72).to_pil()
            found.append([r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode])
        doc.close()
        return found

    def glyph_sizes(self) -> list[list[tuple[str, float, float]]]:
        """Per page: (character, size in pt as printed, baseline height from the page bottom in mm).

        The size is the font size times the scale of the character's full transform,
        because WeasyPrint draws in CSS px under a 0.75 scale.
        """
        doc = pdfium.PdfDocument(self.data)
        pages = []
        matrix = pdfium_raw.FS_MATRIX()
        for page in doc:
            text = page.get_textpage()
            glyphs = []
            for i in range(text.count_chars()):
                char = chr(pdfium_raw.FPDFText_GetUnicode(text, i))
                if char.isspace() or not char.isprintable():
                    continue
                pdfium_raw.FPDFText_GetMatrix(text, i, ctypes.byref(matrix))
                scale = math.sqrt(abs(matrix.a * matrix.d - matrix.b * matrix.c))
                size = pdfium_raw.FPDFText_GetFontSize(text, i) * scale
                glyphs.append((char, round(size, 2), matrix.f / PT_PER_MM))
            pages.append(glyphs)
        doc.close()
        return pages

    def char_boxes(self) -> list[tuple[tuple[float, float], list[tuple[str, float, float, float, float]]]]:
        """Per page: its size in pt, and each visible character with its box (left, bottom, right, top) in pt."""
        doc = pdfium.PdfDocument(self.data)
        pages = []
        left, r, b, t = (ctypes.c_double() for _ in range(4))
        for page in doc:
            text = page.get_textpage()
            chars = []
            for i in range(text.count_chars()):
                char = chr(pdfium_raw.FPDFText_GetUnicode(text, i))
                if char.isspace() or not char.isprintable():
                    continue
                pdfium_raw.FPDFText_GetCharBox(text, i, ctypes.byref(left), ctypes.byref(r), ctypes.byref(b), ctypes.byref(t))
                chars.append((char, left.value, b.value, r.value, t.value))
            pages.append((page.get_size(), chars))
        doc.close()
        return pages

    def font_runs(self, page: int = 0) -> list[tuple[str, str]]:
        """The page's text as pdfium reads it, cut where the font changes: (font name, text).

        The subset prefix ("ABCDEF+") is dropped, so a run names the font file's face.
        """
        doc = pdfium.PdfDocument(self.data)
        text = doc[page].get_textpage()
        name = ctypes.create_string_buffer(256)
        flags = ctypes.c_int()
        runs: list[list[str]] = []
        for i in range(text.count_chars()):
            char = chr(pdfium_raw.FPDFText_GetUnicode(text, i))
            pdfium_raw.FPDFText_GetFontInfo(text, i, name, len(name), ctypes.byref(flags))
            font = name.value.decode("latin-1").split("+", 1)[-1]
            if runs and runs[-1][0] == font:
                runs[-1][1] += char
            else:
                runs.append([font, char])
        doc.close()
        return [(font, chars) for font, chars in runs]

    def fonts_of(self, word: str, page: int = 0) -> list[set[str]]:
        """For each place ``word`` is found in the page's text: the fonts its characters are drawn in."""
        runs = self.font_runs(page)
        text = "".join(chars for _, chars in runs)
        found = []
        start = text.find(word)
        while start >= 0:
            fonts, at = set(), 0
            for font, chars in runs:
                if at < start + len(word) and start < at + len(chars):
                    fonts.add(font)
                at += len(chars)
            found.append(fonts)
            start = text.find(word, start + 1)
        return found

    def _rectangles(self, page: int):
        """Each ``re`` operation on a page as (x, y, width, height) in pt, transforms applied."""
        from pypdf.generic import ContentStream

        reader = self.reader
        content = ContentStream(reader.pages[page].get_contents(), reader)
        matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
        stack: list[tuple[float, ...]] = []
        for operands, op in content.operations:
            if op == b"q":
                stack.append(matrix)
            elif op == b"Q":
                matrix = stack.pop()
            elif op == b"cm":
                a, b, c, d, e, f = (float(v) for v in operands)
                A, B, C, D, E, F = matrix
                matrix = (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)
            elif op == b"re":
                x, y, w, h = (float(v) for v in operands)
                A, B, C, D, E, F = matrix
                yield x * A + y * C + E, x * B + y * D + F, w * A, h * D

    def rectangles_at(self, page: int) -> list[tuple[float, float, float, float]]:
        """Each distinct rectangle drawn on a page as (left, bottom, right, top) in pt."""
        seen = {(round(min(x, x + w), 2), round(min(y, y + h), 2), round(max(x, x + w), 2), round(max(y, y + h), 2))
                for x, y, w, h in self._rectangles(page)}
        return sorted(seen)

    def rectangles_mm(self, page: int) -> list[tuple[float, float]]:
        """Width and height in mm of each distinct rectangle drawn on a page.

        WeasyPrint draws one box as several ``re`` operations (clip, fill, border), so
        rectangles are told apart by position as well as size, then counted once.
        """
        seen: dict[tuple[float, ...], tuple[float, float]] = {}
        for x0, y0, w, h in self._rectangles(page):
            size = (round(abs(w) / PT_PER_MM, 2), round(abs(h) / PT_PER_MM, 2))
            seen.setdefault((round(x0 / PT_PER_MM, 1), round(y0 / PT_PER_MM, 1), *size), size)
        return list(seen.values())


def page_images(pdf: bytes, dpi: int = 100) -> list:
    """Each page as an RGB image (PIL) at ``dpi``."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [page.render(scale=dpi / 72).to_pil().convert("RGB") for page in document]
    finally:
        document.close()


def differing_pixels(a: bytes, b: bytes, dpi: int = 100) -> int:
    """How many pixels differ between two PDFs of the same page count, rendered at ``dpi``."""
    from PIL import ImageChops

    pages_a, pages_b = page_images(a, dpi), page_images(b, dpi)
    assert len(pages_a) == len(pages_b)
    return sum(ImageChops.difference(x, y).convert("L").point(lambda v: 255 if v else 0).histogram()[255]
               for x, y in zip(pages_a, pages_b))
