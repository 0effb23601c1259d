"""Render one packet: context -> HTML (Jinja) -> PDF (WeasyPrint).

WeasyPrint gets a fetcher that can read only our own files, the shared stylesheet is
parsed once per process, and any WeasyPrint warning during a render (a missing image,
a glyph no font has) fails that packet: a warning means paper that is silently wrong.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from jinja2 import TemplateError, TemplateSyntaxError
from jinja2.sandbox import SecurityError
from weasyprint import CSS, HTML
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError

from .config import LoadedClinic
from .context import PacketContext, build_context
from .content import Content
from .errors import RenderError
from .fetcher import BlockedResource, LocalOnlyFetcher
from .fonts import check_drawable, font_face_css, font_roots
from .templating import TEMPLATES_DIR, environment
from .visit import Visit

TEMPLATE = "packet.html"


@lru_cache(maxsize=8)
def _fetcher(clinic_dir: Path) -> LocalOnlyFetcher:
    return LocalOnlyFetcher((TEMPLATES_DIR, clinic_dir, *font_roots()))


@lru_cache(maxsize=1)
def _font_config() -> FontConfiguration:
    """One font configuration per process: loading the font files is the slow part."""
    return FontConfiguration()


@lru_cache(maxsize=1)
def _stylesheets() -> tuple[CSS, ...]:
    """Fonts and the shared stylesheet, parsed once per process.

    They are the same for every clinic; registering the ``@font-face`` rules again
    for each clinic would make WeasyPrint load every font file again.
    """
    fetcher = LocalOnlyFetcher((TEMPLATES_DIR, *font_roots()))
    fonts = _font_config()
    return (
        CSS(string=font_face_css(), url_fetcher=fetcher, font_config=fonts),
        CSS(filename=str(TEMPLATES_DIR / "packet.css"), url_fetcher=fetcher, font_config=fonts),
    )


def patient_fields(visit: Visit) -> dict[str, str | None]:
    """Text typed by a person for this packet, by the field name we report."""
    return {"patient name": visit.name, "escort": visit.escort, "provider": visit.provider, "mrn": visit.mrn}


def render_html(loaded: LoadedClinic, ctx: PacketContext) -> str:
    """The packet as HTML, from the clinic's templates or the built-in ones."""
    env = environment(loaded.folder / "templates")
    try:
        return env.get_template(TEMPLATE).render(p=ctx)
    except TemplateSyntaxError as exc:
        raise RenderError(f"template error in {exc.filename or exc.name}:{exc.lineno}: {exc.message}") from None
    except SecurityError as exc:
        raise RenderError(f"template blocked by the sandbox: {exc}. Clinic templates may only use the packet's values.") from None
    except TemplateError as exc:
        raise RenderError(f"template error: {exc}. {_template_line(exc)}") from None


def _template_line(exc: BaseException) -> str:
    """Best effort: the template file and line from the traceback."""
    tb = exc.__traceback__
    where = ""
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith(".html") or name.endswith(".j2"):
            where = f"At {name}:{tb.tb_lineno}."
        tb = tb.tb_next
    return where


class _WarningCatcher(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _weasyprint_warnings() -> Iterator[_WarningCatcher]:
    logger = logging.getLogger("weasyprint")
    catcher = _WarningCatcher()
    logger.addHandler(catcher)
    old_propagate = logger.propagate
    logger.propagate = False
    try:
        yield catcher
    finally:
        logger.removeHandler(catcher)
        logger.propagate = old_propagate


def render_pdf(loaded: LoadedClinic, ctx: PacketContext) -> bytes:
    """PDF bytes for one context; raises ``RenderError`` rather than print bad paper."""
    html = render_html(loaded, ctx)
    fetcher = _fetcher(loaded.folder)
    fetcher.blocked.clear()
    with _weasyprint_warnings() as caught:
        try:
            document = HTML(string=html, base_url=str(TEMPLATES_DIR) + "/", url_fetcher=fetcher).render(
                stylesheets=list(_stylesheets()), font_config=_font_config()
            )
        except BlockedResource as exc:
            raise RenderError(f"blocked a resource ({exc.reason}): {exc.url}. Use files inside the clinic folder.") from None
        except FatalURLFetchingError as exc:
            raise RenderError(f"could not load a resource: {exc}") from None
        if not ctx.large_print:
            _check_sheet_length(document, loaded)
        pdf = document.write_pdf()
    if fetcher.blocked:
        first = fetcher.blocked[0]
        raise RenderError(f"blocked a resource ({first.reason}): {first.url}. Use files inside the clinic folder.")
    problems = [m for m in caught.messages if not _harmless(m)]
    if problems:
        raise RenderError("the packet would print wrong: " + "; ".join(problems[:3]))
    return pdf


MAX_SHEET_PAGES = 2  # one sheet of paper, front and back


def _check_sheet_length(document: Document, loaded: LoadedClinic) -> None:
    """The discharge sheet must fit on one sheet of paper at normal size."""
    for index, page in enumerate(document.pages):
        if "tracking" in page.anchors:
            if index > MAX_SHEET_PAGES:
                raise RenderError(
                    f"the discharge sheet is {index} pages; it must fit on {MAX_SHEET_PAGES} (one sheet, both sides). "
                    f"Shorten or hide sections under 'content' in {loaded.path}."
                )
            return


def _harmless(message: str) -> bool:
    """WeasyPrint warnings that do not change what is printed."""
    # Without the system's libharfbuzz-subset, WeasyPrint subsets fonts with
    # fontTools instead: same glyphs, only slower.
    return message.startswith(("Anchor defined twice", "Using fontTools instead of HarfBuzz-Subset"))


def render_packet(loaded: LoadedClinic, visit: Visit, content: Content | None = None) -> bytes:
    """Check, build and render one patient's packet."""
    check_drawable(patient_fields(visit))
    return render_pdf(loaded, build_context(loaded, visit, content))
