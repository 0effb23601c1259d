"""Read a day's schedule (CSV, as a scheduling system or spreadsheet exports it).

The whole file is checked before anything is rendered: an empty schedule or a
missing required column stops the run with a message naming the file. Each row is
then turned into a ``Visit`` on its own, so a bad cell costs only its own row; the
error names the row (as a spreadsheet numbers it: the header is row 1) and the
column, and never echoes a name, date of birth or record number.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from packets.config.loading import LoadedClinic
from packets.errors import PacketsError
from packets.visits.model import (
    InputError, Visit, VisitError, initials, language_code, parse_date, parse_datetime, parse_session, parse_time,
    treatment_kind,
)

REQUIRED = ("patient_name", "time", "treatment")
OPTIONAL = (
    "date", "date_of_birth", "mrn", "session_number", "series_length", "escort_name",
    "next_appointment", "provider", "language", "large_print",
)
# Cells that hold patient data: their values never appear in a message.
PRIVATE = frozenset({"patient_name", "date_of_birth", "mrn", "escort_name", "provider"})
MAX_BYTES = 5_000_000
_YES = {"yes", "y", "true", "1", "x"}
_NO = {"no", "n", "false", "0", ""}


class ScheduleError(PacketsError):
    """The schedule as a whole cannot be used; nothing is rendered."""


class RowError(PacketsError):
    """One cell of one row is not usable."""

    def __init__(self, column: str, message: str):
        self.column = column
        super().__init__(f"column {column}: {message}")


@dataclass
class Row:
    """One schedule row: its spreadsheet number, and either a visit or an error."""

    number: int
    initials: str
    time_text: str  # HH:MM when the time parsed, else ""
    visit: Visit | None = None
    error: RowError | None = None


@dataclass
class Schedule:
    path: Path
    rows: list[Row]
    day: date  # the run's date: names the output folder
    warnings: list[str] = field(default_factory=list)


def normalize_header(name: str) -> str:
    """``Patient Name``, ``patient-name`` and ``PATIENT_NAME`` are the same column."""
    return re.sub(r"[\s_\-]+", "_", name.strip().lower()).strip("_")


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScheduleError(f"{path}: cannot read the schedule ({exc.strerror}).") from None
    if len(data) > MAX_BYTES:
        raise ScheduleError(f"{path}: the schedule is over {MAX_BYTES // 1_000_000} MB. Split it by day.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ScheduleError(
            f"{path}:{line}: the schedule is not UTF-8. Save it as 'CSV UTF-8' from your spreadsheet."
        ) from None


def read_schedule(path: Path, loaded: LoadedClinic, run_date: date | None, today: date | None = None) -> Schedule:
    """Check the file and parse every row; raises ``ScheduleError`` only for the whole file."""
    reader = csv.reader(io.StringIO(_read_text(path), newline=""))
    try:
        records = list(reader)
    except csv.Error as exc:
        raise ScheduleError(f"{path}:{reader.line_num}: the file is not valid CSV ({exc}).") from None
    records = [r for r in records if any(cell.strip() for cell in r)]
    if not records:
        raise ScheduleError(f"{path}: the schedule is empty. Export it with a header row and one row per patient.")
    header = [normalize_header(h) for h in records[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        found = ", ".join(h for h in header if h) or "none"
        raise ScheduleError(
            f"{path}: missing required column(s): {', '.join(missing)}. Found: {found}. "
            f"The header row needs {', '.join(REQUIRED)}."
        )
    if len(records) == 1:
        raise ScheduleError(f"{path}: the schedule has a header but no patients.")
    warnings = []
    unknown = [records[0][i].strip() for i, h in enumerate(header) if h and h not in REQUIRED + OPTIONAL]
    if unknown:
        warnings.append(f"{path}: ignoring column(s) not used by packets: {', '.join(unknown)}")
    duplicated = [h for h, n in Counter(header).items() if h and n > 1]
    if duplicated:
        raise ScheduleError(f"{path}: column(s) appear twice: {', '.join(duplicated)}. Keep one of each.")

    today = today or date.today()
    cells = [dict(zip(header, (c.strip() for c in record))) for record in records[1:]]
    day = run_date or _most_common_date(cells) or today
    rows = [_parse_row(index + 2, values, loaded, day) for index, values in enumerate(cells)]
    warnings.extend(_duplicates(rows))
    warnings.extend(
        f"row {r.number} ({r.initials}): date {r.visit.when.date().isoformat()} is not the run's date {day.isoformat()}"
        for r in rows if r.visit and r.visit.when.date() != day
    )
    return Schedule(path, rows, day, warnings)


def _most_common_date(cells: list[dict[str, str]]) -> date | None:
    days = Counter()
    for values in cells:
        try:
            if values.get("date"):
                days[parse_date(values["date"])] += 1
        except InputError:
            continue
    return days.most_common(1)[0][0] if days else None


def _duplicates(rows: list[Row]) -> list[str]:
    seen: dict[tuple, int] = {}
    out = []
    for row in rows:
        if row.visit is None:
            continue
        key = (" ".join(row.visit.name.casefold().split()), row.visit.when)
        if key in seen:
            out.append(f"row {row.number} ({row.initials}) has the same name and time as row {seen[key]}: check for a double booking")
        else:
            seen[key] = row.number
    return out


def _cell(values: dict[str, str], column: str, parse: Callable[[str], object], example: str) -> object:
    """Parse one cell; the error names the column and, for private columns, hides the value."""
    text = values.get(column, "")
    if not text:
        return None
    try:
        return parse(text)
    except InputError as exc:
        if column in PRIVATE:
            raise RowError(column, f"not understood. Use the form {example}.") from None
        raise RowError(column, str(exc)) from None


def _parse_row(number: int, values: dict[str, str], loaded: LoadedClinic, day: date) -> Row:
    name = values.get("patient_name", "")
    row = Row(number, initials(name), "")
    try:
        row.visit = _visit(values, loaded, day)
        row.time_text = row.visit.when.strftime("%H:%M")
    except RowError as exc:
        row.error = exc
        if clock := _quiet(parse_time, values.get("time", "")):
            row.time_text = clock.strftime("%H:%M")
    return row


def _quiet(parse: Callable[[str], object], text: str):
    try:
        return parse(text) if text else None
    except InputError:
        return None


def _visit(values: dict[str, str], loaded: LoadedClinic, day: date) -> Visit:
    """Parse the row's cells; ``Visit`` itself checks every rule about them."""
    name = values.get("patient_name", "")
    if not name:  # the name's error comes first, before any other cell's
        raise RowError("patient_name", "empty. Type the patient's name.")
    clock = _cell(values, "time", parse_time, "14:30 or 2:30 PM")
    if clock is None:
        raise RowError("time", "empty. Type the appointment time, like 14:30 or 2:30 PM.")
    try:
        treatment = treatment_kind(values.get("treatment", ""), loaded)
        language = language_code(values.get("language", ""))
    except VisitError as exc:
        raise RowError(exc.field, exc.message) from None
    when = datetime.combine(_cell(values, "date", parse_date, "2026-11-21") or day, clock)
    dob = _cell(values, "date_of_birth", parse_date, "1980-05-01 or 05/01/1980")
    session, total = _cell(values, "session_number", parse_session, "3 or 3/6") or (None, None)
    series = _cell(values, "series_length", _positive, "6")
    if series is not None:
        if total is not None and total != series:
            raise RowError("series_length", f"{series} does not match session_number {session}/{total}.")
        total = series
    next_visit = _cell(values, "next_appointment", parse_datetime, "2026-11-24 10:00")
    large = values.get("large_print", "").lower()
    if large not in _YES | _NO:
        raise RowError("large_print", f"{values['large_print']!r} is not yes or no. Use yes/no, true/false or 1/0.")
    try:
        return Visit(
            name=name, treatment=treatment, when=when, date_of_birth=dob, mrn=values.get("mrn") or None,
            session=session, series_length=total, escort=values.get("escort_name") or None,
            next_visit=next_visit, provider=values.get("provider") or None, language=language,
            large_print=large in _YES,
        )
    except VisitError as exc:
        raise RowError(exc.field, exc.message) from None


def _positive(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 99:
        raise InputError(f"{text!r} is not a number from 1 to 99.")
    return int(text)
