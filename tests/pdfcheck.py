"""Read a PDF back the way a patient sees it: text, pages, sizes, QR codes."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pypdfium2 as pdfium
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
