"""Typst on a comparable document: the yardstick for per-packet times.

The comparable document is a packet's own text (read back from a rendered PDF), four
pages, the same body font, a boxed Today section, a table for the tracking grid and a
card-sized box, compiled by the ``typst`` Python package (a bench-only dependency:
``pip install -e ".[bench]"``). ``Yardstick`` times one warm compile at a time, for
benches that interleave it with their own work.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import fontpkg
import pypdfium2


def packet_texts(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(io.BytesIO(pdf))
    try:
        return [page.get_textpage().get_text_bounded() for page in document]
    finally:
        document.close()


def _escape(text: str) -> str:
    for ch in "\\#$*_`<>@[]=-+/~":
        text = text.replace(ch, "\\" + ch)
    return text


def comparable_source(pdf: bytes, name: str = "Jane Doe") -> str:
    """A Typst document with the packet's text, page by page, in the packet's shapes."""
    pages = packet_texts(pdf)
    body = []
    for index, text in enumerate(pages):
        raw = [_escape(line.strip()) for line in text.splitlines() if line.strip()]
        # pdfium gives one entry per printed line; two printed lines make about one bullet
        lines = [" ".join(raw[i:i + 2]) for i in range(0, len(raw), 2)]
        if index == 0:
            head, today, rest = lines[:6], lines[6:14], lines[14:]
            body.append("#text(size: 16pt, weight: \"bold\")[" + " ".join(head[:2]) + "]\n\n" + f"Patient: {name} \\\n"
                        + " \\\n".join(head[2:]) + "\n\n"
                        + "#block(stroke: 1.2pt, inset: 8pt, radius: 4pt)[" + "\n\n".join(f"- {line}" for line in today) + "]\n\n"
                        + "#columns(2)[" + "\n".join(f"- {line}" for line in rest) + "]")
        elif index == 2:
            cells = ", ".join(f"[{line}], [], [], []" for line in lines[:12])
            body.append("#table(columns: (2fr, 1fr, 1fr, 1fr), rows: 40pt, " + cells + ")")
        elif index == 3:
            body.append("#box(width: 88.9mm, height: 50.8mm, stroke: 0.5pt, inset: 4pt)[#text(size: 8pt)["
                        + " \\\n".join(lines[:14]) + "]]")
        else:
            body.append("#columns(2)[" + "\n".join(f"- {line}" for line in lines) + "]")
    return (
        '#set page(paper: "us-letter", margin: 15mm, footer: context [#text(size: 8pt)[' + name + ' · Page '
        '#counter(page).display() of 4]])\n'
        '#set text(font: "Atkinson Hyperlegible", size: 9pt)\n'
        + "\n#pagebreak()\n".join(body)
    )


class Yardstick:
    """A warm Typst compiler of the comparable document: ``compile()`` times one compile of it
    for a new patient name, so a bench can interleave it with its own work (the machine's
    speed drifts over seconds; side by side in time is the fair comparison).

    CPU time is what to compare: it counts every thread Typst uses, and it does not
    grow when other processes share the machine (wall time under load can be several
    times the CPU time, as measured on this 2-core machine: 19 ms CPU, 77 ms wall).
    """

    def __init__(self, pdf: bytes, folder: Path) -> None:
        import typst

        fonts = sorted({str(Path(f.path).parent) for f in fontpkg.family("Atkinson Hyperlegible").files})
        self._pdf = pdf
        self._source = folder / "packet.typ"
        self._source.write_text(comparable_source(pdf), encoding="utf-8")
        self._compiler = typst.Compiler(str(self._source), font_paths=fonts)
        self.output = self._compiler.compile()  # cold: fonts
        self._runs = 0

    def compile(self) -> tuple[float, float]:
        """CPU and wall ms of one warm compile. A new patient each time, like a warm packets
        renderer: Typst may reuse what did not change (its memoised layout), as our fast path reuses bases."""
        self._source.write_text(comparable_source(self._pdf, f"Patient Number{self._runs} Example"), encoding="utf-8")
        self._runs += 1
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        self.output = self._compiler.compile()
        return (time.process_time() - start_cpu) * 1000, (time.perf_counter() - start_wall) * 1000

    @property
    def pages(self) -> int:
        return len(pypdfium2.PdfDocument(io.BytesIO(self.output)))

