"""Render one packet: visit -> context -> HTML (Jinja) -> PDF (WeasyPrint).

Two ways to the same paper. ``render_full`` lays out the whole packet: it is the
reference, and the way for large print and for clinic templates the fast path cannot
split. ``render_packet`` tries the fast path in ``compose`` first (shared pages laid
out once per group, each patient's boxes on top) and falls back to ``render_full``.
Both use a ``Renderer`` the caller owns (a new one when none is given).
"""

from __future__ import annotations

from packets.config.loading import LoadedClinic
from packets.content.shared import Content, build_content
from packets.render.compose import Layers, render_composed
from packets.render.context import PacketContext, build_context
from packets.render.engine import check_sheet_length, guarded
from packets.render.renderer import Renderer
from packets.visits.model import Visit


def render_full(renderer: Renderer, loaded: LoadedClinic, ctx: PacketContext, check_sheet: bool = True) -> bytes:
    """The whole packet in one layout; raises ``RenderError`` rather than print bad paper."""
    html = renderer.templates.packet_html(loaded, ctx)
    with guarded(loaded.folder) as fetcher:
        document = renderer.engine.layout(html, fetcher, title=ctx.title)
        if check_sheet and not ctx.large_print:
            check_sheet_length(document, loaded)
        pdf = document.write_pdf()
    return pdf


def render_packet(loaded: LoadedClinic, visit: Visit, content: Content | None = None, *,
                  renderer: Renderer | None = None, fast: bool = True) -> bytes:
    """Check, build and render one patient's packet (``fast=False``: always whole)."""
    pdf, _ = render_packet_layers(loaded, visit, content, renderer=renderer, fast=fast)
    return pdf


def render_packet_layers(loaded: LoadedClinic, visit: Visit, content: Content | None = None, *,
                         renderer: Renderer | None = None, fast: bool = True) -> tuple[bytes, Layers | None]:
    """The packet, and its layers when the fast path made it (None: rendered whole)."""
    renderer = renderer or Renderer()
    content = content or build_content(loaded, visit.language)
    ctx = build_context(loaded, visit, content)
    with renderer.lock:
        if fast and (layers := render_composed(renderer, loaded, visit, ctx, content)) is not None:
            return layers.pdf, layers
        # With the fast path, the sheet length was checked on the group's fullest packet.
        return render_full(renderer, loaded, ctx, check_sheet=not fast), None
