"""One patient at the desk (a walk-in, or a packet made again by hand): the form and its packet.

The packet is written under a token recorded first (``Store.begin_files``), so a
kill while it renders leaves nothing the sweep does not remove.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from packets import facade
from packets.errors import PacketsError
from packets.visits.model import parse_session, parse_time
from packets.web.sessions import signed_in
from packets.web.station import Station
from packets.web.store import Session, make_private, new_token
from packets.web.today import clinic_choice
from packets.web.uploads import abandon


@signed_in
async def patient_page(request: Request, station: Station, session: Session) -> Response:
    ids, clinic = clinic_choice(request, request.query_params.get("clinic"))
    return station.page("patient.html", request, session, **_patient_form(station, clinic, ids, {}))


def _patient_form(station: Station, clinic: str | None, ids: list[str], values: dict[str, str]) -> dict[str, Any]:
    treatments: list[tuple[str, str]] = []
    languages: list[str] = []
    if clinic:
        loaded = station.clinic(clinic)
        treatments = list(facade.clinic_words(loaded).treatments.items())
        languages = list(loaded.clinic.offered_languages)
    now = datetime.now()
    defaults = {"date": now.date().isoformat(), "time": now.strftime("%H:%M"), "name": "", "dob": "", "mrn": "", "escort": "",
                "next": "", "provider": "", "session": "", "ended": "", "treatment": treatments[0][0] if treatments else "",
                "language": languages[0] if languages else "", "large_print": ""}
    return {"clinics": ids, "clinic": clinic, "treatments": treatments, "languages": languages, "values": defaults | values}


@signed_in
async def patient(request: Request, station: Station, session: Session) -> Response:
    form = await request.form()
    values = {k: str(form.get(k, "")).strip() for k in ("clinic", "name", "treatment", "date", "time", "dob", "mrn", "escort",
                                                        "next", "provider", "session", "language", "large_print", "ended")}
    ids, clinic = clinic_choice(request, values["clinic"])
    try:
        if clinic is None:
            raise PacketsError("no clinic is set up.")
        token = await run_in_threadpool(_render_walk_in, station, clinic, values, session.user)
    except PacketsError as exc:
        return station.page("patient.html", request, session, status=400, error=str(exc),
                            **_patient_form(station, clinic, ids, values))
    return RedirectResponse(f"/rows/{token}", status_code=303)


def _render_walk_in(station: Station, clinic: str, v: dict[str, str], user: str) -> str:
    loaded = station.clinic(clinic)
    day = facade.typed_date(loaded, v["date"], "Date") if v["date"] else date.today()
    session, total = parse_session(v["session"]) if v["session"] else (None, None)
    visit = facade.new_visit(
        loaded, name=v["name"], treatment=v["treatment"], when=datetime.combine(day, parse_time(v["time"])),
        date_of_birth=facade.typed_date(loaded, v["dob"], "Date of birth", private=True) if v["dob"] else None, mrn=v["mrn"],
        session=session, series_length=total, escort=v["escort"],
        next_visit=facade.typed_moment(loaded, v["next"], "Next visit") if v["next"] else None, provider=v["provider"],
        language=v["language"], large_print=v["large_print"] == "yes",
        dose_ended=parse_time(v["ended"]) if v.get("ended") else None,
    )
    day_token, row_token = new_token(), new_token()
    folder = station.settings.data / "packets" / day_token
    make_private(folder.parent)
    station.store.begin_files(day_token)
    try:
        make_private(folder)
        out = folder / f"{visit.when:%H%M}-walk-in-{visit.initials}.pdf"
        with station.renderers.one(loaded) as renderer:
            written = facade.render_one(loaded, visit, out, renderer, chart=station.chart_held(loaded, day_token), hold_chart=True)
        _save(station, clinic, day, day_token, row_token, folder, out, visit, written, user)
    except BaseException:
        abandon(station, day_token)
        raise
    return row_token


def _save(station: Station, clinic: str, day: date, day_token: str, row_token: str, folder: Path, out: Path, visit: Any,
          written: Any, user: str) -> None:
    """The walk-in's day and row, and the files handed to them, in one transaction."""
    loaded = station.clinic(clinic)
    with station.store.transaction() as db:
        db.execute("INSERT INTO days (token, clinic, day, source, folder, print_run, created, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   (day_token, clinic, day.isoformat(), "one patient", str(folder), None,
                    datetime.now().isoformat(timespec="seconds"), user))
        db.execute("INSERT INTO rows (token, day_token, row, time, initials, name, treatment, language, mrn, status, file, pages, "
                   "sha256, chart) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (row_token, day_token, 1, f"{visit.when:%H:%M}", visit.initials, visit.name, visit.treatment,
                    visit.language or loaded.clinic.language, visit.mrn, "ready", str(out), written.pages, written.sha256,
                    written.chart.written[0] if written.chart and written.chart.written else None))
        station.store.end_files(day_token, db)
