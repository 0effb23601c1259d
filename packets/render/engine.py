"""WeasyPrint, used one safe way: our fetcher, our fonts, and no silent warnings.

WeasyPrint gets a fetcher that can read only our own files, the shared stylesheet is
parsed once per process, and any WeasyPrint warning during a render (a missing image,
a glyph no font has) fails that packet: a warning means paper that is silently wrong.
Both the whole-packet renderer and the fast path in ``compose`` go through ``layout``.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import re

from weasyprint import CSS, HTML
from weasyprint.document import Document, DocumentMetadata
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError

from packets import __version__
from packets.config.loading import LoadedClinic
from packets.errors import RenderError
from packets.render.fetcher import BlockedResource, LocalOnlyFetcher
from packets.assets.fonts import font_face_css, font_roots
from packets.assets.paths import templates_dir


@lru_cache(maxsize=8)
def _fetcher(clinic_dir: Path) -> LocalOnlyFetcher:
    return LocalOnlyFetcher((templates_dir(), clinic_dir, *font_roots()))


@lru_cache(maxsize=1)
def _font_config() -> FontConfiguration:
    """One font configuration per process: loading the font files is the slow part."""
    return FontConfiguration()


def _fetcher_for_shared() -> LocalOnlyFetcher:
    return LocalOnlyFetcher((templates_dir(), *font_roots()))


@lru_cache(maxsize=1)
def _stylesheets() -> tuple[CSS, ...]:
    """Fonts and the shared stylesheet, parsed once per process.

    They are the same for every clinic; registering the ``@font-face`` rules again
    for each clinic would make WeasyPrint load every font file again.
    """
    fetcher = _fetcher_for_shared()
    fonts = _font_config()
    return (
        CSS(string=font_face_css(), url_fetcher=fetcher, font_config=fonts),
        CSS(filename=str(templates_dir() / "packet.css"), url_fetcher=fetcher, font_config=fonts),
    )


@lru_cache(maxsize=8)
def css(text: str) -> CSS:
    """A small extra stylesheet (for the fast path's layers), parsed once per process."""
    return CSS(string=text, url_fetcher=_fetcher_for_shared(), font_config=_font_config())


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


def _harmless(message: str) -> bool:
    """WeasyPrint warnings that do not change what is printed."""
    # Without the system's libharfbuzz-subset, WeasyPrint subsets fonts with
    # fontTools instead: same glyphs, only slower.
    return message.startswith(("Anchor defined twice", "Using fontTools instead of HarfBuzz-Subset"))


@contextmanager
def guarded(clinic_dir: Path) -> Iterator[LocalOnlyFetcher]:
    """Run WeasyPrint with the local-only fetcher; turn anything it let slide into errors."""
    fetcher = _fetcher(clinic_dir)
    fetcher.blocked.clear()
    with _weasyprint_warnings() as caught:
        try:
            yield fetcher
        except BlockedResource as exc:
            raise RenderError(exc.message) from None
        except FatalURLFetchingError as exc:
            raise RenderError(f"could not load a resource: {exc}") from None
    if fetcher.blocked:
        first = fetcher.blocked[0]
        raise RenderError(first.message)
    problems = [m for m in caught.messages if not _harmless(m)]
    if problems:
        raise RenderError("the packet would print wrong: " + "; ".join(problems[:3]))


_LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z]{2,4})?$")


def tool_metadata(document: Document, title: str | None) -> DocumentMetadata:
    """PDF metadata set by this tool alone.

    WeasyPrint copies <title> and <meta name=author|keywords|description|...> into the
    PDF; a clinic template could put a patient's name there (or the fast path's sizing
    placeholder). Only the tool's own title, the generator and a plain language tag
    are kept.
    """
    lang = document.metadata.lang
    return DocumentMetadata(title=title, generator=f"packets {__version__}",
                            lang=lang if isinstance(lang, str) and _LANGUAGE_TAG.match(lang) else None)


def layout(html: str, fetcher: LocalOnlyFetcher, extra: tuple[CSS, ...] = (), title: str | None = None) -> Document:
    """Lay out ``html`` with the shared fonts and stylesheet (call inside ``guarded``).

    ``title`` is the PDF title (clinic and document, never a patient); nothing the
    template says reaches the PDF's metadata.
    """
    document = HTML(string=html, base_url=str(templates_dir()) + "/", url_fetcher=fetcher).render(
        stylesheets=[*_stylesheets(), *extra], font_config=_font_config()
    )
    document.metadata = tool_metadata(document, title)
    return document


MAX_SHEET_PAGES = 2  # one sheet of paper, front and back


def sheet_pages(document: Document) -> int:
    """Pages before the tracking grid: the discharge sheet."""
    for index, page in enumerate(document.pages):
        if "tracking" in page.anchors:
            return index
    return len(document.pages)


def check_sheet_length(document: Document, loaded: LoadedClinic) -> None:
    """The discharge sheet must fit on one sheet of paper at normal size."""
    pages = sheet_pages(document)
    if pages > MAX_SHEET_PAGES:
        raise RenderError(
            f"the discharge sheet is {pages} pages; it must fit on {MAX_SHEET_PAGES} (one sheet, both sides). "
            f"Shorten or hide sections under 'content' in {loaded.path}."
        )


def warm_up() -> None:
    """Load fonts and parse the shared stylesheet now, so forked workers start warm."""
    _stylesheets()
