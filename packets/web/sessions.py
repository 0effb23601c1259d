"""Who is signed in: the session cookie, the idle limit, and the CSRF token every POST carries.

The cookie is ``HttpOnly`` and ``SameSite=Strict``. A cross-site link arrives
without it, so it lands on the sign-in page; that page must not delete a cookie it
was never sent, or any link on another site would sign the front desk out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from packets.web import security
from packets.web.station import MAX_UPLOAD, Station, station_of
from packets.web.store import Session

SESSION_COOKIE = "packets_session"
SIGNIN_COOKIE = "packets_signin"


def current_session(request: Request) -> Session | None:
    token = request.cookies.get(SESSION_COOKIE)
    station = station_of(request)
    return station.store.session(token, station.idle) if token else None


def to_signin(request: Request) -> RedirectResponse:
    """Back to sign-in; a cookie that was sent and is no longer valid is cleared (and the page says why)."""
    sent = SESSION_COOKIE in request.cookies
    response = RedirectResponse("/signin?idle=1" if sent else "/signin", status_code=303)
    if sent:
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def _guard(request: Request) -> Session | Response:
    """The signed-in session, or a redirect to sign in; POSTs must carry its CSRF token.

    The session is checked before the body is read, so only signed-in staff can make
    the station read (and spool) an upload.
    """
    session = current_session(request)
    if session is None:
        return to_signin(request)
    if request.method == "POST":
        form = await request.form(max_part_size=MAX_UPLOAD + 1024)
        if not security.same(str(form.get("csrf") or ""), session.csrf):
            return Response("This form has expired or did not come from this station. Go back, reload and try again.",
                            status_code=403, media_type="text/plain")
    return session


def signed_in(handler: Callable[[Request, Station, Session], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """A page for signed-in staff: sign-in (and a POST's CSRF token) is checked before ``handler`` runs."""
    @wraps(handler)
    async def page(request: Request) -> Response:
        guard = await _guard(request)
        if isinstance(guard, Response):
            return guard
        return await handler(request, station_of(request), guard)
    return page


def cookie_args(request: Request) -> dict[str, Any]:
    return {"httponly": True, "samesite": "strict", "secure": station_of(request).settings.tls, "path": "/"}
