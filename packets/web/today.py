"""The Today page: the clinic shown, its lists for today and the days ahead, and its inbox."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from packets import facade
from packets.web.inbox import inbox_files
from packets.web.sessions import signed_in
from packets.web.station import Station, station_of
from packets.web.store import Session
from packets.web.wording import day_label


def clinic_choice(request: Request, wanted: str | None) -> tuple[list[str], str | None]:
    """The clinics served, and the one asked for (else the first)."""
    ids = facade.clinic_ids(station_of(request).settings.clinics)
    return ids, wanted if wanted in ids else (ids[0] if ids else None)


@signed_in
async def today(request: Request, station: Station, session: Session) -> Response:
    ids, clinic = clinic_choice(request, request.query_params.get("clinic"))
    return today_page(request, station, session, ids, clinic)


def today_page(request: Request, station: Station, session: Session, ids: list[str], clinic: str | None,
               status: int = 200, error: str | None = None) -> Response:
    return station.page("today.html", request, session, status=status, error=error, **_values(station, ids, clinic))


def _values(station: Station, ids: list[str], clinic: str | None) -> dict[str, Any]:
    """Each list labelled by the date it is for, with its ready and failed counts."""
    today_ = date.today()
    uploads = []
    for d in station.store.days_for(clinic, today_.isoformat()) if clinic else []:
        rows = station.store.rows_of(d["token"])
        uploads.append(dict(d) | {"label": day_label(date.fromisoformat(d["day"]), today_),
                                  "ready": sum(r["status"] == "ready" for r in rows),
                                  "failed": sum(r["status"] == "failed" for r in rows)})
    return {"clinics": ids, "clinic": clinic, "day": day_label(today_, today_), "uploads": uploads,
            "inbox": inbox_files(station, clinic), "warming": station.warmer.status.line if station.warmer else None}
