"""Uploaded schedules, their rows and packets are deleted after the clinic's retention period.

The station runs ``purge`` at start and then once a day; ``packets purge`` runs it by
hand (or from cron). The audit log is kept: it names rows by initials, time and MRN.
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
    from packets.web.app import Station

DAY_SECONDS = 24 * 3600


def purge(store: Store, clinics: Path | None = None, now: datetime | None = None, days: int | None = None) -> int:
    """Delete expired uploads (rows, packets, the uploaded file); returns how many uploads went."""
    now = now or datetime.now()
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


def purge_daily(station: Station) -> asyncio.Task:
    """Purge now and every 24 hours while the station runs."""

    async def loop() -> None:
        while True:
            await asyncio.to_thread(purge, station.store, station.settings.clinics, None, station.settings.retention_days)
            await asyncio.sleep(DAY_SECONDS)

    return asyncio.get_running_loop().create_task(loop())
