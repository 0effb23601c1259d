"""Typst on a comparable document: the yardstick for per-packet times.

The comparable document is a packet's own text (read back from a rendered PDF), four
pages, the same body font, a boxed Today section, a table for the tracking grid and a
card-sized box, compiled by the ``typst`` Python package (a bench-only dependency:
``pip install -e ".[bench]"``). ``typst_ms`` returns the median warm compile CPU time.
"""

from __future__ import annotations

import io
import statistics
import tempfile
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


def typst_times(pdf: bytes, runs: int = 15) -> tuple[float, float, int]:
    """Median warm compile time of the comparable document, CPU and wall ms, and its page count.

    CPU time is what to compare: it counts every thread Typst uses, and it does not
    grow when other processes share the machine (wall time under load can be several
    times the CPU time, as measured on this 2-core machine: 19 ms CPU, 77 ms wall).
    """
    import typst

    fonts = sorted({str(Path(f.path).parent) for f in fontpkg.family("Atkinson Hyperlegible").files})
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "packet.typ"
        source.write_text(comparable_source(pdf), encoding="utf-8")
        compiler = typst.Compiler(str(source), font_paths=fonts)
        out = compiler.compile()  # cold: fonts
        cpu, wall = [], []
        for run in range(runs):
            # A new patient each time, like a warm packets renderer: Typst may reuse
            # what did not change (its memoised layout), as our fast path reuses bases.
            source.write_text(comparable_source(pdf, f"Patient Number{run} Example"), encoding="utf-8")
            start_cpu, start_wall = time.process_time(), time.perf_counter()
            out = compiler.compile()
            cpu.append((time.process_time() - start_cpu) * 1000)
            wall.append((time.perf_counter() - start_wall) * 1000)
    pages = len(pypdfium2.PdfDocument(io.BytesIO(out)))
    return statistics.median(cpu), statistics.median(wall), pages


def typst_ms(pdf: bytes, runs: int = 15) -> tuple[float, int]:
    """Median warm compile CPU ms of the comparable document, and its page count."""
    cpu, _, pages = typst_times(pdf, runs)
    return cpu, pages
