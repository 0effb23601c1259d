"""Signing in and out: a bound form token, a fair lockout, hashing off the event loop.

- The sign-in form carries ``signin_form_token(secret, cookie)``: a page elsewhere
  that reads or sets the pre-sign-in cookie still cannot make the matching token
  (and ``gate`` refuses its POST by origin before this runs).
- Failures count per account: five wrong passwords lock that account for 15 minutes
  and no one else. Addresses of other machines are limited too, more loosely;
  loopback is not, since every person at this computer shares 127.0.0.1.
- A locked account is answered before any hashing, and hashing runs in the
  station's one ``Hashing`` thread.
- Signing in ends the browser's earlier session, so a session that was seen (or
  planted) before sign-in is not the one that carries the new user.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from packets.web import security
from packets.web.sessions import SESSION_COOKIE, SIGNIN_COOKIE, cookie_args, signed_in
from packets.web.station import Station, station_of
from packets.web.store import Session, new_token

TOKEN_MINUTES = 15


def _failure_keys(request: Request, name: str) -> list[tuple[str, int]]:
    """The counters this attempt adds to, each with its limit."""
    keys = [(f"user:{name.lower()}", security.MAX_FAILURES)]
    address = request.client.host if request.client else None
    if address and not security.is_loopback(address):
        keys.append((f"addr:{address}", security.MAX_ADDRESS_FAILURES))
    return keys


def _form(request: Request, status: int = 200, error: str | None = None, message: str | None = None) -> Response:
    station = station_of(request)
    cookie = new_token()
    response = station.page("signin.html", request, None, status=status, error=error, message=message,
                            signin_token=security.signin_form_token(station.secret, cookie))
    response.set_cookie(SIGNIN_COOKIE, cookie, max_age=TOKEN_MINUTES * 60, **cookie_args(request))
    return response


async def signin_page(request: Request) -> Response:
    idle = request.query_params.get("idle")
    return _form(request, message="You were signed out after a time without use. Sign in again." if idle else None)


async def signin(request: Request) -> Response:
    station = station_of(request)
    form = await request.form(max_files=0, max_fields=5)
    cookie = request.cookies.get(SIGNIN_COOKIE)
    if not cookie or not security.same(str(form.get("signin_token", "")), security.signin_form_token(station.secret, cookie)):
        return _form(request, 403, "The sign-in form had expired. Sign in again.")
    name = str(form.get("name", "")).strip()[:80]
    password = str(form.get("password", ""))[:1024]
    keys = _failure_keys(request, name)
    if any(station.store.failures(key, security.FAILURE_WINDOW) >= limit for key, limit in keys):
        minutes = int(security.FAILURE_WINDOW.total_seconds() // 60)
        return _form(request, 429, f"Too many failed sign-ins for this account. Wait {minutes} minutes, "
                                   "or ask a colleague to sign in with their own account.")
    try:
        ok = await station.hashing.check(station.store.user_hash(name), password)
    except security.Busy:
        return _form(request, 503, "The station is busy checking other sign-ins. Wait a few seconds and try again.")
    if not ok:
        for key, _ in keys:
            station.store.record_failure(key)
        return _form(request, 401, "That name and password do not match. Try again.")
    for key, _ in keys:
        station.store.clear_failures(key)
    earlier = request.cookies.get(SESSION_COOKIE)
    if earlier:
        station.store.end_session(earlier)
    token, _ = station.store.new_session(name)
    response = RedirectResponse("/today", status_code=303)
    response.set_cookie(SESSION_COOKIE, token, **cookie_args(request))
    response.delete_cookie(SIGNIN_COOKIE, path="/")
    return response


@signed_in
async def signout(request: Request, station: Station, session: Session) -> Response:
    station.store.end_session(request.cookies[SESSION_COOKIE])
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
