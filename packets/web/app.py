"""The station's pages: sign in, Today (upload a schedule, print the day), One patient, Log.

Server-rendered with the project's Jinja2 (autoescape, StrictUndefined) and plain
HTML forms: no script, no CDN, no build step, so it works offline and keyboard-only.
URLs carry opaque ids only; patient data travels in POST bodies and page content.
Work goes through ``packets.facade``; rendering runs in threads with warm renderers.
"""

from __future__ import annotations

import logging
import shutil
import threading
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from functools import wraps
from typing import Any, AsyncIterator, Awaitable, Callable

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from packets import facade
from packets.config.languages import text_in
from packets.errors import PacketsError
from packets.files import write_atomic
from packets.visits.model import initials, parse_session, parse_time
from packets.web import security
from packets.web.retention import remove_day_files
from packets.web.store import Session, Store, make_private, new_token
from packets.web.wording import day_label, failed_reason, skipped_reason
from packets.web.work import Renderers

SESSION_COOKIE = "packets_session"
SIGNIN_COOKIE = "packets_signin"
MAX_UPLOAD = 5_000_000
LOG = logging.getLogger("packets.station")


@dataclass
class Settings:
    """How ``packets serve`` was started."""

    data: Path
    clinics: Path | None = None
    idle_minutes: float = 10.0
    tls: bool = False
    jobs: int = 2
    retention_days: int | None = None  # None: each clinic's config (default 7)
    inbox_limit: int = 50


@dataclass
class PrintTask:
    """A print the station is following (the page shows it until the printer is done)."""

    label: str
    line: str = "Sending to the printer..."
    done: bool = False
    ok: bool = False


@dataclass
class Station:
    """Everything one running station owns (nothing lives at module level)."""

    settings: Settings
    store: Store
    renderers: Renderers
    prints: dict[str, PrintTask] = field(default_factory=dict)  # by row or day token
    pages: Environment = field(default_factory=lambda: Environment(
        loader=PackageLoader("packets.web", "templates"), autoescape=True, undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True))

    _clinics: dict[str, facade.LoadedClinic] = field(default_factory=dict)

    def clinic(self, ref: str) -> facade.LoadedClinic:
        """A clinic's config, read again only when a file in its folder changed.

        Reading and checking a config takes about 10 ms; a walk-in's packet is meant
        to take a few times that. An edited config is picked up by the next request.
        """
        loaded = self._clinics.get(ref)
        if loaded is None or not facade.clinic_is_current(loaded):
            loaded = self._clinics[ref] = facade.open_clinic(ref, self.settings.clinics)
        return loaded

    @property
    def idle(self) -> timedelta:
        return timedelta(minutes=self.settings.idle_minutes)

    def page(self, name: str, request: Request, session: Session | None, status: int = 200, **values: Any) -> HTMLResponse:
        values.setdefault("message", None)
        values.setdefault("error", None)
        values.setdefault("printing", None)
        values.setdefault("refresh", values["printing"] is not None and not values["printing"].done)
        html = self.pages.get_template(name).render(user=session.user if session else None,
                                                    csrf=session.csrf if session else "", **values)
        return HTMLResponse(html, status_code=status)


# ---- access log: method, path (opaque ids only), status ----------------------------


class AccessLog:
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
            LOG.info("%s %s %s", scope["method"], scope["path"], status["code"])


# ---- sessions ---------------------------------------------------------------------


def _station(request: Request) -> Station:
    return request.app.state.station


def _session(request: Request) -> Session | None:
    token = request.cookies.get(SESSION_COOKIE)
    return _station(request).store.session(token, _station(request).idle) if token else None


def _to_signin(idle: bool = False) -> RedirectResponse:
    response = RedirectResponse("/signin?idle=1" if idle else "/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def _guard(request: Request) -> Session | Response:
    """The signed-in session, or a redirect to sign in; POSTs must carry its CSRF token."""
    session = _session(request)
    if session is None:
        return _to_signin(idle=SESSION_COOKIE in request.cookies)
    if request.method == "POST":
        form = await request.form(max_part_size=MAX_UPLOAD + 1024)
        if not security.same(form.get("csrf"), session.csrf):
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
        return await handler(request, _station(request), guard)
    return page


def _cookie_args(request: Request) -> dict[str, Any]:
    return {"httponly": True, "samesite": "strict", "secure": _station(request).settings.tls, "path": "/"}


async def signin_page(request: Request) -> Response:
    station = _station(request)
    token = new_token()
    message = "You were signed out after a time without use. Sign in again." if request.query_params.get("idle") else None
    response = station.page("signin.html", request, None, signin_token=token, message=message)
    response.set_cookie(SIGNIN_COOKIE, token, max_age=900, **_cookie_args(request))
    return response


async def signin(request: Request) -> Response:
    station = _station(request)
    form = await request.form()
    if not security.same(form.get("signin_token"), request.cookies.get(SIGNIN_COOKIE)):
        return Response("The sign-in form expired. Reload the page and try again.", status_code=403, media_type="text/plain")
    name = str(form.get("name", "")).strip()
    password = str(form.get("password", ""))
    keys = (f"user:{name.lower()}", f"addr:{request.client.host if request.client else '-'}")
    if any(station.store.failures(key, security.FAILURE_WINDOW) >= security.MAX_FAILURES for key in keys):
        minutes = int(security.FAILURE_WINDOW.total_seconds() // 60)
        return _signin_again(request, f"Too many failed sign-ins. Wait {minutes} minutes, or ask a colleague.", 429)
    if not security.password_ok(station.store.user_hash(name), password):
        for key in keys:
            station.store.record_failure(key)
        return _signin_again(request, "That name and password do not match. Try again.", 401)
    for key in keys:
        station.store.clear_failures(key)
    token, _ = station.store.new_session(name)
    response = RedirectResponse("/today", status_code=303)
    response.set_cookie(SESSION_COOKIE, token, **_cookie_args(request))
    response.delete_cookie(SIGNIN_COOKIE, path="/")
    return response


def _signin_again(request: Request, error: str, status: int) -> Response:
    token = new_token()
    response = _station(request).page("signin.html", request, None, status=status, signin_token=token, error=error)
    response.set_cookie(SIGNIN_COOKIE, token, max_age=900, **_cookie_args(request))
    return response


@signed_in
async def signout(request: Request, station: Station, session: Session) -> Response:
    station.store.end_session(request.cookies[SESSION_COOKIE])
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# ---- Today ------------------------------------------------------------------------


def _clinic_choice(request: Request, wanted: str | None) -> tuple[list[str], str | None]:
    ids = facade.clinic_ids(_station(request).settings.clinics)
    return ids, wanted if wanted in ids else (ids[0] if ids else None)


def _inbox_files(station: Station, clinic: str | None) -> list[str]:
    if clinic is None:
        return []
    inbox = _inbox(station, clinic)
    if inbox is None or not inbox.is_dir():
        return []
    files = sorted((p for p in inbox.iterdir() if p.is_file() and not p.name.startswith(".")), key=lambda p: p.stat().st_mtime,
                   reverse=True)
    return [p.name for p in files[: station.settings.inbox_limit]]


def _inbox(station: Station, clinic: str) -> Path | None:
    loaded = station.clinic(clinic)
    folder = loaded.clinic.station.inbox
    return (loaded.folder / folder).resolve() if folder else None


@signed_in
async def today(request: Request, station: Station, session: Session) -> Response:
    ids, clinic = _clinic_choice(request, request.query_params.get("clinic"))
    return station.page("today.html", request, session, **_today_values(station, ids, clinic))


def _today_values(station: Station, ids: list[str], clinic: str | None) -> dict[str, Any]:
    """The Today page: the clinic shown, and its lists for today and the days ahead, each labelled by its date."""
    today_ = date.today()
    uploads = []
    for d in station.store.days_for(clinic, today_.isoformat()) if clinic else []:
        rows = station.store.rows_of(d["token"])
        uploads.append(dict(d) | {"label": day_label(date.fromisoformat(d["day"]), today_),
                                  "ready": sum(r["status"] == "ready" for r in rows),
                                  "failed": sum(r["status"] == "failed" for r in rows)})
    return {"clinics": ids, "clinic": clinic, "day": day_label(today_, today_), "uploads": uploads,
            "inbox": _inbox_files(station, clinic)}


@signed_in
async def upload(request: Request, station: Station, session: Session) -> Response:
    form = await request.form(max_part_size=MAX_UPLOAD + 1024)
    ids, clinic = _clinic_choice(request, str(form.get("clinic", "")))
    token = new_token()
    uploads = station.settings.data / "uploads"
    make_private(uploads)
    try:
        if clinic is None:
            raise PacketsError("no clinic is set up. Add a clinic folder first (packets init-clinic).")
        source = form.get("schedule")
        if isinstance(source, UploadFile) and source.filename:
            name = Path(source.filename).name
            data = await source.read(MAX_UPLOAD + 1)
            if len(data) > MAX_UPLOAD:
                raise PacketsError(f"{name}: the file is larger than {MAX_UPLOAD // 1_000_000} MB. Export one day only.")
        elif form.get("inbox"):
            inbox = _inbox(station, clinic)
            name = Path(str(form.get("inbox"))).name
            if inbox is None or not (inbox / name).is_file():
                raise PacketsError(f"{name}: not in the clinic's inbox folder any more. Reload the page.")
            data = (inbox / name).read_bytes()[: MAX_UPLOAD + 1]
        else:
            raise PacketsError("choose a schedule file to upload, or one from the inbox.")
        suffix = Path(name).suffix.lower()[:8] if Path(name).suffix else ""
        saved = uploads / f"{token}{suffix}"
        write_atomic(saved, data)  # 0600, whole or not at all
        await run_in_threadpool(_process_upload, station, clinic, saved, name, token, session.user)
    except PacketsError as exc:
        for leftover in uploads.glob(f"{token}*"):
            leftover.unlink()
        shutil.rmtree(station.settings.data / "packets" / token, ignore_errors=True)
        return station.page("today.html", request, session, status=400, error=str(exc), **_today_values(station, ids, clinic))
    return RedirectResponse(f"/days/{token}", status_code=303)


def _process_upload(station: Station, clinic: str, saved: Path, shown_name: str, token: str, user: str) -> None:
    """Read the schedule, render every good row, and save the rows in one transaction."""
    loaded = station.clinic(clinic)
    try:
        schedule = facade.read_day(loaded, saved)
    except PacketsError as exc:  # the message names our saved copy; show the user's file name
        raise PacketsError(str(exc).replace(str(saved), shown_name)) from None
    out_root = station.settings.data / "packets" / token
    # The walk-in renderers' base folder: after an upload, a walk-in of the same
    # clinic, treatment and day finds its group's shared pages already laid out.
    result = facade.run_day(loaded, schedule, out_root, station.settings.jobs, bases=station.renderers.cache)
    rows = {r.number: r for r in schedule.rows}
    earlier = station.store.lists_for_day(clinic, schedule.day.isoformat())
    with station.store.transaction() as db:
        for old in earlier:  # a corrected schedule replaces the day's list; what was printed stays in the Log
            db.execute("DELETE FROM days WHERE token = ?", (old["token"],))
        db.execute("INSERT INTO days (token, clinic, day, source, folder, print_run, created, created_by, skipped) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (token, clinic, schedule.day.isoformat(), shown_name, str(result.folder),
                    str(result.print_run) if result.print_run else None, datetime.now().isoformat(timespec="seconds"), user,
                    schedule.skipped_summary()))
        insert = ("INSERT INTO rows (token, day_token, row, time, initials, name, treatment, language, mrn, status, error, "
                  "file, pages, sha256, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        for outcome in result.rows:
            row = rows[outcome.row]
            visit = row.visit
            failed = outcome.status != "written"
            reason = failed_reason(row.error.column if row.error else None, read=visit is not None) if failed else None
            db.execute(insert, (new_token(), token, outcome.row, outcome.time or "", outcome.initials,
                                visit.name if visit else row.name,
                                visit.treatment if visit else "", (visit.language or loaded.clinic.language) if visit else "",
                                visit.mrn if visit else None, "failed" if failed else "ready",
                                outcome.error, str(result.folder / outcome.file) if outcome.file else None, outcome.pages,
                                outcome.sha256, reason))
        for passed in schedule.passed_over:
            db.execute(insert, (new_token(), token, passed.number, passed.time_text, initials(passed.name), passed.name,
                                "", "", None, "skipped", None, None, None, None, skipped_reason(passed.reason)))
    for old in earlier:
        remove_day_files(station.store, old["token"])


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
                        printing=station.prints.get(day["token"]), can_print=_can_print(station, day["clinic"]))


@signed_in
async def day_pdf(request: Request, station: Station, session: Session) -> Response:
    """The whole day's packets in one PDF, printer or not: to print from the browser or keep."""
    day = station.store.day(request.path_params["token"])
    if day is None or not day["print_run"] or not Path(day["print_run"]).is_file():
        return _not_found(station, request, session)
    station.store.audit(user=session.user, action="download (whole day)", clinic=day["clinic"], day=day["day"],
                        content_version=facade.content_version())
    return Response(Path(day["print_run"]).read_bytes(), media_type="application/pdf",
                    headers={"content-disposition": f'attachment; filename="packets-{day["clinic"]}-{day["day"]}.pdf"'})


def _not_found(station: Station, request: Request, session: Session) -> Response:
    return station.page("message.html", request, session, status=404, title="Not found",
                        error="That packet or list is no longer here (lists are deleted after the retention period).")


# ---- one row: preview, download, print ---------------------------------------------


def _row_or_404(request: Request) -> Any:
    return _station(request).store.row(request.path_params["token"])


@signed_in
async def row_page(request: Request, station: Station, session: Session) -> Response:
    row = _row_or_404(request)
    if row is None:
        return _not_found(station, request, session)
    return station.page("row.html", request, session, row=dict(row), pages=list(range(1, (row["pages"] or 0) + 1)),
                        printing=station.prints.get(row["token"]), can_print=_can_print(station, row["clinic"]))


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
    _audit(station, session, row, "download")
    filename = f"packet-{row['day']}-{row['time'].replace(':', '')}-{row['initials']}.pdf"
    return Response(Path(row["file"]).read_bytes(), media_type="application/pdf",
                    headers={"content-disposition": f'attachment; filename="{filename}"'})


def _audit(station: Station, session: Session, row: Any, action: str, printer: str | None = None,
           job: str | None = None, job_state: str | None = None, reason: str | None = None) -> None:
    """One Log entry; ``reason`` says why a print did not happen (no patient data: messages never quote it)."""
    station.store.audit(user=session.user, action=action, clinic=row["clinic"], day=row["day"], row=row["row"],
                        time=row["time"], initials=row["initials"], mrn=row["mrn"], content_version=facade.content_version(),
                        sha256=row["sha256"], printer=printer, job=job, job_state=job_state, row_token=row["token"],
                        reason=reason)


def _can_print(station: Station, clinic: str) -> bool:
    try:
        return station.clinic(clinic).clinic.printing is not None
    except PacketsError:
        return False


@signed_in
async def row_print(request: Request, station: Station, session: Session) -> Response:
    row = _row_or_404(request)
    if row is None or not row["file"]:
        return _not_found(station, request, session)
    action = "reprint" if row["printed"] else "print"
    _start_print(station, session, row["token"], row["clinic"], Path(row["file"]), [row], action, f"{row['initials']}'s packet")
    return RedirectResponse(f"/rows/{row['token']}", status_code=303)


@signed_in
async def day_print(request: Request, station: Station, session: Session) -> Response:
    day = station.store.day(request.path_params["token"])
    if day is None or not day["print_run"]:
        return _not_found(station, request, session)
    rows = [station.store.row(r["token"]) for r in station.store.rows_of(day["token"]) if r["status"] == "ready"]
    _start_print(station, session, day["token"], day["clinic"], Path(day["print_run"]), rows, "print (whole day)",
                 f"the whole day ({len(rows)} packets)")
    return RedirectResponse(f"/days/{day['token']}", status_code=303)


def _start_print(station: Station, session: Session, key: str, clinic: str, pdf: Path, rows: list[Any], action: str,
                 label: str) -> None:
    """Send in the background and follow the job; the page refreshes until it is done."""
    current = station.prints.get(key)
    if current is not None and not current.done:
        return  # one job at a time for the same packet: a double click prints once
    task = station.prints[key] = PrintTask(label)

    def follow() -> None:
        try:
            loaded = station.clinic(clinic)

            def sent(job: Any, settings: Any) -> None:
                task.line = f"Sent to {job.queue} as job {job.name}; waiting for the printer..."

            job = facade.print_pdf(pdf, "packet", loaded, on_sent=sent)
            task.line, task.ok = facade.describe_job(job), job.ok
            for row in rows:
                _audit(station, session, row, action, printer=job.queue, job=job.name, job_state=job.state,
                       reason=None if job.ok else task.line)
                if job.ok:
                    station.store.mark_printed(row["token"])
        except PacketsError as exc:
            task.line = f"Not printed: {exc}"
            for row in rows:
                _audit(station, session, row, action, job_state="not sent", reason=str(exc))
        except Exception as exc:  # noqa: BLE001 - a bug: shown, logged without patient data
            task.line = f"Not printed: unexpected {type(exc).__name__}; please report it."
            LOG.error("print failed: %s", type(exc).__name__)
            for row in rows:
                _audit(station, session, row, action, job_state="not sent", reason=task.line)
        finally:
            task.done = True

    threading.Thread(target=follow, name="packets-print", daemon=True).start()


# ---- one patient ------------------------------------------------------------------


@signed_in
async def patient_page(request: Request, station: Station, session: Session) -> Response:
    ids, clinic = _clinic_choice(request, request.query_params.get("clinic"))
    return station.page("patient.html", request, session, **_patient_form(station, clinic, ids, {}))


def _patient_form(station: Station, clinic: str | None, ids: list[str], values: dict[str, str]) -> dict[str, Any]:
    treatments: list[tuple[str, str]] = []
    languages: list[str] = []
    if clinic:
        loaded = station.clinic(clinic)
        treatments = [(kind, text_in(proto.label, loaded.clinic.language) if proto.label else kind)
                      for kind, proto in loaded.clinic.treatments.items()]
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
    ids, clinic = _clinic_choice(request, values["clinic"])
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
    make_private(folder)
    out = folder / f"{visit.when:%H%M}-walk-in-{visit.initials}.pdf"
    with station.renderers.one(loaded) as renderer:
        written = facade.render_one(loaded, visit, out, renderer)
    with station.store.transaction() as db:
        db.execute("INSERT INTO days (token, clinic, day, source, folder, print_run, created, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   (day_token, clinic, day.isoformat(), "one patient", str(folder), None,
                    datetime.now().isoformat(timespec="seconds"), user))
        db.execute("INSERT INTO rows (token, day_token, row, time, initials, name, treatment, language, mrn, status, file, pages, "
                   "sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (row_token, day_token, 1, f"{visit.when:%H:%M}", visit.initials, visit.name, visit.treatment,
                    visit.language or loaded.clinic.language, visit.mrn, "ready", str(out), written.pages, written.sha256))
    return row_token


# ---- log --------------------------------------------------------------------------


@signed_in
async def log_page(request: Request, station: Station, session: Session) -> Response:
    return station.page("log.html", request, session, entries=[dict(e) for e in station.store.audit_log()])


async def home(request: Request) -> Response:
    return RedirectResponse("/today", status_code=303)


def create_app(settings: Settings) -> Starlette:
    """The station as an ASGI app; it owns its store and renderers and closes them on shutdown."""
    store = Store(settings.data)
    station = Station(settings, store, Renderers(size=max(1, settings.jobs), cache=settings.data / "bases"))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        from packets.web.retention import purge_daily

        task = purge_daily(station)
        try:
            yield
        finally:
            task.cancel()
            store.close()
            station.renderers.close()

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
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.station = station
    app.add_middleware(security.SecurityHeaders, tls=settings.tls)
    app.add_middleware(AccessLog)
    return app
