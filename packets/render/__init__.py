"""Stage 4, render: visit + clinic + content -> context -> HTML -> PDF.

``context`` computes every value a page prints; ``templating`` runs the sandboxed
templates; ``engine`` runs WeasyPrint with the local-only ``fetcher``; ``compose`` is
the fast path; ``packet``, ``cards`` and ``preview`` are the documents.
"""

from packets.render.libraries import install as _install_library_finder

_install_library_finder()  # WeasyPrint's libraries from a remembered answer (see libraries.py)
