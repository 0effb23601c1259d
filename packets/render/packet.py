"""Render one packet: visit -> context -> HTML (Jinja) -> PDF (WeasyPrint).

Two ways to the same paper. ``render_full`` lays out the whole packet: it is the
reference, and the way for large print and for clinic templates the fast path cannot
split. ``render_packet`` tries the fast path in ``compose`` first (shared pages laid
out once per group, each patient's boxes on top) and falls back to ``render_full``.
Both use a ``Renderer`` the caller owns (a new one when none is given).

Laying out a group's bases costs more than one whole render, so it only pays off
when the group's next packets reuse them (a batch, the station's long-lived
renderer). A one-off packet (``lay_out_bases=False``) takes the fast path only when
its group's base is already at hand, in memory or on disk; otherwise it is rendered
whole. The paper is the same either way.
"""

from __future__ import annotations

from packets.config.loading import LoadedClinic
from packets.content.shared import Content
from packets.render import basecache
from packets.render.base import group_key
from packets.render.compose import render_composed
from packets.render.context import PacketContext, build_context
from packets.render.engine import check_sheet_length
from packets.render.floor import check_floor, packet_floor
from packets.render.overlay import Layers
from packets.render.renderer import Renderer, kept_or_new
from packets.visits.model import Visit


def render_full(renderer: Renderer, loaded: LoadedClinic, ctx: PacketContext, check_sheet: bool = True) -> bytes:
    """The whole packet in one layout; raises ``RenderError`` rather than print bad paper."""
    html = renderer.templates.packet_html(loaded, ctx)
    with renderer.engine.guarded(loaded.folder) as fetcher:
        document = renderer.engine.layout(html, fetcher, title=ctx.title)
        check_floor(document, packet_floor(ctx), loaded.folder, loaded.clinic.branding.css)
        if check_sheet and not ctx.large_print:
            check_sheet_length(document, loaded)
        pdf = document.write_pdf()
    return pdf


def render_packet(loaded: LoadedClinic, visit: Visit, content: Content | None = None, *,
                  renderer: Renderer | None = None, fast: bool = True, lay_out_bases: bool = True) -> bytes:
    """Check, build and render one patient's packet (``fast=False``: always whole)."""
    pdf, _ = render_packet_layers(loaded, visit, content, renderer=renderer, fast=fast, lay_out_bases=lay_out_bases)
    return pdf


def base_at_hand(renderer: Renderer, loaded: LoadedClinic, visit: Visit, content: Content) -> bool:
    """Is the group's shared layer already laid out, in the renderer's memory or its disk cache?"""
    key = group_key(loaded, visit, content.language)
    if key in renderer.bases:
        return True
    return renderer.cache is not None and (renderer.cache / basecache.entry_name(renderer.fingerprint(loaded), key)).is_file()


def render_packet_layers(loaded: LoadedClinic, visit: Visit, content: Content | None = None, *,
                         renderer: Renderer | None = None, fast: bool = True,
                         lay_out_bases: bool = True) -> tuple[bytes, Layers | None]:
    """The packet, and its layers when the fast path made it (None: rendered whole).

    ``lay_out_bases=False``: the fast path only if the group's base is at hand (``base_at_hand``).
    ``content``: the visit's treatment's (``packet_content``), else the renderer's kept copy.
    """
    with kept_or_new(renderer) as renderer, renderer.lock:
        content = content or renderer.content(loaded, visit.language, visit.treatment)
        fast = fast and (lay_out_bases or base_at_hand(renderer, loaded, visit, content))  # else: whole, sheet checked here
        ctx = build_context(loaded, visit, content)
        if fast and (layers := render_composed(renderer, loaded, visit, ctx, content)) is not None:
            return layers.pdf, layers
        # With the fast path, the sheet length was checked on the group's fullest packet.
        return render_full(renderer, loaded, ctx, check_sheet=not fast), None
