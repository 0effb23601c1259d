"""Uploaded schedules, their rows and packets are deleted after the clinic's retention period.

The station runs ``purge`` at start and then once a day; ``packets purge`` runs it by
hand (or from cron). The audit log is kept: it names rows by initials, time and MRN.

Every file the station writes is named by a token recorded before the write
(``Store.begin_files``) and handed to its day's row when done. So files that a kill
-9, a crash or an unexpected error left behind are always found: their token is
still pending (removed at the next start, or by ``purge`` after ``STALE``), or no
row names it at all (removed at once).
"""

from __future__ import annotations

import asyncio
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from packets import facade
from packets.errors import PacketsError
from packets.web.store import Store

if TYPE_CHECKING:
    from packets.web.station import Station

DAY_SECONDS = 24 * 3600
STALE = timedelta(hours=1)  # a write still pending this long belongs to a station that died (a day's render takes minutes)


def purge(store: Store, clinics: Path | None = None, now: datetime | None = None, days: int | None = None,
          stale_before: datetime | None = None) -> int:
    """Delete expired uploads (rows, packets, the uploaded file) and left-behind files; returns how many uploads went.

    ``stale_before``: writes begun before then are abandoned (default ``now - STALE``;
    the station passes its start time, since nothing of its own is running yet).
    """
    now = now or datetime.now()
    sweep(store, stale_before or now - STALE)
    removed = 0
    clinic_ids = {row["clinic"] for row in store.query("SELECT DISTINCT clinic FROM days")}
    for clinic in sorted(clinic_ids):
        keep = days
        if keep is None:
            try:
                keep = facade.open_clinic(clinic, clinics).clinic.station.retention_days
            except PacketsError:
                keep = 7  # a clinic folder that went away: the default
        for day in store.expired_days(clinic, now - timedelta(days=keep)):
            remove_day_files(store, day["token"])
            store.delete_day(day["token"])
            removed += 1
    return removed


def remove_day_files(store: Store, token: str) -> None:
    """An uploaded list's packets and schedule file: expired, or replaced by a corrected schedule."""
    shutil.rmtree(store.folder / "packets" / token, ignore_errors=True)
    for upload in (store.folder / "uploads").glob(f"{token}*"):
        upload.unlink(missing_ok=True)


def sweep(store: Store, stale_before: datetime) -> int:
    """Remove files no row owns, and the files of writes abandoned before ``stale_before``; returns how many tokens' went.

    The folders are listed before the tokens are read: a file in the listing was
    begun, so recorded, before the read, and is not mistaken for an orphan.
    """
    listing = [p for folder in ("uploads", "packets") if (store.folder / folder).is_dir()
               for p in (store.folder / folder).iterdir()]
    dead = set(store.pending(before=stale_before))
    for token in dead:
        remove_day_files(store, token)
        store.end_files(token)
    known = store.known_tokens() | dead
    gone = set(dead)
    for path in listing:
        token = path.name.split(".")[0]
        if token in known:
            continue
        if not token and _mtime(path) >= stale_before:
            continue  # a temporary file still being written
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        gone.add(token or path.name)
    return len(gone)


def _mtime(path: Path) -> datetime:
    try:
        return datetime.fromtimestamp(path.lstat().st_mtime)
    except OSError:
        return datetime.min


def sweep_at_start(store: Store) -> int:
    """Before the station serves a page: every pending write is a dead run's, since none of ours has begun."""
    return sweep(store, datetime.max)


def purge_daily(station: Station) -> asyncio.Task:
    """Purge now and every 24 hours while the station runs."""

    async def loop() -> None:
        while True:
            await asyncio.to_thread(purge, station.store, station.settings.clinics, None, station.settings.retention_days)
            await asyncio.sleep(DAY_SECONDS)

    return asyncio.get_running_loop().create_task(loop())
