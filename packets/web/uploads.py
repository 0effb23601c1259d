"""Loading a day's schedule at the station: from the browser or the clinic's inbox folder.

The file is read with the same bounds and messages as ``packets batch`` (size,
encoding, nesting, rows), because it goes through the same reader. What the
station adds:

- the name is only shown, never used for a file (``names``), and an inbox link
  out of the inbox is not read (``inbox``);
- the token is recorded before the copy or any packet is written, and handed to the
  day's row in the transaction that saves the rows: a kill at any step leaves
  nothing the sweep (``retention.sweep``) does not find.
"""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import datetime
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from packets import facade
from packets.errors import PacketsError
from packets.files import write_atomic
from packets.visits.model import initials
from packets.web.inbox import read_inbox
from packets.web.names import TOO_LARGE, saved_suffix, shown_name
from packets.web.retention import remove_day_files
from packets.web.sessions import signed_in
from packets.web.station import MAX_UPLOAD, Station
from packets.web.store import Session, make_private, new_token
from packets.web.today import clinic_choice, today_page
from packets.web.wording import failed_reason, skipped_reason


async def _chosen_file(station: Station, clinic: str, form: FormData) -> tuple[str, bytes]:
    """The schedule's shown name and bytes, from the upload or the inbox."""
    source = form.get("schedule")
    if isinstance(source, UploadFile) and source.filename:
        name = shown_name(source.filename)
        data = await source.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise PacketsError(f"{name}: {TOO_LARGE}")
        return name, data
    if form.get("inbox"):
        return await run_in_threadpool(read_inbox, station, clinic, form)
    raise PacketsError("choose a schedule file to upload, or one from the inbox.")


def abandon(station: Station, token: str) -> None:
    """Remove what a failed write left; if even that fails (a broken disk), the sweep at the next start does it."""
    with contextlib.suppress(OSError, sqlite3.Error):
        remove_day_files(station.store, token)
        station.store.end_files(token)


@signed_in
async def upload(request: Request, station: Station, session: Session) -> Response:
    form = await request.form(max_part_size=MAX_UPLOAD + 1024)
    ids, clinic = clinic_choice(request, str(form.get("clinic", "")))
    token = new_token()
    try:
        if clinic is None:
            raise PacketsError("no clinic is set up. Add a clinic folder first (packets init-clinic).")
        name, data = await _chosen_file(station, clinic, form)
        uploads = station.settings.data / "uploads"
        make_private(uploads)
        station.store.begin_files(token)
        try:
            saved = uploads / f"{token}{saved_suffix(name)}"
            write_atomic(saved, data)  # 0600, whole or not at all
            await run_in_threadpool(_process_upload, station, clinic, saved, name, token, session.user)
        except BaseException:
            abandon(station, token)
            raise
    except PacketsError as exc:
        return today_page(request, station, session, ids, clinic, status=400, error=str(exc))
    return RedirectResponse(f"/days/{token}", status_code=303)


def _process_upload(station: Station, clinic: str, saved: Path, name: str, token: str, user: str) -> None:
    """Read the schedule, render every good row, and save the rows in one transaction."""
    loaded = station.clinic(clinic)
    try:
        schedule = facade.read_day(loaded, saved)
    except PacketsError as exc:  # the message names our saved copy; show the user's file name
        raise PacketsError(str(exc).replace(str(saved), name)) from None
    out_root = station.settings.data / "packets" / token
    # The walk-in renderers' base folder: after an upload, a walk-in of the same
    # clinic, treatment and day finds its group's shared pages already laid out.
    result = facade.run_day(loaded, schedule, out_root, station.settings.jobs, bases=station.renderers.cache,
                            chart=station.chart_held(loaded, token), hold_chart=True)
    rows = {r.number: r for r in schedule.rows}
    earlier = station.store.lists_for_day(clinic, schedule.day.isoformat())
    with station.store.transaction() as db:
        for old in earlier:  # a corrected schedule replaces the day's list; what was printed stays in the Log
            db.execute("DELETE FROM days WHERE token = ?", (old["token"],))
        db.execute("INSERT INTO days (token, clinic, day, source, folder, print_run, created, created_by, skipped) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (token, clinic, schedule.day.isoformat(), name, str(result.folder),
                    str(result.print_run) if result.print_run else None, datetime.now().isoformat(timespec="seconds"), user,
                    schedule.skipped_summary()))
        insert = ("INSERT INTO rows (token, day_token, row, time, initials, name, treatment, language, mrn, status, error, "
                  "file, pages, sha256, reason, chart) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
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
                                outcome.sha256, reason, outcome.chart))
        for passed in schedule.passed_over:
            db.execute(insert, (new_token(), token, passed.number, passed.time_text, initials(passed.name), passed.name,
                                "", "", None, "skipped", None, None, None, None, skipped_reason(passed.reason), None))
        station.store.end_files(token, db)
    for old in earlier:
        remove_day_files(station.store, old["token"])
