"""A fault is a plain page saying what happened and what to do, never a bare 500.

A full disk, a read-only data folder or a database that cannot be written reaches
the front desk as a few sentences and a way back to Today, with the same security
headers as every page (this middleware sits inside ``SecurityHeaders``). Pages that
only read (Today, the day's list, a packet's preview) keep working, because touching
a session is best effort (``Store.session``). A print or download is refused while
its Log entry cannot be written: patient data never leaves unrecorded. An unexpected error is logged by its type
only: its message could quote a patient's value.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from packets.web.access_log import printable
from packets.web.gate import BodyTooLarge

LOG = logging.getLogger("packets.station")

UNTIL_THEN = ("Until then, packets already made can be looked at on screen, but not printed or downloaded: "
              "every print and download is written in the Log first.")
FULL = ("The station's disk is full, so this could not be saved (nothing half-saved was kept). "
        "Free space on this computer, or ask IT to, then try again. " + UNTIL_THEN)
READ_ONLY = ("The station cannot write to its data folder (it is read-only or not allowed), so this could not be saved. "
             "Ask IT to check the data folder, then try again. " + UNTIL_THEN)
DATABASE = ("The station's database could not be used just now, so nothing was saved. Try again in a minute; "
            "if it keeps happening, restart the station or ask IT.")
UNEXPECTED = ("Something went wrong on the station, so this was not done (nothing was saved half-way). "
              "Try again; if it happens again, tell IT what you were doing.")

_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_READ_ONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}


def explain(exc: BaseException) -> tuple[int, str, str]:
    """Status, page title and the sentence for a fault."""
    if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
        return 507, "The disk is full", FULL
    if isinstance(exc, OSError) and exc.errno in _READ_ONLY_ERRNOS:
        return 503, "Cannot save", READ_ONLY
    if isinstance(exc, sqlite3.Error):
        code = str(getattr(exc, "sqlite_errorname", ""))
        if code.startswith("SQLITE_FULL") or "full" in str(exc).lower():
            return 507, "The disk is full", FULL
        if code.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM")) or "readonly" in str(exc).lower():
            return 503, "Cannot save", READ_ONLY
        return 503, "Database busy", DATABASE
    if isinstance(exc, OSError):
        return 503, "Cannot save", READ_ONLY
    return 500, "Not done", UNEXPECTED


class Faults:
    """ASGI middleware: any exception from a page becomes ``explain``'s page (if nothing was sent yet)."""

    def __init__(self, app: ASGIApp, render: Callable[[int, str, str], bytes]) -> None:
        self.app = app
        self.render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except BodyTooLarge:
            raise  # the gate's own: it answers 413
        except Exception as exc:
            if started:
                raise
            status, title, sentence = explain(exc)
            LOG.error("%s %s failed: %s %s", scope["method"], printable(scope), type(exc).__name__, _code(exc))
            await send({"type": "http.response.start", "status": status,
                        "headers": [(b"content-type", b"text/html; charset=utf-8")]})
            await send({"type": "http.response.body", "body": self.render(status, title, sentence)})



def _code(exc: BaseException) -> str:
    """The error's code, which never holds patient data (its message might)."""
    if isinstance(exc, OSError):
        return errno.errorcode.get(exc.errno or 0, str(exc.errno))
    return str(getattr(exc, "sqlite_errorname", ""))
