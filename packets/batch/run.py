"""Print a whole day: every row of a schedule to its own packet, plus one print run.

Workers (processes) only render; the parent alone writes files, each to a temporary
name renamed into place, so a killed worker or a Ctrl-C never leaves half a PDF. A
row that fails costs only itself. Output lives in ``<out>/<clinic-id>/<date>/``:

- ``HHMM-rowNN-XX.pdf``: one packet per patient (time, schedule row, initials); packets
  from an add-on schedule (a second file for the same day) are ``HHMM-addK-rowNN-XX.pdf``;
- ``print-run.pdf``: this run's packets in appointment order, each starting on a new
  sheet (``whole_day``: every packet of the day);
- ``manifest.json``: every run of the day (time, schedule file name, rows), what each
  wrote and what failed, by row, with no names.

A later run for the same day adds to it: earlier packets stay. Running the same
schedule file again rewrites its own packets. Packets of patients no longer on the
schedule are removed only with ``replace``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import closing
from datetime import datetime
from pathlib import Path

from packets.batch.day import (
    MANIFEST,
    PACKET_NAME,
    PRINT_RUN,
    BatchResult,
    DayRecord,
    RowResult,
    base_cache,
    log_trace,
    manifest_json,
    packet_name,
    visit_of,
)
from packets.batch.pool import render_all
from packets.batch.print_run import BaseLookup, Spool, write_print_run
from packets.batch.stopping import stop_on_signals
from packets.batch.worker import unexpected
from packets.chart.outbox import Outbox
from packets.config.loading import LoadedClinic
from packets.errors import PacketsError
from packets.files import check_output_folder, make_missing_dirs, remove_stale_temps, write_atomic
from packets.render.base import Base
from packets.visits.schedule import Schedule


def run_batch(loaded: LoadedClinic, schedule: Schedule, out_root: Path, jobs: int,
              on_row: Callable[[RowResult], None] = lambda r: None, *, replace: bool = False,
              whole_day: bool = False, bases: Path | None = None, chart: Path | None = None,
              hold_chart: bool = False) -> BatchResult:
    """Render every good row, write packets, the print run and the manifest.

    ``on_row`` hears about rows in schedule order. Earlier runs' packets for the day
    stay unless ``replace``; ``whole_day`` puts every packet of the day in the print run.
    ``bases``: the folder of group bases kept on disk (default ``OUT/<clinic>/.bases``;
    the station shares one with its walk-in renderers). SIGTERM and SIGHUP stop the run
    like Ctrl-C (``Stopped``). ``chart``: the chart outbox folder (``packets.chart``), else none;
    ``hold_chart``: the records wait there, unsent, until the packet is handed over (the station).
    """
    with stop_on_signals():
        return _run_batch(loaded, schedule, out_root, jobs, on_row, replace, whole_day, bases, chart, hold_chart)


def _run_batch(loaded: LoadedClinic, schedule: Schedule, out_root: Path, jobs: int,
               on_row: Callable[[RowResult], None], replace: bool, whole_day: bool, bases_folder: Path | None,
               chart: Path | None, hold_chart: bool) -> BatchResult:
    folder = out_root / loaded.clinic.id / schedule.day.isoformat()
    for path in (out_root, folder.parent, folder):  # a linked folder could send patient files anywhere
        check_output_folder(path)
    if not any(row.visit is not None for row in schedule.rows):
        # Nothing to print: touch nothing, so a failed first try leaves no day folder and
        # the corrected run is the day's first, not an add-on.
        failed = [RowResult(r.number, r.time_text, r.initials, "failed", error=str(r.error)) for r in schedule.rows]
        for result in failed:
            on_row(result)
        return BatchResult(folder, failed, None, None)
    folder = make_missing_dirs(folder)  # new folders are 0700; existing ones (the user's --out) keep their mode
    cache = bases_folder or base_cache(folder)
    remove_stale_temps(folder)
    day = DayRecord.read(folder)
    add_on = day.add_on_number(schedule.path.name)
    (folder / PRINT_RUN).unlink(missing_ok=True)  # never leave last run's print run beside this run's packets
    started = datetime.now().isoformat(timespec="seconds")

    outbox = Outbox(loaded, chart, hold=hold_chart) if chart is not None else None
    with closing(Spool(folder)) as spool:  # patient layers wait on disk, not in memory, for the print run
        results, layers, bases = _write_packets(loaded, schedule, folder, add_on, cache, jobs, on_row, spool, outbox)
        good = [r for r in schedule.rows if r.visit is not None and results[r.number].status == "written"]
        written = sorted(good, key=lambda r: (visit_of(r).when, r.number))
        keep = {packet_name(r, add_on) for r in written}
        removed = _remove_others(folder, keep) if replace else 0
        earlier = sorted(p.name for p in folder.iterdir() if PACKET_NAME.match(p.name) and p.name not in keep)
        parts = [(folder / packet_name(r, add_on), layers.get(r.number)) for r in written]
        if whole_day:
            parts = sorted(parts + [(folder / name, None) for name in earlier], key=lambda part: part[0].name)
        print_run, blanks, print_run_error = _print_run(folder, parts, BaseLookup(bases, loaded, cache), spool, loaded, schedule)
    if outbox is not None:
        outbox.send()
    rows = [results[n] for n in sorted(results)]
    batch = BatchResult(folder, rows, print_run, folder / MANIFEST, removed, blanks, kept=len(earlier),
                        run=len(day.runs) + 1, print_run_error=print_run_error, chart=outbox.summary if outbox else None)
    run = {"run": batch.run, "started": started, "schedule": schedule.path.name, "add_on": add_on, "rows": len(rows),
           "written": batch.written, "failed": batch.failed, "replace": replace, "removed": removed,
           "print_run": ("whole day" if whole_day else "this run") if print_run else None,
           **({"chart": outbox.summary.as_record()} if outbox else {})}
    write_atomic(folder / MANIFEST, manifest_json(loaded, schedule, batch, day, run, earlier).encode())
    return batch


Layer = tuple[tuple, tuple[int, int]]  # a packet's base key, and where its patient layer is in the spool


def _write_packets(loaded: LoadedClinic, schedule: Schedule, folder: Path, add_on: int, cache: Path, jobs: int,
                   on_row: Callable[[RowResult], None], spool: Spool,
                   outbox: Outbox | None = None) -> tuple[dict[int, RowResult], dict[int, Layer], dict[tuple, Base]]:
    """Every row's outcome (rows that could not be read fail here), each good row's packet written as it comes.

    Returns the results by row, each fast-path packet's layer for the print run, and the bases the run laid out.
    """
    results: dict[int, RowResult] = {}
    report = InOrder([r.number for r in schedule.rows], on_row)
    for row in schedule.rows:
        if row.error is not None:
            results[row.number] = RowResult(row.number, row.time_text, row.initials, "failed", error=str(row.error))
            report.done(results[row.number])
    good = {r.number: r for r in schedule.rows if r.visit is not None}
    bases: dict[tuple, Base] = {}
    layers: dict[int, Layer] = {}
    shapes: dict[tuple, tuple] = {}
    try:
        with closing(render_all(loaded, list(good.values()), cache, jobs, bases)) as outcomes:  # closing: stops workers on any exit
            for out in outcomes:
                row = good[out.row]
                if out.error is None:
                    assert out.pdf is not None, "a row without an error has its packet"
                    write_atomic(folder / packet_name(row, add_on), out.pdf)  # an OSError stops the run: every row would fail
                    record = outbox.file(visit_of(row), out.pdf) if outbox is not None else None
                    result = RowResult(out.row, row.time_text, row.initials, "written", packet_name(row, add_on), out.pages, out.sha256,
                                       chart=record)
                    if out.layers:  # one copy of each base key, however many rows share it
                        layers[out.row] = (shapes.setdefault(out.layers[0], out.layers[0]), spool.add(out.layers[1]))
                else:
                    error = out.error
                    if out.trace:
                        log = log_trace(folder, out.row, out.trace)
                        error += f"; details in {log}"
                    result = RowResult(out.row, row.time_text, row.initials, "failed", error=error)
                results[out.row] = result
                report.done(result)
    finally:
        remove_stale_temps(folder)  # a killed worker's unfinished file
    return results, layers, bases


def _remove_others(folder: Path, keep: set[str]) -> int:
    """With ``replace`` only: remove the day's packets of patients who are not on this schedule."""
    removed = 0
    for stale in sorted(folder.iterdir()):
        if PACKET_NAME.match(stale.name) and stale.name not in keep:
            stale.unlink()
            removed += 1
    return removed


def _print_run(folder: Path, parts: list[tuple[Path, Layer | None]], bases: BaseLookup, spool: Spool, loaded: LoadedClinic,
               schedule: Schedule) -> tuple[Path | None, int, str | None]:
    """Join the print run: its path, the blank pages added, or why it could not be joined (the packets stay)."""
    if not parts:
        return None, 0, None
    try:
        blanks = write_print_run(folder / PRINT_RUN, parts, bases, spool, loaded, schedule)
    except PacketsError as exc:
        return None, 0, str(exc)
    except OSError:
        raise
    except Exception as exc:  # the packets are written; say so rather than lose the manifest
        return None, 0, unexpected(exc, "joining the print run")
    return folder / PRINT_RUN, blanks, None


class InOrder:
    """Pass results on in schedule order, however the workers finish."""

    def __init__(self, order: list[int], on_row: Callable[[RowResult], None]):
        self.order, self.on_row, self.next = order, on_row, 0
        self.waiting: dict[int, RowResult] = {}

    def done(self, result: RowResult) -> None:
        self.waiting[result.row] = result
        while self.next < len(self.order) and self.order[self.next] in self.waiting:
            self.on_row(self.waiting.pop(self.order[self.next]))
            self.next += 1


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
