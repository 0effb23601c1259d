"""Which requests reach the station's pages at all: its own host names, its own origin, small bodies.

A loopback service is reachable from any web page the front desk opens: DNS
rebinding points an attacker's name at 127.0.0.1, and a page served on another
localhost port shares the station's cookies (cookies ignore ports, and ``SameSite``
counts every port of a host as the same site). So, before any route runs:

- ``Host`` must be one this station answers to (the bound address and port,
  ``localhost``, names given with ``--name``); a rebinding name is refused.
- A packet's PDF or page image is sent only to the station's own pages (or a typed
  address): another page on this computer cannot have the browser fetch one.
- A POST from a browser must come from this station's own origin: ``Sec-Fetch-Site``
  is ``same-origin`` (or ``none``: typed by the user) when the browser sends it, and
  ``Origin`` (else ``Referer``) names this station when present. That stops login
  CSRF from another port, which a double-submit cookie alone cannot: the other port
  can read and set the cookie.
- A request body may be at most its route's limit, checked on ``Content-Length``
  before a byte is read and counted as it streams, so a 50 MB sign-in form is refused
  without being read or spooled to disk.

Every refusal is a one-line plain-text page; the security headers are added outside.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from packets.web.security import is_loopback

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
OWN_FETCH_SITES = frozenset({"same-origin", "none"})
PATIENT_FILES = (".pdf", ".png")  # a packet and its page previews: never fetched for another page
SIGNIN_BODY = 4 * 1024  # a name, a password and a token
FORM_BODY = 64 * 1024  # the one-patient form and the print buttons
UPLOAD_OVERHEAD = 64 * 1024  # multipart boundaries and the other fields around the file
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


class BodyTooLarge(Exception):
    """Raised inside ``receive`` when a streamed body passes its limit."""


@dataclass(frozen=True)
class Origins:
    """The ``host:port`` values and origins this station answers to."""

    hosts: frozenset[str]
    origins: frozenset[str]

    @classmethod
    def of(cls, host: str, port: int, tls: bool, names: tuple[str, ...] = ()) -> Origins:
        """The bound address, its loopback aliases when it is loopback, and the names staff were given."""
        scheme = "https" if tls else "http"
        given = [host] if not _wildcard(host) else []
        if _wildcard(host) or is_loopback(host):  # a wildcard listens on loopback too
            given += LOOPBACK_NAMES
        given += names
        hosts = set()
        for name in given:
            name = name.lower()
            if ":" in name and not name.startswith("["):
                name = f"[{name}]"  # an IPv6 address, as it appears in a Host header
            hosts.add(f"{name}:{port}")
            if (scheme, port) in (("http", 80), ("https", 443)):
                hosts.add(name)  # a browser leaves the default port out
        return cls(frozenset(hosts), frozenset(f"{scheme}://{h}" for h in hosts))

    def shown(self) -> str:
        """Where staff should open the station, for the refusal message."""
        return sorted(self.origins, key=lambda o: ("127.0.0.1" not in o, o))[0] + "/"


def _wildcard(host: str) -> bool:
    return host in ("0.0.0.0", "::", "")


def body_limit(method: str, path: str, max_upload: int) -> int:
    """The largest request body ``path`` takes (0 for reads: a GET carries none)."""
    if method in SAFE_METHODS:
        return 0
    if path == "/signin":
        return SIGNIN_BODY
    if path == "/today/upload":
        return max_upload + UPLOAD_OVERHEAD
    return FORM_BODY


class Gate:
    """ASGI middleware: host allowlist, same-origin POSTs, and body limits, before any route."""

    def __init__(self, app: ASGIApp, origins: Origins, max_upload: int) -> None:
        self.app = app
        self.origins = origins
        self.max_upload = max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        refusal = self.refusal(scope["method"], scope["path"], headers)
        if refusal is not None:
            await _plain(send, *refusal)
            return
        limit = body_limit(scope["method"], scope["path"], self.max_upload)
        length = headers.get("content-length", "")
        if length and (not length.isdigit() or int(length) > limit):
            await _plain(send, 413, _too_large(scope["path"], self.max_upload))
            return
        started = False
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            return message

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watch)
        except BodyTooLarge:
            if not started:
                await _plain(send, 413, _too_large(scope["path"], self.max_upload))

    def refusal(self, method: str, path: str, headers: dict[str, str]) -> tuple[int, str] | None:
        """Why this request is refused before it reaches a page (status, message), or None."""
        if headers.get("host", "").lower() not in self.origins.hosts:
            return 421, f"This is not the address of this station. Open {self.origins.shown()} instead."
        site = headers.get("sec-fetch-site")
        if method in SAFE_METHODS:
            if path.endswith(PATIENT_FILES) and site is not None and site not in OWN_FETCH_SITES:
                return 403, "Packets open only from the station's own pages. Open the station and find the packet there."
            return None
        if site is not None and site not in OWN_FETCH_SITES:
            return 403, "This form did not come from this station's own page. Open the station and try again there."
        origin = headers.get("origin")
        if origin is None and "referer" in headers:
            parts = urlsplit(headers["referer"])
            origin = f"{parts.scheme}://{parts.netloc}"
        if origin == "null" and site == "same-origin":
            return None  # a page of ours that withholds its origin; the browser vouches it is ours
        if origin is not None and origin.lower() not in self.origins.origins:
            return 403, "This form did not come from this station's own page. Open the station and try again there."
        return None


def _too_large(path: str, max_upload: int) -> str:
    if path == "/today/upload":
        return f"The schedule is over {max_upload // 1_000_000} MB. Split it by day."
    return "That form is far larger than any station form. Go back, reload the page and try again."


async def _plain(send: Send, status: int, text: str) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": text.encode()})
