"""What keeps the station safe by default: passwords, headers, CSRF, sign-in limits, binding.

- Passwords are hashed with Argon2id (``argon2-cffi``: the current OWASP first choice;
  salting, parameters and constant-time checks are its job, not ours).
- Every response says ``Cache-Control: no-store`` (pages and PDFs hold patient data),
  a strict Content-Security-Policy (only our own files; no inline script), no framing
  and no Referer, so an id in a URL never travels to another site.
- Every POST carries the session's CSRF token; sign-in uses a double-submit token.
- Sign-in is limited per user name and per client address.
"""

from __future__ import annotations

import hmac
import ipaddress
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from packets.errors import PacketsError

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
MIN_PASSWORD = 10

HEADERS = {
    "cache-control": "no-store",
    "pragma": "no-cache",
    "content-security-policy": "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    "referrer-policy": "no-referrer",
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
