"""A day's folder: packet names, the manifest of every run, and the error log.

Nothing here holds a patient's name: packets are named by time, row and initials, and
the manifest records rows by number.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from packets import __version__
from packets.chart.outbox import ChartSummary
from packets.config.loading import LoadedClinic
from packets.content.shared import content_version
from packets.visits.model import Visit
from packets.visits.schedule import Row, Schedule

PRINT_RUN = "print-run.pdf"


MANIFEST = "manifest.json"


# Exactly the names ``packet_name`` writes: initials are one to three letters ("Z" -> "-Z.pdf").
PACKET_NAME = re.compile(r"^\d{4}-(?:add\d+-)?row\d+-[A-Z]{1,3}\.pdf$")


@dataclass
class RowResult:
    """One schedule row's outcome, as it goes into manifest.json (no names)."""

    row: int
    time: str
    initials: str
    status: str  # "written" or "failed"
    file: str | None = None
    pages: int | None = None
    sha256: str | None = None
    error: str | None = None
    chart: str | None = None  # the packet's chart record id (``packets.chart``), when one was written


@dataclass
class BatchResult:
    folder: Path
    rows: list[RowResult]
    print_run: Path | None
    manifest: Path | None  # None: no row could be printed, so nothing was written for the day
    removed: int = 0  # packets of earlier runs removed because --replace was given
    blank_pages: int = 0
    kept: int = 0  # packets of earlier runs of this day left in place
    run: int = 1  # this run's number in the day's manifest
    print_run_error: str | None = None  # the packets are written but could not be joined
    chart: ChartSummary | None = None  # what went to the chart outbox (None: no outbox)

    @property
    def written(self) -> int:
        return sum(r.status == "written" for r in self.rows)

    @property
    def failed(self) -> int:
        return sum(r.status == "failed" for r in self.rows)


def packet_name(row: Row, add_on: int = 0) -> str:
    """``0930-row07-JD.pdf``: sorts by time, names the schedule row, no full name.

    Packets from the day's ``add_on``-th extra schedule file get ``-addK`` after the
    time, so row 2 of an add-on list never overwrites row 2 of the day's schedule.
    """
    assert row.visit is not None
    tag = f"-add{add_on}" if add_on else ""
    return f"{row.visit.when:%H%M}{tag}-row{row.number:02d}-{row.initials}.pdf"


def visit_of(row: Row) -> Visit:
    """A good row's visit (only rows with a visit are rendered)."""
    assert row.visit is not None, f"row {row.number} has no visit and is not rendered"
    return row.visit


def base_cache(folder: Path) -> Path:
    """Where a clinic's fast-path bases are kept between runs: beside its day folders (no patient data)."""
    return folder.parent / ".bases"


ERROR_LOG = "errors.log"


def log_trace(folder: Path, row: int, trace: str) -> Path:
    """Append an unexpected error's traceback (patient values already scrubbed) to the day's log."""
    log = folder / ERROR_LOG
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(f"--- row {row}, {datetime.now().isoformat(timespec='seconds')}, packets {__version__}\n{trace}\n")
    return log


@dataclass
class DayRecord:
    """What earlier runs of this day left in manifest.json: their runs and packets."""

    runs: list[dict]
    packets: dict[str, dict]  # file name -> its row record (with the run and schedule)

    @classmethod
    def read(cls, folder: Path) -> DayRecord:
        try:
            data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls([], {})  # no earlier run (or an unreadable record): packets on disk still stay
        runs = data.get("runs")
        if not isinstance(runs, list):  # a manifest from before runs were recorded
            runs = [{"run": 1, "started": data.get("created"), "schedule": data.get("schedule"), "add_on": 0,
                     "rows": len(data.get("rows", [])), "written": data.get("written"), "failed": data.get("failed")}]
        packets = data.get("packets")
        if not isinstance(packets, list):
            packets = [dict(r, schedule=data.get("schedule"), run=1) for r in data.get("rows", []) if r.get("status") == "written"]
        return cls(runs, {p["file"]: p for p in packets if isinstance(p, dict) and p.get("file")})

    def add_on_number(self, schedule_name: str) -> int:
        """0 for the day's first schedule file (and its reruns), 1, 2... for each other file."""
        names: list[str | None] = []
        for run in self.runs:
            if run.get("schedule") not in names:
                names.append(run.get("schedule"))
        return names.index(schedule_name) if schedule_name in names else len(names)


def manifest_json(loaded: LoadedClinic, schedule: Schedule, result: BatchResult, day: DayRecord, run: dict,
              earlier: list[str]) -> str:
    """This run's rows, every run of the day, and every packet now in the folder."""
    packets = [day.packets.get(name, {"file": name}) for name in earlier]
    packets += [dict(asdict(r), schedule=schedule.path.name, run=result.run) for r in result.rows if r.status == "written"]
    data = {
        "tool": "packets",
        "tool_version": __version__,
        "content_version": content_version(),
        "clinic": loaded.clinic.id,
        "date": schedule.day.isoformat(),
        "schedule": schedule.path.name,
        "created": run["started"],
        "written": result.written,
        "failed": result.failed,
        "skipped": dict(sorted(schedule.skipped.items())),  # cancelled, other-day, other-location, ...
        "print_run": {"file": PRINT_RUN, "blank_pages": result.blank_pages, "holds": run["print_run"]} if result.print_run else None,
        **({"print_run_error": result.print_run_error} if result.print_run_error else {}),
        "rows": [asdict(r) for r in result.rows],
        "runs": [*day.runs, run],
        "packets": sorted(packets, key=lambda p: p["file"]),
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
