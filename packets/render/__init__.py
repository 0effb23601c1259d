"""Stage 4, render: visit + clinic + content -> context -> HTML -> PDF.

``context`` computes every value a page prints; ``templating`` runs the sandboxed
templates; ``engine`` runs WeasyPrint with the local-only ``fetcher``; ``compose`` is
the fast path; ``packet``, ``cards`` and ``preview`` are the documents.
"""

from packets.render.libraries import load_weasyprint

load_weasyprint()  # before any module here imports WeasyPrint: see libraries.py
