"""What keeps the station safe by default: passwords, headers, CSRF, sign-in limits, binding.

- Passwords are hashed with Argon2id (``argon2-cffi``: the current OWASP first choice;
  salting, parameters and constant-time checks are its job, not ours).
- Every response says ``Cache-Control: no-store`` (pages and PDFs hold patient data),
  a strict Content-Security-Policy (only our own files; no inline script), no framing
  and no Referer to another site (``same-origin``), so an id in a URL never travels there.
- Every POST carries the session's CSRF token; sign-in uses a token bound to the
  pre-sign-in cookie by an HMAC with the station's own secret (and ``gate`` checks
  the origin, which is what stops a page on another localhost port).
- Sign-in is limited per account (``MAX_FAILURES``), and per address only for other
  machines (``MAX_ADDRESS_FAILURES``): failures typed on this computer never lock
  the colleague who signs in next.
- Argon2 runs in one worker thread (``Hashing``) with a short queue: a flood of
  sign-ins waits there or is turned away, and never slows another page.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from packets.errors import PacketsError

MAX_FAILURES = 5  # per account, in FAILURE_WINDOW
MAX_ADDRESS_FAILURES = 20  # per address of another machine (a shared front-desk PC has several staff)
HASH_QUEUE = 8  # sign-ins waiting for the hashing thread before more are told to wait
FAILURE_WINDOW = timedelta(minutes=15)
MIN_PASSWORD = 10

HEADERS = {
    "cache-control": "no-store",
    "pragma": "no-cache",
    "content-security-policy": "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    "referrer-policy": "same-origin",  # no Referer to any other site; Origin on our own POSTs (gate)
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}


class StationError(PacketsError):
    """The station cannot start or an account cannot be made as asked."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise StationError(f"the password must have at least {MIN_PASSWORD} characters.")
    return PasswordHasher().hash(password)


def password_ok(stored: str | None, password: str) -> bool:
    """Constant-time check; an unknown user costs the same as a wrong password."""
    hasher = PasswordHasher()
    try:
        return hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


_DUMMY = PasswordHasher().hash("not a real password, only to spend the same time")


class Busy(Exception):
    """More sign-ins are waiting for the hashing thread than ``HASH_QUEUE``."""


class Hashing:
    """Password checks in one worker thread, at most ``queue`` waiting.

    Argon2 is deliberately slow (tens of milliseconds of CPU). On the event loop it
    stalled every page; in Starlette's shared thread pool a flood could take every
    thread. One thread caps sign-in at one core, and a full queue answers "busy" at once.
    """

    def __init__(self, queue: int = HASH_QUEUE) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="packets-hash")
        self._queue = queue
        self._waiting = 0
        self._lock = threading.Lock()

    async def check(self, stored: str | None, password: str) -> bool:
        with self._lock:
            if self._waiting >= self._queue:
                raise Busy
            self._waiting += 1
        try:
            return await asyncio.wrap_future(self._pool.submit(password_ok, stored, password))
        finally:
            with self._lock:
                self._waiting -= 1

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def signin_form_token(secret: bytes, cookie: str) -> str:
    """The sign-in form's token for a pre-sign-in cookie: only this station can make it."""
    return hmac.new(secret, cookie.encode(), hashlib.sha256).hexdigest()


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_binding(host: str, users: int, tls: bool) -> None:
    """Loopback only, unless staff accounts exist and TLS is on."""
    if users == 0:
        raise StationError("no staff accounts yet. Add one first: packets users add NAME --data DIR")
    if not is_loopback(host) and not tls:
        raise StationError(f"refusing to listen on {host}: another machine could reach patient data in clear text. "
                           "Use the default 127.0.0.1, or give --certfile and --keyfile for TLS.")


class SecurityHeaders:
    """ASGI middleware adding ``HEADERS`` to every response."""

    def __init__(self, app: ASGIApp, tls: bool = False) -> None:
        self.app = app
        self.headers = dict(HEADERS)
        if tls:
            self.headers["strict-transport-security"] = "max-age=31536000"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in self.headers.items() if k.encode() not in present]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, add_headers)
