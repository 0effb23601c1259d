"""The only way WeasyPrint may read anything: ``data:`` URIs and our own files.

A clinic config or template could name ``file:///etc/passwd`` or an internal web
address as a logo. WeasyPrint's default fetcher would read it (or make a network
request). This fetcher allows ``data:`` and ``file:`` paths inside a fixed list of
folders (the project's templates, the clinic's folder, the bundled fonts), follows
no redirects, makes no network request, and stops the render on anything else.

Every raster image the render loads (the logo, a CSS ``url()``, a template ``<img>``,
an image inside an SVG) passes the same limits as a logo at config time: at most
5 MB, at most 25 megapixels read from the header before decoding, and it must decode
completely, so a truncated PNG is refused instead of printing half grey.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib import request
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from packets.assets.images import RASTER_MAGIC, image_problem

MAX_FILE_BYTES = 20 * 1024 * 1024  # any file a render reads (CSS, fonts, SVG); fonts are under 1 MB

class BlockedResource(FatalURLFetchingError):
    """Raised for any URL outside the allowed folders; ends the render."""

    def __init__(self, url: str, reason: str, hint: str = "Use files inside the clinic folder."):
        self.url = url
        self.reason = reason
        self.hint = hint
        super().__init__(f"{reason}: {url}")

    @property
    def message(self) -> str:
        """The line shown to the user (a fetcher error names the URL and what to do)."""
        return f"blocked a resource ({self.reason}): {self.url}. {self.hint}".rstrip()


class LocalOnlyFetcher(URLFetcher):
    """Serve ``data:`` URIs and files under ``roots``; refuse everything else."""

    def __init__(self, roots: tuple[Path, ...], resolved: bool = False):
        """``resolved``: the roots are already absolute with no symlinks (``Path.resolve``).

        ``URLFetcher.__init__`` is not called: it builds an opener of nine urllib handlers
        (HTTP, FTP, proxies read from the environment) that this fetcher never uses,
        about 0.4 ms for every render. WeasyPrint only calls the fetcher (``__call__``).
        """
        self.roots = roots if resolved else tuple(r.resolve() for r in roots)
        # Read by WeasyPrint (``urls.fetch``) when a fetch raises: any failure stops the render.
        self._fail_on_errors = True
        # WeasyPrint swallows fetch errors inside SVG images and logs a vague
        # warning; the renderer reads this list to say what was blocked and why.
        self.blocked: list[BlockedResource] = []
        self._images_ok: set[tuple[Path, int, int]] = set()  # (path, size, mtime) already decoded once

    def __call__(self, url: str) -> URLFetcherResponse:
        return self.fetch(url)

    def open(self, url, data=None, timeout=None) -> URLFetcherResponse:
        return self.fetch(url.full_url if isinstance(url, request.Request) else url)

    def _block(self, url: str, reason: str, hint: str = "Use files inside the clinic folder.") -> BlockedResource:
        error = BlockedResource(url, reason, hint)
        self.blocked.append(error)
        return error

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":  # an image written inline (CSS, SVG) gets the same limits as a file
            with request.DataHandler().data_open(request.Request(url)) as response:  # decodes; opens nothing
                data = response.read()
                mime = response.headers.get_content_type()
                content_type = response.headers.get("Content-Type", mime)  # with its charset, if any
            if data.startswith(RASTER_MAGIC) or (mime.startswith("image/") and mime != "image/svg+xml"):
                if problem := image_problem("written inline (data: URI)", data):
                    raise self._block(url[:60] + "...", problem, hint="")
            return URLFetcherResponse(url, data, {"Content-Type": content_type})
        if scheme != "file":
            raise self._block(url, "only local files may be used; web addresses are not fetched")
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise self._block(url, "only local files may be used")
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            raise self._block(url, "file is outside the project and clinic folders")
        if not path.is_file():
            raise self._block(url, "file not found")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.stat().st_size > MAX_FILE_BYTES:
            raise self._block(url, f"file is over {MAX_FILE_BYTES // 1048576} MB", hint="Use a smaller file.")
        data = path.read_bytes()
        if data.startswith(RASTER_MAGIC) or (mime.startswith("image/") and mime != "image/svg+xml"):
            info = path.stat()
            key = (path, info.st_size, info.st_mtime_ns)
            if key not in self._images_ok:
                if problem := image_problem(path.name, data):
                    raise self._block(url, problem, hint="")
                self._images_ok.add(key)
        return URLFetcherResponse(path.as_uri(), data, {"Content-Type": mime})
