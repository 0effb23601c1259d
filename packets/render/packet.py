"""Render one packet: visit -> context -> HTML (Jinja) -> PDF (WeasyPrint).

Two ways to the same paper. ``render_full`` lays out the whole packet: it is the
reference, and the way for large print and for clinic templates the fast path cannot
split. ``render_packet`` tries the fast path in ``compose`` first (shared pages laid
out once per group, each patient's boxes on top) and falls back to ``render_full``.
"""

from __future__ import annotations

from packets.render.compose import Bases, Layers, render_composed
from packets.config.loading import LoadedClinic
from packets.content.shared import Content, build_content
from packets.render.context import PacketContext, build_context
from packets.assets.fonts import check_drawable
from packets.textsafety import check_fields
from packets.render.templating import render_html
from packets.visits.model import Visit
from packets.render.engine import check_sheet_length, guarded, layout

# One cache per process: a worker keeps its bases between the packets it renders.
SHARED_BASES = Bases()


def patient_fields(visit: Visit) -> dict[str, str | None]:
    """Text typed by a person for this packet, by the field name we report."""
    return {"patient name": visit.name, "escort": visit.escort, "provider": visit.provider, "mrn": visit.mrn}


def render_full(loaded: LoadedClinic, ctx: PacketContext, check_sheet: bool = True) -> bytes:
    """The whole packet in one layout; raises ``RenderError`` rather than print bad paper."""
    html = render_html(loaded, ctx)
    with guarded(loaded.folder) as fetcher:
        document = layout(html, fetcher, title=ctx.title)
        if check_sheet and not ctx.large_print:
            check_sheet_length(document, loaded)
        pdf = document.write_pdf()
    return pdf


def render_packet(loaded: LoadedClinic, visit: Visit, content: Content | None = None, *,
                  bases: Bases | None = SHARED_BASES) -> bytes:
    """Check, build and render one patient's packet (``bases=None``: always whole)."""
    pdf, _ = render_packet_layers(loaded, visit, content, bases=bases)
    return pdf


def render_packet_layers(loaded: LoadedClinic, visit: Visit, content: Content | None = None, *,
                         bases: Bases | None = SHARED_BASES) -> tuple[bytes, Layers | None]:
    """The packet, and its layers when the fast path made it (None: rendered whole)."""
    check_fields(patient_fields(visit))  # no control or text-direction characters, from any entry point
    check_drawable(patient_fields(visit))
    content = content or build_content(loaded, visit.language)
    ctx = build_context(loaded, visit, content)
    if bases is not None and (layers := render_composed(loaded, visit, ctx, content, bases)) is not None:
        return layers.pdf, layers
    # With bases, the sheet length was checked on the group's fullest packet.
    return render_full(loaded, ctx, check_sheet=bases is None), None
