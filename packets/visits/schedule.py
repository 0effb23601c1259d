"""Read a day's schedule (CSV, as a scheduling system or spreadsheet exports it).

Two layers. ``read_records`` turns the file's bytes into numbered CSV records and
knows nothing about columns: it streams the file (a regular file of at most 5 MB,
at most 5,000 rows), and a quote that opens a cell and never closes, or swallows the
rows after it, fails only the row where it opened; reading resumes on the next line.
``read_schedule`` sits on top: it checks the header (an empty schedule or a missing
required column stops the run with a message naming the file), then turns each row
into a ``Visit`` on its own, so a bad cell or a row with the wrong number of cells
costs only its own row. Errors name the row (as a spreadsheet numbers it: the header
is row 1) and the column, and never echo a name, date of birth or record number.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from collections import Counter
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Callable, Iterator

from packets.config.loading import LoadedClinic
from packets.content.shared import available_languages
from packets.errors import PacketsError
from packets.assets.fonts import undrawable_problem
from packets.textsafety import excerpt, unsafe_problem
from packets.visits.model import InputError, Visit, initials, parse_date, parse_datetime, parse_session, parse_time

REQUIRED = ("patient_name", "time", "treatment")
OPTIONAL = (
    "date", "date_of_birth", "mrn", "session_number", "series_length", "escort_name",
    "next_appointment", "provider", "language", "large_print",
)
# Cells that hold patient data: their values never appear in a message.
PRIVATE = frozenset({"patient_name", "date_of_birth", "mrn", "escort_name", "provider"})
# Every column whose text reaches paper or a message: no control or text-direction characters.
PRINTED = REQUIRED + OPTIONAL
MAX_BYTES = 5_000_000
MAX_ROWS = 5_000  # a very busy clinic day is a few hundred; more is a wrong export
MAX_CELL = 500  # characters; no schedule value is longer, and errors stay short
MAX_SPAN = 10  # lines a quoted cell may span before it counts as never closed
MAX_ROW_CHARS = 20_000
_YES = {"yes", "y", "true", "1", "x"}
_NO = {"no", "n", "false", "0", ""}


class ScheduleError(PacketsError):
    """The schedule as a whole cannot be used; nothing is rendered."""


class RowError(PacketsError):
    """One cell of one row (or, with no column, the row's CSV structure) is not usable."""

    def __init__(self, column: str | None, message: str):
        self.column = column
        super().__init__(f"column {column}: {message}" if column else message)


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


@dataclass(frozen=True)
class Record:
    """One CSV record: its row number, first line, and cells or why it cannot be used."""

    number: int  # row as a spreadsheet numbers it (a multi-line cell is still one row)
    line: int  # the physical line where the row starts
    cells: list[str]  # best effort when ``problem`` is set (for initials and time)
    problem: str | None = None


def _physical_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Numbered lines (line endings kept), decoded; the size is checked before reading."""
    try:  # non-blocking: opening a pipe must not wait for a writer before it is refused
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise ScheduleError(f"{path}: cannot read the schedule ({exc.strerror}).") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise ScheduleError(f"{path}: not a regular file (a device, folder or pipe). Give the CSV file your schedule exported.")
    with os.fdopen(fd, "rb") as handle:
        if info.st_size > MAX_BYTES:
            raise ScheduleError(f"{path}: the schedule is over {MAX_BYTES // 1_000_000} MB. Split it by day.")
        number, total = 0, 0
        for raw in handle:  # binary lines end at \n; a lone \r is split below
            total += len(raw)
            if total > MAX_BYTES:  # the file grew while it was read
                raise ScheduleError(f"{path}: the schedule is over {MAX_BYTES // 1_000_000} MB. Split it by day.")
            if number == 0:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise ScheduleError(
                    f"{path}:{number + 1}: the schedule is not UTF-8. Save it as 'CSV UTF-8' from your spreadsheet."
                ) from None
            for line in re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text):
                number += 1
                yield number, line


def _ends_inside_quotes(text: str) -> bool:
    """True if ``text`` ends inside a quoted cell, read the way the csv module reads it."""
    if '"' not in text:
        return False
    inside, at_start, i = False, True, 0
    while i < len(text):
        char = text[i]
        if inside:
            if char == '"':
                if text[i + 1:i + 2] == '"':
                    i += 1  # "" is a quote inside the cell
                else:
                    inside = False
        elif char == '"' and at_start:
            inside = True
        at_start = not inside and char in ",\r\n"
        i += 1
    return inside


def _cells(text: str) -> list[str]:
    """Best-effort cells of one line, for a row that is reported as broken (initials, time)."""
    return [cell.strip().strip('"') for cell in text.rstrip("\r\n").split(",")]


def _swallowed_rows(lines: list[str], width: int) -> bool:
    """A line inside a quoted cell that has a whole row's cells is a row the quote swallowed."""
    return width > 1 and any(len(_cells(line)) >= width for line in lines)


UNCLOSED_QUOTE = ('a quote (") opens a cell in this row and is not closed on the same line, so the cell would run '
                  'into the rows below. Remove the stray quote, or close it; a quote inside a value is written "".')
BAD_QUOTE = ('a quote (") in this row is not where CSV allows one. Put the whole cell in quotes and write a quote '
             'inside it as "".')


def _parse_record(text: str, first_line: str) -> tuple[list[str], str | None]:
    """Cells of one record, or best-effort cells of its first line and what is wrong."""
    if len(text) > MAX_ROW_CHARS:
        return _cells(first_line[:MAX_ROW_CHARS]), f"this row is {len(text):,} characters long; a schedule row is at most {MAX_ROW_CHARS:,}."
    if "\x00" in text:  # the csv module stops at NUL; say what it is
        return _cells(first_line.replace("\x00", "")), (f"this row holds a NUL byte (U+0000) at character {text.index(chr(0)) + 1}; "
                                                         "the file may not be a CSV export. Export the schedule again.")
    try:
        parsed = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        return _cells(first_line), UNCLOSED_QUOTE if "end of data" in str(exc) else BAD_QUOTE
    return (parsed[0] if parsed else []), None


def read_records(path: Path) -> Iterator[Record]:
    """Every CSV record of the file, numbered as a spreadsheet numbers rows.

    Raises ``ScheduleError`` only for the file as a whole (unreadable, too big, not
    UTF-8, over ``MAX_ROWS`` rows); a broken row is yielded with its ``problem``.
    The first record with any text is the header: a multi-line cell is accepted only
    when its record has the header's number of cells and swallows no row.
    """
    lines = _physical_lines(path)
    retry: deque[tuple[int, str]] = deque()
    number, width, rows = 0, 0, 0
    while (first := retry.popleft() if retry else next(lines, None)) is not None:
        number += 1
        pending = [first]
        text = first[1]
        while _ends_inside_quotes(text) and len(pending) < MAX_SPAN and len(text) <= MAX_ROW_CHARS:
            if (more := retry.popleft() if retry else next(lines, None)) is None:
                break
            pending.append(more)
            text += more[1]
        if len(pending) > 1 and (len(text) > MAX_ROW_CHARS or _ends_inside_quotes(text)):
            cells, problem = _cells(first[1][:MAX_ROW_CHARS]), UNCLOSED_QUOTE
        else:
            cells, problem = _parse_record(text, first[1])
        if len(pending) > 1 and (problem or len(cells) != width or _swallowed_rows([t for _, t in pending[1:]], width)):
            cells, problem = _cells(first[1][:MAX_ROW_CHARS]), UNCLOSED_QUOTE  # reported where the quote opened
        if problem is not None and len(pending) > 1:
            retry.extendleft(reversed(pending[1:]))  # the lines after the opening one are rows of their own
        if any(cell.strip() for cell in cells) or problem:
            if width == 0:
                width = len(cells)
            else:
                rows += 1
                if rows > MAX_ROWS:
                    raise ScheduleError(f"{path}: the schedule has more than {MAX_ROWS:,} rows. Split it by day "
                                        "(a packet run is one day of one clinic).")
        yield Record(number, first[0], cells, problem)


def read_schedule(path: Path, loaded: LoadedClinic, run_date: date | None, today: date | None = None) -> Schedule:
    """Check the file and parse every row; raises ``ScheduleError`` only for the whole file."""
    records = [r for r in read_records(path) if r.problem or any(cell.strip() for cell in r.cells)]
    if not records:
        raise ScheduleError(f"{path}: the schedule is empty. Export it with a header row and one row per patient.")
    if records[0].problem:
        raise ScheduleError(f"{path}:{records[0].line}: the header row is not valid CSV: {records[0].problem}")
    header = [normalize_header(h) for h in records[0].cells]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        found = excerpt(", ".join(h for h in header if h) or "none", 200, quote=False)
        raise ScheduleError(
            f"{path}: missing required column(s): {', '.join(missing)}. Found: {found}. "
            f"The header row needs {', '.join(REQUIRED)}."
        )
    if len(records) == 1:
        raise ScheduleError(f"{path}: the schedule has a header but no patients.")
    warnings = []
    unknown = [records[0].cells[i].strip() for i, h in enumerate(header) if h and h not in REQUIRED + OPTIONAL]
    if unknown:
        warnings.append(f"{path}: ignoring column(s) not used by packets: {excerpt(', '.join(unknown), 200, quote=False)}")
    duplicated = [h for h, n in Counter(header).items() if h and n > 1]
    if duplicated:
        raise ScheduleError(f"{path}: column(s) appear twice: {excerpt(', '.join(duplicated), 200, quote=False)}. Keep one of each.")

    today = today or date.today()
    cells = [dict(zip(header, (c.strip() for c in record.cells))) for record in records[1:]]
    day = run_date or _most_common_date(cells) or today
    rows = [_parse_row(record.number, values, loaded, day, _structure_problem(record, header))
            for record, values in zip(records[1:], cells)]
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


def _structure_problem(record: Record, header: list[str]) -> RowError | None:
    """The row's CSV structure: its quotes, its number of cells, the length of each cell."""
    if record.problem:
        return RowError(None, record.problem)
    extra = record.cells[len(header):]
    if len(record.cells) < len(header) or any(cell.strip() for cell in extra):
        return RowError(None, f"this row has {len(record.cells)} cells but the header has {len(header)}, so values would land in "
                              "the wrong columns. A comma inside a value needs the whole cell in quotes.")
    for column, cell in zip(header, record.cells):
        if len(cell) > MAX_CELL:
            return RowError(column or "(no name)", f"is {len(cell):,} characters long; a schedule value is at most {MAX_CELL}.")
    return None


def _parse_row(number: int, values: dict[str, str], loaded: LoadedClinic, day: date,
               structure: RowError | None = None) -> Row:
    name = values.get("patient_name", "")[:MAX_CELL]
    row = Row(number, initials(name), "")
    try:
        if structure is not None:
            raise structure
        row.visit = _visit(values, loaded, day)
        row.time_text = row.visit.when.strftime("%H:%M")
    except RowError as exc:
        row.error = exc
        if clock := _quiet(parse_time, values.get("time", "")[:20]):
            row.time_text = clock.strftime("%H:%M")
    return row


def _quiet(parse: Callable[[str], object], text: str):
    try:
        return parse(text) if text else None
    except InputError:
        return None


def _visit(values: dict[str, str], loaded: LoadedClinic, day: date) -> Visit:
    name = values.get("patient_name", "")
    if not name:
        raise RowError("patient_name", "empty. Type the patient's name.")
    if len(name) > 120:
        raise RowError("patient_name", "longer than 120 characters. Shorten it.")
    for column in PRINTED:
        if problem := unsafe_problem(values.get(column)):
            raise RowError(column, problem)
    for column in ("patient_name", "escort_name", "provider", "mrn"):
        if problem := undrawable_problem(values.get(column)):
            raise RowError(column, problem)
    clock = _cell(values, "time", parse_time, "14:30 or 2:30 PM")
    if clock is None:
        raise RowError("time", "empty. Type the appointment time, like 14:30 or 2:30 PM.")
    treatment = _treatment(values.get("treatment", ""), loaded)
    when = datetime.combine(_cell(values, "date", parse_date, "2026-11-21") or day, clock)
    dob = _cell(values, "date_of_birth", parse_date, "1980-05-01 or 05/01/1980")
    if dob and dob >= when.date():
        raise RowError("date_of_birth", "is not before the treatment date. Check the year.")
    session, total = _cell(values, "session_number", parse_session, "3 or 3/6") or (None, None)
    series = _cell(values, "series_length", _positive, "6")
    if series is not None:
        if total is not None and total != series:
            raise RowError("series_length", f"{series} does not match session_number {session}/{total}.")
        if session is not None and session > series:
            raise RowError("series_length", f"{series} is less than session_number {session}.")
        total = series
    next_visit = _cell(values, "next_appointment", parse_datetime, "2026-11-24 10:00")
    if next_visit and next_visit <= when:
        raise RowError("next_appointment", "is not after this treatment. Check the date.")
    language = values.get("language", "").lower() or None
    if language and language not in available_languages():
        raise RowError("language", f"{excerpt(language)} has no shared content. Available: {', '.join(available_languages())}.")
    large = values.get("large_print", "").lower()
    if large not in _YES | _NO:
        raise RowError("large_print", f"{excerpt(values['large_print'])} is not yes or no. Use yes/no, true/false or 1/0.")
    try:
        return Visit(
            name=name, treatment=treatment, when=when, date_of_birth=dob, mrn=values.get("mrn") or None,
            session=session, series_length=total, escort=values.get("escort_name") or None,
            next_visit=next_visit, provider=values.get("provider") or None, language=language,
            large_print=large in _YES,
        )
    except InputError as exc:  # only the name is checked there
        raise RowError("patient_name", str(exc).removeprefix("patient name is ")) from None


def _positive(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 99:
        raise InputError(f"{excerpt(text)} is not a number from 1 to 99.")
    return int(text)


def _treatment(text: str, loaded: LoadedClinic) -> str:
    offered = list(loaded.clinic.treatments)
    if not text:
        raise RowError("treatment", f"empty. Use one of: {', '.join(offered)}.")
    kind = re.sub(r"[\s_]+", "-", text.strip().lower())
    if kind in offered:
        return kind
    for key, proto in loaded.clinic.treatments.items():  # a clinic's own label also works
        if proto.label and proto.label.strip().lower() == text.strip().lower():
            return key
    raise RowError("treatment", f"{excerpt(text)} is not offered by {loaded.clinic.id}. Use one of: {', '.join(offered)}.")
