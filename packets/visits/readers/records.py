"""What every schedule reader hands to the one row builder, and the settings they read by.

A ``Record`` holds text under this project's field names (``patient_name``, ``time``,
``treatment``, ...) however the source named it, plus where each value came from, so
a CSV column, a FHIR element and an HL7 field all get the same checks and the same
kind of message.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from packets.config.schema import Clinic
from packets.errors import PacketsError
from packets.visits.readers.keys import normalize_key
from packets.visits.readers.presets import PRESETS
from packets.visits.when import DateReading, date_reading


class ScheduleError(PacketsError):
    """The schedule as a whole cannot be used; nothing is rendered."""


class RowError(PacketsError):
    """One value of one row is not usable. ``source`` names it as the export does, if not our column."""

    def __init__(self, column: str | None, message: str, source: str | None = None):
        self.column = column  # None: the row's structure (quotes, number of cells), not one value
        self.source = source
        where = None if column is None else f"column {column}" if source is None else f"{source} ({column})"
        super().__init__(f"{where}: {message}" if where else message)


@dataclass
class Record:
    """One appointment as read: our field -> text, and where each came from."""

    number: int  # spreadsheet row (header is 1), FHIR Bundle entry, or HL7 message number
    values: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str | None] = field(default_factory=dict)  # field -> "column 'Client'", "PID-5", ...
    error: RowError | None = None  # the reader could not get this appointment's fields


@dataclass
class Records:
    """A whole file as read, before any row is checked."""

    kind: str  # "csv", "fhir" or "hl7"
    items: list[Record]
    warnings: list[str] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)  # reason -> count, for what the reader dropped
    dated_fields: tuple[str, ...] = ("date", "date_time", "date_of_birth", "next_appointment")


SKIP = "skip"
CANCELLED = "cancelled"  # skip reasons, as the summary counts them
OTHER_DAY = "other-day"
OTHER_LOCATION = "other-location"
NOT_TREATMENT = "not-a-treatment"

# Status words that mean the patient is not coming (normalized). Presets add their own.
CANCELLED_STATUSES = frozenset({
    "cancelled", "canceled", "late cancel", "late cancelled", "late canceled", "no show", "no-show", "noshow",
    "entered-in-error", "deleted", "missed", "declined",
})


@dataclass(frozen=True)
class ReadSettings:
    """The clinic's ``schedule:`` config, with its preset applied, ready for the readers."""

    columns: dict[str, tuple[str, ...]]  # field -> export column names, as written
    preset: str | None
    own_columns: frozenset[str]  # fields the clinic mapped itself (schedule.columns), not the preset
    date_order: str | None
    date_source: str  # where date_order came from: "schedule.date_order", a preset, "country: US"
    zone: ZoneInfo | None
    treatments: dict[str, str]  # normalized appointment type or code -> kind or "skip"
    locations: frozenset[str]  # normalized
    cancelled: frozenset[str]  # normalized statuses that mean "not coming"

    @property
    def mapped(self) -> bool:
        return bool(self.columns)

    @classmethod
    def from_clinic(cls, clinic: Clinic) -> ReadSettings:
        config = clinic.schedule
        preset = PRESETS[config.preset] if config.preset else None
        columns = dict(preset.columns) if preset else {}
        if "date_time" in config.columns:  # the clinic's own time columns replace the preset's
            columns.pop("date", None), columns.pop("time", None)
        if {"date", "time"} & set(config.columns):
            columns.pop("date_time", None)
        for name, value in config.columns.items():
            columns[name] = (value,) if isinstance(value, str) else tuple(value)
        reading = clinic_date_reading(clinic)
        return cls(
            columns=columns,
            preset=config.preset,
            own_columns=frozenset(config.columns),
            date_order=reading.order,
            date_source=reading.source,
            zone=ZoneInfo(config.time_zone) if config.time_zone else None,
            treatments={normalize_key(k): v for k, v in config.treatments.items()},
            locations=frozenset(normalize_key(x) for x in config.locations),
            cancelled=CANCELLED_STATUSES | (preset.cancelled if preset else frozenset()),
        )


def clinic_date_reading(clinic: Clinic) -> DateReading:
    """How this clinic's dates are read, by every input: schedules, ``render --date``, the walk-in form."""
    preset = PRESETS[clinic.schedule.preset] if clinic.schedule.preset else None
    return date_reading(clinic.schedule.date_order, (preset.title, preset.date_order) if preset else None, clinic.country)


def pick_type(texts: list[str], settings: ReadSettings) -> str:
    """Of the names a source gives an appointment type (code, display, text), the one the clinic mapped, else the first."""
    for text in texts:
        if normalize_key(text) in settings.treatments:
            return text
    return texts[0] if texts else ""
