"""Read a day's schedule as the clinic's scheduling system exports it: CSV, FHIR R4 or HL7 v2.

The format is recognised from the content (``readers.sniff``) unless given. Each
reader turns the file into ``Records`` (our field name -> text); this module is the
one row builder for all of them, so every format gets the same checks. The whole
file is checked before anything is rendered: an empty schedule or a missing
required column stops the run with a message naming the file. Rows for other days,
other locations, and cancelled or no-show appointments are skipped and counted.
Each remaining row is turned into a ``Visit`` on its own, so a bad value costs only
its own row; the error names the row (a CSV row as a spreadsheet numbers it: the
header is row 1; a FHIR entry or HL7 message by its place in the file) and the
field, and never echoes a name, date of birth or record number.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from packets.config.loading import LoadedClinic
from packets.visits.model import InputError, Visit, VisitError, initials, language_code, parse_session, treatment_kind
from packets.visits.readers.columns import OPTIONAL, REQUIRED, csv_records
from packets.visits.readers.csvfile import MAX_CELL, CsvRecord, read_records, read_text
from packets.visits.readers.fhir import read_fhir
from packets.visits.readers.hl7v2 import read_hl7
from packets.visits.readers.keys import normalize_header, normalize_key
from packets.visits.readers.records import (
    CANCELLED,
    NOT_TREATMENT,
    OTHER_DAY,
    OTHER_LOCATION,
    SKIP,
    ReadSettings,
    Record,
    Records,
    RowError,
    ScheduleError,
)
from packets.visits.readers.sniff import FORMATS, sniff_delimiter, sniff_format
from packets.visits.when import ORDER_WORDS, DateProblem, date_order_votes, parse_clock, parse_day, parse_moment

__all__ = ["REQUIRED", "OPTIONAL", "Row", "RowError", "Schedule", "Skipped", "ScheduleError", "normalize_header", "read_schedule"]
# Cells that hold patient data: their values never appear in a message.
PRIVATE = frozenset({"patient_name", "family_name", "date_of_birth", "mrn", "escort_name", "provider", "patient_reference"})
_YES = {"yes", "y", "true", "1", "x"}
_NO = {"no", "n", "false", "0", ""}


@dataclass
class Row:
    """One schedule row: its spreadsheet number, and either a visit or an error."""

    number: int
    initials: str
    time_text: str  # HH:MM when the time parsed, else ""
    visit: Visit | None = None
    error: RowError | None = None
    name: str = ""  # the name as read, also when the row failed: the front desk finds the patient by it


@dataclass(frozen=True)
class Skipped:
    """An appointment of the day that gets no packet on purpose: cancelled, not a treatment, elsewhere."""

    number: int
    time_text: str
    name: str
    reason: str  # a key of SKIP_LABELS


@dataclass
class Schedule:
    path: Path
    rows: list[Row]
    day: date  # the run's date: names the output folder
    warnings: list[str] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)  # reason (cancelled, other-day, ...) -> rows
    format: str = "csv"
    passed_over: list[Skipped] = field(default_factory=list)  # this day's skipped appointments, one by one

    @property
    def unit(self) -> str:
        """What a row number counts in this format: a CSV row, a FHIR Bundle entry, an HL7 message."""
        return UNITS.get(self.format, "row")

    def skipped_summary(self) -> str:
        """``2 cancelled or no-show, 1 on another day`` (empty when nothing was skipped)."""
        return ", ".join(f"{self.skipped[k]} {label}" for k, label in SKIP_LABELS.items() if self.skipped[k])


UNITS = {"csv": "row", "fhir": "entry", "hl7": "message"}
SKIP_LABELS = {
    CANCELLED: "cancelled or no-show", OTHER_DAY: "on another day", OTHER_LOCATION: "at another location",
    NOT_TREATMENT: "not a treatment (schedule.treatments: skip)",
}


T = TypeVar("T")  # what a cell parses to

def read_schedule(path: Path, loaded: LoadedClinic, run_date: date | None, today: date | None = None,
                  format: str | None = None) -> Schedule:
    """Check the file and parse every row; raises ``ScheduleError`` only for the whole file.

    ``format`` is ``csv``, ``fhir`` or ``hl7``; by default it is recognised from the content.
    """
    text = read_text(path)
    settings = ReadSettings.from_clinic(loaded.clinic)
    kind = format or sniff_format(text)
    if kind not in FORMATS:
        raise ScheduleError(f"{path}: unknown schedule format {kind!r}. Use one of: {', '.join(FORMATS)}.")
    if kind == "fhir":
        records = read_fhir(path, text, settings)
    elif kind == "hl7":
        records = read_hl7(path, text, settings)
    else:
        records = _read_csv(path, text, settings)
    return build_schedule(path, records, loaded, settings, run_date, today or date.today())


def _read_csv(path: Path, text: str, settings: ReadSettings) -> Records:
    """Raw rows by position (never ``DictReader``: it hides a repeated column), then the column map.

    A row whose quotes or number of cells are broken becomes a failed row of its own;
    the rows around it are read as usual.
    """
    records = [r for r in read_records(path, text, sniff_delimiter(text)) if r.problem or any(c.strip() for c in r.cells)]
    if not records:
        raise ScheduleError(f"{path}: the schedule is empty. Export it with a header row and one row per patient.")
    if records[0].problem:
        raise ScheduleError(f"{path}:{records[0].line}: the header row is not valid CSV: {records[0].problem}")
    header, body = records[0].cells, records[1:]
    read = csv_records(path, header, [(r.number, r.cells, _structure_problem(r, header)) for r in body], settings)
    if not body:
        raise ScheduleError(f"{path}: the schedule has a header but no patients.")
    return read


def _structure_problem(record: CsvRecord, header: list[str]) -> RowError | None:
    """The row's CSV structure: its quotes, its number of cells, the length of each cell (named by its column)."""
    width = len(header)
    if record.problem:
        return RowError(None, record.problem)
    extra = record.cells[width:]
    if len(record.cells) < width or any(cell.strip() for cell in extra):
        return RowError(None, f"this row has {len(record.cells)} cells but the header has {width}, so values would land in "
                              "the wrong columns. A delimiter inside a value needs the whole cell in quotes.")
    for index, cell in enumerate(record.cells):
        if len(cell) > MAX_CELL:
            name = header[index].strip()[:40] if index < width and header[index].strip() else None
            column = f'column "{name}" (cell {index + 1})' if name else f"cell {index + 1} (a column with no name)"
            return RowError(None, f"{column} is {len(cell):,} characters long; a schedule value is at most {MAX_CELL}. "
                                  "Shorten it in the export, or leave that column out.")
    return None


def build_schedule(path: Path, records: Records, loaded: LoadedClinic, settings: ReadSettings,
                   run_date: date | None, today: date) -> Schedule:
    """The one row builder: skip what is not for this day and place, then each row to a visit or an error."""
    order, source = _date_order(path, records, settings)
    day = run_date or _most_common_date(records.items, order) or today
    skipped = Counter(records.skipped)
    kept: list[Record] = []
    passed_over: list[Skipped] = []
    for record in records.items:
        reason = _skip_reason(record, settings, order, day)  # a broken row for another day is not this day's problem
        if reason:
            skipped[reason] += 1
            if reason != OTHER_DAY:
                clock = _quiet(parse_clock, record.values.get("time", "")) or _quiet(
                    lambda t: parse_moment(t, order, settings.zone, source).time(), record.values.get("date_time", ""))
                passed_over.append(Skipped(record.number, clock.strftime("%H:%M") if clock else "",
                                           record.values.get("patient_name", ""), reason))
        else:
            kept.append(record)
    if not kept and not skipped:
        raise ScheduleError(f"{path}: the schedule has no appointments.")
    if settings.locations and not any("location" in r.values for r in records.items if not r.error):
        raise ScheduleError(f"{path}: schedule.locations is set, but this file gives no location for any appointment. "
                            "Map the export's location column under schedule.columns.location.")
    types = sorted({r.values.get("treatment", "") for r in kept if r.values.get("treatment")}, key=str.casefold)
    context = _Context(loaded, settings, order, source, day, types)
    rows = [_parse_row(record, context) for record in kept]
    warnings = list(records.warnings)
    if settings.date_order is None and order:  # a country with no default (Canada), proved by the file
        warnings.append(f"{path}: read dates as {order} because some dates only make sense that way; "
                        f"set schedule.date_order: {order} in clinic.yaml to be sure.")
    warnings.extend(_duplicates(rows, UNITS.get(records.kind, "row")))
    if not kept and skipped[OTHER_DAY]:
        warnings.append(f"{path}: no appointments on {day.isoformat()}; {skipped[OTHER_DAY]} are on other days. Check --date.")
    return Schedule(path, rows, day, warnings, skipped, records.kind, passed_over)


@dataclass(frozen=True)
class _Context:
    loaded: LoadedClinic
    settings: ReadSettings
    order: str | None
    source: str  # where the order came from, for messages about dates
    day: date
    types: list[str]  # appointment types seen in the file, for messages


def _date_order(path: Path, records: Records, settings: ReadSettings) -> tuple[str | None, str]:
    """The clinic's order, unless it is only its country's default and the file proves the other.

    A clinic that states its order (or uses a preset) is read that way, and a date that
    cannot exist in it fails its row. An order that comes only from the country is a
    guess: a file whose dates show the other order is refused whole, so the front desk
    never gets some rows read one way and ``render --date`` another.
    """
    if settings.date_order and not settings.date_source.startswith("country"):
        return settings.date_order, settings.date_source
    proved = _file_order(path, records)
    if settings.date_order is None:
        return proved, "the file's own dates"
    if proved and proved != settings.date_order:
        raise ScheduleError(
            f"{path}: some dates in this file only make sense {ORDER_WORDS[proved]}, but a clinic with "
            f"{settings.date_source} reads dates {ORDER_WORDS[settings.date_order]}. "
            f"Set schedule.date_order: {proved} in clinic.yaml if the export writes {ORDER_WORDS[proved]}.")
    return settings.date_order, settings.date_source


def _file_order(path: Path, records: Records) -> str | None:
    """The date order the file's own unambiguous dates prove, if any; both orders in one file is an error."""
    votes = date_order_votes(
        r.values.get(name, "") for r in records.items for name in records.dated_fields if r.values.get(name)
    )
    if len(votes) > 1:
        raise ScheduleError(f"{path}: some dates are month-first and some day-first. "
                            "Set schedule.date_order (MDY or DMY) in clinic.yaml and check the export.")
    return next(iter(votes), None)


def _record_day(values: dict[str, str], order: str | None, zone: ZoneInfo | None) -> date | None:
    """The appointment's date if it reads cleanly; errors are the row builder's to report."""
    try:
        if values.get("date_time"):
            return parse_moment(values["date_time"], order, zone).date()
        if values.get("date"):
            return parse_day(values["date"], order)
    except InputError:
        return None
    return None


def _skip_reason(record: Record, settings: ReadSettings, order: str | None, day: date) -> str | None:
    values = record.values
    if normalize_key(values.get("status", "")) in settings.cancelled:
        return CANCELLED
    when = _record_day(values, order, settings.zone)
    if when is not None and when != day:
        return OTHER_DAY
    if settings.locations and values.get("location") and normalize_key(values["location"]) not in settings.locations:
        return OTHER_LOCATION
    if settings.treatments.get(normalize_key(values.get("treatment", ""))) == SKIP:
        return NOT_TREATMENT
    return None


def _most_common_date(records: list[Record], order: str | None) -> date | None:
    days = Counter(d for r in records if (d := _record_day(r.values, order, None)) is not None)
    return days.most_common(1)[0][0] if days else None


def _duplicates(rows: list[Row], unit: str = "row") -> list[str]:
    seen: dict[tuple, int] = {}
    out = []
    for row in rows:
        if row.visit is None:
            continue
        key = (" ".join(row.visit.name.casefold().split()), row.visit.when)
        if key in seen:
            out.append(f"{unit} {row.number} ({row.initials}) has the same name and time as {unit} {seen[key]}: check for a double booking")
        else:
            seen[key] = row.number
    return out


def _cell(record: Record, column: str, parse: Callable[[str], T], example: str) -> T | None:
    """Parse one value; the error names the field and, for private fields, hides the value."""
    text = record.values.get(column, "")
    if not text:
        return None
    try:
        return parse(text)
    except InputError as exc:
        if column in PRIVATE:  # say why, never the value
            why = exc.bare if isinstance(exc, DateProblem) else f"not understood. Use the form {example}."
            raise RowError(column, why, record.sources.get(column)) from None
        raise RowError(column, str(exc), record.sources.get(column)) from None


def _parse_row(record: Record, context: _Context) -> Row:
    values = record.values
    row = Row(record.number, initials(values.get("patient_name", "")), "", name=values.get("patient_name", ""))
    if record.error is not None:
        row.error = record.error
        row.time_text = values.get("time", "")
        return row
    try:
        row.visit = _visit(record, context)
        row.time_text = row.visit.when.strftime("%H:%M")
    except RowError as exc:
        row.error = exc
        settings = context.settings
        if clock := _quiet(parse_clock, values.get("time", "")) or _quiet(
                lambda t: parse_moment(t, context.order, settings.zone, context.source).time(), values.get("date_time", "")):
            row.time_text = clock.strftime("%H:%M")
    return row


def _quiet(parse: Callable[[str], T], text: str) -> T | None:
    try:
        return parse(text) if text else None
    except InputError:
        return None


def _when(record: Record, context: _Context) -> datetime:
    """Date and time from one combined value or two; a missing time is an error, never a default."""
    order, zone, source = context.order, context.settings.zone, context.source
    if "date_time" in record.values:
        moment = _cell(record, "date_time", lambda t: parse_moment(t, order, zone, source), "11/21/2026 9:30 AM")
        if moment is None:
            raise RowError("date_time", "empty. The export needs each appointment's date and start time.", record.sources.get("date_time"))
        return moment
    clock = _cell(record, "time", parse_clock, "14:30 or 2:30 PM")
    if clock is None:
        raise RowError("time", "empty. Type the appointment time, like 14:30 or 2:30 PM.", record.sources.get("time"))
    return datetime.combine(_cell(record, "date", lambda t: parse_day(t, order, source), "2026-11-21") or context.day, clock)


def _visit(record: Record, context: _Context) -> Visit:
    """Parse the record's values; ``Visit`` itself checks every rule about them."""
    values, order, source = record.values, context.order, context.source
    where = record.sources.get
    name = values.get("patient_name", "")
    if not name:  # the name's error comes first, before any other cell's
        raise RowError("patient_name", "empty. Type the patient's name.", where("patient_name"))
    if context.settings.locations and not values.get("location"):
        raise RowError("location", "empty, and schedule.locations is set: packets cannot tell whether this "
                       "appointment is at one of your locations.", where("location"))
    when = _when(record, context)
    treatment = _treatment(record, context)
    dob = _cell(record, "date_of_birth", lambda t: parse_day(t, order, source), "1980-05-01")
    session, total = _cell(record, "session_number", parse_session, "3 or 3/6") or (None, None)
    series = _cell(record, "series_length", _positive, "6")
    if series is not None:
        if total is not None and total != series:
            raise RowError("series_length", f"{series} does not match session_number {session}/{total}.", where("series_length"))
        total = series
    next_visit = _cell(record, "next_appointment", lambda t: parse_moment(t, order, context.settings.zone, source), "2026-11-24 10:00")
    large = values.get("large_print", "").lower()
    if large not in _YES | _NO:
        raise RowError("large_print", f"{values['large_print']!r} is not yes or no. Use yes/no, true/false or 1/0.", where("large_print"))
    try:
        return Visit(
            name=name, treatment=treatment, when=when, date_of_birth=dob, mrn=values.get("mrn") or None,
            session=session, series_length=total, escort=values.get("escort_name") or None,
            next_visit=next_visit, provider=values.get("provider") or None, language=language_code(values.get("language", "")),
            large_print=large in _YES, family_name=values.get("family_name") or None,
            patient_reference=values.get("patient_reference") or None,
        )
    except VisitError as exc:
        raise RowError(exc.field, exc.message, where(exc.field)) from None


def _positive(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 99:
        raise InputError(f"{text!r} is not a number from 1 to 99.")
    return int(text)


def _treatment(record: Record, context: _Context) -> str:
    """The clinic's map of appointment types and codes first, then a kind or the clinic's own label."""
    text, loaded, source = record.values.get("treatment", ""), context.loaded, record.sources.get("treatment")
    offered = list(loaded.clinic.treatments)
    mapped = context.settings.treatments
    if not text:
        raise RowError("treatment", f"empty. Use one of: {', '.join(offered)}.", source)
    if (kind := mapped.get(normalize_key(text))) and kind != SKIP:
        return kind
    try:
        return treatment_kind(text, loaded)  # a kind, or the clinic's own label
    except VisitError:
        pass
    if mapped or record.sources.get("treatment"):
        unmapped = [t for t in context.types if not _resolves(t, context)]
        known = [*loaded.clinic.schedule.treatments, *offered]
        close = difflib.get_close_matches(text, known, n=1, cutoff=0.75) or difflib.get_close_matches(
            normalize_key(text), [normalize_key(k) for k in known], n=1, cutoff=0.75)
        hint = f"Did you mean {close[0]!r}? Otherwise add" if close else "Add"
        others = [t for t in unmapped if normalize_key(t) != normalize_key(text)]
        rest = f" Also without a treatment in this file: {', '.join(repr(t) for t in others)}." if others else ""
        raise RowError("treatment", f"appointment type {text!r} is not in schedule.treatments in clinic.yaml. "
                       f"{hint} it under schedule.treatments, as {_yaml_key(text)}: {offered[0]} (a treatment kind), "
                       f"or {_yaml_key(text)}: skip if it is not a ketamine treatment.{rest}", source)
    close = difflib.get_close_matches(normalize_key(text), offered, n=1, cutoff=0.75)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise RowError("treatment", f"{text!r} is not offered by {loaded.clinic.id}.{hint} Use one of: {', '.join(offered)}, or map "
                   f"the export's own name under schedule.treatments in clinic.yaml.", source)


def _resolves(text: str, context: _Context) -> bool:
    """An appointment type the clinic mapped (to a kind or skip), or a kind or label it offers."""
    if normalize_key(text) in context.settings.treatments:
        return True
    try:
        treatment_kind(text, context.loaded)
    except VisitError:
        return False
    return True


def _yaml_key(text: str) -> str:
    """The appointment type as a clinic.yaml key: quoted, so codes like 99214 stay text."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
