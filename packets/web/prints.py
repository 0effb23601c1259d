"""Print buttons: send in the background, follow the job, and keep the Log true through a stop.

Each print's Log entries are written before anything is sent (``sending``), given
the CUPS job when CUPS takes it (``sent``), and given the final state when the
printer is done. A station killed or stopped in between leaves entries in flight;
the next start asks CUPS what became of those jobs (``finish_unfinished``), so a
print that came out is never missing from the Log.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from packets import facade
from packets.errors import PacketsError
from packets.web.station import PrintTask, Station
from packets.web.store import Store

LOG = logging.getLogger("packets.station")
RESTART_WAIT = 120  # seconds to follow a job found in flight at start
STOPPED_WHILE_SENDING = ("The station stopped while sending this print, so it may not have reached the printer. "
                         "Check the printer, and print again if nothing came out.")


def audit(station: Station, user: str, row: Any, action: str, **fields: Any) -> int:
    """One Log entry for ``row``; ``reason`` says why a print did not happen (messages never quote patient data)."""
    return station.store.audit(user=user, action=action, clinic=row["clinic"], day=row["day"], row=row["row"],
                               time=row["time"], initials=row["initials"], mrn=row["mrn"],
                               content_version=facade.content_version(), sha256=row["sha256"], row_token=row["token"],
                               **fields)


def can_print(station: Station, clinic: str) -> bool:
    try:
        return station.clinic(clinic).clinic.printing is not None
    except PacketsError:
        return False


def start_print(station: Station, user: str, key: str, clinic: str, pdf: Path, rows: list[Any], action: str,
                label: str) -> None:
    """Record, then send in the background and follow the job; the page refreshes until it is done."""
    current = station.prints.get(key)
    if current is not None and not current.done:
        return  # one job at a time for the same packet: a double click prints once
    task = station.prints[key] = PrintTask(label)
    ids = [audit(station, user, row, action, job_state="sending") for row in rows]

    def follow() -> None:
        try:
            loaded = station.clinic(clinic)

            def sent(job: Any, settings: Any) -> None:
                station.store.update_audit(ids, printer=job.queue, job=job.name, job_state="sent")
                task.line = f"Sent to {job.queue} as job {job.name}; waiting for the printer..."

            job = facade.print_pdf(pdf, "packet", loaded, on_sent=sent)
            task.line, task.ok = facade.describe_job(job), job.ok
            _finish(station.store, ids, [row["token"] for row in rows], job, None if job.ok else task.line)
            if job.ok:  # handed over: now it belongs in the chart
                station.file_in_chart(clinic, rows)
        except PacketsError as exc:
            task.line = f"Not printed: {exc}"
            station.store.update_audit(ids, job_state="not sent", reason=str(exc))
        except Exception as exc:
            task.line = f"Not printed: unexpected {type(exc).__name__}; please report it."
            LOG.error("print failed: %s", type(exc).__name__)
            station.store.update_audit(ids, job_state="not sent", reason=task.line)
        finally:
            task.done = True

    threading.Thread(target=follow, name="packets-print", daemon=True).start()


def _finish(store: Store, ids: list[int], row_tokens: list[str], job: Any, reason: str | None) -> None:
    store.update_audit(ids, printer=job.queue, job=job.name, job_state=job.state, reason=reason)
    if job.ok:
        for token in row_tokens:
            store.mark_printed(token)


def finish_unfinished(store: Store, wait_seconds: float = RESTART_WAIT,
                      handed_over: Callable[[str, list[Any]], None] | None = None) -> int:
    """At start: fill in the prints a stopped station was sending or following; returns how many.

    ``handed_over(clinic, rows)`` hears of each job that did print (the station files those packets in the chart).
    """
    entries = store.prints_in_flight()
    jobs: dict[str, list[Any]] = {}
    for entry in entries:
        if entry["job_state"] == "sending" or not entry["job"]:
            store.update_audit([entry["id"]], job_state="unknown", reason=STOPPED_WHILE_SENDING)
        else:
            jobs.setdefault(entry["job"], []).append(entry)
    for name, same_job in jobs.items():
        queue, _, number = name.rpartition("-")
        try:
            job = facade.follow_job(queue, int(number), wait_seconds)
        except (PacketsError, ValueError) as exc:
            store.update_audit([e["id"] for e in same_job], job_state="unknown",
                               reason=f"The station stopped while following job {name}, and CUPS cannot say now "
                                      f"what became of it ({exc}). Check the printer.")
            continue
        line = facade.describe_job(job)
        tokens = [e["row_token"] for e in same_job if e["row_token"]]
        _finish(store, [e["id"] for e in same_job], tokens, job, None if job.ok else line)
        if job.ok and handed_over is not None:
            handed_over(same_job[0]["clinic"], [row for row in map(store.row, tokens) if row is not None])
    return len(entries)
