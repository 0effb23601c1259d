"""The station's pages and how they are put together (``create_app``).

Server-rendered with the project's Jinja2 (autoescape, StrictUndefined) and plain
HTML forms: no script, no CDN, no build step, so it works offline and keyboard-only.
URLs carry opaque ids only; patient data travels in POST bodies and page content.
Work goes through ``packets.facade``; rendering runs in threads with warm renderers.

The pages live by what they do: ``signin``, ``today``, ``uploads``, ``walk_in``,
and here a day's list, one row's packet, and the Log. Around them, outermost first:
``AccessLog``, ``SecurityHeaders`` (every response, refusals and faults included),
``Gate`` (host, origin, body size) and ``Faults`` (a fault is a page, not a 500).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from packets import facade
from packets.errors import PacketsError
from packets.web import security
from packets.web.access_log import AccessLog
from packets.web.faults import Faults
from packets.web.gate import Gate
from packets.web.prints import RESTART_WAIT, audit, can_print, finish_unfinished, start_print
from packets.web.retention import purge_daily, sweep_at_start
from packets.web.sessions import signed_in
from packets.web.signin import signin, signin_page, signout
from packets.web.station import MAX_UPLOAD, Settings, Station, station_of
from packets.web.store import Session, Store
from packets.web.today import today
from packets.web.uploads import upload
from packets.web.walk_in import patient, patient_page
from packets.web.warming import Warmer
from packets.web.wording import day_label
from packets.web.work import Renderers

LOG = logging.getLogger("packets.station")

__all__ = ["Settings", "Station", "create_app"]


# ---- a day's list ----------------------------------------------------------------


@signed_in
async def day_page(request: Request, station: Station, session: Session) -> Response:
    day = station.store.day(request.path_params["token"])
    if day is None:
        return _not_found(station, request, session)
    everything = [dict(r) for r in station.store.rows_of(day["token"])]
    rows = [r for r in everything if r["status"] != "skipped"]
    skipped = [r for r in everything if r["status"] == "skipped"]
    return station.page("day.html", request, session, day=dict(day), rows=rows, skipped=skipped,
                        label=day_label(date.fromisoformat(day["day"]), date.today()),
                        ready=sum(r["status"] == "ready" for r in rows), failed=sum(r["status"] == "failed" for r in rows),
                        printing=station.prints.get(day["token"]), can_print=can_print(station, day["clinic"]))


@signed_in
async def day_pdf(request: Request, station: Station, session: Session) -> Response:
    """The whole day's packets in one PDF, printer or not: to print from the browser or keep."""
    day = station.store.day(request.path_params["token"])
    if day is None or not day["print_run"] or not Path(day["print_run"]).is_file():
        return _not_found(station, request, session)
    if request.method == "GET":  # a HEAD reads nothing, so it is not a download
        station.store.audit(user=session.user, action="download (whole day)", clinic=day["clinic"], day=day["day"],
                            content_version=facade.content_version())
        station.file_in_chart(day["clinic"], [r for r in station.store.rows_of(day["token"]) if r["status"] == "ready"])
    return Response(Path(day["print_run"]).read_bytes(), media_type="application/pdf",
                    headers={"content-disposition": f'attachment; filename="packets-{day["clinic"]}-{day["day"]}.pdf"'})


def _not_found(station: Station, request: Request, session: Session) -> Response:
    return station.page("message.html", request, session, status=404, title="Not found",
                        error="That packet or list is no longer here (lists are deleted after the retention period).")


# ---- one row: preview, download, print ---------------------------------------------


def _row_or_404(request: Request) -> Any:
    return station_of(request).store.row(request.path_params["token"])


@signed_in
async def row_page(request: Request, station: Station, session: Session) -> Response:
    row = _row_or_404(request)
    if row is None:
        return _not_found(station, request, session)
    return station.page("row.html", request, session, row=dict(row), pages=list(range(1, (row["pages"] or 0) + 1)),
                        printing=station.prints.get(row["token"]), can_print=can_print(station, row["clinic"]))


@signed_in
async def row_page_png(request: Request, station: Station, session: Session) -> Response:
    row = _row_or_404(request)
    if row is None or not row["file"]:
        return Response(status_code=404)
    try:
        png = await run_in_threadpool(facade.page_png, Path(row["file"]), int(request.path_params["page"]))
    except PacketsError:
        return Response(status_code=404)
    return Response(png, media_type="image/png")


@signed_in
async def row_pdf(request: Request, station: Station, session: Session) -> Response:
    row = _row_or_404(request)
    if row is None or not row["file"]:
        return _not_found(station, request, session)
    if request.method == "GET":  # a HEAD reads nothing, so it is not a download
        audit(station, session.user, row, "download")
        station.file_in_chart(row["clinic"], [row])
    filename = f"packet-{row['day']}-{row['time'].replace(':', '')}-{row['initials']}.pdf"
    return Response(Path(row["file"]).read_bytes(), media_type="application/pdf",
                    headers={"content-disposition": f'attachment; filename="{filename}"'})


@signed_in
async def row_print(request: Request, station: Station, session: Session) -> Response:
    row = _row_or_404(request)
    if row is None or not row["file"]:
        return _not_found(station, request, session)
    action = "reprint" if row["printed"] else "print"
    start_print(station, session.user, row["token"], row["clinic"], Path(row["file"]), [row], action, f"{row['initials']}'s packet")
    return RedirectResponse(f"/rows/{row['token']}", status_code=303)


@signed_in
async def day_print(request: Request, station: Station, session: Session) -> Response:
    day = station.store.day(request.path_params["token"])
    if day is None or not day["print_run"]:
        return _not_found(station, request, session)
    rows = [station.store.row(r["token"]) for r in station.store.rows_of(day["token"]) if r["status"] == "ready"]
    start_print(station, session.user, day["token"], day["clinic"], Path(day["print_run"]), rows, "print (whole day)",
                 f"the whole day ({len(rows)} packets)")
    return RedirectResponse(f"/days/{day['token']}", status_code=303)


# ---- log --------------------------------------------------------------------------


@signed_in
async def log_page(request: Request, station: Station, session: Session) -> Response:
    return station.page("log.html", request, session, entries=[dict(e) for e in station.store.audit_log()])


async def home(request: Request) -> Response:
    return RedirectResponse("/today", status_code=303)


def create_app(settings: Settings) -> Starlette:
    """The station as an ASGI app; it owns its store, renderers and hashing thread and closes them on shutdown."""
    store = Store(settings.data)
    station = Station(settings, store, Renderers(size=max(1, settings.jobs), cache=settings.data / "bases"))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await asyncio.to_thread(sweep_at_start, store)  # before the first page: what a killed run left
        if settings.warm:
            station.warmer = Warmer(settings.clinics, settings.data / "bases", station.renderers, station.clinic)
            station.warmer.start()
        task = purge_daily(station)
        prints = asyncio.create_task(asyncio.to_thread(finish_unfinished, store, RESTART_WAIT, station.file_in_chart))
        try:
            yield
        finally:
            task.cancel()
            prints.cancel()
            if station.warmer is not None:
                await asyncio.to_thread(station.warmer.stop)
            station.close()

    routes = [
        Route("/", home),
        Route("/signin", signin_page, methods=["GET"]),
        Route("/signin", signin, methods=["POST"]),
        Route("/signout", signout, methods=["POST"]),
        Route("/today", today, methods=["GET"]),
        Route("/today/upload", upload, methods=["POST"]),
        Route("/days/{token}", day_page, methods=["GET"]),
        Route("/rows/{token}", row_page, methods=["GET"]),
        Route("/rows/{token}/pages/{page:int}.png", row_page_png, methods=["GET"]),
        Route("/rows/{token}/packet.pdf", row_pdf, methods=["GET"]),
        Route("/rows/{token}/print", row_print, methods=["POST"]),
        Route("/days/{token}/print", day_print, methods=["POST"]),
        Route("/days/{token}/packets.pdf", day_pdf, methods=["GET"]),
        Route("/patient", patient_page, methods=["GET"]),
        Route("/patient", patient, methods=["POST"]),
        Route("/log", log_page, methods=["GET"]),
        Mount("/static", StaticFiles(packages=[("packets.web", "static")]), name="static"),
    ]
    middleware = [  # outermost first
        Middleware(AccessLog),
        Middleware(security.SecurityHeaders, tls=settings.tls),
        Middleware(Gate, origins=settings.origins, max_upload=MAX_UPLOAD),
        Middleware(Faults, render=station.fault_page),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.station = station
    return app
