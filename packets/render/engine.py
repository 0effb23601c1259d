"""WeasyPrint, used one safe way: our fetcher, our fonts, and no silent warnings.

WeasyPrint gets a fetcher that can read only our own files, the shared stylesheet is
parsed once per process, and any WeasyPrint warning during a render (a missing image,
a glyph no font has) fails that packet: a warning means paper that is silently wrong.
Both the whole-packet renderer and the fast path in ``compose`` go through ``Engine.layout``.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import threading
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.document import Document, DocumentMetadata
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError

from packets import __version__, tempdirs
from packets.assets.fonts import font_face_css, font_roots
from packets.assets.paths import templates_dir
from packets.config.loading import LoadedClinic
from packets.errors import RenderError
from packets.render.fetcher import BlockedResource, LocalOnlyFetcher
from packets.render.fit import check_fit


class Engine:
    """WeasyPrint set up once: bundled fonts loaded and the shared stylesheet parsed.

    Loading the fonts is the slow part of a first render, so a batch worker or a
    server keeps one ``Engine`` (inside a ``Renderer``) for all its packets. It holds
    no per-render state: each render gets its own fetcher and warning catcher. It is
    meant for one thread at a time (WeasyPrint's font objects are not known to be
    thread-safe); a ``Renderer`` serialises the threads that share it.

    WeasyPrint copies every ``@font-face`` font (7.7 MB for ours) into a temporary
    folder and removes it only when its ``FontConfiguration`` is garbage-collected,
    which a quick exit, a killed worker or SIGTERM never reaches. So the engine makes
    that folder itself (``fonts_folder``, under ``scratch`` when the caller owns one)
    and removes it in ``close``, or at the latest when the engine is collected or the
    interpreter exits.
    """

    def __init__(self, scratch: Path | None = None) -> None:
        self.font_config = FontConfiguration()
        self.fonts_folder = tempdirs.make("packets-fonts-", scratch)  # a SIGKILLed run's copies go on the next run
        # WeasyPrint's own attribute for that folder (70.x); it makes one only while it is None.
        self.font_config._folder = self.fonts_folder
        self._remove_fonts = weakref.finalize(self, _remove_folder, self.fonts_folder, os.getpid())
        # Resolved once: finding and resolving the font folders took about 3 ms a packet.
        self.roots = tuple(root.resolve() for root in (templates_dir(), *font_roots()))
        self._shared_fetcher = LocalOnlyFetcher(self.roots)
        # Registering the @font-face rules once keeps every font file loaded once.
        self.stylesheets = (
            CSS(string=font_face_css(), url_fetcher=self._shared_fetcher, font_config=self.font_config),
            CSS(filename=str(templates_dir() / "packet.css"), url_fetcher=self._shared_fetcher, font_config=self.font_config),
        )
        self._extra: dict[str, CSS] = {}

    def close(self) -> None:
        """Remove the font copies now; the engine must not lay out anything afterwards."""
        self._remove_fonts()

    def css(self, text: str) -> CSS:
        """A small extra stylesheet (the fast path's layers), parsed once per engine."""
        if text not in self._extra:
            if len(self._extra) >= 256:  # one per group shape: a day's worth, then start again
                self._extra.clear()
            self._extra[text] = CSS(string=text, url_fetcher=self._shared_fetcher, font_config=self.font_config)
        return self._extra[text]

    def guarded(self, clinic_dir: Path) -> AbstractContextManager[LocalOnlyFetcher]:
        """``guarded`` with this engine's folders (templates, fonts) and the clinic's."""
        return guarded(clinic_dir, self.roots)

    def layout(self, html: str, fetcher: LocalOnlyFetcher, extra: tuple[CSS, ...] = (), title: str | None = None) -> Document:
        """Lay out ``html`` with the shared fonts and stylesheet (call inside ``guarded``).

        Every layout is checked for text that would print cut off or off the page
        (``fit.check_fit``): whole packets, the fast path's layers, card sheets, previews.
        ``title`` is the PDF title (clinic and document, never a patient); nothing the
        template says reaches the PDF's metadata.
        """
        document = HTML(string=html, base_url=str(templates_dir()) + "/", url_fetcher=fetcher).render(
            stylesheets=[*self.stylesheets, *extra], font_config=self.font_config
        )
        document.metadata = tool_metadata(document, title)
        check_fit(document)
        return document


def _remove_folder(folder: Path, owner: int) -> None:
    """Remove ``folder`` if this is the process that made it.

    A forked batch worker holds a copy of its parent's engine; the folder is the
    parent's to remove, once, when the parent is done with it.
    """
    if os.getpid() == owner:
        shutil.rmtree(folder, ignore_errors=True)


class _WarningCatcher(logging.Handler):
    """Collects WeasyPrint's warnings from this thread only (others may be rendering too)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.messages.append(record.getMessage())


@contextmanager
def _weasyprint_warnings() -> Iterator[_WarningCatcher]:
    # WeasyPrint's logger has a NullHandler and no level of its own: our handler sees
    # its warnings without switching anything off for the rest of the process.
    logger = logging.getLogger("weasyprint")
    catcher = _WarningCatcher()
    logger.addHandler(catcher)
    try:
        yield catcher
    finally:
        logger.removeHandler(catcher)


def _harmless(message: str) -> bool:
    """WeasyPrint warnings that do not change what is printed."""
    # Without the system's libharfbuzz-subset, WeasyPrint subsets fonts with
    # fontTools instead: same glyphs, only slower.
    return message.startswith(("Anchor defined twice", "Using fontTools instead of HarfBuzz-Subset"))


def fetcher_for(clinic_dir: Path, roots: tuple[Path, ...]) -> LocalOnlyFetcher:
    """A new fetcher for one render: ``roots`` (``Engine.roots``: templates and fonts, resolved) and the clinic's folder."""
    return LocalOnlyFetcher((*roots, clinic_dir.resolve()), resolved=True)


@contextmanager
def guarded(clinic_dir: Path, roots: tuple[Path, ...]) -> Iterator[LocalOnlyFetcher]:
    """Run WeasyPrint with a fresh local-only fetcher; turn anything it let slide into errors."""
    fetcher = fetcher_for(clinic_dir, roots)
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
