"""CSV header -> records: which column holds which of our fields.

Without ``schedule.columns`` or a preset, the header must use this project's column
names (``patient_name``, ``time``, ...). With them, each of our fields is read from
the clinic's export columns; a field a map does not name is still read from a
column of its own name. Columns are found by position in the raw rows, never via
``csv.DictReader``, which keeps only the last of two same-named columns: a name
that appears twice is an error when packets needs it, and ignored with a warning
when it does not.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from packets.textsafety import excerpt
from packets.visits.readers.keys import normalize_header
from packets.visits.readers.presets import matching_preset
from packets.visits.readers.records import ReadSettings, Record, Records, RowError, ScheduleError

REQUIRED = ("patient_name", "time", "treatment")
OPTIONAL = (
    "date", "date_of_birth", "mrn", "session_number", "series_length", "escort_name",
    "next_appointment", "provider", "language", "large_print",
)
FIELDS = REQUIRED + OPTIONAL + ("date_time", "status", "location")


def csv_records(path: Path, header_cells: list[str], body: list[tuple[int, list[str], RowError | None]],
                settings: ReadSettings) -> Records:
    """Map each body row (spreadsheet number, cells, structure problem) to our fields.

    Raises ``ScheduleError`` for the header. A row with a structure problem keeps its
    best-effort values (for initials and time in the report) and fails with the problem.
    """
    header = [normalize_header(h) for h in header_cells]
    positions: dict[str, list[int]] = defaultdict(list)
    for index, name in enumerate(header):
        if name:
            positions[name].append(index)

    plan: dict[str, list[int]] = {}
    missing: list[str] = []
    for name, columns in settings.columns.items():
        found = [positions.get(normalize_header(c), []) for c in columns]
        lost = [c for c, at in zip(columns, found) if not at]
        if lost:
            named_by = "schedule.columns" if name in settings.own_columns else f"preset {settings.preset}"
            missing.append(f"{name} -> {', '.join(repr(c) for c in lost)} ({named_by})")
            continue
        plan[name] = [at[0] for at in found]
        _refuse_repeats(path, name, columns, found, header_cells)
    timed = "date_time" in plan or "date_time" in settings.columns
    for name in FIELDS:  # a field no map names is read from its own column, if there is one
        if name in plan or name in settings.columns or (timed and name in ("date", "time")):
            continue
        if name in positions and not (name == "date_time" and {"date", "time"} & set(plan)):
            plan[name] = positions[name][:1]
            _refuse_repeats(path, name, (header_cells[positions[name][0]].strip(),), [positions[name]], header_cells)

    if missing:
        raise ScheduleError(
            f"{path}: the column map names column(s) this file does not have: {'; '.join(missing)}. "
            f"Found: {_found(header_cells)}.{_suggest(header_cells, settings)}"
        )
    needed = [n for n in ("patient_name", "time", "treatment") if n not in plan and not (n == "time" and "date_time" in plan)]
    if needed:
        raise ScheduleError(
            f"{path}: missing required column(s): {', '.join(needed)}. Found: {_found(header_cells)}. "
            f"The header row needs {', '.join(REQUIRED)} (or schedule.columns in clinic.yaml naming your export's columns)."
            + _suggest(header_cells, settings)
        )

    used = {i for at in plan.values() for i in at}
    records = Records("csv", [])
    unused = [header_cells[i].strip() for i, h in enumerate(header) if h and i not in used]
    if unused:
        records.warnings.append(f"{path}: ignoring column(s) not used by packets: "
                                f"{excerpt(', '.join(dict.fromkeys(unused)), 200, quote=False)}"
                                + _mapping_hint(unused, set(plan)))
    sources = {name: _where(settings, name, [header_cells[i].strip() for i in at]) for name, at in plan.items()}
    for number, cells, problem in body:
        values = {name: " ".join(filter(None, (_cell(cells, i) for i in at))) for name, at in plan.items()}
        if len(name_columns := plan.get("patient_name", [])) > 1:  # first and last name apart: the last is the family name
            values["family_name"] = _cell(cells, name_columns[-1])
        records.items.append(Record(number, values, sources, error=problem))
    return records


def _cell(cells: list[str], index: int) -> str:
    return cells[index].strip() if index < len(cells) else ""


def _where(settings: ReadSettings, name: str, columns: list[str]) -> str | None:
    """How a message names the value: our own column needs no more; a mapped one names the export's."""
    if len(columns) == 1 and normalize_header(columns[0]) == name:
        return None
    return "column " + " + ".join(repr(c) for c in columns)


def _refuse_repeats(path: Path, name: str, columns, found: list[list[int]], header_cells: list[str]) -> None:
    for column, at in zip(columns, found):
        if len(at) > 1:
            places = ", ".join(str(i + 1) for i in at)
            raise ScheduleError(
                f"{path}: column {column!r} appears {len(at)} times (columns {places}), and packets reads {name} "
                "from it; it cannot tell which one is right. Remove or rename the extra column in the export."
            )


def _found(header_cells: list[str]) -> str:
    """The header as found, cut short and with controls escaped: a header can be any text."""
    return excerpt(", ".join(h.strip() for h in header_cells if h.strip()) or "none", 120, quote=False)


# Ignored columns whose names say what they hold: the mapping that would use them.
_LOOKS_LIKE = {
    "date_of_birth": ("dob", "birth date", "birthdate", "date of birth", "birthday", "d.o.b."),
    "mrn": ("mrn", "medical record number", "chart number", "patient id", "record number"),
    "patient_name": ("patient", "patient name", "client", "client name", "name"),
    "escort_name": ("escort", "driver", "ride", "escort name"),
    "next_appointment": ("next appointment", "next visit", "next appt"),
    "provider": ("provider", "clinician", "doctor"),
}


def _mapping_hint(unused: list[str], mapped: set[str]) -> str:
    """``DOB`` left out because nothing maps it: say the line that would print it."""
    lines = []
    for column in dict.fromkeys(unused):
        key = " ".join(column.casefold().replace("_", " ").split())
        for field, names in _LOOKS_LIKE.items():
            if field not in mapped and key in names:
                lines.append(f"{field}: {column}")
                break
    if not lines:
        return ""
    return f". To use them, add under schedule.columns in clinic.yaml: {'; '.join(lines)}"


def _suggest(header_cells: list[str], settings: ReadSettings) -> str:
    preset = matching_preset(header_cells)
    if preset is None or preset.name == settings.preset:
        return ""
    return (f" This looks like an export from {preset.title}: add `schedule: {{preset: {preset.name}}}` to clinic.yaml"
            " (and map its billing codes or appointment types under schedule.treatments).")
