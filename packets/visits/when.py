"""Dates and times as scheduling systems export them, read without guessing.

``05/06/2026`` is 6 May in Chicago and 5 June in Berlin, so a date whose day and
month could be swapped is read only in the order the clinic states
(``schedule.date_order``, else its preset's, else its country's) or that the file
itself proves (another date in it whose first or second number is over 12). The same
reading serves every input: schedule cells, ``render --date`` and the station's
walk-in form, so one string never means two days. A cell with a date but no time is
an error: a printed "do not drive until" time must come from the schedule, never a
default.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from packets.config.loading import LoadedClinic
from packets.config.scaffold import machine_time_zone
from packets.visits.model import InputError, parse_time

DateOrder = str  # "MDY", "DMY" or "YMD"

# How people write numeric dates, by country (CLDR's short date patterns). Month first in the
# US, its territories and the Philippines; year first in East Asia and a few others; day first
# nearly everywhere else. Canada writes both, so it has no default: the clinic must say.
_MONTH_FIRST = frozenset({"US", "PR", "GU", "VI", "AS", "MP", "UM", "PH", "FM", "MH", "PW"})
_YEAR_FIRST = frozenset({"CN", "JP", "KR", "TW", "HU", "MN", "LT", "IR"})
_NO_DEFAULT = frozenset({"CA"})
ORDER_WORDS = {"MDY": "month first", "DMY": "day first", "YMD": "year first"}


def country_date_order(country: str) -> DateOrder | None:
    """The order a clinic in ``country`` writes ``05/06/2026`` in, or None where both are common."""
    if country in _NO_DEFAULT:
        return None
    return "MDY" if country in _MONTH_FIRST else "YMD" if country in _YEAR_FIRST else "DMY"


@dataclass(frozen=True)
class DateReading:
    """The order dates are read in, and who said so (for messages and ``validate``)."""

    order: DateOrder | None
    source: str  # "schedule.date_order", "the Tebra (Kareo) preset", "country: US", or why there is none

    def describe(self) -> str:
        """``05/06/2026 is read as May 6, 2026 (month first, from country: US)``, for ``validate``."""
        if self.order is None:
            return f"dates like 05/06/2026 are refused unless the schedule proves their order ({self.source}); set schedule.date_order."
        if self.order == "YMD":
            return f"numeric dates are read year first, like 2026/05/06 ({self.source})."
        sample = "May 6, 2026" if self.order == "MDY" else "5 June 2026"
        return f"dates like 05/06/2026 are read as {sample} ({ORDER_WORDS[self.order]}, from {self.source})."


def date_reading(date_order: DateOrder | None, preset: tuple[str, DateOrder | None] | None, country: str) -> DateReading:
    """The clinic's own ``date_order`` first, then its preset's, then its country's."""
    if date_order:
        return DateReading(date_order, "schedule.date_order")
    if preset and preset[1]:
        return DateReading(preset[1], f"the {preset[0]} preset")
    if (order := country_date_order(country)) is not None:
        return DateReading(order, f"country: {country}")
    return DateReading(None, f"country {country} writes dates both ways")


class DateProblem(InputError):
    """A date that cannot be read. ``bare`` says why without the value, for private fields."""

    def __init__(self, message: str, bare: str):
        super().__init__(message)
        self.bare = bare

_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_SECONDS = re.compile(r"^(\d{1,2}:\d{2}):\d{2}(?:\.\d+)?(\s*[AaPp]\.?\s*[Mm]\.?)?$")
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T")


def date_order_votes(texts: Iterable[str]) -> Counter:
    """Which order the file's unambiguous numeric dates prove: ``{"MDY": n, "DMY": m}``."""
    votes: Counter = Counter()
    for text in texts:
        head = text.strip().replace("T", " ", 1).split(" ", 1)[0]
        if m := _NUMERIC.match(head):
            first, second = int(m[1]), int(m[2])
            if first > 12 >= second:
                votes["DMY"] += 1
            elif second > 12 >= first:
                votes["MDY"] += 1
    return votes


def parse_day(text: str, order: DateOrder | None, source: str = "schedule.date_order") -> date:
    """``2026-11-21`` always; ``21/11/2026`` or ``11/21/2026`` by ``order``; raises ``DateProblem``.

    ``source`` names where the order came from, so an impossible date says what read it
    that way and which order would have read it.
    """
    value = text.strip()
    if m := _ISO.match(value):
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise _problem(text, "does not exist. Check the month and day.") from None
    if not (m := _NUMERIC.match(value)):
        raise _problem(text, "is not a date. Use 2026-11-21 or the export's own form, like 11/21/2026.")
    if len(m[3]) == 2:
        raise _problem(text, "has a two-digit year. Export dates with the year in full (2026).")
    first, second, year = int(m[1]), int(m[2]), int(m[3])
    if order == "YMD":
        raise _problem(text, f"is not year-month-day (the order from {source}). Use 2026-11-21.")
    if order is None:
        if first <= 12 and second <= 12 and first != second:
            raise _problem(text, "the day and month could be either way round. Set schedule.date_order (MDY or DMY) in clinic.yaml.")
        order, source = ("DMY" if first > 12 else "MDY"), "the date itself"
    month, day = (first, second) if order == "MDY" else (second, first)
    try:
        return date(year, month, day)
    except ValueError:
        pass
    read = f"is not a real date read {ORDER_WORDS[order]} ({order}, from {source})"
    other = "DMY" if order == "MDY" else "MDY"
    try:
        swapped = date(year, day, month)
    except ValueError:
        raise _problem(text, f"{read}. Check the month and day.") from None
    hint = f"If your dates are {ORDER_WORDS[other]}, set schedule.date_order: {other} in clinic.yaml."
    raise DateProblem(f"date {text!r} {read}; read {ORDER_WORDS[other]} it would be {swapped.day} {swapped:%B %Y}. {hint}",
                      f"{read[3:]}. Check the month and day. {hint}") from None


def _problem(text: str, why: str) -> DateProblem:
    """One message with the value (``date '2026-02-30' does not exist``) and one without, for private fields."""
    if why.startswith("the "):
        return DateProblem(f"date {text!r}: {why}", why)
    return DateProblem(f"date {text!r} {why}", why.removeprefix("is "))


def parse_clock(text: str) -> time:
    """``14:30``, ``2:30 PM``, and the same with seconds (``9:30:00 AM``), which are dropped."""
    value = text.strip()
    if m := _SECONDS.match(value):
        value = m[1] + (m[2] or "")
    return parse_time(value)


def parse_moment(text: str, order: DateOrder | None, zone: ZoneInfo | None, source: str = "schedule.date_order") -> datetime:
    """One cell holding date and time (``10/06/2025 12:00``, ``2026-11-21T09:30:00-08:00``), as clinic time.

    A time with a UTC offset is converted to the clinic's ``zone`` (required then);
    a cell with only a date is an error, never midnight.
    """
    value = text.strip()
    if _ISO_MOMENT.match(value):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise InputError(f"{text!r} is not a date and time, like 2026-11-21T09:30.") from None
        if moment.tzinfo is not None:
            if zone is None:
                raise InputError(f"{text!r} has a UTC offset; set schedule.time_zone in clinic.yaml so it can be shown as clinic time.")
            moment = moment.astimezone(zone).replace(tzinfo=None)
        return moment.replace(second=0, microsecond=0)
    parts = value.split(None, 1)
    if len(parts) < 2:
        raise InputError(f"{text!r} has a date but no time. Export the appointment's start time with its date.")
    return datetime.combine(parse_day(parts[0], order, source), parse_clock(parts[1]))


def local_moment(moment: datetime, zone: ZoneInfo | None) -> datetime:
    """An exported instant as the clinic's wall-clock time; naive times are already clinic time."""
    if moment.tzinfo is None:
        return moment
    if zone is None:
        raise InputError("the start time has a UTC offset; set schedule.time_zone in clinic.yaml so it can be shown as clinic time.")
    return moment.astimezone(zone).replace(tzinfo=None)


def clinic_zone(loaded: LoadedClinic) -> ZoneInfo | None:
    """The clinic's time zone (``schedule.time_zone``), else this computer's, else None (wall-clock hours)."""
    name = loaded.clinic.schedule.time_zone or machine_time_zone()
    return ZoneInfo(name) if name else None


def hours_after(start: datetime, hours: int, zone: ZoneInfo | None) -> datetime:
    """The clinic wall-clock time ``hours`` real hours after ``start`` (itself clinic wall-clock time).

    Across a daylight-saving change the clock moves: 24 hours after 9:00 PM on the
    Saturday before the fall change is 8:00 PM on Sunday, and in spring it is 10:00 PM.
    Counting on the wall clock would print the spring time an hour early (9:00 PM) and
    the fall one an hour late. Without a known zone, hours are counted on the wall clock.
    """
    if zone is None:
        return start + timedelta(hours=hours)
    real = (start.replace(tzinfo=zone).astimezone(timezone.utc) + timedelta(hours=hours)).astimezone(zone)
    wall = real.replace(tzinfo=None)
    if real.fold == 1 and wall.replace(tzinfo=zone, fold=0).utcoffset() != wall.replace(tzinfo=zone, fold=1).utcoffset():
        # The second pass of the hour the clocks repeat in the fall: "1:00 AM" would also be read
        # as the first, an hour early. Print the clock time an hour on, which happens only once.
        return wall + (wall.replace(tzinfo=zone, fold=0).utcoffset() - real.utcoffset())  # type: ignore[operator]
    return wall
