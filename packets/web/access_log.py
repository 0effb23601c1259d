"""One log line per request: method, path (opaque ids only), status.

The path is logged as the client sent it, percent-encoded, with any other
non-printable character escaped, so ``%0A`` in a URL cannot start a forged line in
the station's log. Query strings are left out: only ``clinic`` and ``idle`` are
ever used, and a hand-typed one could hold anything.
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOG = logging.getLogger("packets.station")
MAX_PATH = 200


def printable(scope: Scope) -> str:
    """The request path for a log line: raw (still percent-encoded), printable ASCII only, at most ``MAX_PATH`` long."""
    raw = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "backslashreplace")
    text = raw.decode("ascii", "backslashreplace")
    text = "".join(c if " " < c < "\x7f" else f"\\x{ord(c):02x}" for c in text)
    return text if len(text) <= MAX_PATH else text[:MAX_PATH] + "..."


class AccessLog:
    """ASGI middleware: logs each request once its status is known (500 if it raised)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = {"code": 500}

        async def record(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            LOG.info("%s %s %s", _method(scope), printable(scope), status["code"])


def _method(scope: Scope) -> str:
    method = str(scope.get("method", "-"))
    return method if method.isalpha() and len(method) <= 10 else "?"
